import Glibc

/// One entry's bookkeeping: 24 bytes of plain data (the storage reference lives in a parallel array,
/// so reading a slot never retains anything), kept in a flat array so LRU links are indices.
struct Slot {
    /// Absolute expiry in clock nanoseconds.
    var expiresAt: Int64
    var prev: Int32
    var next: Int32
    /// Low 32 bits of the key hash: bucket position and the index's 8-bit tag.
    var hash: UInt32
    var keyLength: UInt16
    /// 0, 1, 2 for a live entry's tier; `Slot.free` for a free slot.
    var tier: UInt8
    var flags: UInt8

    static let free: UInt8 = 0xFF
    static let compressed: UInt8 = 1
    static let incompressible: UInt8 = 2
    static let tagged: UInt8 = 4
}

/// Per-tier state of one shard.
struct TierState {
    var head: Int32 = -1
    var tail: Int32 = -1
    var bytes = 0
    var entries = 0
    var budget: Int
    var ttl: Int64
    var hits: UInt64 = 0
    var misses: UInt64 = 0
    var evictions: UInt64 = 0
    var expirations: UInt64 = 0
    var invalidations: UInt64 = 0
}

/// Everything one shard holds; only ever touched under that shard's mutex.
///
/// The hash index is open addressing with linear probing over `UInt32` buckets: the low 24 bits are a
/// slot number, the high 8 bits a tag from the key hash so most probes never touch a slot.
struct ShardStore: Sendable {
    static let emptyBucket = UInt32.max
    static let maximumSlots = 1 << 24 - 1

    var slots: [Slot] = []
    /// Per slot: key UTF-8 bytes, then the value: raw, or (flag `compressed`) a 4-byte length and a
    /// deflate stream. Empty for free slots.
    var storages: [[UInt8]] = []
    var freeHead: Int32 = -1
    var buckets: [UInt32]
    var bucketMask: Int
    var live = 0
    var tiers: [TierState]
    /// Holds raw pointers into memory owned by the sketch; like `codec`, reached only under the shard's `Mutex`.
    nonisolated(unsafe) var sketch: FrequencySketch
    var tagIndex: [String: Set<Int32>] = [:]
    var slotTags: [Int32: [String]] = [:]
    /// Created on first use. Reached only through the owning shard's `Mutex`, which serializes every
    /// use of the (not thread-safe) zlib streams.
    nonisolated(unsafe) var codec: DeflateCodec?
    let admissionFilter: Bool
    let compressionThreshold: Int
    var admissionRejections: UInt64 = 0

    init(tiers: [TierState], admissionFilter: Bool, compressionThreshold: Int, expectedEntries: Int) {
        self.tiers = tiers
        self.admissionFilter = admissionFilter
        self.compressionThreshold = compressionThreshold
        buckets = Array(repeating: Self.emptyBucket, count: 16)
        bucketMask = 15
        sketch = FrequencySketch(capacity: expectedEntries)
    }

    // MARK: Lookup

    /// The slot holding `key`, or -1.
    @inline(__always)
    func find(_ hash: UInt32, _ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let tag = hash >> 24
        var i = Int(truncatingIfNeeded: hash) & bucketMask
        while true {
            let bucket = buckets[i]
            if bucket == Self.emptyBucket { return -1 }
            if bucket >> 24 == tag {
                let s = Int(bucket & 0xFF_FFFF)
                if slots[s].hash == hash && Int(slots[s].keyLength) == key.count && keyMatches(s, key) {
                    return Int32(s)
                }
            }
            i = (i + 1) & bucketMask
        }
    }

    @inline(__always)
    private func keyMatches(_ s: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        if key.isEmpty { return true }
        return storages[s].withUnsafeBufferPointer { stored in
            memcmp(stored.baseAddress!, key.baseAddress!, key.count) == 0
        }
    }

    @inline(__always)
    func isExpired(_ s: Int32, now: Int64) -> Bool {
        now >= slots[Int(s)].expiresAt
    }

    // MARK: Reads

