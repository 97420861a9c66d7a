import Cache
import Testing

@Suite("Tiers: TTL, promotion, demotion, budgets, compression")
struct TierBehaviourTests {
    @Test("a hot entry lives exactly its 300 s TTL, then is gone for good")
    func hotTTL() throws {
        let clock = ManualCacheClock()
        let cache = try makeCache(hot: 4, warm: 4, cold: 4, clock: clock)
        try cache.set("k0", value(for: "k0"))
        clock.advance(by: .seconds(299))
        #expect(cache.get("k0").map(Array.init) == value(for: "k0"))
        clock.advance(by: .seconds(1))
        #expect(cache.get("k0") == nil)
        #expect(cache.statistics().hot.expirations == 1)
        #expect(cache.statistics().entries == 0)
    }

    @Test("the TTL is the tier written to, and moving between tiers never extends it")
    func ttlFollowsWriteTier() throws {
        let clock = ManualCacheClock()
        let cache = try makeCache(hot: 4, warm: 4, cold: 4, clock: clock)
        try cache.set("kw", value(for: "kw"), tier: .warm)
        try cache.set("kc", value(for: "kc"), tier: .cold)
        clock.advance(by: .seconds(301))
        #expect(cache.get("kw") != nil)  // promoted to hot, still on its 3,600 s clock
        #expect(cache.peekTier("kw") == .hot)
        clock.advance(by: .seconds(3_300))  // t = 3,601
        #expect(cache.get("kw") == nil)
        #expect(cache.get("kc") != nil)
        clock.advance(by: .seconds(86_400 - 3_601))  // t = 86,400
        #expect(cache.get("kc") == nil)
    }

    @Test("an explicit ttl overrides the tier's")
    func explicitTTL() throws {
        let clock = ManualCacheClock()
        let cache = try makeCache(hot: 4, warm: 4, cold: 4, clock: clock)
        try cache.set("k0", value(for: "k0"), ttl: .seconds(10))
        clock.advance(by: .seconds(9))
        #expect(cache.get("k0") != nil)
        clock.advance(by: .seconds(1))
        #expect(cache.get("k0") == nil)
    }

    @Test("evictions cascade hot → warm → cold → out, and a cold hit promotes to hot")
    func demotionChainAndPromotion() throws {
        let cache = try makeCache(hot: 2, warm: 2, cold: 2)
        for i in 0..<7 { try cache.set("k\(i)", value(for: "k\(i)")) }
        #expect(cache.peekTier("k6") == .hot && cache.peekTier("k5") == .hot)
        #expect(cache.peekTier("k4") == .warm && cache.peekTier("k3") == .warm)
        #expect(cache.peekTier("k2") == .cold && cache.peekTier("k1") == .cold)
        #expect(cache.peekTier("k0") == nil)
        var s = cache.statistics()
        #expect((s.hot.entries, s.warm.entries, s.cold.entries) == (2, 2, 2))
        #expect((s.hot.evictions, s.warm.evictions, s.cold.evictions) == (5, 3, 1))

        #expect(cache.get("k1").map(Array.init) == value(for: "k1"))
        // k1 went to hot; hot's LRU k5 to warm; warm's LRU k3 to cold.
        #expect(cache.peekTier("k1") == .hot && cache.peekTier("k6") == .hot)
        #expect(cache.peekTier("k5") == .warm && cache.peekTier("k4") == .warm)
        #expect(cache.peekTier("k3") == .cold && cache.peekTier("k2") == .cold)
        s = cache.statistics()
        #expect(s.cold.hits == 1 && s.hot.misses == 1 && s.warm.misses == 1 && s.cold.misses == 0)
    }

    @Test("LRU inside a tier: reading an entry protects it from the next eviction")
    func lruWithinTier() throws {
        let cache = try makeCache(hot: 2, warm: 0, cold: 0)
        try cache.set("k0", value(for: "k0"))
        try cache.set("k1", value(for: "k1"))
        _ = cache.get("k0")
        try cache.set("k2", value(for: "k2"))
        #expect(cache.peekTier("k0") == .hot)
        #expect(cache.peekTier("k1") == nil)
    }

    @Test("expired entries are not demoted, promoted or returned")
    func expiredNeverComeBack() throws {
        let clock = ManualCacheClock()
        let cache = try makeCache(hot: 1, warm: 2, cold: 2, clock: clock)
        try cache.set("k0", value(for: "k0"), ttl: .seconds(5))
        clock.advance(by: .seconds(6))
        try cache.set("k1", value(for: "k1"))  // pushes the expired k0 out of hot
        #expect(cache.peekTier("k0") == nil)
        #expect(cache.statistics().hot.expirations == 1)
        #expect(cache.statistics().warm.entries == 0)
        #expect(cache.get("k0") == nil)
    }

