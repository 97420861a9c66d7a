import ArgumentParser
import Content
import Foundation
import Generation
import Glibc
import HTTP
import Logging
import Publishing
import Writing

/// `studio-bench content`: issue 6's performance lines.
///
/// - Orchestration overhead: the same fake OpenAI-compatible server (the project's HTTP server on loopback answering
///   a fixed completion) called directly through the provider and through the Orchestrator; the difference is the
///   routing, budget, scoring and bookkeeping the orchestrator adds (goal < 1 ms).
/// - Builtin generation: title + hashtags + meta description of a 2,000-word article (goal < 5 ms).
/// - Metric ingestion: 100,000 snapshots in batches of 1,000 into the LMDB graph, each batch durable when it returns
///   (goal ≥ 50,000 snapshots/s).
struct ContentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "content", abstract: "Generation overhead, builtin generation and metric ingestion")

    @Option(help: "Requests for the overhead measurement.") var requests = 2000
    @Option(help: "Iterations of the builtin generation.") var iterations = 200
    @Option(help: "Metric snapshots to ingest.") var snapshots = 100_000
    @Option(help: "Scratch directory (default: a fresh temporary directory, removed afterwards).") var dataDir: String?

    func run() async throws {
        var server = Router()
        let body = Array(GenerationBenchmark.fakeCompletionBody.utf8)
        server.post("/v1/chat/completions", RouteInfo(summary: "fake completion")) { _ in
            var response = Response(status: 200, body: body)
            response.headers["Content-Type"] = "application/json"
            return response
        }
        var configuration = HTTPServer.Configuration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.threads = 1
        let fake = HTTPServer(configuration: configuration, logger: Logger(label: "bench")) { [server] in server.respond($0) }
        try fake.start()
        defer { fake.stop() }
        let (provider, orchestrator) = await GenerationBenchmark.overhead(fakeServerURL: "http://127.0.0.1:\(fake.port)/v1", requests: requests)
        let overhead = orchestrator - provider
        print(String(format: "generation: provider call %.3f ms, through the orchestrator %.3f ms: overhead %.3f ms per request  [goal < 1 ms]",
                     provider, orchestrator, overhead))

        let builtin = WritingBenchmark.titleHashtagsMeta(words: 2000, iterations: iterations)
        let uncached = WritingBenchmark.titleHashtagsMetaUncached(words: 2000, iterations: iterations)
        print(String(format: "builtin model: title + hashtags + meta description of a 2,000-word article %.3f ms (one shared analysis), %.3f ms with three separate analyses  [goal < 5 ms, %.2fx of the goal]",
                     builtin, uncached, builtin / 5))

        let dir = dataDir ?? "/tmp/studio-content-bench-\(getpid())"
        mkdir(dir, 0o700)
        defer { if dataDir == nil { _ = system("rm -rf '\(dir)'") } }
        let rate = try ContentBenchmark.ingest(path: dir + "/graph", snapshots: snapshots, batch: 1000)
        print(String(format: "metrics: %d snapshots in batches of 1,000, durable: %.0f snapshots/s  [goal >= 50000/s, %.2fx of the goal]",
                     snapshots, rate, rate / 50_000))
    }
}

/// `studio-bench publishing`: issue 7's scheduler figures — 10,000 publications scheduled into the outbox and
/// driven through an instant fake connector (goal: overhead < 1 ms per publication, none later than 1 s).
struct PublishingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "publishing", abstract: "Scheduler overhead and lateness over 10,000 publications")

    @Option(help: "Publications.") var count = 10_000
    @Option(help: "Seconds over which they come due.") var spread = 10.0
    @Option(help: "Scratch directory (default: a fresh temporary directory).") var dataDir: String?

    func run() async throws {
        let result = try await PublishingBenchmark.run(PublishingBenchmark.Configuration(count: count, spreadSeconds: spread, directory: dataDir))
        print(result.summary)
    }
}
