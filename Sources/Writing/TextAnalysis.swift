#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the builtin model knows about one input: its sentences, weighted terms, phrases and links.
///
/// Term weight is a TF-IDF variant over the document's own sentences, `count × (1 + ln(N / df))`, so a topic
/// word repeated in many sentences still ranks high (plain IDF would push it to zero) while a word concentrated
/// in few sentences gets a boost. Terms in headings count 1.5×. A sentence scores the sum of its distinct
/// terms' weights divided by √(max(5, terms)) (long sentences do not win by length alone), times a position
/// factor (the first sentence 1.5×, the first quarter 1.15×). Every ranking breaks ties by position, so the
/// result never depends on dictionary order.
struct TextAnalysis {
    struct Sentence {
        var text: String
        var index: Int
        var terms: [Int]          // distinct term ids, in order of appearance
        var wordCount: Int
        var headingLevel: Int
        var isListItem: Bool
        var indent: Int
        var score: Double = 0
        var hasURL = false
        var isHeading: Bool { headingLevel > 0 }
    }

    struct Term {
        var key: String
        var surface: String
        var surfaceIsSentenceStart: Bool
        var count = 0
        var sentenceCount = 0
        var firstPosition: Int
        var inHeading = false
        var caseless: Bool
        /// Times seen right after an English determiner or preposition ("the calendar", "of content"): a noun.
        var afterNounMarker = 0
        /// Times seen right after a subject pronoun, modal or "to" ("you think", "can help"): a verb.
        var afterVerbMarker = 0
        var weight: Double = 0
    }

    /// Two adjacent terms seen together at least twice ("machine learning").
    struct Phrase {
        var first: Int
        var second: Int
        var count: Int
        var firstPosition: Int
        var weight: Double = 0
    }

    var sentences: [Sentence] = []
    var terms: [Term] = []
    var phrases: [Phrase] = []
    var urls: [String] = []
    /// True when most letters belong to scripts written without spaces (Chinese, Japanese, Thai…).
    var mostlyUnspaced = false

    /// Whether the input has any scalar from U+3000 up (UTF-8 lead byte E3 or more): kana and Han live there.
    private var mayHaveCJK = false

    init(_ input: String) {
        let clean = TextCleaning.sanitize(input)
        mayHaveCJK = clean.utf8.contains { $0 >= 0xE3 && $0 < 0xF8 }
        var urls: [String] = []
        let lines = TextCleaning.lines(clean, urls: &urls)
        self.urls = urls
        var index = 0
        for line in lines {
            let parts = line.headingLevel > 0 ? [line.text] : TextCleaning.sentences(line.text)
            for part in parts {
                sentences.append(Sentence(text: part, index: index, terms: [], wordCount: 0, headingLevel: line.headingLevel,
                                          isListItem: line.isListItem, indent: line.indent))
                index += 1
            }
        }
        if sentences.isEmpty {
            // Only code, links or markup: use the raw text as one sentence rather than produce nothing.
            let raw = TextCut.prefix(TextCleaning.collapseSpaces(clean), maxGraphemes: 2_000)
            if !raw.isEmpty { sentences.append(Sentence(text: raw, index: 0, terms: [], wordCount: 0, headingLevel: 0, isListItem: false, indent: 0)) }
        }
        extractTerms()
        weigh()
    }

    // MARK: - Terms

