/// What a creator wants to post, before it is shaped for a platform.
public struct PostSource: Sendable {
    /// The post text (body); may contain inline `#hashtags`, mentions and links.
    public var text: String
    /// Hashtags to add, with or without `#`; the formatter normalizes, de-duplicates and limits them.
    public var hashtags: [String]
    /// A link to add where the platform shows links in text, or nil.
    public var link: String?
    /// True when the text was produced by a model: platforms with an AI-content policy get their label.
    public var generated: Bool
    /// A title for platforms that have one (YouTube, Reddit, Pinterest), or nil.
    public var title: String?
    /// How many images the post carries.
    public var images: Int
    /// The length of the post's video in seconds, or nil when there is none.
    public var videoSeconds: Int?

    /// Creates a source.
    public init(
        text: String, hashtags: [String] = [], link: String? = nil, generated: Bool = false, title: String? = nil,
        images: Int = 0, videoSeconds: Int? = nil
    ) {
        self.text = text
        self.hashtags = hashtags
        self.link = link
        self.generated = generated
        self.title = title
        self.images = images
        self.videoSeconds = videoSeconds
    }
}

/// One platform's rendering of a post: the text to publish (one part, or a numbered thread), whether it fits, and
/// plain-sentence warnings about anything that was changed or cannot be published as is.
public struct FormattedPost: Sendable, Codable {
    /// The platform id (``PlatformProfile/id``).
    public let platform: String
    /// One part, or a numbered thread when the platform allows threads and one was requested.
    public let parts: [PostPart]
    /// True when every part is within the platform's text (and byte) limits, and the title, if any, within its limit.
    public let fits: Bool
    /// True when the single post is over the limit and the platform has threads: offer a thread.
    public let threadAvailable: Bool
    /// Plain sentences for the creator: what is over and by how much, what was left out or shortened.
    public let warnings: [String]
    /// The hashtags to post as the first comment, for platforms whose placement is `first_comment`.
    public let firstComment: String?
    /// The title, when the source has one.
    public let title: String?
    /// False when the media break the platform's rules (too many images, video too long, no media where required).
    public let mediaFits: Bool

    /// Creates a formatted post.
    public init(
        platform: String, parts: [PostPart], fits: Bool, threadAvailable: Bool, warnings: [String],
        firstComment: String? = nil, title: String? = nil, mediaFits: Bool = true
    ) {
        self.platform = platform
        self.parts = parts
        self.fits = fits
        self.threadAvailable = threadAvailable
        self.warnings = warnings
        self.firstComment = firstComment
        self.title = title
        self.mediaFits = mediaFits
    }

    /// The parts' texts joined, for display of a single post.
    public var text: String { parts.map(\.text).joined(separator: "\n\n") }
}

/// One post of a formatted post or thread, with its length as the platform counts it.
public struct PostPart: Sendable, Codable, Equatable {
    /// The text to publish.
    public let text: String
    /// Its length in the platform's unit.
    public let length: Int
    /// The platform's limit in the same unit.
    public let limit: Int

    /// Creates a part.
    public init(text: String, length: Int, limit: Int) {
        self.text = text
        self.length = length
        self.limit = limit
    }
}

