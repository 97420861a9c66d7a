import Platforms

/// The length a piece of each kind should have, and how it is measured.
///
/// Platform posts use the platform's own measure and limit (X's weighted length, Bluesky's graphemes…);
/// short kinds count graphemes; long kinds count words, where a Chinese, Japanese or Thai character counts as
/// half a word (those scripts have no spaces, and two characters is their most common word length).
public struct KindBounds: Sendable, Hashable {
    /// What ``min`` and ``max`` count.
    public enum Unit: String, Sendable, Hashable, Codable {
        /// User-perceived characters (extended grapheme clusters).
        case graphemes
        /// Words (see the type's discussion for unspaced scripts).
        case words
        /// Hashtags (`#tag` tokens).
        case hashtags
        /// The platform's own measure (``PlatformProfile/length(of:)``).
        case platform
    }

    /// The shortest length that does the job.
    public let min: Int
    /// The longest allowed or sensible length.
    public let max: Int
    /// The unit of ``min`` and ``max``.
    public let unit: Unit

    /// Creates bounds.
    public init(min: Int, max: Int, unit: Unit) {
        self.min = min
        self.max = max
        self.unit = unit
    }

    /// A caption's text limit when no platform is given (Instagram's, the longest common one).
    public static let genericCaptionLimit = 2_200

    /// The bounds for `kind`, using `platform`'s limits for posts, captions and hashtags when it is given.
    public static func bounds(for kind: ContentKind, platform: PlatformProfile?) -> KindBounds {
        switch kind {
        case .title: return KindBounds(min: 20, max: platform?.titleLimit.map { Swift.min($0, 70) } ?? 70, unit: .graphemes)
        case .metaDescription: return KindBounds(min: 120, max: 160, unit: .graphemes)
        case .hashtags:
            let cap = platform.map { Swift.min(10, $0.hashtags.maxCount) } ?? 10
            return KindBounds(min: Swift.min(3, cap), max: cap, unit: .hashtags)
        case .socialPost, .caption:
            if let platform { return KindBounds(min: Swift.min(20, platform.textLimit), max: platform.textLimit, unit: .platform) }
            return kind == .socialPost ? KindBounds(min: 20, max: 280, unit: .graphemes) : KindBounds(min: 20, max: genericCaptionLimit, unit: .graphemes)
        case .article: return KindBounds(min: 300, max: 5_000, unit: .words)
        case .email: return KindBounds(min: 50, max: 600, unit: .words)
        case .podcastScript: return KindBounds(min: 150, max: 6_000, unit: .words)
        case .repurpose: return KindBounds(min: 30, max: 3_000, unit: .words)
        case .translation: return KindBounds(min: 1, max: 50_000, unit: .words)
        }
    }

    /// The length of `text` in this bounds' unit (`platform` is needed for ``Unit/platform``; without it graphemes
    /// are counted).
    public func measure(_ text: String, platform: PlatformProfile?) -> Int {
        switch unit {
        case .graphemes: return text.count
        case .words: return Self.wordCount(text)
        case .hashtags: return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0.hasPrefix("#") }.count
        case .platform: return platform?.length(of: text) ?? text.count
        }
    }

    /// Whether `length` lies within ``min``...``max``.
    public func contains(_ length: Int) -> Bool { length >= min && length <= max }

    /// Words in `text`: space-separated word tokens, plus half a word per character of an unspaced script.
    public static func wordCount(_ text: String) -> Int {
        var words = 0
        var halfWords = 0
        for token in Tokenizer.tokens(text) {
            if token.unspaced { halfWords += token.letterCount } else { words += 1 }
        }
        return words + (halfWords + 1) / 2
    }
}
