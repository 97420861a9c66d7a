import Platforms

/// Builds each content kind from one input's analysis (see ``BuiltinModel``).
struct Writer {
    let analysis: TextAnalysis
    let request: BuiltinRequest
    /// Prose sentences best-first; headings only when the input has nothing else.
    private let prose: [TextAnalysis.Sentence]
    /// ``prose`` without the sentences holding a link, unless nothing else is there.
    private let linkFree: [TextAnalysis.Sentence]

    init(analysis: TextAnalysis, request: BuiltinRequest) {
        self.analysis = analysis
        self.request = request
        let ranked = analysis.rankedSentences
        prose = ranked.isEmpty ? analysis.sentences : ranked
        let free = prose.filter { !$0.hasURL }
        linkFree = free.isEmpty ? prose : free
    }

    // MARK: - Title and meta description

    /// The first heading when the input has one, else the best of the top three sentences that fits
    /// (≤ 70 graphemes), else the top sentence cut at a clause or word boundary.
    func title() -> String {
        if let heading = analysis.sentences.first(where: { $0.isHeading && ($0.headingLevel == 1 || $0.index == 0) }),
           heading.text.count >= 3 {
            return Self.capitalized(shortenTitle(TextCleaning.withoutURLs(heading.text)))
        }
        var ranked = linkFree
        guard let best = ranked.first else { return "" }
        // The lead sentence makes the best title unless it is clearly weaker than the best one (news style).
        if let lead = ranked.min(by: { $0.index < $1.index }), lead.index != best.index, lead.score >= 0.6 * best.score, lead.wordCount >= 3 {
            ranked.removeAll { $0.index == lead.index }
            ranked.insert(lead, at: 0)
        }
        let top = ranked[0]
        var chosen = titleText(top.text)
        if chosen.isEmpty {   // nothing but links: the first one, without its scheme
            let link = top.text.split(separator: " ").first.map(String.init) ?? top.text
            chosen = String(link.drop { $0 != "/" }.drop { $0 == "/" })
            if chosen.isEmpty { chosen = link }
        }
        if chosen.count > BuiltinModel.maxTitleLength,
           let alternative = ranked.dropFirst().prefix(2).map({ titleText($0.text) }).first(where: { (20...BuiltinModel.maxTitleLength).contains($0.count) }),
           clause(of: chosen) == nil {
            chosen = alternative
        }
        return Self.capitalized(shortenTitle(chosen))
    }

    /// Key sentences (best first, shown in document order) until 120–160 graphemes; the sentence that would
    /// overflow is cut at a word boundary with `…`.
    func metaDescription() -> String {
        let range = BuiltinModel.metaDescriptionRange
        var chosen: [TextAnalysis.Sentence] = []
        var total = 0
        var overflow: String?
        for sentence in linkFree.prefix(12) {
            if total >= range.lowerBound { break }
            let text = display(sentence)
            let added = text.count + (chosen.isEmpty ? 0 : 1)
            if total + added <= range.upperBound {
                chosen.append(sentence)
                total += added
            } else if total < range.lowerBound {
                let room = range.upperBound - total - (chosen.isEmpty ? 0 : 1)
                if room >= 20 { overflow = TextCut.prefix(text, maxGraphemes: room) }
                break
            }
        }
        var parts = chosen.sorted { $0.index < $1.index }.map(display)
        if let overflow { parts.append(overflow) }
        let joined = join(parts)
        return joined.count > range.upperBound ? TextCut.prefix(joined, maxGraphemes: range.upperBound) : joined
    }

    // MARK: - Hashtags

    /// `options.count` tags (default 5, 1–10), capped by the platform's maximum and tag length.
    func hashtagList() throws(BuiltinError) -> [String] {
        var count = optionInt("count", default: 5, range: 1...10)
        if let platform = request.platform {
            if platform.hashtags.placement == .none || platform.hashtags.maxCount == 0 {
                throw BuiltinError(.unsupported, "\(platform.name) does not use hashtags.")
            }
            count = min(count, platform.hashtags.maxCount)
        }
        return Hashtags.make(analysis, count: count, maxLength: request.platform?.hashtags.maxLength)
    }

    private func tags(for platform: PlatformProfile?, defaultCount: Int) -> [String] {
        if request.options["hashtags"] == "0" { return [] }
        var count = optionInt("hashtags", default: defaultCount, range: 0...10)
        if let platform {
            if platform.hashtags.placement == .none { return [] }
            count = min(count, platform.hashtags.maxCount)
        }
        return Hashtags.make(analysis, count: count, maxLength: platform?.hashtags.maxLength)
    }

