/// One of the three tiers of a ``TieredCache``.
///
/// Entries enter a tier at the head of its LRU list. A hit in ``warm`` or ``cold`` moves the entry to
/// ``hot``; an entry pushed out of ``hot`` by its byte budget moves to ``warm``, out of ``warm`` to
/// ``cold``, and out of ``cold`` it leaves the cache.
public enum CacheTier: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Small, recent, never compressed. Default TTL 300 s, budget 32 MiB.
    case hot = 0
    /// Middle tier, values deflated when that saves space. Default TTL 3,600 s, budget 128 MiB.
    case warm = 1
    /// Largest tier, values deflated when that saves space. Default TTL 86,400 s, budget 512 MiB.
    case cold = 2

    /// The tier's lowercase name (`hot`, `warm`, `cold`), as used in metric labels.
    public var description: String {
        switch self {
        case .hot: "hot"
        case .warm: "warm"
        case .cold: "cold"
        }
    }
}

/// Lifetime and size limit of one tier.
public struct TierConfiguration: Sendable, Equatable {
    /// Lifetime of an entry written into this tier, counted from the write.
    ///
    /// Moving between tiers never extends it: an entry written to `hot` with the default 300 s is gone
    /// 300 s later even if it has been demoted to `cold` in between.
    public var ttl: Duration
    /// Maximum bytes the tier may hold, counting key bytes, value bytes (as stored, so compressed in
    /// warm and cold) and the per-entry bookkeeping (see ``TieredCache/accountedBytes(keyCount:storedValueCount:)``).
    /// Zero means the tier holds nothing and entries pass through it.
    public var byteBudget: Int

    /// Creates a tier configuration.
    /// - Parameters:
    ///   - ttl: lifetime of entries written into the tier; must be positive.
    ///   - byteBudget: byte budget of the tier; must not be negative.
    public init(ttl: Duration, byteBudget: Int) {
        self.ttl = ttl
        self.byteBudget = byteBudget
    }

    /// Hot tier defaults: 300 s, 32 MiB.
    public static let hotDefault = TierConfiguration(ttl: .seconds(300), byteBudget: 32 << 20)
    /// Warm tier defaults: 3,600 s, 128 MiB.
    public static let warmDefault = TierConfiguration(ttl: .seconds(3_600), byteBudget: 128 << 20)
    /// Cold tier defaults: 86,400 s, 512 MiB.
    public static let coldDefault = TierConfiguration(ttl: .seconds(86_400), byteBudget: 512 << 20)
}
