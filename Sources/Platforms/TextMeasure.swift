/// Measures text the way each platform counts it.
///
/// All functions are pure and never fail: any Swift `String` can be measured. The counting rules follow the
/// platforms' own code where it is public (twitter-text v3 for X, Mastodon's `StatusLengthValidator`, the Bluesky
/// lexicon) so that a post checked here is not rejected at publish time.
///
/// ```swift
/// TextMeasure.xWeightedLength("こんにちは https://example.com/a/very/long/path")  // 5×2 + 1 + 23 = 34
/// ```
public enum TextMeasure {
    /// The length X and Mastodon charge for every link, whatever its real length (t.co wrapping on X).
    public static let urlWeight = 23

    /// The length of `text` as X counts it (twitter-text v3 weighted length).
    ///
    /// The text is NFC-normalized first. Code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and
    /// U+2032–U+2037 weigh 1, all others 2; an emoji sequence (ZWJ family, flag, skin tone, keycap) weighs 2 as a
    /// whole; each URL (with or without `https://`) weighs 23.
    public static func xWeightedLength(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (most English posts): already NFC, one per character, links replaced by 23.
            let links = urls(in: text)
            return text.utf8.count + links.reduce(0) { $0 + urlWeight - text.utf8.distance(from: $1.lowerBound, to: $1.upperBound) }
        }
        let normalized = nfc(text)
        let links = urls(in: normalized)
        var total = 0
        var linkIndex = 0
        var position = normalized.startIndex
        while position < normalized.endIndex {
            if linkIndex < links.count, links[linkIndex].lowerBound <= position {
                total += urlWeight
                position = max(position, links[linkIndex].upperBound)
                linkIndex += 1
                continue
            }
            let next = normalized.index(after: position)
            if linkIndex < links.count, links[linkIndex].lowerBound < next {
                // A link starting inside a grapheme (after a joiner): weigh the scalars before it one by one.
                for scalar in normalized.unicodeScalars[position..<links[linkIndex].lowerBound] { total += xWeight(scalar) }
                position = links[linkIndex].lowerBound
                continue
            }
            let grapheme = normalized[position..<next]
            if isEmoji(grapheme) {
                total += 2
            } else {
                for scalar in grapheme.unicodeScalars { total += xWeight(scalar) }
            }
            position = next
        }
        return total
    }

    /// The number of extended grapheme clusters (user-perceived characters) in `text`.
    public static func graphemes(_ text: String) -> Int { text.count }

    /// Mastodon's length: graphemes, with every `http(s)` URL counted as `urlLength` and a remote mention
    /// `@user@domain` counted as `@user`.
    ///
    /// - Parameter urlLength: The instance's `characters_reserved_per_url` (23 unless the instance says otherwise).
    public static func graphemesCountingURLs(_ text: String, urlLength: Int = 23) -> Int {
        let links = urls(in: text, requireScheme: true)
        var rewritten = ""
        var cursor = text.startIndex
        for link in links {
            rewritten += text[cursor..<link.lowerBound]
            rewritten += String(repeating: "x", count: max(0, urlLength))
            cursor = link.upperBound
        }
        rewritten += text[cursor...]
        return stripMentionDomains(rewritten).count
    }

    /// The number of UTF-8 bytes in `text`.
    public static func utf8Bytes(_ text: String) -> Int { text.utf8.count }

    /// The number of UTF-16 code units in `text` (JavaScript's and Java's `String.length`).
    public static func utf16Units(_ text: String) -> Int { text.utf16.count }

    /// Graphemes, except that an emoji grapheme counts as its UTF-8 byte length (Threads' documented rule).
    public static func graphemesWithEmojiBytes(_ text: String) -> Int {
        var total = 0
        for grapheme in text { total += isEmoji(Substring(String(grapheme))) ? grapheme.utf8.count : 1 }
        return total
    }

    /// Backslash-escapes LinkedIn's little-text reserved characters `| { } @ [ ] ( ) < > # * _ ~ \`.
    ///
    /// LinkedIn silently truncates or mangles a `commentary` that contains them unescaped.
    public static func linkedinEscape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if linkedinReserved.contains(scalar) { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// The ranges of the links in `text`, in order and not overlapping.
    ///
    /// Finds `http://` and `https://` URLs and, as twitter-text does, bare domains with a common top-level domain
    /// (`example.com/path`, `www.example.org`). Trailing sentence punctuation and unbalanced closing brackets are
    /// not part of a link. Addresses such as `name@example.com` are not links.
    public static func urls(in text: String) -> [Range<String.Index>] { urls(in: text, requireScheme: false) }

    /// The ranges of the links in `text`; with `requireScheme`, only `http(s)://` URLs (Mastodon's rule).
    public static func urls(in text: String, requireScheme: Bool) -> [Range<String.Index>] {
        // Every link has a dot in its host or a colon after its scheme: most text needs no scan.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }) else { return [] }
        var scalars: [Unicode.Scalar] = []
        var indices: [String.Index] = []
        scalars.reserveCapacity(text.utf8.count)
        var position = text.unicodeScalars.startIndex
        while position < text.unicodeScalars.endIndex {
            scalars.append(text.unicodeScalars[position])
            indices.append(position)
            position = text.unicodeScalars.index(after: position)
        }
        indices.append(text.endIndex)
        var result: [Range<String.Index>] = []
        var i = 0
        while i < scalars.count {
            if isASCIIAlphanumeric(scalars[i]), i == 0 || mayPrecedeLink(scalars[i - 1]),
               let end = linkEnd(scalars, from: i, requireScheme: requireScheme) {
                result.append(indices[i]..<indices[end])
                i = end
                continue
            }
            i += 1
        }
        return result
    }

    // MARK: - Internals shared with the formatter

    /// Whether a grapheme is an emoji (presentation emoji, flag, keycap, or a text symbol made emoji by U+FE0F).
    static func isEmoji(_ grapheme: Substring) -> Bool {
        let scalars = grapheme.unicodeScalars
        guard let first = scalars.first else { return false }
        if first.value < 0x80, grapheme.utf8.count == 1 { return false }
        let hasEmojiMarker = scalars.contains { $0.value == 0xFE0F || $0.value == 0x20E3 || $0.properties.isEmojiModifier }
        if first.isASCII { return hasEmojiMarker && first.properties.isEmoji }
        if first.properties.isEmojiPresentation { return true }
        if (0x1F1E6...0x1F1FF).contains(first.value) { return true }
        return first.properties.isEmoji && hasEmojiMarker
    }

    /// NFC form of `text`; ASCII text is returned as is.
    static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        // The standard library's own normalizer (the one FoundationEssentials uses); keeps this target Foundation-free.
        return String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }

    private static func xWeight(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x0000...0x10FF, 0x2000...0x200D, 0x2010...0x201F, 0x2032...0x2037: return 1
        default: return 2
        }
    }

    private static let linkedinReserved: Set<Unicode.Scalar> = ["|", "{", "}", "@", "[", "]", "(", ")", "<", ">", "#", "*", "_", "~", "\\"]

    /// Top-level domains that make a bare `name.tld` a link, as twitter-text's list does for the common ones.
    private static let bareDomainTLDs: Set<String> = [
        "com", "net", "org", "edu", "gov", "mil", "int", "io", "co", "ai", "app", "dev", "me", "info", "biz", "tv", "ly",
        "gg", "xyz", "online", "site", "blog", "news", "uk", "de", "fr", "jp", "cn", "ru", "br", "in", "it", "es", "nl",
        "eu", "ca", "au", "us", "ch", "se", "no", "fi", "dk", "pl", "be", "at", "cz", "pt", "ie", "nz", "mx", "kr", "tw",
        "hk", "sg", "za", "ar", "cl", "gr", "tr", "ua", "il", "social",
    ]

    private static func isASCIIAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }

    private static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil
    }

    /// twitter-text's `valid_url_preceding_chars`, plus characters that would put us inside a path or domain.
    private static func mayPrecedeLink(_ s: Unicode.Scalar) -> Bool {
        if isASCIIAlphanumeric(s) { return false }
        switch s {
        case "@", "＠", "$", "#", "＃", ".", "/", "-", "_", ":": return false
        default: return !(0x202A...0x202E).contains(s.value)
        }
    }

    private static func isPathScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x21...0x7E:
            return !["<", ">", "\"", "{", "}", "\\", "^", "`"].contains(s)
        case 0xC0...0x24F, 0x400...0x4FF:  // Latin accents and Cyrillic, as twitter-text allows in paths.
            return s.properties.isAlphabetic
        default:
            return false
        }
    }

    /// The end (exclusive scalar offset) of a link starting at `start`, or nil when none starts there.
    private static func linkEnd(_ s: [Unicode.Scalar], from start: Int, requireScheme: Bool) -> Int? {
        var i = start
        var hasScheme = false
        for scheme in ["https://", "http://"] where matchesCaseInsensitive(s, at: start, scheme) {
            i = start + scheme.unicodeScalars.count
            hasScheme = true
            break
        }
        if !hasScheme && requireScheme { return nil }
        // Host: labels of [A-Za-z0-9-] separated by single dots.
        var labels: [String] = []
        var label = ""
        while i < s.count {
            let c = s[i]
            if isASCIIAlphanumeric(c) || c == "-" {
                label.unicodeScalars.append(c)
                i += 1
            } else if c == ".", !label.isEmpty, i + 1 < s.count, isASCIIAlphanumeric(s[i + 1]) {
                labels.append(label)
                label = ""
                i += 1
            } else {
                break
            }
        }
        guard !label.isEmpty else { return nil }
        labels.append(label)
        if hasScheme {
            guard labels.count >= 2 || labels[0].lowercased() == "localhost" else { return nil }
        } else {
            guard labels.count >= 2, bareDomainTLDs.contains(labels[labels.count - 1].lowercased()) else { return nil }
            // "name@example.com" and "example.com_x" are not bare links.
            if i < s.count, s[i] == "@" || s[i] == "_" || isWordScalar(s[i]) { return nil }
        }
        // Port.
        if i + 1 < s.count, s[i] == ":", s[i + 1].properties.numericType != nil, s[i + 1].isASCII {
            i += 1
            while i < s.count, s[i] >= "0", s[i] <= "9" { i += 1 }
        }
        // Path, query and fragment.
        if i < s.count, s[i] == "/" || s[i] == "?" || s[i] == "#" {
            while i < s.count, isPathScalar(s[i]) { i += 1 }
        }
        // Trailing punctuation belongs to the sentence, not the link; so does an unbalanced closing bracket.
        while i > start {
            let last = s[i - 1]
            if [".", ",", ";", ":", "!", "?", "'", "\"", "*"].contains(last) {
                i -= 1
            } else if last == ")" || last == "]" {
                let open: Unicode.Scalar = last == ")" ? "(" : "["
                let opens = s[start..<i].filter { $0 == open }.count
                let closes = s[start..<i].filter { $0 == last }.count
                if closes > opens { i -= 1 } else { break }
            } else {
                break
            }
        }
        return i > start ? i : nil
    }

    private static func matchesCaseInsensitive(_ s: [Unicode.Scalar], at start: Int, _ word: String) -> Bool {
        var i = start
        for w in word.unicodeScalars {
            guard i < s.count, s[i].properties.lowercaseMapping == String(w) else { return false }
            i += 1
        }
        return true
    }

    /// Rewrites `@user@domain` to `@user` as Mastodon does before counting.
    private static func stripMentionDomains(_ text: String) -> String {
        let s = Array(text.unicodeScalars)
        guard s.contains("@") else { return text }
        var out = String.UnicodeScalarView()
        var i = 0
        func isUserScalar(_ c: Unicode.Scalar) -> Bool { isASCIIAlphanumeric(c) || c == "_" }
        while i < s.count {
            let c = s[i]
            let precededOK = i == 0 || !(s[i - 1] == "=" || s[i - 1] == "/" || isWordScalar(s[i - 1]))
            if c == "@", precededOK {
                // Username: [a-z0-9_]+([.-]+[a-z0-9_]+)*
                var j = i + 1
                while j < s.count, isUserScalar(s[j]) { j += 1 }
                if j > i + 1 {
                    while j < s.count, s[j] == "." || s[j] == "-" {
                        var k = j
                        while k < s.count, s[k] == "." || s[k] == "-" { k += 1 }
                        guard k < s.count, isUserScalar(s[k]) else { break }
                        j = k
                        while j < s.count, isUserScalar(s[j]) { j += 1 }
                    }
                    let userEnd = j
                    // Domain: @word+([.-]+word+)*
                    if userEnd < s.count, s[userEnd] == "@", userEnd + 1 < s.count, isWordScalar(s[userEnd + 1]) {
                        var d = userEnd + 1
                        while d < s.count, isWordScalar(s[d]) { d += 1 }
                        while d < s.count, s[d] == "." || s[d] == "-" {
                            var k = d
                            while k < s.count, s[k] == "." || s[k] == "-" { k += 1 }
                            guard k < s.count, isWordScalar(s[k]) else { break }
                            d = k
                            while d < s.count, isWordScalar(s[d]) { d += 1 }
                        }
                        out.append(contentsOf: s[i..<userEnd])
                        i = d
                        continue
                    }
                    out.append(contentsOf: s[i..<userEnd])
                    i = userEnd
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }
}
