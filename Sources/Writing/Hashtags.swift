/// Hashtags from an analysis's weighted keywords.
///
/// Candidates are the two-word phrases seen at least twice and the single terms, heaviest first (ties by
/// position). A phrase becomes one CamelCase tag (`#MachineLearning`; scripts without case join with `_`), and
/// its words are not used again on their own. A tag keeps only letters, digits, combining marks and `_`, so
/// non-Latin tags keep their letters (`#人工知能`, `#تعلم`, `#भारत`), and an all-digit tag is never made.
enum Hashtags {
    /// Up to `count` distinct, well-formed tags (with `#`), each at most `maxLength` graphemes long without `#`.
    static func make(_ analysis: TextAnalysis, count: Int, maxLength: Int?) -> [String] {
        guard count > 0 else { return [] }
        let limit = min(maxLength ?? 40, 40)
        var used: Set<Int> = []
        var seen: Set<String> = []
        var tags: [String] = []

        struct Candidate { var weight: Double; var position: Int; var terms: [Int] }
        var candidates = analysis.phrases.prefix(20).map { Candidate(weight: $0.weight, position: $0.firstPosition, terms: [$0.first, $0.second]) }
        candidates += analysis.rankedTerms.prefix(60).filter { analysis.terms[$0].weight > 0 }.map { Candidate(weight: analysis.terms[$0].weight, position: analysis.terms[$0].firstPosition, terms: [$0]) }
        candidates.sort { ($0.weight, -$0.position, $0.terms.count, -$0.terms[0]) > ($1.weight, -$1.position, $1.terms.count, -$1.terms[0]) }

        // Han character pairs that straddle two words ("容创" in "内容创作") are not words: skip a pair when a
        // more frequent term continues from its last character or leads into its first, or a chosen tag does.
        var hanStarts: [Character: Int] = [:], hanEnds: [Character: Int] = [:]
        for term in analysis.terms where term.count > 0 && Tokenizer.script(of: term.key.unicodeScalars.first!) == .han {
            if let first = term.key.first { hanStarts[first] = max(hanStarts[first] ?? 0, term.count) }
            if let last = term.key.last { hanEnds[last] = max(hanEnds[last] ?? 0, term.count) }
        }
        var chosenStarts: Set<Character> = [], chosenEnds: Set<Character> = []

        for candidate in candidates where tags.count < count {
            if candidate.terms.contains(where: used.contains) { continue }
            if candidate.terms.count == 1 {
                let term = analysis.terms[candidate.terms[0]]
                let chars = Array(term.key)
                if chars.count == 2, Tokenizer.script(of: term.key.unicodeScalars.first!) == .han {
                    if (hanStarts[chars[1]] ?? 0) > term.count || (hanEnds[chars[0]] ?? 0) > term.count
                        || chosenStarts.contains(chars[1]) || chosenEnds.contains(chars[0]) { continue }
                }
                if let first = chars.first, let last = chars.last, Tokenizer.script(of: term.key.unicodeScalars.first!) == .han {
                    chosenStarts.insert(first)
                    chosenEnds.insert(last)
                }
            }
            let words = candidate.terms.map { analysis.terms[$0] }
            let caseless = words.allSatisfy(\.caseless)
            let body = words.map { tagWord($0.surface, camel: words.count > 1 || !caseless) }.joined(separator: caseless && words.count > 1 ? "_" : "")
            guard !body.isEmpty, body.count <= limit, !body.allSatisfy({ $0.isNumber || $0 == "_" }) else { continue }
            let key = body.lowercased()
            guard seen.insert(key).inserted else { continue }
            used.formUnion(candidate.terms)
            tags.append("#" + body)
        }
        return tags
    }

    /// How many hashtags the text carries: a `#` at the start or after whitespace, followed by a letter or digit.
    static func inlineCount(_ text: String) -> Int { inlineStarts(Array(text)).count }

    /// The text with only its first `max` hashtags kept; later ones lose their `#` and stay as plain words.
    static func keepingInline(_ text: String, max: Int) -> String {
        var chars = Array(text)
        let starts = inlineStarts(chars)
        guard starts.count > max else { return text }
        for index in starts[Swift.max(0, max)...].reversed() { chars.remove(at: index) }
        return String(chars)
    }

    private static func inlineStarts(_ chars: [Character]) -> [Int] {
        var result: [Int] = []
        for i in chars.indices where chars[i] == "#" && (i == 0 || chars[i - 1].isWhitespace) && i + 1 < chars.count {
            if let scalar = chars[i + 1].unicodeScalars.first, Tokenizer.isWordScalar(scalar) { result.append(i) }
        }
        return result
    }

    /// True when `tag` is `#` followed only by letters, digits, marks and `_`, with at least one letter.
    static func isWellFormed(_ tag: String) -> Bool {
        guard tag.first == "#", tag.count >= 2 else { return false }
        let body = tag.unicodeScalars.dropFirst()
        return body.allSatisfy { $0 == "_" || Tokenizer.isWordScalar($0) } && body.contains { $0.properties.isAlphabetic }
    }

    /// The word's letters only; for CamelCase the first letter goes upper case unless the word already mixes cases.
    private static func tagWord(_ surface: String, camel: Bool) -> String {
        let clean = String(String.UnicodeScalarView(surface.unicodeScalars.filter { Tokenizer.isWordScalar($0) || $0 == "_" }))
        guard camel, let first = clean.first else { return clean }
        let rest = clean.dropFirst()
        if rest.contains(where: \.isUppercase) { return clean }
        return first.uppercased() + rest
    }
}
