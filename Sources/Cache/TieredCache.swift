import Synchronization

/// An in-process replacement for three Redis cache layers: hot, warm and cold tiers of byte values
/// keyed by strings, each tier with a TTL and a byte budget.
///
/// - **Tiers.** A write goes to the head of the tier it names (``CacheTier/hot`` by default). Inside a
///   tier entries are kept in LRU order. A hit in warm or cold promotes the entry to hot; an entry
///   pushed out of hot by the byte budget moves to warm, out of warm to cold, out of cold it is gone.
/// - **Admission.** Before an entry leaves hot for the lower tiers when they are full, a TinyLFU
///   frequency filter compares it with the entry cold would evict; the less frequently used of the two
///   leaves the cache. This is what keeps a Zipf working set near the clairvoyant hit ratio where plain
///   LRU (and Redis' sampled LRU) loses 8-15 points.
/// - **Expiry.** An entry expires the tier TTL (or the `ttl` given to ``set(_:_:tier:ttl:tags:token:)``)
///   after it was written; moving between tiers never extends it, and an expired entry is never
///   returned, promoted or demoted.
/// - **Compression.** Warm and cold values are deflated (zlib level 1) when that saves at least an
///   eighth; hot values never are.
/// - **Invalidation.** By key, by key prefix, and by tag (an entry may carry tags such as `creator:42`).
///   Use a ``CacheFillToken`` to make a fill that raced with a write harmless.
/// - **Concurrency.** Keys are spread over lock-striped shards (one `Mutex` each, no global lock); a hit
///   in hot allocates nothing (the returned ``CachedBytes`` shares the stored buffer).
///
/// Budgets are split evenly over the shards, so the largest entry a tier accepts is its budget divided
/// by ``shardCount``.
///
/// ```swift
/// let cache = try TieredCache()
/// let token = cache.fillToken()
/// if let body = cache.get("GET /api/creators/42?page=1|user:7") { return body }
/// let body = try render()
/// try cache.set("GET /api/creators/42?page=1|user:7", body, tags: ["creator:42"], token: token)
/// // after a write to creator 42:
/// cache.invalidate(tag: "creator:42")
/// ```
public final class TieredCache: Sendable {
    /// Settings of a ``TieredCache``.
    public struct Configuration: Sendable {
        /// The hot tier (default 300 s, 32 MiB).
        public var hot: TierConfiguration
        /// The warm tier (default 3,600 s, 128 MiB).
        public var warm: TierConfiguration
        /// The cold tier (default 86,400 s, 512 MiB).
        public var cold: TierConfiguration
        /// Number of lock stripes, a power of two from 1 to 256 (default 16).
        public var shardCount: Int
        /// Whether the TinyLFU admission filter guards the lower tiers (default true). Off, the three
        /// tiers behave as one LRU chain.
        public var admissionFilter: Bool
        /// Values shorter than this many bytes are never compressed (default 256).
        public var compressionThreshold: Int
        /// The time source (default ``CacheClock/monotonic``).
        public var clock: CacheClock

        /// Creates a configuration; every parameter has the production default.
        public init(
            hot: TierConfiguration = .hotDefault,
            warm: TierConfiguration = .warmDefault,
            cold: TierConfiguration = .coldDefault,
            shardCount: Int = 16,
            admissionFilter: Bool = true,
            compressionThreshold: Int = 256,
            clock: CacheClock = .monotonic
        ) {
            self.hot = hot
            self.warm = warm
            self.cold = cold
            self.shardCount = shardCount
            self.admissionFilter = admissionFilter
            self.compressionThreshold = compressionThreshold
            self.clock = clock
        }

        /// The configuration of `tier`.
        public subscript(tier: CacheTier) -> TierConfiguration {
            get {
                switch tier {
                case .hot: hot
                case .warm: warm
                case .cold: cold
                }
            }
            set {
                switch tier {
                case .hot: hot = newValue
                case .warm: warm = newValue
                case .cold: cold = newValue
                }
            }
        }
    }

    /// Longest key accepted, in UTF-8 bytes.
    public static let maximumKeyLength = Int(UInt16.max)

    /// Bookkeeping bytes charged to every entry on top of its storage allocation: the 32-byte slot,
    /// about 8 bytes of hash index, and about 6 bytes of frequency sketch and doorkeeper, rounded up.
    public static let entryOverhead = 48

    /// The settings the cache was created with.
    public let configuration: Configuration
    /// Number of lock stripes.
    public var shardCount: Int { shards.count }

