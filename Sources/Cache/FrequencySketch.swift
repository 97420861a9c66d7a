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
/// Memory: 16 counters (8 bytes) and 8 doorkeeper bits per tracked entry; `capacity` is the
/// shard's live entry count rounded up to a power of two.
struct FrequencySketch {
    private(set) var capacity: Int
    private var table: [UInt64]
    private var tableMask: Int
    private var door: [UInt64]
    private var doorMask: UInt64
    private var additions = 0
    private var sampleSize: Int

    init(capacity requested: Int) {
        let capacity = max(16, requested).nextPowerOfTwo
        self.capacity = capacity
        let words = max(8, capacity)
        table = Array(repeating: 0, count: words)
        tableMask = words - 1
        let doorBits = capacity * 8
        door = Array(repeating: 0, count: doorBits / 64)
        doorMask = UInt64(doorBits - 1)
        sampleSize = 40 * capacity
    }

    /// Records one access of the key with hash `hash`.
    mutating func increment(_ hash: UInt64) {
        let d1 = Int(truncatingIfNeeded: hash & doorMask)
        let d2 = Int(truncatingIfNeeded: (hash >> 32 ^ hash >> 7) & doorMask)
        let bit1: UInt64 = 1 << UInt64(d1 & 63), bit2: UInt64 = 1 << UInt64(d2 & 63)
        if door[d1 >> 6] & bit1 == 0 || door[d2 >> 6] & bit2 == 0 {
            door[d1 >> 6] |= bit1
            door[d2 >> 6] |= bit2
        } else {
            var minimum: UInt64 = 15
            for row in 0..<4 {
                let (word, shift) = position(hash, row)
                minimum = min(minimum, (table[word] >> shift) & 15)
            }
            if minimum < 15 {
                for row in 0..<4 {
                    let (word, shift) = position(hash, row)
                    if (table[word] >> shift) & 15 == minimum {
                        table[word] &+= 1 << shift
                    }
                }
            }
        }
        additions += 1
        if additions >= sampleSize { age() }
    }

    /// Estimated accesses of the key with hash `hash` in the current sample period (0...16).
    func frequency(_ hash: UInt64) -> Int {
        var minimum: UInt64 = 15
        for row in 0..<4 {
            let (word, shift) = position(hash, row)
            minimum = min(minimum, (table[word] >> shift) & 15)
        }
        let d1 = Int(truncatingIfNeeded: hash & doorMask)
        let d2 = Int(truncatingIfNeeded: (hash >> 32 ^ hash >> 7) & doorMask)
        let seen = door[d1 >> 6] & (1 << UInt64(d1 & 63)) != 0 && door[d2 >> 6] & (1 << UInt64(d2 & 63)) != 0
        return Int(minimum) + (seen ? 1 : 0)
    }

    /// Grows to track `count` entries well; restarts the counts (growth happens O(log n) times).
    mutating func ensureCapacity(_ count: Int) {
        if count > capacity { self = FrequencySketch(capacity: count) }
    }

    /// Halves every counter and clears the doorkeeper.
    private mutating func age() {
        for i in table.indices {
            table[i] = (table[i] >> 1) & 0x7777_7777_7777_7777
        }
        for i in door.indices { door[i] = 0 }
        additions /= 2
    }

    @inline(__always)
    private func position(_ hash: UInt64, _ row: Int) -> (word: Int, shift: UInt64) {
        // SplitMix64's finalizer on a per-row offset: independent positions for the four rows.
        var z = hash &+ UInt64(truncatingIfNeeded: row + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Int(truncatingIfNeeded: z >> 4) & tableMask, (z & 15) << 2)
    }
}

extension Int {
    /// The smallest power of two ≥ self (1 for values ≤ 1).
    var nextPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}
