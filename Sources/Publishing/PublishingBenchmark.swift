#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Connectors
import Foundation
import GRDB
import Platforms
import Synchronization

/// Measures the scheduler: publications scheduled through the real API into a real WAL database
/// (synchronous=FULL), then driven by the background loop through a connector that answers at once.
///
/// The publications come due at an even pace over ``Configuration/spreadSeconds`` (so the run measures keeping up,
/// not draining a backlog). Reported: scheduling cost, scheduler CPU time per publication (the overhead: claims,
/// records, dispatch), wall time, and the worst lateness — how long after its due time a publication's publish call
/// started. Goals (issue 7): overhead < 1 ms per publication, lateness < 1 s.
///
/// ```swift
/// let r = try await PublishingBenchmark.run(.init(count: 10_000))
/// print(r.summary)
/// ```
public enum PublishingBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        /// Publications to schedule and publish.
        public var count: Int
        /// Seconds over which they come due.
        public var spreadSeconds: Double
        /// Concurrent calls allowed to the fake platform.
        public var concurrency: Int
        /// Where the benchmark's scratch directory is made (the system's temporary directory when nil). The run
        /// uses a fresh subdirectory of its own, removed afterwards, so a data directory can be given safely.
        public var directory: String?

        /// A configuration; the defaults are the 10,000 publications due over 10 s.
        public init(count: Int = 10_000, spreadSeconds: Double = 10, concurrency: Int = 64, directory: String? = nil) {
            self.count = max(1, count)
            self.spreadSeconds = max(0, spreadSeconds)
            self.concurrency = max(1, concurrency)
            self.directory = directory
        }
    }

    /// The measurements.
    public struct Result: Sendable {
        /// Publications scheduled and published.
        public var count: Int
        /// Wall milliseconds per publication spent in `Outbox.schedule` (100 targets per call).
        public var scheduleMsPerPublication: Double
        /// Process CPU milliseconds per publication while the scheduler drove them (the scheduler's overhead).
        public var overheadMsPerPublication: Double
        /// Wall seconds from the first due time until the last publication was recorded.
        public var driveSeconds: Double
        /// The worst delay between a publication's due time and the start of its publish call, in milliseconds.
        public var worstLatenessMs: Double
        /// The 99th-percentile lateness in milliseconds.
        public var p99LatenessMs: Double
        /// Posts the fake platform received (must equal ``count``: each exactly once).
        public var posts: Int

        /// One line per figure, with the goals.
        public var summary: String {
            func f(_ v: Double) -> String { String(format: "%.3f", v) }
            return """
                publishing: \(count) publications, \(posts) posts received
                schedule: \(f(scheduleMsPerPublication)) ms/publication
                scheduler overhead: \(f(overheadMsPerPublication)) ms CPU/publication (goal < 1)
                drive: \(f(driveSeconds)) s; lateness worst \(f(worstLatenessMs)) ms, p99 \(f(p99LatenessMs)) ms (goal < 1000)
                """
        }
    }

    /// Runs the benchmark.
    public static func run(_ configuration: Configuration = Configuration()) async throws -> Result {
        var parent = configuration.directory ?? NSTemporaryDirectory()
        if !parent.hasSuffix("/") { parent += "/" }
        let dir = parent + "publishing-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let writer = try PublishingDatabase.open(path: dir + "/publishing.sqlite")
        let vault = AccountVault(writer: writer, key: try VaultKey.loadOrCreate(directory: dir))
        let outbox = Outbox(writer: writer, catalog: PlatformCatalog(profiles: []))
        let accountsPerBatch = 100
        var accounts: [String] = []
        for i in 0..<min(accountsPerBatch, configuration.count) {
            accounts.append(try await vault.connect(creator: "bench", platform: "bench", label: "a\(i)", info: AccountInfo(handle: "bench\(i)"), credentials: ["token": "t"]).id)
        }

        // Schedule through the real API, due far ahead; then pace the due times.
        let far = Date().addingTimeInterval(86_400)
        let scheduleStart = DispatchTime.now().uptimeNanoseconds
        var made = 0
        while made < configuration.count {
            let n = min(accounts.count, configuration.count - made)
            let targets = (0..<n).map { i in
                PublicationTarget(accountID: accounts[i], at: far, post: FormattedPost(platform: "bench", parts: [PostPart(text: "post \(made + i)", length: 10, limit: 500)],
                                                                                       fits: true, threadAvailable: false, warnings: []))
            }
            _ = try await outbox.schedule(contentID: "bench-\(made)", creator: "bench", targets: targets, timeZone: "UTC")
            made += n
        }
        let scheduleMs = Double(DispatchTime.now().uptimeNanoseconds - scheduleStart) / 1e6

        let firstDue = AccountVault.ms(Date()) + 500
        let stepMS = configuration.spreadSeconds * 1000 / Double(configuration.count)
        try await writer.write { db in
            try db.execute(sql: "UPDATE publications SET due_at = ? + CAST((id - (SELECT MIN(id) FROM publications)) * ? AS INTEGER), next_attempt_at = NULL",
                           arguments: [firstDue, stepMS])
            try db.execute(sql: "UPDATE publications SET next_attempt_at = due_at")
        }

        let connector = InstantConnector()
        var config = SchedulerConfiguration()
        config.concurrency = ["bench": configuration.concurrency]
        let scheduler = Scheduler(outbox: outbox, vault: vault, connectors: ["bench": connector], configuration: config)
        let cpuBefore = cpuSeconds()
        let task = Task { await scheduler.run() }
        while true {
            try await Task.sleep(for: .milliseconds(50))
            let done = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM publications WHERE state = 'published'") ?? 0 }
            if done == configuration.count { break }
            if AccountVault.ms(Date()) > firstDue + Int64(configuration.spreadSeconds * 1000) + 600_000 {
                task.cancel()
                throw PublishingError(.storage, "the benchmark did not finish within 10 minutes of the last due time (\(done) of \(configuration.count) published)")
            }
        }
        let cpu = cpuSeconds() - cpuBefore
        task.cancel()
        await task.value

        let (lateness, lastDone) = try await writer.read { db -> ([Int64], Int64) in
            let late = try Int64.fetchAll(db, sql: """
                SELECT MIN(a.started_at) - p.due_at FROM publications p JOIN publication_attempts a ON a.publication_id = p.id GROUP BY p.id
                """)
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(finished_at) FROM publication_attempts") ?? firstDue
            return (late.sorted(), last)
        }
        let p99 = lateness.isEmpty ? 0 : lateness[min(lateness.count - 1, Int(Double(lateness.count) * 0.99))]
        return Result(count: configuration.count, scheduleMsPerPublication: scheduleMs / Double(configuration.count),
                      overheadMsPerPublication: cpu * 1000 / Double(configuration.count), driveSeconds: Double(lastDone - firstDue) / 1000,
                      worstLatenessMs: Double(lateness.last ?? 0), p99LatenessMs: Double(p99), posts: connector.count)
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) // Glibc imports RUSAGE_SELF as an enum case
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// A platform that answers at once and counts posts.
private final class InstantConnector: PlatformConnector {
    let platform = "bench"
    let supportsIdempotencyKey = true
    private let posts = Mutex(0)
    var count: Int { posts.withLock { $0 } }

    func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo { AccountInfo(handle: "bench") }
    func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError) -> PublishedPost {
        let n = posts.withLock { $0 += 1; return $0 }
        return PublishedPost(id: "b\(n)", url: nil, partIDs: ["b\(n)"])
    }
    func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost? { nil }
}
