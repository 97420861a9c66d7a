import Cache
import Synchronization
import Testing

@Suite("Concurrency and statistics")
struct ConcurrencyAndStatisticsTests {
    @Test("statistics count hits and misses per tier exactly")
    func statistics() throws {
        let cache = try makeCache(hot: 1, warm: 1, cold: 1)
        try cache.set("k0", value(for: "k0"))
        try cache.set("k1", value(for: "k1"))
        try cache.set("k2", value(for: "k2"))  // hot k2, warm k1, cold k0
        _ = cache.get("k2")      // hot hit
        _ = cache.get("nope")    // miss everywhere
        _ = cache.get("k0")      // cold hit → hot; k2 → warm; k1 → cold
        let s = cache.statistics()
        #expect(s.hot.hits == 1 && s.warm.hits == 0 && s.cold.hits == 1)
        #expect(s.hot.misses == 2 && s.warm.misses == 2 && s.cold.misses == 1)
        #expect(s.hits == 2 && s.misses == 1)
        #expect(s.entries == 3)
        #expect(s.bytes == 3 * entryCost(valueSize: 100))
        #expect(s.hot.byteBudget == entryCost(valueSize: 100))
    }

    @Test("many tasks reading, writing and invalidating: values never cross keys, counts add up")
    func concurrentMixedWorkload() async throws {
        let cache = try TieredCache(configuration: .init(
            hot: .init(ttl: .seconds(300), byteBudget: 64 * 1_024),
            warm: .init(ttl: .seconds(3_600), byteBudget: 128 * 1_024),
            cold: .init(ttl: .seconds(86_400), byteBudget: 256 * 1_024),
            shardCount: 4))
        let gets = Counter()
        let wrong = Counter()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var state = UInt64(task + 1)
                    for _ in 0..<3_000 {
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        let key = "key-\(Int(state >> 40) % 400)"
                        switch Int(state >> 20) % 20 {
                        case 0..<6:
                            let body = value(for: key, count: [50, 600, 2_000][Int(state >> 10) % 3], seed: state)
                            _ = try? cache.set(key, body, tags: ["group:\(key.utf8.count % 3)"])
                        case 6: cache.invalidate(key: key)
                        case 7: cache.invalidate(tag: "group:\(Int(state >> 8) % 3)")
                        case 8: cache.invalidate(prefix: "key-1")
                        default:
                            gets.value.add(1, ordering: .relaxed)
                            if let v = cache.get(key), !Array(v).starts(with: Array(key.utf8)) {
                                wrong.value.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
            }
        }
        #expect(wrong.value.load(ordering: .relaxed) == 0)
        let s = cache.statistics()
        #expect(s.hits + s.misses == UInt64(gets.value.load(ordering: .relaxed)))
        for tier in CacheTier.allCases {
            #expect(s[tier].bytes <= s[tier].byteBudget)
        }
        // Every remaining entry is reachable and accounted exactly once.
        var found = 0
        for i in 0..<400 where cache.peekTier("key-\(i)") != nil { found += 1 }
        #expect(found == s.entries)
        #expect(cache.removeAll() == found)
        #expect(cache.statistics().bytes == 0)
    }

    @Test("a write acknowledged after its invalidation is never followed by a stale read")
    func noStaleReadAfterWrite() async throws {
        let cache = try makeCache(hot: 64, warm: 64, cold: 64, shards: 4)
        let version = Counter()  // the "database"
        let stale = Counter()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {  // writer: write, invalidate, then check its own read
                for v in 1...500 {
                    version.value.store(v, ordering: .sequentiallyConsistent)
                    cache.invalidate(tag: "row")
                    if let cached = cache.get("row"), Int(cached[0]) + Int(cached[1]) << 8 < v {
                        stale.value.add(1, ordering: .relaxed)
                    }
                }
            }
            for _ in 0..<3 {
                group.addTask {  // readers: cache-aside fills with a token
                    for _ in 0..<2_000 {
                        if cache.get("row") != nil { continue }
                        let token = cache.fillToken()
                        let v = version.value.load(ordering: .sequentiallyConsistent)
                        _ = try? cache.set("row", [UInt8(v & 0xFF), UInt8(v >> 8)], tags: ["row"], token: token)
                    }
                }
            }
        }
        #expect(stale.value.load(ordering: .relaxed) == 0)
    }
}

/// A shared atomic integer tasks can capture.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
