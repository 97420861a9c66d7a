import ArgumentParser

/// `studio-bench`: the benchmark drivers `make bench` runs (see Tests/bench/run.sh).
@main
struct StudioBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio-bench",
        abstract: "Benchmarks of Creator Studio's engines, printed beside the references they are compared with.",
        subcommands: [GraphBench.self, CacheBench.self, BillingBench.self, ContentBench.self, PublishingBench.self]
    )
}
