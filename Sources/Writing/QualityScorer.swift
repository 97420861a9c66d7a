import Platforms

/// A creator's style rules that generated content is checked against.
public struct StyleGuide: Sendable, Codable, Hashable {
    /// Terms every piece should contain (whole words or phrases, case-insensitive).
    public var requiredTerms: [String]
    /// Terms no piece may contain (whole words or phrases, case-insensitive).
    public var bannedTerms: [String]

    /// Creates a style guide (both lists empty by default).
    public init(requiredTerms: [String] = [], bannedTerms: [String] = []) {
        self.requiredTerms = requiredTerms
        self.bannedTerms = bannedTerms
    }

    private enum CodingKeys: String, CodingKey {
        case requiredTerms = "required_terms", bannedTerms = "banned_terms"
    }
}

/// A piece's quality score and the parts it is made of, each in 0...1.
public struct QualityReport: Sendable, Codable, Hashable {
    /// The overall score in 0...1 (see ``QualityScorer`` for the weights).
    public let score: Double
    /// 1 inside the kind's bounds, falling off linearly outside; 0 over a platform's hard limit.
    public let length: Double
    /// Flesch reading ease mapped to 0...1 (60 and above is 1), or nil when not measured (not English, or a
    /// title or hashtags).
    public let readability: Double?
    /// Required terms present and banned terms absent.
    public let style: Double
    /// 1 − the highest similarity to the creator's existing content.
    public let originality: Double
    /// What pulled the score down, in words a creator understands.
    public let problems: [String]

    /// Creates a report.
    public init(score: Double, length: Double, readability: Double?, style: Double, originality: Double, problems: [String]) {
        self.score = score
        self.length = length
        self.readability = readability
        self.style = style
        self.originality = originality
        self.problems = problems
    }
}

/// Scores generated content so the orchestrator can retry a poor result on another model.
///
/// The score is a weighted mean of the parts: length 0.30, readability 0.20, style 0.25, originality 0.25.
/// Length and style matter most because they are the creator's explicit requirements (a post that does not fit
/// cannot be published; a banned word can hurt a brand deal); readability is a heuristic for English only, so
/// when it is not measured its weight is shared out among the others. Two rules override the mean:
/// a near-duplicate (MinHash similarity ≥ 0.8 to an existing piece) multiplies the score by 0.25, and any
/// banned term caps it at 0.4 — either alone puts a result below any sensible acceptance threshold.
public enum QualityScorer {
    /// Weight of the length part.
    public static let lengthWeight = 0.30
    /// Weight of the readability part (when measured).
    public static let readabilityWeight = 0.20
    /// Weight of the style part.
    public static let styleWeight = 0.25
    /// Weight of the originality part.
    public static let originalityWeight = 0.25
    /// Similarity from which a piece counts as a near-duplicate.
    public static let nearDuplicateThreshold = 0.8

    /// The MinHash signature of `text` (store it with the content to check later pieces against).
    public static func signature(_ text: String) -> MinHashSignature { MinHashSignature(text: text) }

    /// Estimated Jaccard similarity of two texts' shingle sets, in 0...1 (0 when either text had no words).
    public static func similarity(_ a: MinHashSignature, _ b: MinHashSignature) -> Double {
        guard !a.isEmpty, a.minimums.count == b.minimums.count else { return 0 }
        var equal = 0
        for i in a.minimums.indices where a.minimums[i] == b.minimums[i] { equal += 1 }
        return Double(equal) / Double(a.minimums.count)
    }

    /// Flesch reading ease of English text (higher is easier: 90+ very easy, 60–70 plain, below 30 very hard),
    /// or nil for text that is not English prose. Syllables are counted with a vowel-group heuristic.
    public static func fleschReadingEase(_ text: String) -> Double? { Readability.fleschReadingEase(text) }