    /// The value for `key` on a hit (moving it to hot), nil on a miss; counts hits, misses, expirations.
    mutating func get(hash: UInt64, key: UnsafeBufferPointer<UInt8>, now: Int64) -> CachedBytes? {
        let h32 = UInt32(truncatingIfNeeded: hash)
        let s = find(h32, key)
        if s < 0 {
            countMiss(below: 3)
            return nil
        }
        let tier = Int(slots[Int(s)].tier)
        if isExpired(s, now: now) {
            tiers[tier].expirations += 1
            remove(s)
            countMiss(below: 3)
            return nil
        }
        tiers[tier].hits += 1
        countMiss(below: tier)
        sketch.increment(Self.sketchHash(h32))
        if tier == 0 {
            moveToHead(s, tier: 0)
        } else {
            promote(s, now: now)
        }
        let i = Int(s)
        let keyLength = Int(slots[i].keyLength)
        if slots[i].flags & Slot.compressed != 0 {
            // Too large for hot, so it stayed compressed where it was: hand out an inflated copy.
            guard let raw = codec?.decompress(storages[i], keyLength: keyLength) else { return nil }
            return CachedBytes(storage: raw, offset: keyLength)
        }
        return CachedBytes(storage: storages[i], offset: keyLength)
    }

    @inline(__always)
    private mutating func countMiss(below tier: Int) {
        if tier > 0 { tiers[0].misses += 1 }
        if tier > 1 { tiers[1].misses += 1 }
        if tier > 2 { tiers[2].misses += 1 }
    }

    /// Moves a warm or cold entry to the head of hot, inflating it; stays put if hot can never hold it.
    private mutating func promote(_ s: Int32, now: Int64) {
        let i = Int(s)
        let from = Int(slots[i].tier)
        var storage = storages[i]
        var flags = slots[i].flags
        if flags & Slot.compressed != 0 {
            let rawCost = TieredCache.accountedBytes(storageCount: Int(slots[i].keyLength) + rawLength(s), tags: tagCost(s))
            guard rawCost <= tiers[0].budget else {
                moveToHead(s, tier: from)
                return
            }
            guard let raw = codec?.decompress(storage, keyLength: Int(slots[i].keyLength)) else {
                moveToHead(s, tier: from)
                return
            }
            storage = raw
            flags &= ~Slot.compressed
        }
        let cost = TieredCache.accountedBytes(storageCount: storage.count, tags: tagCost(s))
        guard cost <= tiers[0].budget else {
            moveToHead(s, tier: from)
            return
        }
        unlink(s)
        storages[i] = storage
        slots[i].flags = flags
        link(s, tier: 0)
        rebalance(from: 0, now: now)
    }

