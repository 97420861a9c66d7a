/// TinyLFU frequency estimate: a count-min sketch of 4-bit counters behind a doorkeeper Bloom filter,
/// aged by halving.
///
/// - The doorkeeper absorbs the first sighting of a key in each sample period, so the one-hit wonders
///   that dominate a Zipf tail never reach the counters.
/// - Each key maps to four counters (one per row of the count-min sketch, all packed 16 to a word);
///   an increment raises only the smallest of them (conservative update), and the estimate is the
///   smallest plus the doorkeeper's bit.
/// - After `40 × capacity` recorded accesses every counter is halved and the doorkeeper cleared, so
///   popularity that has faded stops protecting a key. (Caffeine uses 10×; on the Zipf bench trace
///   the longer period ranks the many rarely-seen keys near the cache boundary better: +1.7 points.)
///
/// A value type over shared memory: copies share counters, so a shard keeps exactly one (in place).
///
/// Memory: 16 counters (8 bytes) and 8 doorkeeper bits per tracked entry; `capacity` is the
/// shard's live entry count rounded up to a power of two.
struct FrequencySketch {
    private(set) var capacity: Int
    /// Owns the two bit arrays below; raw pointers keep the per-access path free of copy-on-write checks.
    private let memory: SketchMemory
    private let table: UnsafeMutablePointer<UInt64>
    private var tableMask: Int
    private let door: UnsafeMutablePointer<UInt64>
    private var doorMask: UInt64
    private var additions = 0
    private var sampleSize: Int

    init(capacity requested: Int) {
        let capacity = max(16, requested).nextPowerOfTwo
        self.capacity = capacity
        let words = max(8, capacity)
        let doorBits = capacity * 8
        memory = SketchMemory(tableWords: words, doorWords: doorBits / 64)
        table = memory.table
        tableMask = words - 1
        door = memory.door
        doorMask = UInt64(doorBits - 1)
        sampleSize = 40 * capacity
    }

    /// Records one access of the key with hash `hash`.
    mutating func increment(_ hash: UInt64) {
        let (d1, d2) = doorBits(hash)
        let bit1: UInt64 = 1 << UInt64(d1 & 63), bit2: UInt64 = 1 << UInt64(d2 & 63)
        if door[d1 >> 6] & bit1 == 0 || door[d2 >> 6] & bit2 == 0 {
            door[d1 >> 6] |= bit1
            door[d2 >> 6] |= bit2
        } else {
            let p = positions(hash)
            let c0 = (table[p.0.word] >> p.0.shift) & 15, c1 = (table[p.1.word] >> p.1.shift) & 15
            let c2 = (table[p.2.word] >> p.2.shift) & 15, c3 = (table[p.3.word] >> p.3.shift) & 15
            let minimum = min(min(c0, c1), min(c2, c3))
            if minimum < 15 {
                // Conservative update: raise only the counters at the minimum.
                if c0 == minimum { table[p.0.word] &+= 1 << p.0.shift }
                if c1 == minimum { table[p.1.word] &+= 1 << p.1.shift }
                if c2 == minimum { table[p.2.word] &+= 1 << p.2.shift }
                if c3 == minimum { table[p.3.word] &+= 1 << p.3.shift }
            }
        }
        additions += 1
        if additions >= sampleSize { age() }
    }

    /// Estimated accesses of the key with hash `hash` in the current sample period (0...16).
    func frequency(_ hash: UInt64) -> Int {
        let p = positions(hash)
        let minimum = min(min((table[p.0.word] >> p.0.shift) & 15, (table[p.1.word] >> p.1.shift) & 15),
                          min((table[p.2.word] >> p.2.shift) & 15, (table[p.3.word] >> p.3.shift) & 15))
        let (d1, d2) = doorBits(hash)
        let seen = door[d1 >> 6] & (1 << UInt64(d1 & 63)) != 0 && door[d2 >> 6] & (1 << UInt64(d2 & 63)) != 0
        return Int(minimum) + (seen ? 1 : 0)
    }

    @inline(__always)
    private func doorBits(_ hash: UInt64) -> (Int, Int) {
        (Int(truncatingIfNeeded: hash & doorMask), Int(truncatingIfNeeded: (hash >> 32 ^ hash >> 7) & doorMask))
    }

    /// The four counters (word, bit shift) of a key: 32 mixed bits per row from two SplitMix64 finalizers.
    @inline(__always)
    private func positions(_ hash: UInt64)
        -> ((word: Int, shift: UInt64), (word: Int, shift: UInt64), (word: Int, shift: UInt64), (word: Int, shift: UInt64))
    {
        let a = Self.mix(hash), b = Self.mix(hash ^ 0xD6E8_FEB8_6659_FD93)
        func at(_ bits: UInt64) -> (word: Int, shift: UInt64) {
            (Int(truncatingIfNeeded: bits >> 4) & tableMask, (bits & 15) << 2)
        }
        return (at(a & 0xFFFF_FFFF), at(a >> 32), at(b & 0xFFFF_FFFF), at(b >> 32))
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Grows to track `count` entries well; restarts the counts (growth happens O(log n) times).
    mutating func ensureCapacity(_ count: Int) {
        if count > capacity { self = FrequencySketch(capacity: count) }
    }

    /// Halves every counter and clears the doorkeeper.
    private mutating func age() {
        for i in 0...tableMask {
            table[i] = (table[i] >> 1) & 0x7777_7777_7777_7777
        }
        door.update(repeating: 0, count: memory.doorWords)
        additions /= 2
    }

}

/// The sketch's bit arrays, freed with the last sketch that uses them.
final class SketchMemory {
    let table: UnsafeMutablePointer<UInt64>
    let tableWords: Int
    let door: UnsafeMutablePointer<UInt64>
    let doorWords: Int

    init(tableWords: Int, doorWords: Int) {
        self.tableWords = tableWords
        self.doorWords = doorWords
        table = .allocate(capacity: tableWords)
        table.initialize(repeating: 0, count: tableWords)
        door = .allocate(capacity: doorWords)
        door.initialize(repeating: 0, count: doorWords)
    }

    deinit {
        table.deallocate()
        door.deallocate()
    }
}

extension Int {
    /// The smallest power of two ≥ self (1 for values ≤ 1).
    var nextPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}