    private let shards: [Shard]
    private let shardMask: Int
    private let clock: CacheClock
    private let ttls: [Int64]
    private let shardBudgets: [Int]
    /// Per tier: the largest per-shard budget of it and the tiers below (the largest entry it accepts).
    private let largestBudget: [Int]
    private let invalidationEpoch = Atomic<UInt64>(0)

    /// Creates an empty cache.
    /// - Throws: ``CacheError/Code/invalidConfiguration`` if a TTL is not positive, a budget is negative,
    ///   or the shard count is not a power of two in 1...256.
    public init(configuration: Configuration = Configuration()) throws(CacheError) {
        let count = configuration.shardCount
        guard count >= 1, count <= 256, count & (count - 1) == 0 else {
            throw CacheError(.invalidConfiguration, "shardCount must be a power of two from 1 to 256, got \(count)")
        }
        for tier in CacheTier.allCases {
            let tc = configuration[tier]
            guard tc.ttl > .zero else {
                throw CacheError(.invalidConfiguration, "the \(tier) tier's TTL must be positive, got \(tc.ttl)")
            }
            guard tc.byteBudget >= 0 else {
                throw CacheError(.invalidConfiguration, "the \(tier) tier's byte budget must not be negative, got \(tc.byteBudget)")
            }
        }
        guard configuration.compressionThreshold >= 0 else {
            throw CacheError(.invalidConfiguration, "compressionThreshold must not be negative")
        }
        self.configuration = configuration
        clock = configuration.clock
        shardMask = count - 1
        let ttls = CacheTier.allCases.map { configuration[$0].ttl.nanoseconds }
        let shardBudgets = CacheTier.allCases.map { configuration[$0].byteBudget / count }
        self.ttls = ttls
        self.shardBudgets = shardBudgets
        largestBudget = (0..<3).map { shardBudgets[$0...].max() ?? 0 }
        // The sketch starts small and grows with the live entry count: sizing it from the budget would
        // cost gigabytes for a large budget of large values.
        let expected = 64
        var shards: [Shard] = []
        for _ in 0..<count {
            let tiers = (0..<3).map { TierState(budget: shardBudgets[$0], ttl: ttls[$0]) }
            shards.append(Shard(ShardStore(
                tiers: tiers, admissionFilter: configuration.admissionFilter,
                compressionThreshold: configuration.compressionThreshold, expectedEntries: expected)))
        }
        self.shards = shards
    }

    // MARK: Reads

    /// The value stored for `key`, or nil if there is none or it has expired.
    ///
    /// A hit in warm or cold moves the entry to hot (inflating it). A hit in hot allocates nothing.
    /// Only the key's shard is locked.
    public func get(_ key: String) -> CachedBytes? {
        let now = clock.nanoseconds()
        if let result = key.utf8.withContiguousStorageIfAvailable({ bytes in get(bytes, now: now) }) {
            return result
        }
        var copy = key
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable { bytes in get(bytes, now: now) } ?? nil
    }

    @inline(__always)
    private func get(_ key: UnsafeBufferPointer<UInt8>, now: Int64) -> CachedBytes? {
        let hash = Self.hash(key)
        return shards[shardIndex(hash)].store.withLock { store in
            store.get(hash: hash, key: key, now: now)
        }
    }

    /// The tier that holds `key` now, or nil; unlike ``get(_:)`` it counts nothing and moves nothing.
    /// Meant for tests and the admin page.
    public func peekTier(_ key: String) -> CacheTier? {
        let now = clock.nanoseconds()
        var key = key
        key.makeContiguousUTF8()
        let tier: Int?? = key.utf8.withContiguousStorageIfAvailable { bytes in
            let hash = Self.hash(bytes)
            return shards[shardIndex(hash)].store.withLock { $0.peekTier(hash: hash, key: bytes, now: now) }
        }
        return (tier ?? nil).flatMap { CacheTier(rawValue: $0) }
    }

    // MARK: Writes

    /// A token to pass to ``set(_:_:tier:ttl:tags:token:)`` when filling the cache after reading the
    /// source of truth. Take it **before** reading.
    ///
    /// If any invalidation runs between taking the token and the `set`, the `set` is skipped, so a value
    /// computed before a write can never be stored after that write's invalidation.
    public func fillToken() -> CacheFillToken {
        CacheFillToken(epoch: invalidationEpoch.load(ordering: .sequentiallyConsistent))
    }

