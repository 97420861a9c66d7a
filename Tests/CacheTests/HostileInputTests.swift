import Cache
import Testing

@Suite("Hostile input")
struct HostileInputTests {
    @Test("an empty key is refused with a clear error")
    func emptyKey() throws {
        let cache = try makeCache(hot: 2, warm: 2, cold: 2)
        #expect(throws: CacheError(.emptyKey, "cache keys must not be empty")) {
            try cache.set("", [1, 2, 3])
        }
        #expect(cache.get("") == nil)
        #expect(cache.invalidate(key: "") == 0)
    }

    @Test("a key over 65,535 bytes is refused")
    func longKey() throws {
        let cache = try makeCache(hot: 2, warm: 2, cold: 2)
        let key = String(repeating: "x", count: TieredCache.maximumKeyLength + 1)
        do {
            try cache.set(key, [1])
            Issue.record("expected keyTooLong")
        } catch {
            #expect(error.code == .keyTooLong)
        }
    }

    @Test("a value larger than the tier's per-shard budget is refused and changes nothing")
    func hugeValue() throws {
        let cache = try makeCache(hot: 2, warm: 20, cold: 40)
        try cache.set("k0", value(for: "k0"))
        let before = cache.statistics()
        let huge = noise(100 * 1_024, seed: 3)
        do {
            try cache.set("k1", huge)
            Issue.record("expected valueTooLarge")
        } catch {
            #expect(error.code == .valueTooLarge)
            #expect(error.description.contains("hot"))
            #expect(!error.description.contains("\(huge[0..<8])"))
        }
        #expect(cache.statistics() == before)
        // The same value fits a lower tier when asked for by name... or is refused there too.
        let medium = noise(1_000, seed: 4)
        #expect(try cache.set("k2", medium, tier: .warm))
        #expect(cache.get("k2").map(Array.init) == medium)
    }

    @Test("keys are bytes: NUL, emoji and lookalikes are distinct keys")
    func unusualKeys() throws {
        let cache = try makeCache(hot: 8, warm: 8, cold: 8)
        let keys = ["a\u{0}b", "a", "🙂", "e\u{301}", "é", " ", "\n"]
        for (i, key) in keys.enumerated() { try cache.set(key, [UInt8(i)]) }
        for (i, key) in keys.enumerated() { #expect(cache.get(key).map(Array.init) == [UInt8(i)], "key \(i)") }
    }

    @Test("an empty value is a valid value")
    func emptyValue() throws {
        let cache = try makeCache(hot: 2, warm: 2, cold: 2)
        try cache.set("k0", [UInt8]())
        #expect(cache.get("k0").map(Array.init) == [])
    }

    @Test("bad configurations are refused", arguments: [
        TieredCache.Configuration(shardCount: 3),
        TieredCache.Configuration(shardCount: 0),
        TieredCache.Configuration(hot: .init(ttl: .zero, byteBudget: 1)),
        TieredCache.Configuration(cold: .init(ttl: .seconds(1), byteBudget: -1)),
    ])
    func badConfiguration(configuration: TieredCache.Configuration) {
        #expect(throws: CacheError.self) { try TieredCache(configuration: configuration) }
    }

    @Test("zero budgets: a hot-only cache drops what leaves hot")
    func zeroBudgets() throws {
        let cache = try makeCache(hot: 1, warm: 0, cold: 0)
        try cache.set("k0", value(for: "k0"))
        try cache.set("k1", value(for: "k1"))
        #expect(cache.peekTier("k0") == nil)
        #expect(cache.statistics().entries == 1)
    }
}