    private func rawLength(_ s: Int32) -> Int {
        let keyLength = Int(slots[Int(s)].keyLength)
        return storages[Int(s)].withUnsafeBytes { raw in
            Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: keyLength, as: UInt32.self)))
        }
    }

    /// The tier holding a live entry for `key`, without counting, moving or removing anything.
    func peekTier(hash: UInt64, key: UnsafeBufferPointer<UInt8>, now: Int64) -> Int? {
        let s = find(UInt32(truncatingIfNeeded: hash), key)
        guard s >= 0, !isExpired(s, now: now) else { return nil }
        return Int(slots[Int(s)].tier)
    }

    // MARK: Writes

    /// Stores an entry (replacing any entry for the key) at the head of `tier`.
    /// Returns false when the admission filter turned a warm or cold write away.
    mutating func set(
        hash: UInt64, key: UnsafeBufferPointer<UInt8>, storage: [UInt8], tier: Int, expiresAt: Int64,
        tags: [String], now: Int64
    ) -> Bool {
        let h32 = UInt32(truncatingIfNeeded: hash)
        let existing = find(h32, key)
        if existing >= 0 { remove(existing) }
        let sketchKey = Self.sketchHash(h32)
        sketch.increment(sketchKey)
        let cost = TieredCache.accountedBytes(storageCount: storage.count, tags: Self.tagCost(tags))
        if tier > 0 && admissionFilter && nearlyFull(adding: cost, from: tier) {
            if !admit(sketchKey, now: now) { return false }
        }
        guard live < Self.maximumSlots else { return false }
        let s = allocateSlot(
            Slot(expiresAt: expiresAt, prev: -1, next: -1, hash: h32,
                 keyLength: UInt16(key.count), tier: UInt8(tier), flags: tags.isEmpty ? 0 : Slot.tagged),
            storage: storage)
        indexInsert(s)
        if !tags.isEmpty {
            slotTags[s] = tags
            for tag in tags { tagIndex[tag, default: []].insert(s) }
        }
        var target = tier
        if tier > 0 {
            compressIfWorthwhile(s)
            // Written straight to a lower tier but larger than it: fall through to the next that fits.
            while target < 2 && entryCost(s) > tiers[target].budget { target += 1 }
        }
        if entryCost(s) > tiers[target].budget {
            freeRemoved(s)  // even compressed, no tier can hold it
            return false
        }
        link(s, tier: target)
        rebalance(from: target, now: now)
        sketch.ensureCapacity(live)
        return true
    }

    /// Whether the tiers from `tier` down are full enough that the admission filter must decide.
    ///
    /// Not only "would evict": a hit in warm or cold moves its entry to hot, which frees room below and
    /// would otherwise let hot's next evictee (usually a one-hit wonder) into the lower tiers unjudged.
    /// So the filter judges whenever the lower tiers are within 1/16 of full; only a cache that is
    /// still filling up (or was just invalidated in bulk) admits freely. (Measured on the Zipf bench:
    /// letting candidates seen twice use that free room costs 2 points; a 1/32 margin ≈ 1/16 ≈ 1/8.)
    private func nearlyFull(adding cost: Int, from tier: Int) -> Bool {
        var free = 0, budget = 0
        for t in tier..<3 {
            free += max(0, tiers[t].budget - tiers[t].bytes)
            budget += tiers[t].budget
        }
        return free < budget / 16 || wouldEvict(cost, from: tier)
    }

    /// Whether `cost` more bytes at `tier` would cascade down and push an entry out of cold. (Free
    /// space summed over tiers is not enough: each tier overflows on its own budget.)
    private func wouldEvict(_ cost: Int, from tier: Int) -> Bool {
        var incoming = cost
        for t in tier..<3 {
            if tiers[t].bytes + incoming <= tiers[t].budget { return false }
            // The tier overflows and passes on (about) its LRU tail.
            if tiers[t].tail >= 0 { incoming = entryCost(tiers[t].tail) }
        }
        return true
    }

    /// The entry the cache would drop next: cold's LRU tail, else warm's. Expired entries met on the way
    /// are removed. Returns the slot and its estimated frequency.
    private mutating func lowestVictim(now: Int64) -> (slot: Int32, frequency: Int)? {
        var t = 2
        while t >= 1 {
            defer { t -= 1 }
            while tiers[t].tail >= 0 && isExpired(tiers[t].tail, now: now) {
                tiers[t].expirations += 1
                remove(tiers[t].tail)
            }
            let s = tiers[t].tail
            if s >= 0 { return (s, sketch.frequency(slotHash(s))) }
        }
        return nil
    }

    /// TinyLFU: whether a newcomer of sketch key `candidate` may enter the lower tiers (it must be used
    /// more often than the entry it would push out; ties keep the incumbent).
    private mutating func admit(_ candidate: UInt64, now: Int64) -> Bool {
        guard let (_, victimFrequency) = lowestVictim(now: now) else { return true }
        let frequency = sketch.frequency(candidate)
        // A tie between two well-used entries goes to the newcomer: it was read recently, the victim has
        // gone unread for a whole pass through warm and cold. Ties among rarely used ones keep the victim,
        // which is what shuts out one-hit wonders.
        guard frequency > victimFrequency || (frequency == victimFrequency && frequency >= 4) else {
            admissionRejections += 1
            return false
        }
        return true
    }

    /// The sketch key of a stored entry (slots keep only 32 hash bits, so the sketch is keyed on those).
    @inline(__always)
    private func slotHash(_ s: Int32) -> UInt64 {
        ShardStore.sketchHash(slots[Int(s)].hash)
    }

    /// The sketch key for a 32-bit slot hash: both writers and victims go through this, so they agree.
    @inline(__always)
    static func sketchHash(_ h32: UInt32) -> UInt64 {
        var h = UInt64(h32) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return h
    }

    /// Pushes entries down while `tier` (and then the tiers below it) is over budget.
    mutating func rebalance(from tier: Int, now: Int64) {
        var t = tier
        while t < 3 {
            while tiers[t].bytes > tiers[t].budget, tiers[t].tail >= 0 {
                let victim = tiers[t].tail
                if isExpired(victim, now: now) {
                    tiers[t].expirations += 1
                    remove(victim)
                    continue
                }
                tiers[t].evictions += 1
                if t == 2 {
                    remove(victim)
                    continue
                }
                if t == 0 && admissionFilter && nearlyFull(adding: entryCost(victim), from: 1) {
                    if !admit(slotHash(victim), now: now) {
                        remove(victim)
                        continue
                    }
                }
                demote(victim, from: t)
            }
            t += 1
        }
    }

    /// Moves an entry from the tail of `tier` to the head of the next tier that can hold it, compressing it.
    private mutating func demote(_ s: Int32, from tier: Int) {
        unlink(s)
        compressIfWorthwhile(s)
        var target = tier + 1
        let cost = entryCost(s)
        while target <= 2 && cost > tiers[target].budget { target += 1 }
        if target > 2 {
            freeRemoved(s)
            return
        }
        link(s, tier: target)
    }

    private mutating func compressIfWorthwhile(_ s: Int32) {
        let i = Int(s)
        let flags = slots[i].flags
        guard flags & (Slot.compressed | Slot.incompressible) == 0 else { return }
        let keyLength = Int(slots[i].keyLength)
        guard storages[i].count - keyLength >= compressionThreshold else { return }
        if codec == nil { codec = DeflateCodec() }
        if let packed = codec!.compress(storages[i], keyLength: keyLength) {
            storages[i] = packed
            slots[i].flags = flags | Slot.compressed
        } else {
            slots[i].flags = flags | Slot.incompressible
        }
    }

    // MARK: Removal

    /// Removes a live entry entirely.
    mutating func remove(_ s: Int32) {
        unlink(s)
        freeRemoved(s)
    }

    /// Frees an already unlinked entry's slot, index bucket and tags.
    private mutating func freeRemoved(_ s: Int32) {
        indexRemove(s)
        let i = Int(s)
        if slots[i].flags & Slot.tagged != 0, let tags = slotTags.removeValue(forKey: s) {
            for tag in tags {
                if var set = tagIndex.removeValue(forKey: tag) {
                    set.remove(s)
                    if !set.isEmpty { tagIndex[tag] = set }
                }
            }
        }
        storages[i] = []
        slots[i].tier = Slot.free
        slots[i].flags = 0
        slots[i].next = freeHead
        freeHead = s
        live -= 1
    }

    /// Removes the entry for `key`, if any; returns how many were removed (0 or 1).
    mutating func invalidate(hash: UInt64, key: UnsafeBufferPointer<UInt8>) -> Int {
        let s = find(UInt32(truncatingIfNeeded: hash), key)
        guard s >= 0 else { return 0 }
        tiers[Int(slots[Int(s)].tier)].invalidations += 1
        remove(s)
        return 1
    }

    /// Removes every entry whose key starts with `prefix`.
    mutating func invalidate(prefix: UnsafeBufferPointer<UInt8>) -> Int {
        var removed = 0
        for i in slots.indices where slots[i].tier != Slot.free && Int(slots[i].keyLength) >= prefix.count {
            let matches = prefix.isEmpty || storages[i].withUnsafeBufferPointer { stored in
                memcmp(stored.baseAddress!, prefix.baseAddress!, prefix.count) == 0
            }
            if matches {
                tiers[Int(slots[i].tier)].invalidations += 1
                remove(Int32(i))
                removed += 1
            }
        }
        return removed
    }

    /// Removes every entry carrying `tag`.
    mutating func invalidate(tag: String) -> Int {
        guard let set = tagIndex.removeValue(forKey: tag) else { return 0 }
        for s in set {
            tiers[Int(slots[Int(s)].tier)].invalidations += 1
            remove(s)
        }
        return set.count
    }

    /// Removes every expired entry; returns how many.
    mutating func removeExpired(now: Int64) -> Int {
        var removed = 0
        for i in slots.indices where slots[i].tier != Slot.free && now >= slots[i].expiresAt {
            tiers[Int(slots[i].tier)].expirations += 1
            remove(Int32(i))
            removed += 1
        }
        return removed
    }

    // MARK: Sizes

    @inline(__always)
    func entryCost(_ s: Int32) -> Int {
        TieredCache.accountedBytes(storageCount: storages[Int(s)].count, tags: tagCost(s))
    }

    private func tagCost(_ s: Int32) -> Int {
        guard slots[Int(s)].flags & Slot.tagged != 0, let tags = slotTags[s] else { return 0 }
        return Self.tagCost(tags)
    }

    /// Bytes the tag bookkeeping costs: each tag's UTF-8 plus about 64 bytes of dictionary and set slots.
    static func tagCost(_ tags: [String]) -> Int {
        tags.reduce(0) { $0 + $1.utf8.count + 64 }
    }

    // MARK: LRU lists

    private mutating func link(_ s: Int32, tier: Int) {
        let i = Int(s)
        slots[i].tier = UInt8(tier)
        slots[i].prev = -1
        slots[i].next = tiers[tier].head
        if tiers[tier].head >= 0 { slots[Int(tiers[tier].head)].prev = s } else { tiers[tier].tail = s }
        tiers[tier].head = s
        tiers[tier].bytes += entryCost(s)
        tiers[tier].entries += 1
    }

    private mutating func unlink(_ s: Int32) {
        let i = Int(s)
        let tier = Int(slots[i].tier)
        let prev = slots[i].prev, next = slots[i].next
        if prev >= 0 { slots[Int(prev)].next = next } else { tiers[tier].head = next }
        if next >= 0 { slots[Int(next)].prev = prev } else { tiers[tier].tail = prev }
        slots[i].prev = -1
        slots[i].next = -1
        tiers[tier].bytes -= entryCost(s)
        tiers[tier].entries -= 1
    }

    @inline(__always)
    private mutating func moveToHead(_ s: Int32, tier: Int) {
        guard tiers[tier].head != s else { return }
        let i = Int(s)
        let prev = slots[i].prev, next = slots[i].next
        slots[Int(prev)].next = next
        if next >= 0 { slots[Int(next)].prev = prev } else { tiers[tier].tail = prev }
        slots[i].prev = -1
        slots[i].next = tiers[tier].head
        slots[Int(tiers[tier].head)].prev = s
        tiers[tier].head = s
    }

    // MARK: Slots and index

    private mutating func allocateSlot(_ slot: Slot, storage: [UInt8]) -> Int32 {
        live += 1
        if freeHead >= 0 {
            let s = freeHead
            freeHead = slots[Int(s)].next
            slots[Int(s)] = slot
            storages[Int(s)] = storage
            return s
        }
        if slots.count == slots.capacity {
            // Grow by a quarter, not double: unused slot capacity is memory every entry pays for.
            slots.reserveCapacity(slots.count + slots.count / 4 + 16)
            storages.reserveCapacity(slots.capacity)
        }
        slots.append(slot)
        storages.append(storage)
        return Int32(slots.count - 1)
    }

    private mutating func indexInsert(_ s: Int32) {
        // Load up to 0.85: linear probing over 4-byte buckets stays within a cache line or two even for
        // misses, and the 8-bit tags spare almost every slot comparison; each entry costs 4.7-9.4 bytes.
        if (live + 1) * 100 > buckets.count * 85 { growIndex() }
        place(s)
    }

    private mutating func place(_ s: Int32) {
        let hash = slots[Int(s)].hash
        var i = Int(truncatingIfNeeded: hash) & bucketMask
        while buckets[i] != Self.emptyBucket { i = (i + 1) & bucketMask }
        buckets[i] = (hash >> 24) << 24 | UInt32(s)
    }

    private mutating func growIndex() {
        let count = buckets.count * 2
        buckets = Array(repeating: Self.emptyBucket, count: count)
        bucketMask = count - 1
        for i in slots.indices where slots[i].tier != Slot.free {
            place(Int32(i))
        }
    }

    /// Removes the bucket of slot `s` with backward-shift deletion (no tombstones).
    private mutating func indexRemove(_ s: Int32) {
        var i = Int(truncatingIfNeeded: slots[Int(s)].hash) & bucketMask
        while buckets[i] & 0xFF_FFFF != UInt32(s) || buckets[i] == Self.emptyBucket {
            i = (i + 1) & bucketMask
        }
        var hole = i
        var j = i
        while true {
            j = (j + 1) & bucketMask
            let bucket = buckets[j]
            if bucket == Self.emptyBucket { break }
            let home = Int(truncatingIfNeeded: slots[Int(bucket & 0xFF_FFFF)].hash) & bucketMask
            // Move `j` into the hole unless its home lies cyclically in (hole, j].
            let distanceToJ = (j - home) & bucketMask
            let distanceToHole = (hole - home) & bucketMask
            if distanceToHole < distanceToJ {
                buckets[hole] = bucket
                hole = j
            }
        }
        buckets[hole] = Self.emptyBucket
    }
}