    /// Scores `text` as a `kind` for `platform`, against the creator's `style` and the signatures of their
    /// `existing` content.
    public static func score(_ text: String, kind: ContentKind, platform: PlatformProfile?, language: String?,
                             style: StyleGuide, existing: [MinHashSignature]) -> QualityReport {
        var problems: [String] = []

        // Length.
        let bounds = KindBounds.bounds(for: kind, platform: platform)
        let measured = bounds.measure(text, platform: platform)
        var length: Double
        if measured < bounds.min {
            length = bounds.min == 0 ? 1 : Double(measured) / Double(bounds.min)
            problems.append("too short: \(measured) \(unitName(bounds.unit)), at least \(bounds.min) expected")
        } else if measured > bounds.max {
            length = bounds.max == 0 ? 0 : Swift.max(0, 1 - Double(measured - bounds.max) / Double(bounds.max))
            problems.append("too long: \(measured) \(unitName(bounds.unit)), at most \(bounds.max) allowed")
        } else {
            length = 1
        }
        if let platform, kind == .socialPost || kind == .caption, !platform.fits(text) {
            length = 0
            if !problems.contains(where: { $0.hasPrefix("too long") }) {
                problems.append("does not fit \(platform.name)'s limit of \(platform.textLimit)")
            }
        }

        // Readability (English prose only).
        var readability: Double?
        let english = language.map { $0.lowercased().hasPrefix("en") } ?? true
        if english, kind != .title, kind != .hashtags, let flesch = Readability.fleschReadingEase(text) {
            let value = Swift.min(1, Swift.max(0, flesch / 60))
            readability = value
            if flesch < 30 { problems.append("hard to read (Flesch reading ease \(Int(flesch.rounded())))") }
        }

        // Style.
        let words = normalizedWords(text)
        let required = style.requiredTerms.filter { !normalizedWords($0).isEmpty }
        let missing = required.filter { !containsPhrase(words, normalizedWords($0)) }
        let banned = style.bannedTerms.filter { term in let w = normalizedWords(term); return !w.isEmpty && containsPhrase(words, w) }
        let requiredPart = required.isEmpty ? 1 : Double(required.count - missing.count) / Double(required.count)
        let bannedPart = Swift.max(0, 1 - 0.5 * Double(banned.count))
        let styleScore = requiredPart * bannedPart
        if !missing.isEmpty { problems.append("missing required terms: \(missing.joined(separator: ", "))") }
        if !banned.isEmpty { problems.append("contains banned terms: \(banned.joined(separator: ", "))") }

        // Originality.
        let own = signature(text)
        let closest = existing.map { similarity(own, $0) }.max() ?? 0
        let originality = 1 - closest
        let duplicate = closest >= nearDuplicateThreshold
        if duplicate { problems.append("near-duplicate of existing content (similarity \(percent(closest)))") }

        var weighted = lengthWeight * length + styleWeight * styleScore + originalityWeight * originality
        var weights = lengthWeight + styleWeight + originalityWeight
        if let readability {
            weighted += readabilityWeight * readability
            weights += readabilityWeight
        }
        var score = weighted / weights
        if duplicate { score *= 0.25 }
        if !banned.isEmpty { score = Swift.min(score, 0.4) }
        score = Swift.min(1, Swift.max(0, score))
        return QualityReport(score: score, length: length, readability: readability, style: styleScore,
                             originality: originality, problems: problems)
    }

    private static func unitName(_ unit: KindBounds.Unit) -> String {
        switch unit {
        case .graphemes, .platform: "characters"
        case .words: "words"
        case .hashtags: "hashtags"
        }
    }

    private static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }

    /// Lowercased word tokens; an unspaced-script run is split into characters so a term matches inside it.
    static func normalizedWords(_ text: String) -> [String] {
        Tokenizer.tokens(TextCleaning.sanitize(text)).flatMap { token -> [String] in
            token.unspaced ? token.text.map { String($0) } : [token.text.lowercased()]
        }
    }

    /// Whether `phrase` occurs as consecutive whole words in `words`.
    static func containsPhrase(_ words: [String], _ phrase: [String]) -> Bool {
        guard !phrase.isEmpty, words.count >= phrase.count else { return false }
        for start in 0...(words.count - phrase.count) where words[start] == phrase[0] {
            if Array(words[start..<start + phrase.count]) == phrase { return true }
        }
        return false
    }
}