    /// Stores `value` under `key` at the head of `tier`, replacing any previous entry for the key.
    ///
    /// - Parameters:
    ///   - key: non-empty, at most ``maximumKeyLength`` UTF-8 bytes.
    ///   - value: the bytes to cache.
    ///   - tier: where the entry starts (default hot). Its TTL applies unless `ttl` is given.
    ///   - ttl: the entry's lifetime from now, overriding the tier's.
    ///   - tags: labels for ``invalidate(tag:)``, such as `creator:42`.
    ///   - token: from ``fillToken()`` taken before the value was computed; the write is skipped if an
    ///     invalidation happened since.
    /// - Returns: whether the entry was stored. False when the token is stale, or when a warm or cold
    ///   write lost to the admission filter (the key was previously less used than what it would evict).
    /// - Throws: ``CacheError`` for an empty or too long key, or a value larger than the tier's
    ///   per-shard budget; the cache is then unchanged.
    @discardableResult
    public func set(
        _ key: String, _ value: [UInt8], tier: CacheTier = .hot, ttl: Duration? = nil,
        tags: [String] = [], token: CacheFillToken? = nil
    ) throws(CacheError) -> Bool {
        try value.withUnsafeBytes { bytes in
            Result { () throws(CacheError) -> Bool in try store(key, bytes, tier: tier, ttl: ttl, tags: tags, token: token) }
        }.get()
    }

    /// Stores any collection of bytes; see ``set(_:_:tier:ttl:tags:token:)``, of which this is the
    /// generic form (the bytes are gathered into an array first unless they are contiguous).
    @discardableResult
    public func set(
        _ key: String, bytes value: some Collection<UInt8>, tier: CacheTier = .hot, ttl: Duration? = nil,
        tags: [String] = [], token: CacheFillToken? = nil
    ) throws(CacheError) -> Bool {
        let stored = value.withContiguousStorageIfAvailable { buffer in
            Result { () throws(CacheError) -> Bool in
                try store(key, UnsafeRawBufferPointer(buffer), tier: tier, ttl: ttl, tags: tags, token: token)
            }
        }
        if let stored { return try stored.get() }
        return try set(key, Array(value), tier: tier, ttl: ttl, tags: tags, token: token)
    }

    private func store(
        _ key: String, _ value: UnsafeRawBufferPointer, tier: CacheTier, ttl: Duration?,
        tags: [String], token: CacheFillToken?
    ) throws(CacheError) -> Bool {
        var key = key
        key.makeContiguousUTF8()
        let keyCount = key.utf8.count
        guard keyCount > 0 else {
            throw CacheError(.emptyKey, "cache keys must not be empty")
        }
        guard keyCount <= Self.maximumKeyLength else {
            throw CacheError(.keyTooLong, "cache key of \(keyCount) bytes exceeds \(Self.maximumKeyLength)")
        }
        if let ttl, ttl <= .zero {
            throw CacheError(.invalidConfiguration, "an entry's TTL must be positive, got \(ttl)")
        }
        let valueCount = value.count
        let tagCost = tags.isEmpty ? 0 : ShardStore.tagCost(tags)
        let cost = Self.accountedBytes(storageCount: keyCount + valueCount, tags: tagCost)
        let limit = largestBudget[tier.rawValue]
        guard cost <= limit else {
            throw CacheError(.valueTooLarge,
                "an entry of \(cost) bytes (key \(keyCount), value \(valueCount)) exceeds the \(tier) tier's per-shard budget of \(limit) bytes")
        }
        // Build the storage outside the lock: key bytes then value bytes, exactly sized.
        let storage = [UInt8](unsafeUninitializedCapacity: keyCount + valueCount) { out, count in
            let raw = UnsafeMutableRawBufferPointer(out)
            _ = key.utf8.withContiguousStorageIfAvailable { k in
                raw.copyMemory(from: UnsafeRawBufferPointer(k))
            }
            if valueCount > 0 {
                UnsafeMutableRawBufferPointer(rebasing: raw[keyCount...]).copyMemory(from: value)
            }
            count = keyCount + valueCount
        }
        let now = clock.nanoseconds()
        let lifetime = ttl?.nanoseconds ?? ttls[tier.rawValue]
        let (expiresAt, overflow) = now.addingReportingOverflow(lifetime)
        return storage.withUnsafeBufferPointer { all -> Bool in
            let keyBytes = UnsafeBufferPointer(rebasing: all[0..<keyCount])
            let hash = Self.hash(keyBytes)
            return shards[shardIndex(hash)].store.withLock { store -> Bool in
                if let token, token.epoch != invalidationEpoch.load(ordering: .sequentiallyConsistent) {
                    return false
                }
                return store.set(
                    hash: hash, key: keyBytes, storage: storage, tier: tier.rawValue,
                    expiresAt: overflow ? .max : expiresAt, tags: tags, now: now)
            }
        }
    }

