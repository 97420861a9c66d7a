import CivilDate
import Dispatch
import Graph
import Synchronization
import Writing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures durable metric ingestion for `make bench` (studio-bench calls it).
public enum ContentBenchmark {
    /// Creates a fresh store at `path` with 100 content items, then ingests `snapshots` distinct snapshots
    /// (4 platforms, a new instant each) in batches of `batch`, and returns snapshots per second.
    ///
    /// Each batch is one `ContentStore.ingest` call, answered only once its transaction is on disk.
    /// `clients` callers post batches at the same time, as platform pollers and API clients do in the
    /// daemon; the writer then commits their batches together. The caller owns `path` and removes it.
    public static func ingest(path: String, snapshots: Int = 100_000, batch: Int = 1000, clients: Int = 1) throws -> Double {
        let graph = try GraphStore(directory: path, options: GraphStore.Options(initialMapSize: 256 << 20))
        defer { graph.close() }
        let store = try ContentStore(graph: graph)
        let caller = ContentCaller(userID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", isAdmin: false)
        var ids: [String] = []
        for i in 0..<100 {
            ids.append(try store.create(NewContent(kind: .socialPost, title: "Benchmark post \(i)", body: "Body \(i)"), by: caller).id)
        }
        let contentIDs = ids
        let platforms = ["youtube", "x", "instagram", "tiktok"]
        let start = WallClock.epochMilliseconds()
        let batches = (snapshots + batch - 1) / max(batch, 1)
        @Sendable func make(_ b: Int) -> [MetricSnapshot] {
            let first = b * batch
            return (first..<min(first + batch, snapshots)).map { k in
                MetricSnapshot(contentID: contentIDs[k % contentIDs.count], platform: platforms[(k / contentIDs.count) % platforms.count],
                               at: start + Int64(k), views: Int64(100 + k % 997), likes: Int64(k % 89), comments: Int64(k % 13),
                               shares: Int64(k % 7), saves: Int64(k % 5), watchSeconds: Int64(k % 3001))
            }
        }
        let failure = Mutex<(any Error)?>(nil)
        let workers = max(1, clients)
        let began = monotonicNanoseconds()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for b in stride(from: worker, to: batches, by: workers) {
                if failure.withLock({ $0 != nil }) { return }
                do {
                    _ = try store.ingest(make(b), by: caller)
                } catch {
                    failure.withLock { $0 = error }
                    return
                }
            }
        }
        let seconds = Double(monotonicNanoseconds() - began) / 1e9
        if let error = failure.withLock({ $0 }) { throw error }
        return Double(snapshots) / max(seconds, 1e-9)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
