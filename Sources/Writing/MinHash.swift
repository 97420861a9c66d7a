/// A MinHash signature of a text's shingles, for near-duplicate detection.
///
/// Shingles are word 3-grams of the lowercased words, or character 3-grams of the letters for text written
/// mostly without spaces (Chinese, Japanese, Thai); a text shorter than one shingle is its own single shingle.
/// Each shingle is hashed with 64-bit FNV-1a (stable across runs and machines, unlike Swift's seeded
/// `Hasher`), then remixed by ``hashCount`` SplitMix64 finalisers with fixed seeds; the signature keeps each
/// one's minimum. The fraction of equal positions estimates the Jaccard similarity of the shingle sets
/// (standard error about 1/√128 ≈ 0.09 at 0.5, less near 0 and 1).
public struct MinHashSignature: Sendable, Hashable, Codable {
    /// How many minimums a signature holds.
    public static let hashCount = 128

    /// The minimum of each hash function over the shingles; empty when the text had no words.
    public let minimums: [UInt64]

    /// Wraps stored minimums (e.g. read back from the content store).
    public init(minimums: [UInt64]) { self.minimums = minimums }

    /// Whether the text had nothing to compare (no words).
    public var isEmpty: Bool { minimums.isEmpty }

    init(text: String) {
        let shingles = Self.shingles(text)
        guard !shingles.isEmpty else { self.minimums = []; return }
        var mins = [UInt64](repeating: .max, count: Self.hashCount)
        for shingle in shingles {
            let base = Self.fnv1a(shingle)
            for i in 0..<Self.hashCount {
                let h = Self.mix(base ^ Self.seeds[i])
                if h < mins[i] { mins[i] = h }
            }
        }
        self.minimums = mins
    }

    static func shingles(_ text: String) -> Set<String> {
        let tokens = Tokenizer.tokens(TextCleaning.sanitize(text))
        var unspaced = 0, total = 0
        for token in tokens {
            total += token.letterCount
            if token.unspaced { unspaced += token.letterCount }
        }
        if total > 0, unspaced * 2 > total {
            let letters = tokens.flatMap { Array($0.text.lowercased()) }
            if letters.count < 3 { return letters.isEmpty ? [] : [String(letters)] }
            return Set((0...(letters.count - 3)).map { String(letters[$0..<$0 + 3]) })
        }
        let words = tokens.map { $0.text.lowercased() }
        if words.count < 3 { return words.isEmpty ? [] : [words.joined(separator: " ")] }
        return Set((0...(words.count - 3)).map { words[$0..<$0 + 3].joined(separator: " ") })
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// SplitMix64's finaliser: a good 64-bit mixer, so `base ^ seed` gives independent-looking hash functions.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fixed seeds: SplitMix64's sequence from 0, so every build and machine agrees.
    static let seeds: [UInt64] = {
        var state: UInt64 = 0
        return (0..<hashCount).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            return mix(state)
        }
    }()
}