    @Test("byte budgets hold after every operation of a mixed workload", arguments: [false, true])
    func budgetsRespected(admission: Bool) throws {
        let clock = ManualCacheClock()
        let cache = try TieredCache(configuration: .init(
            hot: .init(ttl: .seconds(300), byteBudget: 20_000),
            warm: .init(ttl: .seconds(3_600), byteBudget: 40_000),
            cold: .init(ttl: .seconds(86_400), byteBudget: 80_000),
            shardCount: 4, admissionFilter: admission, clock: clock.cacheClock))
        var state: UInt64 = 42
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Int(state >> 33) % n
        }
        for step in 0..<3_000 {
            let key = "key-\(next(300))"
            switch next(10) {
            case 0..<4:
                let size = [10, 300, 1_000, 3_000][next(4)]
                let bytes = next(2) == 0 ? noise(size, seed: UInt64(step)) : Array(repeating: UInt8(ascii: "a"), count: size)
                try cache.set(key, bytes, tier: CacheTier(rawValue: next(3))!)
            case 4: cache.invalidate(key: key)
            case 5: clock.advance(by: .seconds(Int64(next(400))))
            default: _ = cache.get(key)
            }
            let s = cache.statistics()
            for tier in CacheTier.allCases {
                #expect(s[tier].bytes <= s[tier].byteBudget, "step \(step): \(tier) over budget")
                #expect(s[tier].bytes >= 0 && s[tier].entries >= 0)
            }
        }
    }

    @Test("warm and cold deflate compressible values and return them byte for byte; hot never compresses")
    func compressionRoundTrip() throws {
        let json = Array(String(repeating: #"{"creator":42,"views":1234,"title":"hello"},"#, count: 30).utf8)
        let cache = try makeCache(hot: 1, warm: 4, cold: 4, valueSize: json.count)
        try cache.set("k0", json)
        #expect(cache.statistics().hot.bytes == entryCost(valueSize: json.count))
        try cache.set("k1", json)  // demotes k0 to warm
        #expect(cache.peekTier("k0") == .warm)
        let warmBytes = cache.statistics().warm.bytes
        #expect(warmBytes < entryCost(valueSize: json.count) / 4)
        #expect(cache.get("k0").map(Array.init) == json)
        #expect(cache.peekTier("k0") == .hot)
        // Back in hot it is stored raw again.
        #expect(cache.statistics().hot.bytes == entryCost(valueSize: json.count))
    }

    @Test("incompressible values stay raw in warm")
    func incompressibleStaysRaw() throws {
        let cache = try makeCache(hot: 1, warm: 4, cold: 4, valueSize: 1_000)
        let random = noise(1_000, seed: 9)
        try cache.set("k0", random)
        try cache.set("k1", random)
        #expect(cache.peekTier("k0") == .warm)
        #expect(cache.statistics().warm.bytes == entryCost(valueSize: 1_000))
        #expect(cache.get("k0").map(Array.init) == random)
    }

    @Test("a hot hit hands out the stored buffer, not a copy")
    func hotHitSharesStorage() throws {
        let cache = try makeCache(hot: 4, warm: 4, cold: 4)
        try cache.set("k0", value(for: "k0"))
        let a = try #require(cache.get("k0"))
        let b = try #require(cache.get("k0"))
        let pa = a.withUnsafeBytes { $0.baseAddress }
        let pb = b.withUnsafeBytes { $0.baseAddress }
        #expect(pa == pb)
        #expect(Array(a) == value(for: "k0"))
    }

    @Test("the admission filter keeps frequently read entries through a scan of one-time keys")
    func admissionResistsScans() throws {
        func survivors(admission: Bool) throws -> Int {
            let cache = try makeCache(hot: 2, warm: 4, cold: 8, admission: admission)
            let popular = (0..<6).map { "popular-\($0)" }
            for _ in 0..<20 {
                for key in popular where cache.get(key) == nil { try cache.set(key, value(for: key)) }
            }
            for i in 0..<200 {
                let key = "scan-\(i)"
                if cache.get(key) == nil { try cache.set(key, value(for: key)) }
            }
            return popular.filter { cache.peekTier($0) != nil }.count
        }
        #expect(try survivors(admission: false) == 0)
        #expect(try survivors(admission: true) == 6)
    }
}
