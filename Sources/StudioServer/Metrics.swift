import Cache
import Glibc
import HTTP
import Prometheus

/// The Prometheus metrics of the daemon, exposed at `/metrics`.
///
/// Request metrics are labelled by route template (never the raw path, so label
/// cardinality stays bounded), method and status. Process metrics are read from `/proc`
/// at scrape time.
public final class StudioMetrics: Sendable {
    /// The registry other parts add their metrics to.
    public let registry = PrometheusCollectorRegistry()
    private let requestCounters = Locked<[String: Counter]>([:])
    private let latencies = Locked<[String: DurationHistogram]>([:])
    private let startedAt = monotonicSeconds()
    private let uptime: Gauge
    private let residentBytes: Gauge
    private let openFiles: Gauge
    private let threads: Gauge
    /// `content_generation_duration_seconds`, from the original design (filled by generation).
    public let generationDuration: ValueHistogram
    private let observedCaches = Locked<[CacheObservation]>([])
    private let declared = Locked<[(name: String, type: String, help: String)]>([])
    private let routeFigures = Locked<[String: RouteFigures]>([:])

    /// Running totals per route, for the admin page's request rates and latencies.
    public struct RouteFigures: Sendable, Codable {
        /// Requests answered.
        public var requests: Int = 0
        /// Of which 5xx.
        public var errors: Int = 0
        /// Sum of latencies in seconds.
        public var seconds: Double = 0
    }

    /// One cache's counters as last exported, to turn its running totals into counter increments.
    final class CacheObservation: @unchecked Sendable {
        // Sound: only touched inside `observedCaches.withLock`.
        let cache: TieredCache
        var last: CacheStatistics?
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
        init(cache: TieredCache) { self.cache = cache }
    }

