import Graph
import Writing

/// Measures durable metric ingestion for `make bench` (studio-bench calls it).
public enum ContentBenchmark {
    /// Creates a fresh store at `path` with 100 content items, then ingests `snapshots` distinct snapshots in
    /// batches of `batch` (one durable write transaction each), and returns snapshots per second.
    /// The caller owns `path` and removes it afterwards.
    public static func ingest(path: String, snapshots: Int = 100_000, batch: Int = 1000) throws -> Double {
        let graph = try GraphStore(directory: path, options: GraphStore.Options(initialMapSize: 256 << 20))
        defer { graph.close() }
        let store = try ContentStore(graph: graph)
        let caller = ContentCaller(userID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", isAdmin: false)
        var ids: [String] = []
        for i in 0..<100 {
            ids.append(try store.create(NewContent(kind: .socialPost, title: "Benchmark post \(i)", body: "Body \(i)"), by: caller).id)
        }
        let platforms = ["youtube", "x", "instagram", "tiktok"]
        let start = WallClock.epochMilliseconds() * 1000
        let began = monotonicNanoseconds()
        var done = 0
        while done < snapshots {
            let n = min(batch, snapshots - done)
            var items: [MetricSnapshot] = []
            items.reserveCapacity(n)
            for j in 0..<n {
                let k = done + j
                items.append(MetricSnapshot(contentID: ids[k % ids.count], platform: platforms[(k / ids.count) % platforms.count],
                                            at: start / 1000 + Int64(k), views: Int64(100 + k % 997), likes: Int64(k % 89),
                                            comments: Int64(k % 13), shares: Int64(k % 7), saves: Int64(k % 5), watchSeconds: Int64(k % 3001)))
            }
            _ = try store.ingest(items, by: caller)
            done += n
        }
        let seconds = Double(monotonicNanoseconds() - began) / 1e9
        return Double(snapshots) / max(seconds, 1e-9)
    }

    static func monotonicNanoseconds() -> UInt64 {
        DispatchFreeClock.nanoseconds()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotonic clock without Foundation.
enum DispatchFreeClock {
    static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