/// Turns a ``PostSource`` into each platform's post.
///
/// The formatter never publishes anything: it is what the compose view and the scheduler call so that a post that
/// cannot fit is flagged when it is composed, not when it is published.
///
/// ```swift
/// let post = PostFormatter.format(source, for: x)
/// if !post.fits && post.threadAvailable { let thread = PostFormatter.format(source, for: x, thread: true) }
/// ```
public enum PostFormatter {
    /// Formats `source` for `profile`.
    ///
    /// - Parameters:
    ///   - thread: Split an over-long post into a numbered thread (" 1/3") where the platform allows threads.
    ///   - truncate: Shorten an over-long post at a word boundary with "…" so it fits (ignored when a thread is made).
    ///   - disclose: Add the platform's AI-disclosure label when the source is generated.
    /// - Returns: The post; `fits` is false, with a warning, when it is over the limit and was neither split nor shortened.
    public static func format(
        _ source: PostSource, for profile: PlatformProfile, thread: Bool = false, truncate: Bool = false, disclose: Bool = true
    ) -> FormattedPost {
        var warnings: [String] = []
        let body = trimmed(source.text)

        // Hashtags.
        var tags = normalizedHashtags(source.hashtags)
        let inline = inlineHashtags(in: body)
        let inlineKeys = Set(inline.map { $0.lowercased() })
        tags.removeAll { inlineKeys.contains($0.lowercased()) }
        if let maxLength = profile.hashtags.maxLength {
            let tooLong = tags.filter { $0.count - 1 > maxLength }
            if !tooLong.isEmpty {
                warnings.append("\(profile.name) hashtags are at most \(maxLength) characters: \(list(tooLong)) left out.")
                tags.removeAll { $0.count - 1 > maxLength }
            }
        }
        if profile.hashtags.placement == .none {
            if !tags.isEmpty { warnings.append("\(profile.name) does not use hashtags: \(list(tags)) left out.") }
            tags = []
        } else {
            let room = max(0, profile.hashtags.maxCount - inline.count)
            if inline.count > profile.hashtags.maxCount {
                warnings.append("The text has \(inline.count) hashtags; \(profile.name) allows \(plural(profile.hashtags.maxCount, "hashtag")) per post.")
            }
            if tags.count > room {
                warnings.append("\(profile.name) allows \(plural(profile.hashtags.maxCount, "hashtag")) per post: \(list(Array(tags[room...]))) left out.")
                tags = Array(tags.prefix(room))
            }
        }
        let hashtagLine = tags.joined(separator: " ")
        let firstComment = profile.hashtags.placement == .firstComment && !tags.isEmpty ? hashtagLine : nil

        // Link, hashtags and label follow the body, each after a blank line.
        var suffix: [String] = []
        if let link = source.link.map(trimmed), !link.isEmpty, !body.contains(link) {
            if profile.linksInText {
                suffix.append(link)
            } else {
                warnings.append("\(profile.name) does not show links in the post text: the link was left out (use the profile or the post's own link field).")
            }
        }
        if profile.hashtags.placement == .inlineEnd, !hashtagLine.isEmpty { suffix.append(hashtagLine) }
        if source.generated, disclose, let label = profile.aiDisclosure { suffix.append(label) }

        let full = join([body] + suffix)
        let single = measure(full, profile)
        let over = single.length > profile.textLimit || profile.byteLimit.map { full.utf8.count > $0 } ?? false
        let threadAvailable = over && profile.threads.allowed
        var parts = [single]

        if over {
            var shorten = truncate
            if thread && profile.threads.allowed {
                switch splitThread(full, profile, length: single.length) {
                case .parts(let split) where split.count <= profile.threads.maxParts:
                    parts = split.map { measure($0, profile) }
                    shorten = false
                case .parts:
                    warnings.append(
                        "\(profile.name) counts \(overText(full, profile)): a thread would need more than \(profile.threads.maxParts) posts, the most \(profile.name) allows. Shorten the text.")
                case .unsplittable:
                    warnings.append("\(profile.name) counts \(overText(full, profile)): a link or word is too long for one post, so it cannot be split into a thread. Shorten it.")
                }
            } else if thread {
                warnings.append(truncate ? "\(profile.name) has no threads; the text was shortened instead." : "\(profile.name) has no threads.")
            }
            if shorten {
                if let result = truncated(body: body, suffix: suffix, profile: profile) {
                    parts = [measure(result.text, profile)]
                    if result.hashtagsDropped { warnings.append("The hashtags were left out so the text fits \(profile.name).") }
                    warnings.append("The text was shortened to fit \(profile.name)'s \(limitText(profile)).")
                } else {
                    warnings.append("\(profile.name) counts \(overText(full, profile)), and the link and label alone do not fit. Shorten the text.")
                }
            } else if !thread {
                var advice = "Shorten the text."
                if profile.threads.allowed, case .parts(let split) = splitThread(full, profile, length: single.length), split.count <= profile.threads.maxParts {
                    advice = "Split into a thread of \(split.count) posts or shorten."
                }
                warnings.append("\(profile.name) counts \(overText(full, profile)). \(advice)")
            } else if !profile.threads.allowed {
                warnings.append("\(profile.name) counts \(overText(full, profile)). Shorten the text.")
            }
        }
        if full.isEmpty, source.images == 0, source.videoSeconds == nil { warnings.append("The post is empty.") }
        warnings += contentProblems(full: full, title: source.title, profile)

        var fits = parts.allSatisfy { profile.fits($0.text) } && contentProblems(full: full, title: source.title, profile).isEmpty
        if let title = source.title, let titleLimit = profile.titleLimit {
            let length = profile.titleLength(of: title)
            if length > titleLimit {
                fits = false
                warnings.append("\(profile.name) titles are at most \(titleLimit) characters: this one has \(length), \(length - titleLimit) over.")
            }
        }
        let mediaWarnings = mediaProblems(source, profile)
        warnings += mediaWarnings
        return FormattedPost(
            platform: profile.id, parts: parts, fits: fits, threadAvailable: threadAvailable, warnings: warnings,
            firstComment: firstComment, title: source.title, mediaFits: mediaWarnings.isEmpty)
    }