    /// Registers the standard metrics.
    public init() {
        uptime = registry.makeGauge(name: "process_uptime_seconds", help: "Seconds since the daemon started.")
        residentBytes = registry.makeGauge(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.")
        openFiles = registry.makeGauge(name: "process_open_fds", help: "Number of open file descriptors.")
        threads = registry.makeGauge(name: "process_threads", help: "Number of OS threads.")
        generationDuration = registry.makeValueHistogram(
            name: "content_generation_duration_seconds", buckets: [0.1, 0.5, 1, 2, 5, 10],
            help: "Time to generate one content item, from request to stored result.")
        // The original design calls revenue_total a gauge; Prometheus (and promtool) reserve the
        // _total suffix for counters, and revenue recognised only grows, so it is a counter here.
        // MRR, which can fall, is the gauge revenue_mrr.
        declare("revenue_total", type: "counter", help: "Revenue recognised on invoices, in minor units, by currency and plan tier.")
        declare("revenue_mrr", type: "gauge", help: "Monthly recurring revenue in minor units, by currency.")
        declare("active_users", type: "gauge", help: "Customers with an active subscription, by plan and region.")
    }

    /// Declares a metric family that has no series until the data behind it exists; its
    /// HELP and TYPE lines are exposed meanwhile so that dashboards and alerts can be written.
    public func declare(_ name: String, type: String, help: String) {
        declared.withLock { $0.append((name, type, help)) }
    }

    /// Per-route totals since start.
    public func routeTotals() -> [String: RouteFigures] {
        routeFigures.withLock { $0 }
    }

    /// Records one finished request.
    public func record(_ access: HTTPServer.AccessRecord) {
        let key = "\(access.route)\u{1}\(access.method)\u{1}\(access.status)"
        let counter = requestCounters.withLock { cache -> Counter in
            if let existing = cache[key] { return existing }
            let made = registry.makeCounter(
                name: "http_requests_total",
                labels: [("endpoint", access.route), ("method", access.method), ("status", String(access.status))],
                help: "HTTP requests by route template, method and status.")
            cache[key] = made
            return made
        }
        counter.increment()
        let histogram = latencies.withLock { cache -> DurationHistogram in
            if let existing = cache[access.route] { return existing }
            let made = registry.makeDurationHistogram(
                name: "http_request_duration_seconds", labels: [("endpoint", access.route)],
                buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)],
                help: "Time from request headers to response, by route template.")
            cache[access.route] = made
            return made
        }
        histogram.recordNanoseconds(Int64(access.seconds * 1e9))
        routeFigures.withLock { figures in
            figures[access.route, default: RouteFigures()].requests += 1
            figures[access.route, default: RouteFigures()].seconds += access.seconds
            if access.status >= 500 { figures[access.route, default: RouteFigures()].errors += 1 }
        }
    }

    /// Exports a cache's per-tier hits, misses, evictions, expirations, entries and bytes.
    public func observe(_ cache: TieredCache) {
        let observation = CacheObservation(cache: cache)
        for tier in CacheTier.allCases {
            let labels = [("tier", "\(tier)")]
            for (name, help) in [("hits", "Cache hits"), ("misses", "Cache misses (a miss in every tier counts once, on cold)"),
                                 ("evictions", "Entries evicted for space"), ("expirations", "Entries dropped at the end of their TTL")] {
                observation.counters["\(tier).\(name)"] = registry.makeCounter(name: "cache_\(name)_total", labels: labels, help: "\(help), by tier.")
            }
            observation.gauges["\(tier).entries"] = registry.makeGauge(name: "cache_entries", labels: labels, help: "Entries held, by tier.")
            observation.gauges["\(tier).bytes"] = registry.makeGauge(name: "cache_bytes", labels: labels, help: "Bytes accounted (keys, values, overhead), by tier.")
        }
        observedCaches.withLock { $0.append(observation) }
    }

    private func exportCaches() {
        observedCaches.withLock { observations in
            for observation in observations {
                let now = observation.cache.statistics()
                for tier in CacheTier.allCases {
                    let current = now[tier]
                    let previous = observation.last?[tier] ?? TierStatistics()
                    for (name, value, before) in [("hits", current.hits, previous.hits), ("misses", current.misses, previous.misses),
                                                  ("evictions", current.evictions, previous.evictions), ("expirations", current.expirations, previous.expirations)]
                        where value > before {
                        observation.counters["\(tier).\(name)"]?.increment(by: Int64(value - before))
                    }
                    observation.gauges["\(tier).entries"]?.set(Double(current.entries))
                    observation.gauges["\(tier).bytes"]?.set(Double(current.bytes))
                }
                observation.last = now
            }
        }
    }

    /// The text exposition, process figures refreshed first.
    public func render() -> [UInt8] {
        exportCaches()
        let process = ProcessFigures.read()
        uptime.set(monotonicSeconds() - startedAt)
        residentBytes.set(Double(process.residentBytes))
        openFiles.set(Double(process.openFiles))
        threads.set(Double(process.threads))
        var out = registry.emitToBuffer()
        let text = String(decoding: out, as: UTF8.self)
        for family in declared.withLock({ $0 }) where !text.contains("# TYPE \(family.name) ") {
            out.append(contentsOf: Array("# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n".utf8))
        }
        return out
    }
}

/// Figures about this process read from `/proc/self`.
public struct ProcessFigures: Sendable {
    /// Resident set size in bytes.
    public var residentBytes: Int
    /// Open file descriptors.
    public var openFiles: Int
    /// OS threads.
    public var threads: Int

    /// Reads the current figures.
    public static func read() -> ProcessFigures {
        var figures = ProcessFigures(residentBytes: 0, openFiles: 0, threads: 0)
        if let status = StaticFiles.readFile("/proc/self/status", limit: 64 << 20) {
            for line in String(decoding: status, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("VmRSS:") {
                    figures.residentBytes = (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
                } else if line.hasPrefix("Threads:") {
                    figures.threads = Int(line.split(separator: "\t").last.map { String($0).trimming(" ") } ?? "") ?? 0
                }
            }
        }
        if let dir = opendir("/proc/self/fd") {
            var count = 0
            while readdir(dir) != nil { count += 1 }
            closedir(dir)
            figures.openFiles = max(0, count - 3) // ".", ".." and the directory's own descriptor
        }
        return figures
    }
}

/// Seconds on the monotonic clock (for uptimes and intervals).
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