    private mutating func extractTerms() {
        let japanese = mayHaveCJK && sentences.contains { $0.text.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) } }
        var ids: [String: Int] = [:]
        // Words repeat: each distinct token text is turned into term ids once (lowercasing, stop words, plurals).
        var tokenTerms: [String: (ids: [Int], nounMarker: Bool, verbMarker: Bool)] = [:]
        var pairCounts: [Int64: (count: Int, first: Int)] = [:]
        var position = 0
        var unspacedLetters = 0
        var letters = 0
        for s in sentences.indices {
            var ordered: [Int] = []
            var previousTerm: Int?   // the term right before, when nothing but a space separated them
            var words = 0
            let hasURL = TextCleaning.containsURL(sentences[s].text)
            sentences[s].hasURL = hasURL
            let tokens = Tokenizer.tokens(hasURL ? TextCleaning.withoutURLs(sentences[s].text) : sentences[s].text)
            // Whether the previous token (with only a space between) marks a noun or a verb next.
            var previousMarks = (noun: false, verb: false)
            for (t, token) in tokens.enumerated() {
                if token.afterBreak { previousMarks = (false, false) }
                position += 1
                letters += token.letterCount
                if token.unspaced { unspacedLetters += token.letterCount }
                words += token.unspaced ? max(1, token.letterCount / 2) : 1
                let termIDs: [Int]
                let marks: (noun: Bool, verb: Bool)
                if let known = tokenTerms[token.text] {
                    termIDs = known.ids
                    marks = (known.nounMarker, known.verbMarker)
                } else {
                    var made: [Int] = []
                    for candidate in Tokenizer.termCandidates(token, japanese: japanese) {
                        if let known = ids[candidate.key] {
                            made.append(known)
                        } else {
                            let id = terms.count
                            ids[candidate.key] = id
                            let lower = candidate.surface.lowercased()
                            let caseless = candidate.surface.utf8.allSatisfy { $0 >= 0x80 } && lower == candidate.surface && lower.uppercased() == lower
                            terms.append(Term(key: candidate.key, surface: candidate.surface, surfaceIsSentenceStart: t == 0,
                                              firstPosition: position, caseless: caseless))
                            made.append(id)
                        }
                    }
                    // The markers are short ASCII words; longer or unspaced tokens are never one.
                    let lower = token.unspaced || token.text.utf8.count > 7 ? "" : token.text.lowercased()
                    marks = (Self.nounMarkers.contains(lower), Self.verbMarkers.contains(lower))
                    tokenTerms[token.text] = (made, marks.noun, marks.verb)
                    termIDs = made
                }
                defer { previousMarks = marks }
                let nounMarker = previousMarks.noun, verbMarker = previousMarks.verb
                for id in termIDs {
                    terms[id].count += 1
                    if nounMarker { terms[id].afterNounMarker += 1 }
                    if verbMarker { terms[id].afterVerbMarker += 1 }
                    if sentences[s].isHeading { terms[id].inHeading = true }
                    // Prefer a surface form from mid-sentence: sentence-initial capitals say nothing.
                    if terms[id].surfaceIsSentenceStart, t > 0 {
                        terms[id].surface = token.unspaced ? terms[id].surface : token.text
                        terms[id].surfaceIsSentenceStart = false
                    }
                    if !ordered.contains(id) { ordered.append(id) }
                    if !token.unspaced, let previous = previousTerm, !token.afterBreak, previous != id {
                        let pair = Int64(previous) << 32 | Int64(id)
                        pairCounts[pair, default: (0, position)].count += 1
                    }
                }
                previousTerm = (!token.unspaced && termIDs.count == 1) ? termIDs[0] : nil
            }
            for id in ordered { terms[id].sentenceCount += 1 }
            sentences[s].terms = ordered
            sentences[s].wordCount = words
        }
        mostlyUnspaced = letters > 0 && unspacedLetters * 2 > letters
        mergeHanWords(ids: &ids)
        phrases = pairCounts.compactMap { key, value in
            value.count >= 2 ? Phrase(first: Int(key >> 32), second: Int(key & 0xFFFF_FFFF), count: value.count, firstPosition: value.first) : nil
        }
    }

    /// Chinese has no spaces, so long Han runs were cut into character pairs. Pairs that chain with the same
    /// count ("人工", "工智", "智能", each 4×) are one longer word seen that often ("人工智能"): it becomes a term of
    /// its own and replaces its pairs, so keywords and hashtags name the whole word. A chain's first or last
    /// character is left out when it pairs more often with its outer neighbour (it belongs to the next word), and
    /// stronger words (count × length) claim their pairs first.
    private mutating func mergeHanWords(ids: inout [String: Int]) {
        guard mayHaveCJK else { return }
        var runs: [(sentence: Int, text: String)] = []
        for s in sentences.indices where sentences[s].text.utf8.contains(where: { $0 >= 0xE3 && $0 <= 0xE9 }) {
            for token in Tokenizer.tokens(sentences[s].text) where token.script == .han && token.letterCount >= 3 {
                runs.append((s, token.text))
            }
        }
        guard !runs.isEmpty else { return }
        // Candidate words with their occurrences (sentence per occurrence), first seen first.
        var found: [String: (count: Int, sentences: [Int], order: Int)] = [:]
        for run in runs {
            let bounds = Array(run.text.indices) + [run.text.endIndex]
            let n = bounds.count - 1   // characters
            // counts[i]: how often the pair starting at character i occurs in the whole text.
            let counts = (0..<max(0, n - 1)).map { i in ids[String(run.text[bounds[i]..<bounds[i + 2]])].map { terms[$0].count } ?? 0 }
            func pairCount(_ i: Int) -> Int { i >= 0 && i < counts.count ? counts[i] : 0 }
            var i = 0
            while i < n - 1 {
                let count = pairCount(i)
                guard count >= 2 else { i += 1; continue }
                var j = i + 1   // the chain covers characters i...j
                while j + 1 < n, j - i < 7, pairCount(j) == count { j += 1 }
                var start = i, end = j
                if pairCount(start - 1) > count { start += 1 }
                if pairCount(end) > count { end -= 1 }
                if end - start >= 2 {
                    let word = String(run.text[bounds[start]..<bounds[end + 1]])
                    let order = found.count
                    found[word, default: (0, [], order)].count += 1
                    found[word]!.sentences.append(run.sentence)
                }
                i = j
            }
        }
        let candidates = found.filter { $0.value.count >= 2 }.sorted {
            (Array($0.key).count * $0.value.count, -$0.value.order) > (Array($1.key).count * $1.value.count, -$1.value.order)
        }
        var claimed: Set<Int> = []
        for (word, info) in candidates {
            let bounds = Array(word.indices) + [word.endIndex]
            let parts = (0..<(bounds.count - 2)).compactMap { ids[String(word[bounds[$0]..<bounds[$0 + 2]])] }
            guard parts.count == bounds.count - 2, claimed.isDisjoint(with: parts) else { continue }
            claimed.formUnion(parts)
            let id = terms.count
            ids[word] = id
            let first = parts.map { terms[$0].firstPosition }.min() ?? 0
            terms.append(Term(key: word, surface: word, surfaceIsSentenceStart: false, count: info.count, firstPosition: first, caseless: true))
            let partSet = Set(parts)
            let inSentences = Set(info.sentences)
            for s in inSentences.sorted() {
                var updated: [Int] = []
                for term in sentences[s].terms {
                    if partSet.contains(term) {
                        if !updated.contains(id) { updated.append(id) }
                    } else {
                        updated.append(term)
                    }
                }
                sentences[s].terms = updated
                terms[id].sentenceCount += 1
            }
            for part in parts {
                terms[part].count = max(0, terms[part].count - info.count)
                terms[part].sentenceCount = max(0, terms[part].sentenceCount - inSentences.count)
            }
        }
    }

    private mutating func weigh() {
        let n = Double(max(1, sentences.count))
        for i in terms.indices {
            let spread = 1 + log(n / Double(max(1, terms[i].sentenceCount)))
            // Keywords should be things, not actions: a light part-of-speech hint from the word before (English).
            let count = Double(max(1, terms[i].count))
            let grammar = 1 + 0.3 * min(1, Double(terms[i].afterNounMarker) / count) - 0.5 * min(1, Double(terms[i].afterVerbMarker) / count)
            terms[i].weight = Double(terms[i].count) * spread * (terms[i].inHeading ? 1.5 : 1) * grammar
        }
        for i in phrases.indices {
            let a = terms[phrases[i].first], b = terms[phrases[i].second]
            // 1.3 × the pair's mean weight when the words always come together, less as they also appear apart.
            let together = Double(phrases[i].count) / Double(max(1, min(a.count, b.count)))
            phrases[i].weight = (a.weight + b.weight) / 2 * together * 1.3
        }
        phrases.sort { ($0.weight, -$0.firstPosition) > ($1.weight, -$1.firstPosition) }
        let quarter = max(1, sentences.count / 4)
        for i in sentences.indices {
            let ids = sentences[i].terms
            var sum = 0.0
            for id in ids { sum += terms[id].weight }
            var score = sum / Double(max(5, ids.count)).squareRoot()
            if i == 0 { score *= 1.5 } else if i < quarter { score *= 1.15 }
            if sentences[i].wordCount < 4 && !sentences[i].isListItem { score *= 0.6 }
            if sentences[i].hasURL { score *= 0.5 }   // links read badly in titles and descriptions
            sentences[i].score = score
        }
    }

    private static let nounMarkers: Set<String> = ["the", "a", "an", "this", "that", "these", "those", "my", "your", "our",
                                                   "their", "his", "her", "its", "of", "for", "with", "about", "in", "on", "at",
                                                   "from", "by", "every", "each", "some", "any", "no", "new", "best"]
    private static let verbMarkers: Set<String> = ["i", "you", "we", "they", "he", "she", "it", "can", "can't", "cannot", "will",
                                                   "won't", "would", "should", "could", "may", "might", "must", "to", "don't",
                                                   "doesn't", "didn't", "let's", "please", "also", "just", "often", "never", "always"]

    // MARK: - Rankings

    /// Prose sentences (not headings) from best to worst; ties go to the earlier sentence.
    var rankedSentences: [Sentence] {
        sentences.filter { !$0.isHeading }.sorted { ($0.score, -$0.index) > ($1.score, -$1.index) }
    }

    /// Term ids from heaviest to lightest; ties go to the earlier term.
    var rankedTerms: [Int] {
        terms.indices.sorted { (terms[$0].weight, -terms[$0].firstPosition, -$0) > (terms[$1].weight, -terms[$1].firstPosition, -$1) }
    }
}
