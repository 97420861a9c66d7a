import Cache
import Testing

@Suite("Invalidation and fill tokens")
struct InvalidationTests {
    @Test("by key, by prefix and by tag, in every tier")
    func invalidation() throws {
        let cache = try makeCache(hot: 2, warm: 2, cold: 8, shards: 1)
        try cache.set("GET /creators/42|u1", value(for: "a"), tags: ["creator:42"])
        try cache.set("GET /creators/42|u2", value(for: "b"), tags: ["creator:42", "user:2"])
        try cache.set("GET /creators/7|u1", value(for: "c"), tags: ["creator:7"])
        try cache.set("GET /dashboard|u1", value(for: "d"), tier: .cold)
        try cache.set("other", value(for: "e"))
        try cache.set("other2", value(for: "f"))  // pushes the creator entries down the tiers
        #expect(cache.peekTier("GET /creators/42|u1") != .hot)

        #expect(cache.invalidate(tag: "creator:42") == 2)
        #expect(cache.get("GET /creators/42|u1") == nil && cache.get("GET /creators/42|u2") == nil)
        #expect(cache.get("GET /creators/7|u1") != nil)
        #expect(cache.invalidate(tag: "user:2") == 0)  // its only entry is gone already

        #expect(cache.invalidate(prefix: "GET /") == 2)
        #expect(cache.get("GET /dashboard|u1") == nil)
        #expect(cache.get("other") != nil)

        #expect(cache.invalidate(key: "other") == 1)
        #expect(cache.invalidate(key: "other") == 0)
        #expect(cache.get("other") == nil)
        #expect(cache.statistics().entries == 1)
        #expect(cache.statistics().hot.invalidations + cache.statistics().warm.invalidations
            + cache.statistics().cold.invalidations == 5)
    }

    @Test("replacing a value drops its old tags")
    func replacementDropsTags() throws {
        let cache = try makeCache(hot: 4, warm: 4, cold: 4)
        try cache.set("k0", value(for: "k0"), tags: ["t1"])
        try cache.set("k0", value(for: "k0", seed: 2), tags: ["t2"])
        #expect(cache.invalidate(tag: "t1") == 0)
        #expect(cache.get("k0").map(Array.init) == value(for: "k0", seed: 2))
        #expect(cache.invalidate(tag: "t2") == 1)
    }

    @Test("a fill that started before an invalidation is not stored")
    func staleFillRejected() throws {
        let cache = try makeCache(hot: 4, warm: 4, cold: 4)
        let token = cache.fillToken()            // reader takes its token, then reads the old data
        cache.invalidate(tag: "creator:42")      // a writer commits and invalidates
        #expect(try cache.set("k0", value(for: "k0"), tags: ["creator:42"], token: token) == false)
        #expect(cache.get("k0") == nil)
        let fresh = cache.fillToken()
        #expect(try cache.set("k0", value(for: "k0"), tags: ["creator:42"], token: fresh))
        #expect(cache.get("k0") != nil)
    }

    @Test("removeAll and removeExpired")
    func bulkRemoval() throws {
        let clock = ManualCacheClock()
        let cache = try makeCache(hot: 8, warm: 8, cold: 8, clock: clock)
        try cache.set("k0", value(for: "k0"), ttl: .seconds(1))
        try cache.set("k1", value(for: "k1"))
        try cache.set("k2", value(for: "k2"), tier: .cold)
        clock.advance(by: .seconds(2))
        #expect(cache.removeExpired() == 1)
        #expect(cache.statistics().entries == 2)
        #expect(cache.removeAll() == 2)
        #expect(cache.statistics().entries == 0 && cache.statistics().bytes == 0)
    }
}