    // MARK: - Posts

    /// Key sentences added best-first while the post (with the first link and at least one hashtag when they fit)
    /// stays within the platform's limit; then as many hashtags as still fit. The result always fits.
    func socialPost(platform: PlatformProfile) -> String {
        condensed(fits: platform.fits, maxSentences: 6, tags: tags(for: platform, defaultCount: 3),
                  maxTags: platform.hashtags.placement == .none ? 0 : platform.hashtags.maxCount,
                  url: platform.linksInText ? analysis.urls.first : nil, bodyLimit: 1_000)
    }

    /// A short caption: up to two key sentences and up to five hashtags, within the platform's limit when one is
    /// given, else within 300 graphemes of text.
    func caption() -> String {
        let platform = request.platform
        let fits: (String) -> Bool = platform?.fits ?? { $0.count <= KindBounds.genericCaptionLimit }
        let maxTags = platform.map { $0.hashtags.placement == .none ? 0 : $0.hashtags.maxCount } ?? 30
        return condensed(fits: fits, maxSentences: 2, tags: tags(for: platform, defaultCount: 5), maxTags: maxTags, url: nil, bodyLimit: 300)
    }

    private func condensed(fits: @escaping (String) -> Bool, maxSentences: Int, tags: [String], maxTags: Int, url: String?,
                           bodyLimit: Int? = nil) -> String {
        let ranked = Array(prose.prefix(16))
        let suffixes: [String] = [
            (url.map { " " + $0 } ?? "") + (tags.first.map { "\n\n" + $0 } ?? ""),
            tags.first.map { "\n\n" + $0 } ?? "",
            url.map { " " + $0 } ?? "",
            "",
        ]
        var body = ""
        var suffixUsed = ""
        for suffix in suffixes {
            let bodyFits: (String) -> Bool = { body in fits(body + suffix) && (bodyLimit.map { body.count <= $0 } ?? true) }
            var chosen: [TextAnalysis.Sentence] = []
            for sentence in ranked where chosen.count < maxSentences {
                let candidate = join((chosen + [sentence]).sorted { $0.index < $1.index }.map(display))
                if bodyFits(candidate) { chosen.append(sentence) }
            }
            if !chosen.isEmpty {
                body = join(chosen.sorted { $0.index < $1.index }.map(display))
            } else if let top = ranked.first, let cut = TextCut.longestFitting(display(top), bodyFits), cut.count >= 10 || cut == display(top) {
                body = cut
            }
            if !body.isEmpty { suffixUsed = suffix; break }
        }
        // Hashtags the input already had count against the platform's maximum (extra ones become plain words).
        var post = Hashtags.keepingInline(body, max: maxTags)
        let inline = Set(post.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("#") }.map { $0.lowercased() })
        let tags = Array(tags.filter { !inline.contains($0.lowercased()) }.prefix(max(0, maxTags - Hashtags.inlineCount(post))))
        if let url, !post.contains(url), suffixUsed.hasPrefix(" " + url) || fits(post + " " + url) { post += (post.isEmpty ? "" : " ") + url }
        for k in stride(from: tags.count, through: 1, by: -1) {
            let candidate = post + (post.isEmpty ? "" : "\n\n") + tags.prefix(k).joined(separator: " ")
            if fits(candidate) { post = candidate; break }
        }
        if !fits(post) { post = TextCut.longestFitting(post, fits) ?? "" }
        return Hashtags.keepingInline(post, max: maxTags)
    }

    // MARK: - Templates

    /// Subject (the title), a greeting, the lead sentence, up to five key points, the first link, a sign-off.
    func email() -> String {
        let label = labels
        let points = keyPoints(optionInt("count", default: 6, range: 2...12))
        var lines = ["\(label.subject): \(title())", "", label.greeting, ""]
        if let lead = points.first { lines += [display(lead), ""] }
        let rest = points.dropFirst()
        if !rest.isEmpty {
            lines.append(label.keyPoints)
            lines += rest.map { "- " + display($0) }
            lines.append("")
        }
        if let url = analysis.urls.first { lines += ["\(label.readMore) \(url)", ""] }
        lines.append(label.signOff)
        if let sender = request.options["sender"].map(TextCleaning.sanitize).map(TextCleaning.collapseSpaces), !sender.isEmpty {
            lines.append(sender)
        }
        return lines.joined(separator: "\n")
    }

    /// Intro, one segment per key point (named after its heaviest term), outro with the top keywords.
    func podcastScript() -> String {
        let label = labels
        let heading = title()
        let points = keyPoints(optionInt("count", default: 5, range: 2...12))
        var lines = ["\(label.episode): \(heading)", "", label.intro, "\(label.welcome) \(heading)\(label.stop)"]
        if let lead = points.first, stripEnd(display(lead)) != heading { lines.append(display(lead)) }
        let segments = points.count > 1 ? Array(points.dropFirst()) : points
        var used: Set<Int> = []
        for (number, point) in segments.enumerated() {
            lines += ["", "\(label.segment) \(number + 1): \(topic(of: point, avoiding: &used))", display(point)]
            lines.append(label.talkingPoint)
        }
        let keywords = analysis.rankedTerms.prefix(3).map { Self.capitalized(analysis.terms[$0].surface) }
        lines += ["", label.outro]
        if !keywords.isEmpty { lines.append("\(label.takeaways) \(keywords.joined(separator: ", "))\(label.stop)") }
        lines.append(label.closing)
        return lines.joined(separator: "\n")
    }

    /// Sections from the outline's headings and top-level list items (deeper items and prose become their
    /// points); without an outline, one section per key point. Introduction and conclusion around them.
    func article() -> String {
        struct Section { var heading: String; var points: [String] }
        var sections: [Section] = []
        let titleHeading = analysis.sentences.first { $0.isHeading && ($0.headingLevel == 1 || $0.index == 0) }
        let headings = analysis.sentences.filter { $0.isHeading && $0.index != titleHeading?.index }
        let topIndent = analysis.sentences.filter(\.isListItem).map(\.indent).min() ?? 0
        for sentence in analysis.sentences where sentence.index != titleHeading?.index {
            let opensSection = headings.isEmpty ? (sentence.isListItem && sentence.indent <= topIndent) : sentence.isHeading
            if opensSection {
                sections.append(Section(heading: Self.capitalized(stripEnd(sentence.text)), points: []))
            } else if !sections.isEmpty {
                sections[sections.count - 1].points.append(display(sentence))
            }
        }
        var lead = prose.first.map(display)
        if sections.count < 2 {
            var used: Set<Int> = []
            sections = keyPoints(5).map { Section(heading: topic(of: $0, avoiding: &used), points: [display($0)]) }
            if let first = lead, sections.contains(where: { $0.points.contains(first) }) { lead = nil }
        } else if let first = lead, sections.contains(where: { $0.points.contains(first) }) {
            lead = nil
        }
        let label = labels
        let heading = title()
        var lines = ["# \(heading)", ""]
        if let lead, stripEnd(lead) != heading { lines += [lead, ""] }
        lines.append(label.inThisArticle)
        lines += sections.map { "- " + $0.heading }
        for section in sections {
            lines += ["", "## \(section.heading)"]
            if section.points.isEmpty {
                lines.append("\(section.heading): \(label.sectionFiller)")
            } else {
                lines.append(join(section.points))
            }
        }
        let takeaways = keyPoints(3).map(display)
        lines += ["", "## \(label.conclusion)"]
        lines.append(takeaways.isEmpty ? label.signOff : label.sumUp + " " + join(takeaways))
        return lines.joined(separator: "\n")
    }

    /// The key points as a numbered thread (`1/5 …`), each part within the platform's limit when one is given
    /// (and no more parts than its threads allow), else within 280 graphemes.
    func repurpose() -> String {
        var count = optionInt("count", default: 6, range: 2...20)
        if let threads = request.platform?.threads, threads.allowed, threads.maxParts > 0 { count = min(count, threads.maxParts) }
        let points = keyPoints(count)
        let fits: (String) -> Bool = request.platform?.fits ?? { $0.count <= 280 }
        let total = points.count
        return points.enumerated().compactMap { number, point in
            let prefix = "\(number + 1)/\(total) "
            return TextCut.longestFitting(display(point)) { fits(prefix + $0) }.map { prefix + $0 }
        }.joined(separator: "\n\n")
    }

    // MARK: - Shared pieces

    /// The template words in the request's (or the text's) language.
    private var labels: TemplateLabels { TemplateLabels.forRequest(language: request.language, sample: request.input) }

    /// The `n` best sentences in document order (very short ones only when nothing else is there).
    private func keyPoints(_ n: Int) -> [TextAnalysis.Sentence] {
        let ranked = prose
        let substantial = ranked.filter { $0.wordCount >= 3 }
        return Array((substantial.count >= min(n, 2) ? substantial : ranked).prefix(n)).sorted { $0.index < $1.index }
    }

    /// A sentence as it appears in output: list items and headings get a full stop.
    private func display(_ sentence: TextAnalysis.Sentence) -> String {
        let text = sentence.text
        guard let last = text.last else { return text }
        if last.isLetter || last.isNumber {
            return text + (Tokenizer.script(of: last.unicodeScalars.first!) == .spaced ? "." : "。")
        }
        return text
    }

    private func join(_ parts: [String]) -> String {
        var out = ""
        for part in parts {
            if let last = out.last, let first = part.first, !(isUnspaced(last) && isUnspaced(first)) {
                out.append(" ")
            }
            out += part
        }
        return out
    }

    private func isUnspaced(_ char: Character) -> Bool {
        guard let scalar = char.unicodeScalars.first else { return false }
        return Tokenizer.script(of: scalar) != .spaced || (0x3000...0x303F).contains(scalar.value) || (0xFF00...0xFFEF).contains(scalar.value)
    }

    /// A name for a sentence's segment or section: the heaviest phrase or term in it not named before
    /// (capitalised), else its first words.
    private func topic(of sentence: TextAnalysis.Sentence, avoiding used: inout Set<Int>) -> String {
        let inSentence = Set(sentence.terms)
        if let phrase = analysis.phrases.first(where: { inSentence.contains($0.first) && inSentence.contains($0.second) && !used.contains($0.first) && !used.contains($0.second) }) {
            used.formUnion([phrase.first, phrase.second])
            return Self.capitalized(analysis.terms[phrase.first].surface + " " + analysis.terms[phrase.second].surface)
        }
        let ranked = sentence.terms.filter { !used.contains($0) }.sorted {
            (analysis.terms[$0].weight, -analysis.terms[$0].firstPosition) > (analysis.terms[$1].weight, -analysis.terms[$1].firstPosition)
        }
        if let best = ranked.first {
            used.insert(best)
            return Self.capitalized(analysis.terms[best].surface)
        }
        return TextCut.prefix(stripEnd(sentence.text), maxGraphemes: 40)
    }

    private func titleText(_ sentence: String) -> String { stripEnd(TextCleaning.withoutURLs(sentence)) }

    private func stripEnd(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, ".。:;,।॥؛".contains(last) || last == " " { text = text.dropLast() }
        return String(text)
    }

    /// A title of at most 70 graphemes: the first clause when it is 20–70 long, else a word-boundary cut
    /// that does not end on "the", "of"….
    private func shortenTitle(_ text: String) -> String {
        if text.count <= BuiltinModel.maxTitleLength { return text }
        if let clause = clause(of: text) { return clause }
        return TextCut.prefix(text, maxGraphemes: BuiltinModel.maxTitleLength, ellipsis: false, trimDanglers: true)
    }

    private func clause(of text: String) -> String? {
        let chars = Array(text)
        let limit = min(chars.count, BuiltinModel.maxTitleLength + 1)
        var best: Int?
        for i in 0..<limit where ",;:—–(、，；：".contains(chars[i]) || (chars[i] == "-" && i > 0 && chars[i - 1] == " ") {
            if i >= 20 { best = i }
        }
        guard let best else { return nil }
        var clause = chars[..<best]
        while clause.last == " " { clause = clause.dropLast() }
        return String(clause)
    }

    private func optionInt(_ key: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = request.options[key], let number = Int(raw) else { return value }
        return min(max(number, range.lowerBound), range.upperBound)
    }

    static func capitalized(_ text: String) -> String {
        guard let first = text.first, first.isLowercase else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// "A", "A and B", "A, B and C".
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }

    /// The final pass on every output: no control character but `\n`, no trailing spaces, no blank ends.
    static func finish(_ text: String) -> String {
        let clean = TextCleaning.sanitize(text)
        let lines = clean.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = line
            while line.last == " " { line = line.dropLast() }
            return line
        }
        var out = lines.joined(separator: "\n")
        while out.last == "\n" || out.last == " " { out.removeLast() }
        while out.first == "\n" || out.first == " " { out.removeFirst() }
        return out
    }
}
