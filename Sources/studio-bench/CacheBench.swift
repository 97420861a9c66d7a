import ArgumentParser
import Cache
import Dispatch
import Glibc
import Synchronization

/// `studio-bench cache`: the tiered cache alone, plus the reference policies computed on the same trace.
///
/// Prints operations per second (1 and 2 threads, 1 KiB values), hit ratios on a Zipf(0.99) trace
/// against exact LRU and the clairvoyant static top-C, and memory per entry (from glibc's allocator
/// counters). `--trace-out` writes the trace (little-endian UInt32 key ranks) so Redis can replay the
/// same requests; `--json` writes the figures for `Tests/bench/cache/report.py`.
struct CacheBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Tiered cache: ops/s, Zipf hit ratio vs LRU and top-C, memory per entry."
    )

    @Option(help: "Requests in the Zipf trace.") var requests = 1_000_000
    @Option(help: "Distinct keys the trace draws from.") var keys = 100_000
    @Option(help: "Zipf exponent.") var exponent = 0.99
    @Option(help: "Trace seed.") var seed: UInt64 = 1234
    @Option(help: "Value size in bytes.") var valueSize = 1024
    @Option(help: "Cache sizes as percent of the key space.") var percents: [Double] = [1, 5, 10]
    @Option(help: "Operations per thread in each ops/s measurement.") var operations = 2_000_000
    @Option(help: "Entries for the memory measurement.") var memoryEntries = 100_000
    @Option(help: "Write the trace here (UInt32 little-endian key ranks).") var traceOut: String?
    @Option(help: "Write the results here as JSON.") var json: String?
    @Option(help: "Parts to run: ops, hit, memory (comma-separated).") var parts = "ops,hit,memory"

    func run() throws {
        var results: [(String, String)] = []
        print("== cache engine (values \(valueSize) B)")

        let selected = Set(parts.split(separator: ",").map(String.init))
        let ops = selected.contains("ops") ? try measureOperations() : []
        for (name, value) in ops {
            print(pad(name, 34) + format(value, digits: 0) + (name.contains("cpu") ? "" : " ops/s"))
            results.append((name, format(value, digits: 0)))
        }

        if selected.contains("hit") { try measureHitRatios(into: &results) }
        if selected.contains("memory") {
            let (measured, accounted) = try measureMemory()
            print(pad("memory per entry beyond key+value", 34) + format(measured, digits: 1) + " B measured (malloc), "
                + format(accounted, digits: 1) + " B accounted")
            results.append(("memory_measured", format(measured, digits: 1)))
            results.append(("memory_accounted", format(accounted, digits: 1)))
        }

        if let json {
            let body = "{\n" + results.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
            try writeFile(body, to: json)
        }
    }

    private func measureHitRatios(into results: inout [(String, String)]) throws {
        let trace = zipfTrace()
        if let traceOut { try writeTrace(trace, to: traceOut) }
        let distinct = Set(trace).count
        print("trace: \(trace.count) requests over \(keys) keys, Zipf(\(exponent)), seed \(seed), \(distinct) distinct")
        results.append(("trace_distinct", "\(distinct)"))
        print(pad("capacity", 18) + pad("LRU", 10) + pad("top-C", 10) + pad("tiered", 10) + pad("tiered-noTLFU", 15) + "entries")
        for percent in percents {
            let capacity = Int((Double(keys) * percent / 100).rounded())
            let lru = lruHitRatio(trace, capacity: capacity)
            let oracle = oracleHitRatio(trace, capacity: capacity)
            let (tiered, entries) = try tieredHitRatio(trace, capacity: capacity, admission: true)
            let (plain, _) = try tieredHitRatio(trace, capacity: capacity, admission: false)
            print(pad("\(percent)% (\(capacity))", 18) + pad(format(lru * 100, digits: 1), 10)
                + pad(format(oracle * 100, digits: 1), 10) + pad(format(tiered * 100, digits: 1), 10)
                + pad(format(plain * 100, digits: 1), 15) + "\(entries)")
            let tag = "\(Int(percent))"
            results += [
                ("capacity_\(tag)", "\(capacity)"),
                ("lru_\(tag)", format(lru, digits: 4)), ("oracle_\(tag)", format(oracle, digits: 4)),
                ("tiered_\(tag)", format(tiered, digits: 4)), ("tiered_noadmission_\(tag)", format(plain, digits: 4)),
                ("tiered_entries_\(tag)", "\(entries)"),
            ]
        }

    }

    // MARK: Operations per second

    private func measureOperations() throws -> [(String, Double)] {
        // A working set that fits in the default hot tier (16k × ~1.1 KiB ≈ 18 MiB of 32 MiB).
        let count = 16_384
        let cache = try TieredCache()
        let names = (0..<count).map { keyName($0) }
        let value = randomBytes(valueSize, seed: 99)
        for name in names { try cache.set(name, value) }
        var out: [(String, Double)] = []
        for threads in [1, 2] {
            let suffix = "\(threads) thread\(threads > 1 ? "s" : "")"
            let get = parallel(threads, operations: operations) { thread in
                var rng = SplitMix64(seed: UInt64(thread) + 1)
                var found = 0
                for _ in 0..<operations {
                    if let v = cache.get(names[Int(rng.next() & UInt64(count - 1))]) { found &+= v.count }
                }
                precondition(found > 0)
            }
            let set = parallel(threads, operations: operations / 2) { thread in
                var rng = SplitMix64(seed: UInt64(thread) + 7)
                for _ in 0..<operations / 2 {
                    _ = try? cache.set(names[Int(rng.next() & UInt64(count - 1))], value)
                }
            }
            out += [("get, " + suffix, get.wall), ("set, " + suffix, set.wall),
                    ("get per cpu-second, " + suffix, get.cpu), ("set per cpu-second, " + suffix, set.cpu)]
        }
        let s = cache.statistics()
        precondition(s.hot.hits > 0 && s.warm.entries == 0, "ops/s working set must stay in hot")
        return out
    }

    /// Runs `body` on `threads` threads at once, each doing `operations` operations. Returns total
    /// operations per wall-clock second, and per CPU-second actually spent by the threads (the machine
    /// is shared: the second figure is the engine's cost whatever else runs).
    private func parallel(_ threads: Int, operations: Int, _ body: @Sendable (Int) -> Void) -> (wall: Double, cpu: Double) {
        let cpuNanoseconds = CPUTotal()
        let start = monotonicSeconds()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let before = threadCPUSeconds()
            body(thread)
            cpuNanoseconds.add(threadCPUSeconds() - before)
        }
        let elapsed = monotonicSeconds() - start
        let total = Double(operations * threads)
        return (total / elapsed, total / cpuNanoseconds.seconds)
    }

    // MARK: Hit ratios

    private func zipfTrace() -> [UInt32] {
        var cdf = [Double](repeating: 0, count: keys)
        var sum = 0.0
        for r in 0..<keys {
            sum += 1 / pow(Double(r + 1), exponent)
            cdf[r] = sum
        }
        var rng = SplitMix64(seed: seed)
        var trace = [UInt32](repeating: 0, count: requests)
        for i in 0..<requests {
            let u = Double(rng.next() >> 11) / Double(1 << 53) * sum
            var lo = 0, hi = keys - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cdf[mid] < u { lo = mid + 1 } else { hi = mid }
            }
            trace[i] = UInt32(lo)
        }
        return trace
    }

    /// Exact LRU holding `capacity` keys; a miss inserts.
    private func lruHitRatio(_ trace: [UInt32], capacity: Int) -> Double {
        var prev = [Int32](repeating: -1, count: keys), next = [Int32](repeating: -1, count: keys)
        var present = [Bool](repeating: false, count: keys)
        var head: Int32 = -1, tail: Int32 = -1, size = 0, hits = 0
        func unlink(_ k: Int32) {
            let p = prev[Int(k)], n = next[Int(k)]
            if p >= 0 { next[Int(p)] = n } else { head = n }
            if n >= 0 { prev[Int(n)] = p } else { tail = p }
        }
        func pushFront(_ k: Int32) {
            prev[Int(k)] = -1
            next[Int(k)] = head
            if head >= 0 { prev[Int(head)] = k } else { tail = k }
            head = k
        }
        for r in trace {
            let k = Int32(r)
            if present[Int(k)] {
                hits += 1
                unlink(k)
                pushFront(k)
            } else {
                if size == capacity {
                    let victim = tail
                    unlink(victim)
                    present[Int(victim)] = false
                    size -= 1
                }
                pushFront(k)
                present[Int(k)] = true
                size += 1
            }
        }
        return Double(hits) / Double(trace.count)
    }

    /// Clairvoyant static cache: the `capacity` most requested keys of the whole trace, each missed once.
    private func oracleHitRatio(_ trace: [UInt32], capacity: Int) -> Double {
        var counts = [Int](repeating: 0, count: keys)
        for r in trace { counts[Int(r)] += 1 }
        let top = counts.sorted(by: >).prefix(capacity).filter { $0 > 0 }
        return Double(top.reduce(0, +) - top.count) / Double(trace.count)
    }

    /// The tiered cache with the same memory as `capacity` entries of this shape, split over the tiers
    /// in the default 32:128:512 proportion; a miss sets. Returns the hit ratio and the final entry count.
    private func tieredHitRatio(_ trace: [UInt32], capacity: Int, admission: Bool) throws -> (Double, Int) {
        let perEntry = TieredCache.accountedBytes(keyCount: keyName(0).utf8.count, storedValueCount: valueSize)
        let total = capacity * perEntry
        let hotShare = 32
        let clock = ManualCacheClock()
        let cache = try TieredCache(configuration: .init(
            hot: .init(ttl: .seconds(300), byteBudget: total * hotShare / 672),
            warm: .init(ttl: .seconds(3_600), byteBudget: total * 128 / 672),
            cold: .init(ttl: .seconds(86_400), byteBudget: total - total * hotShare / 672 - total * 128 / 672),
            admissionFilter: admission,
            clock: clock.cacheClock))
        let names = (0..<keys).map { keyName($0) }
        let value = randomBytes(valueSize, seed: 5)
        var hits = 0
        for r in trace {
            let name = names[Int(r)]
            if cache.get(name) != nil {
                hits += 1
            } else {
                try cache.set(name, value)
            }
        }
        let st = cache.statistics()
        return (Double(hits) / Double(trace.count), st.entries)
    }

    // MARK: Memory

    /// Heap bytes per entry beyond key and value, from glibc's in-use counter around filling a cache,
    /// and the cache's own accounting for comparison.
    private func measureMemory() throws -> (measured: Double, accounted: Double) {
        let n = memoryEntries
        let names = (0..<n).map { keyName($0) }
        let values = (0..<64).map { randomBytes(valueSize, seed: UInt64($0) + 1000) }
        let big = TierConfiguration(ttl: .seconds(300), byteBudget: 1 << 40)
        let before = heapInUse()
        let cache = try TieredCache(configuration: .init(hot: big))
        for (i, name) in names.enumerated() { try cache.set(name, values[i & 63]) }
        let after = heapInUse()
        let stats = cache.statistics()
        precondition(stats.hot.entries == n)
        let payload = Double(names[0].utf8.count + valueSize)
        let measured = Double(after - before) / Double(n) - payload
        let accounted = Double(stats.bytes) / Double(n) - payload
        withExtendedLifetime(cache) {}
        return (measured, accounted)
    }

    /// Bytes glibc malloc has handed out and not taken back (chunk headers included): all arenas'
    /// system memory minus their free chunks, plus mmapped chunks. Read from `malloc_info`'s XML, the
    /// one glibc counter API Swift can call (mallinfo2 returns a struct by value and is not imported).
    private func heapInUse() -> Int {
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info") else { return 0 }
        let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return 0 }
        _ = mallocInfo(0, stream)
        fclose(stream)
        guard let buffer else { return 0 }
        defer { free(buffer) }
        let xml = String(cString: buffer)
        // The totals over all arenas follow the last </heap>.
        let tail = xml.ranges(of: "</heap>").last.map { String(xml[$0.upperBound...]) } ?? xml
        func field(_ marker: String) -> Int {
            guard let r = tail.firstRange(of: marker) else { return 0 }
            let rest = tail[r.upperBound...]
            guard let sizeRange = rest.firstRange(of: "size=\"") else { return 0 }
            let digits = rest[sizeRange.upperBound...].prefix { $0.isNumber }
            return Int(digits) ?? 0
        }
        return field("<system type=\"current\"") - field("<total type=\"fast\"") - field("<total type=\"rest\"")
            + field("<total type=\"mmap\"")
    }

    // MARK: Small helpers

    private func keyName(_ i: Int) -> String {
        let digits = String(i)
        return "k:" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    private func writeTrace(_ trace: [UInt32], to path: String) throws {
        let bytes = trace.withUnsafeBytes { Array($0) }  // little-endian on every platform this runs on
        try writeBytes(bytes, to: path)
    }

    private func writeFile(_ text: String, to path: String) throws {
        try writeBytes(Array(text.utf8), to: path)
    }

    private func writeBytes(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw ValidationError("cannot open \(path) for writing") }
        defer { fclose(file) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw ValidationError("short write to \(path)") }
    }

    private func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private func format(_ x: Double, digits: Int) -> String {
        var factor = 1.0
        for _ in 0..<digits { factor *= 10 }
        let scaled = (x * factor).rounded()
        if digits == 0 { return String(Int(scaled)) }
        let whole = Int(scaled) / Int(factor), frac = abs(Int(scaled)) % Int(factor)
        let fracText = String(frac)
        return (scaled < 0 && whole == 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fracText.count) + fracText
    }
}

/// Small deterministic PRNG (SplitMix64) so every run replays the same trace.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// CPU seconds summed over benchmark threads.
private final class CPUTotal: Sendable {
    private let total = Mutex<Double>(0)
    func add(_ seconds: Double) { total.withLock { $0 += seconds } }
    var seconds: Double { total.withLock { $0 } }
}
