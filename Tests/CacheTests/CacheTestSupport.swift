import Cache

/// Bytes one test entry is charged: 2-byte key ("k0"…"k9") and a value of `valueSize` bytes.
func entryCost(key: String = "k0", valueSize: Int) -> Int {
    TieredCache.accountedBytes(keyCount: key.utf8.count, storedValueCount: valueSize)
}

/// A one-shard cache on a manual clock whose tiers hold `hot`, `warm` and `cold` entries of `valueSize`.
func makeCache(
    hot: Int, warm: Int, cold: Int, valueSize: Int = 100, admission: Bool = false, shards: Int = 1,
    clock: ManualCacheClock = ManualCacheClock()
) throws -> TieredCache {
    let cost = entryCost(valueSize: valueSize)
    return try TieredCache(configuration: .init(
        hot: .init(ttl: .seconds(300), byteBudget: hot * cost * shards),
        warm: .init(ttl: .seconds(3_600), byteBudget: warm * cost * shards),
        cold: .init(ttl: .seconds(86_400), byteBudget: cold * cost * shards),
        shardCount: shards,
        admissionFilter: admission,
        clock: clock.cacheClock))
}

/// Deterministic bytes that deflate cannot shrink.
func noise(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// A value of `count` bytes that starts with `key` (so a test can tell whose value it got).
func value(for key: String, count: Int = 100, seed: UInt64 = 1) -> [UInt8] {
    let head = Array(key.utf8)
    return head + noise(max(0, count - head.count), seed: seed)
}