    // MARK: Invalidation

    /// Removes the entry for `key`. Returns the number of entries removed (0 or 1).
    @discardableResult
    public func invalidate(key: String) -> Int {
        bumpEpoch()
        var key = key
        key.makeContiguousUTF8()
        return key.utf8.withContiguousStorageIfAvailable { bytes in
            let hash = Self.hash(bytes)
            return shards[shardIndex(hash)].store.withLock { $0.invalidate(hash: hash, key: bytes) }
        } ?? 0
    }

    /// Removes every entry whose key starts with `prefix` (all entries for an empty prefix).
    /// Scans every shard, one at a time. Returns the number removed.
    @discardableResult
    public func invalidate(prefix: String) -> Int {
        bumpEpoch()
        var prefix = prefix
        prefix.makeContiguousUTF8()
        return prefix.utf8.withContiguousStorageIfAvailable { bytes in
            shards.reduce(0) { sum, shard in sum + shard.store.withLock { $0.invalidate(prefix: bytes) } }
        } ?? 0
    }

    /// Removes every entry carrying `tag`. Returns the number removed.
    @discardableResult
    public func invalidate(tag: String) -> Int {
        bumpEpoch()
        return shards.reduce(0) { sum, shard in sum + shard.store.withLock { $0.invalidate(tag: tag) } }
    }

    /// Removes everything. Returns the number removed.
    @discardableResult
    public func removeAll() -> Int {
        invalidate(prefix: "")
    }

    /// Frees the memory of expired entries now (they are never returned either way). Returns how many
    /// were removed. Call it from a periodic task; reads and writes also drop expired entries they meet.
    @discardableResult
    public func removeExpired() -> Int {
        let now = clock.nanoseconds()
        return shards.reduce(0) { sum, shard in sum + shard.store.withLock { $0.removeExpired(now: now) } }
    }

    // MARK: Statistics

    /// Counters and sizes per tier, summed over shards (each shard read under its own lock).
    public func statistics() -> CacheStatistics {
        var tiers = [TierStatistics](repeating: TierStatistics(), count: 3)
        var rejections: UInt64 = 0
        for shard in shards {
            shard.store.withLock { store in
                for t in 0..<3 {
                    let s = store.tiers[t]
                    tiers[t].hits += s.hits
                    tiers[t].misses += s.misses
                    tiers[t].evictions += s.evictions
                    tiers[t].expirations += s.expirations
                    tiers[t].invalidations += s.invalidations
                    tiers[t].entries += s.entries
                    tiers[t].bytes += s.bytes
                }
                rejections += store.admissionRejections
            }
        }
        for t in 0..<3 { tiers[t].byteBudget = shardBudgets[t] * shards.count }
        return CacheStatistics(hot: tiers[0], warm: tiers[1], cold: tiers[2], admissionRejections: rejections)
    }

    // MARK: Sizes

    /// Bytes charged for an entry whose key and stored value together take `storageCount` bytes:
    /// the storage allocation as glibc malloc sizes it (a 32-byte array header, 8 bytes of chunk header,
    /// rounded up to 16), plus ``entryOverhead``, plus `tags` bytes of tag bookkeeping.
    public static func accountedBytes(keyCount: Int, storedValueCount: Int) -> Int {
        accountedBytes(storageCount: keyCount + storedValueCount, tags: 0)
    }

    @inline(__always)
    static func accountedBytes(storageCount: Int, tags: Int) -> Int {
        let allocation = max(32, (32 + storageCount + 8 + 15) & ~15)
        return allocation + entryOverhead + tags
    }

    // MARK: Private

    @inline(__always)
    private func shardIndex(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash >> 40) & shardMask
    }

    /// SipHash-1-3 with the process's random seed: keys come partly from clients (query strings), so
    /// the index must not be open to collision flooding.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(key))
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    private func bumpEpoch() {
        invalidationEpoch.add(1, ordering: .sequentiallyConsistent)
    }
}

/// Proof that a cache fill started before any later invalidation; see ``TieredCache/fillToken()``.
public struct CacheFillToken: Sendable, Hashable {
    let epoch: UInt64
}

/// One lock stripe. A class so that the non-copyable `Mutex` has a stable home.
private final class Shard: Sendable {
    let store: Mutex<ShardStore>

    init(_ store: consuming sending ShardStore) {
        self.store = Mutex(store)
    }
}
