/// A quick throughput and latency measurement of ``HTTPClient`` against one URL.
public enum HTTPClientBenchmark {
    /// Sends `requests` GET requests to `url` one after another (each on a fresh connection) and
    /// returns completed exchanges per second and the 99th percentile latency in milliseconds.
    /// Failed exchanges count in the timing; with none sent the result is `(0, 0)`.
    /// `caFile` trusts a test server's self-signed certificate for https URLs.
    public static func run(url: String, requests: Int, caFile: String? = nil) async -> (perSecond: Double, p99Millis: Double) {
        guard requests > 0 else { return (0, 0) }
        let client = HTTPClient(caFile: caFile)
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        latencies.reserveCapacity(requests)
        let begin = clock.now
        for _ in 0..<requests {
            let started = clock.now
            _ = try? await client.send(HTTPClientRequest(url: url))
            latencies.append(clock.now - started)
        }
        let total = clock.now - begin
        latencies.sort()
        let p99 = latencies[min(latencies.count - 1, (latencies.count * 99 + 99) / 100 - 1)]
        return (Double(requests) / seconds(total), seconds(p99) * 1000)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}
