/// Counters and sizes of one tier, summed over shards.
public struct TierStatistics: Sendable, Equatable {
    /// Reads answered by this tier.
    public var hits: UInt64 = 0
    /// Reads that passed this tier: answered by a lower tier or by none. For hot this is every read
    /// that was not a hot hit; for cold it is the cache's total misses.
    public var misses: UInt64 = 0
    /// Entries pushed out of this tier by its byte budget (demoted to the next tier, or gone from cold,
    /// or turned away by the admission filter on the way out of hot).
    public var evictions: UInt64 = 0
    /// Entries found expired in this tier and removed.
    public var expirations: UInt64 = 0
    /// Entries removed from this tier by ``TieredCache/invalidate(key:)``, `prefix` or `tag`.
    public var invalidations: UInt64 = 0
    /// Entries in the tier now.
    public var entries = 0
    /// Bytes charged to the tier now (see ``TieredCache/accountedBytes(keyCount:storedValueCount:)``).
    public var bytes = 0
    /// The tier's byte budget.
    public var byteBudget = 0

    /// Creates zeroed statistics.
    public init() {}
}

/// A snapshot of a ``TieredCache``'s statistics.
public struct CacheStatistics: Sendable, Equatable {
    /// The hot tier.
    public var hot: TierStatistics
    /// The warm tier.
    public var warm: TierStatistics
    /// The cold tier.
    public var cold: TierStatistics
    /// Entries the TinyLFU filter kept out of (or let fall out of) the lower tiers.
    public var admissionRejections: UInt64

    /// Creates a snapshot from its parts.
    public init(hot: TierStatistics, warm: TierStatistics, cold: TierStatistics, admissionRejections: UInt64) {
        self.hot = hot
        self.warm = warm
        self.cold = cold
        self.admissionRejections = admissionRejections
    }

    /// The statistics of `tier`.
    public subscript(tier: CacheTier) -> TierStatistics {
        switch tier {
        case .hot: hot
        case .warm: warm
        case .cold: cold
        }
    }

    /// Reads answered by any tier.
    public var hits: UInt64 { hot.hits + warm.hits + cold.hits }
    /// Reads answered by no tier.
    public var misses: UInt64 { cold.misses }
    /// Entries in all tiers.
    public var entries: Int { hot.entries + warm.entries + cold.entries }
    /// Bytes charged in all tiers.
    public var bytes: Int { hot.bytes + warm.bytes + cold.bytes }
}