    // MARK: - Hashtags

    /// `#` added, whitespace removed, empty and duplicate (case-insensitive) tags dropped, order kept.
    static func normalizedHashtags(_ raw: [String]) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for tag in raw {
            var scalars = String.UnicodeScalarView(tag.unicodeScalars.filter { !$0.properties.isWhitespace })
            while let first = scalars.first, first == "#" || first == "＃" { scalars.removeFirst() }
            guard !scalars.isEmpty else { continue }
            let normalized = "#" + String(scalars)
            if seen.insert(normalized.lowercased()).inserted { result.append(normalized) }
        }
        return result
    }

    /// The `#tags` written in the text itself.
    static func inlineHashtags(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var tags: [String] = []
        var i = 0
        func isTagScalar(_ s: Unicode.Scalar) -> Bool { s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil }
        while i < scalars.count {
            if scalars[i] == "#", i == 0 || !(isTagScalar(scalars[i - 1]) || scalars[i - 1] == "&" || scalars[i - 1] == "/") {
                var j = i + 1
                while j < scalars.count, isTagScalar(scalars[j]) { j += 1 }
                if j > i + 1, scalars[(i + 1)..<j].contains(where: { $0.properties.numericType == nil }) {
                    tags.append(String(String.UnicodeScalarView(scalars[i..<j])))
                }
                i = j
                continue
            }
            i += 1
        }
        return tags
    }

    // MARK: - Threads

    enum ThreadSplit {
        case parts([String])
        case unsplittable
    }

    /// Splits `text` into parts that each fit *with* their " k/n" counter, preferring sentence, then word boundaries.
    static func splitThread(_ text: String, _ profile: PlatformProfile, length known: Int? = nil) -> ThreadSplit {
        let limit = max(1, profile.textLimit)
        let length = known ?? profile.length(of: text)
        // Splitting only drops the whitespace between parts, so a text longer than the most parts can hold plus all
        // its whitespace cannot become a thread: answer at once instead of packing huge input.
        let whitespace = text.unicodeScalars.reduce(0) { $0 + ($1.properties.isWhitespace ? $1.utf8.count : 0) }
        let maxParts = profile.threads.maxParts
        if length > limit * maxParts + whitespace || profile.byteLimit.map({ text.utf8.count > $0 * maxParts + whitespace }) == true {
            return .parts(Array(repeating: "", count: maxParts + 1))
        }
        let estimate = min(maxParts + 1, max(2, (length + limit - 1) / limit))
        var total = estimate
        // The counter's width depends on the number of parts; repeat until the count used for the counters suffices.
        for _ in 0..<64 {
            guard let parts = pack(text, profile, total: total) else { return .unsplittable }
            if parts.count <= total {
                let n = parts.count
                return .parts(parts.enumerated().map { "\($0.element) \($0.offset + 1)/\(n)" })
            }
            total = parts.count
        }
        return .unsplittable
    }

    /// Greedy packing of sentences, then words, then (for a single over-long word that is not a link) graphemes.
    private static func pack(_ text: String, _ profile: PlatformProfile, total: Int) -> [String]? {
        var parts: [String] = []
        var current = ""
        func fitsWithCounter(_ candidate: String) -> Bool {
            profile.fits(trimmed(candidate) + " \(parts.count + 1)/\(total)")
        }
        func flush() {
            let part = trimmed(current)
            if !part.isEmpty { parts.append(part) }
            current = ""
        }
        // Past the platform's maximum the exact count no longer matters: stop early on huge input.
        var tooMany: Bool { parts.count > profile.threads.maxParts }
        let links = TextMeasure.urls(in: text)
        for sentence in sentences(text) {
            if tooMany { return parts }
            if fitsWithCounter(current + sentence) {
                current += sentence
                continue
            }
            if !trimmed(current).isEmpty {
                flush()
                if fitsWithCounter(String(sentence)) {
                    current = String(sentence)
                    continue
                }
            }
            for word in words(sentence) {
                if tooMany { return parts }
                if fitsWithCounter(current + word) {
                    current += word
                    continue
                }
                if !trimmed(current).isEmpty {
                    flush()
                    if fitsWithCounter(String(word)) {
                        current = String(word)
                        continue
                    }
                }
                // One word longer than a whole post: cut it between graphemes, unless it holds a link.
                if links.contains(where: { $0.overlaps(word.startIndex..<word.endIndex) }) { return nil }
                // Binary search for the longest grapheme run that still fits, part by part.
                let graphemes = Array(word)
                let searchLimit = profile.textLimit + (word.unicodeScalars.contains("@") ? graphemes.count : 0)
                var start = 0
                while start < graphemes.count {
                    if tooMany { return parts }
                    var low = 1
                    var high = min(graphemes.count - start, searchLimit)
                    var best = 0
                    while low <= high {
                        let mid = (low + high) / 2
                        if fitsWithCounter(current + String(graphemes[start..<(start + mid)])) {
                            best = mid
                            low = mid + 1
                        } else {
                            high = mid - 1
                        }
                    }
                    if best == 0 {
                        guard !trimmed(current).isEmpty else { return nil }  // not even one grapheme fits
                        flush()
                        continue
                    }
                    current += String(graphemes[start..<(start + best)])
                    start += best
                    if start < graphemes.count { flush() }
                }
            }
        }
        flush()
        return parts
    }

    /// Sentences with their trailing whitespace; a line break always ends one.
    static func sentences(_ text: String) -> [Substring] {
        let terminators: Set<Character> = [".", "!", "?", "…", "。", "！", "？"]
        let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "»"]
        var result: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            var end: String.Index?
            if c.isNewline {
                end = text.index(after: i)
            } else if terminators.contains(c) {
                var j = text.index(after: i)
                while j < text.endIndex, terminators.contains(text[j]) || closers.contains(text[j]) { j = text.index(after: j) }
                if j == text.endIndex || text[j].isWhitespace || "。！？".contains(c) { end = j }
            }
            if var e = end {
                while e < text.endIndex, text[e].isWhitespace { e = text.index(after: e) }
                result.append(text[start..<e])
                start = e
                i = e
                continue
            }
            i = text.index(after: i)
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }

    /// Words with their trailing whitespace.
    static func words(_ text: Substring) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            if text[i].isWhitespace {
                var e = i
                while e < text.endIndex, text[e].isWhitespace { e = text.index(after: e) }
                result.append(text[start..<e])
                start = e
                i = e
                continue
            }
            i = text.index(after: i)
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }

    // MARK: - Truncation

    /// The longest word-boundary prefix of `body` that fits with "…" and the suffix blocks; hashtags are dropped only
    /// when nothing fits with them. Nil when even an empty body does not fit.
    static func truncated(body: String, suffix: [String], profile: PlatformProfile) -> (text: String, hashtagsDropped: Bool)? {
        if let text = truncated(body: body, suffix: suffix, profile, hashtagsDropped: false) { return (text, false) }
        let withoutTags = suffix.filter { !$0.hasPrefix("#") }
        if withoutTags.count < suffix.count, let text = truncated(body: body, suffix: withoutTags, profile, hashtagsDropped: true) {
            return (text, true)
        }
        return nil
    }

    private static func truncated(body: String, suffix: [String], _ profile: PlatformProfile, hashtagsDropped: Bool) -> String? {
        func compose(_ end: String.Index) -> String {
            var prefix = Substring(trimmed(String(body[..<end])))
            while let last = prefix.last, [",", ";", ":", "-", "–", "—"].contains(last) { prefix = prefix.dropLast() }
            return join([prefix.isEmpty ? "" : String(prefix) + "…"] + suffix)
        }
        // Every grapheme counts at least 1 in every unit, except inside links (23 each) and Mastodon's remote
        // mentions, so no prefix with more graphemes than this can fit: a bound that keeps huge input cheap.
        let links = TextMeasure.urls(in: body)
        let discounted = links.reduce(0) { $0 + body[$1].count } + (body.unicodeScalars.contains("@") ? body.count : 0)
        let maxGraphemes = profile.textLimit + discounted
        // Word ends: the positions just before a run of whitespace (a link never contains whitespace).
        var ends: [String.Index] = []
        var i = body.startIndex
        var offset = 0
        while i < body.endIndex, offset < maxGraphemes {
            let next = body.index(after: i)
            offset += 1
            if !body[i].isWhitespace, next == body.endIndex || body[next].isWhitespace { ends.append(next) }
            i = next
        }
        if let end = largestFitting(ends, compose, profile) { return compose(end) }
        // The first word alone is longer than a post: cut it between graphemes, but never inside a link.
        var cuts: [String.Index] = []
        i = body.startIndex
        offset = 0
        while i < body.endIndex, !body[i].isWhitespace, offset < maxGraphemes {
            i = body.index(after: i)
            offset += 1
            if !links.contains(where: { $0.lowerBound < i && i < $0.upperBound }) { cuts.append(i) }
        }
        if let end = largestFitting(cuts, compose, profile) { return compose(end) }
        let bare = join(suffix)
        return !bare.isEmpty && profile.fits(bare) ? bare : nil
    }

    /// Binary search for the last candidate whose composition fits (lengths grow with the prefix), checked linearly
    /// downward in case a platform's counting is not monotone at some boundary.
    private static func largestFitting(_ candidates: [String.Index], _ compose: (String.Index) -> String, _ profile: PlatformProfile) -> String.Index? {
        var low = 0
        var high = candidates.count - 1
        var best = -1
        while low <= high {
            let mid = (low + high) / 2
            if profile.fits(compose(candidates[mid])) {
                best = mid
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        var k = best
        while k >= 0, !profile.fits(compose(candidates[k])) { k -= 1 }
        return k >= 0 ? candidates[k] : nil
    }

    // MARK: - Characters and links the platform refuses

    private static func contentProblems(full: String, title: String?, _ profile: PlatformProfile) -> [String] {
        var problems: [String] = []
        if let forbidden = profile.forbiddenCharacters, !forbidden.isEmpty {
            let text = full + (title ?? "")
            let found = forbidden.filter { text.contains($0) }
            if !found.isEmpty {
                problems.append("\(profile.name) does not accept \(found.map { String($0) }.joined(separator: " or ")) in the text or title: remove \(found.count == 1 ? "it" : "them").")
            }
        }
        if let maxLinks = profile.maxLinks {
            let count = TextMeasure.urls(in: full).count
            if count > maxLinks {
                problems.append("\(profile.name) allows at most \(plural(maxLinks, "link")) per post: this one has \(count).")
            }
        }
        return problems
    }

    // MARK: - Media

    private static func mediaProblems(_ source: PostSource, _ profile: PlatformProfile) -> [String] {
        var problems: [String] = []
        let rules = profile.media
        if source.images > rules.maxImages {
            problems.append(
                rules.maxImages == 0
                    ? "\(profile.name) does not take images: this post has \(source.images)."
                    : "\(profile.name) takes at most \(plural(rules.maxImages, "image")): this post has \(source.images).")
        }
        if let seconds = source.videoSeconds, let max = rules.maxVideoSeconds, seconds > max {
            problems.append("\(profile.name) videos are at most \(max) seconds: this one is \(seconds) seconds.")
        }
        if !rules.textOnlyAllowed, source.images == 0, source.videoSeconds == nil {
            problems.append("\(profile.name) needs an image or a video: a text-only post cannot be published there.")
        }
        return problems
    }

    // MARK: - Text helpers

    private static func measure(_ text: String, _ profile: PlatformProfile) -> PostPart {
        PostPart(text: text, length: profile.length(of: text), limit: profile.textLimit)
    }

    /// "412 of 280 characters: 132 over" (or the byte figures when only the byte limit is exceeded).
    private static func overText(_ text: String, _ profile: PlatformProfile) -> String {
        let length = profile.length(of: text)
        if length > profile.textLimit {
            return "\(length) of \(profile.textLimit) \(profile.unitName): \(length - profile.textLimit) over"
        }
        let bytes = text.utf8.count
        let limit = profile.byteLimit ?? bytes
        return "\(bytes) of \(limit) bytes: \(bytes - limit) over"
    }

    private static func limitText(_ profile: PlatformProfile) -> String {
        var text = "\(profile.textLimit) \(profile.unitName)"
        if let bytes = profile.byteLimit { text += " and \(bytes) bytes" }
        return text
    }

    private static func join(_ blocks: [String]) -> String {
        blocks.filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        var s = Substring(text)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    private static func list(_ tags: [String]) -> String { tags.joined(separator: ", ") }

    private static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
}
