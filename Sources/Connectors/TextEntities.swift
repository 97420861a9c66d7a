/// Links and hashtags found in a post's text, with their UTF-8 byte ranges (what Bluesky's facets index).
struct TextEntities: Sendable, Equatable {
    /// One link or hashtag.
    struct Entity: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            /// A link; the value is the full URI.
            case link(String)
            /// A hashtag; the value is the tag without `#`.
            case tag(String)
        }

        let kind: Kind
        /// Inclusive UTF-8 byte offset of the first byte.
        let byteStart: Int
        /// Exclusive UTF-8 byte offset after the last byte.
        let byteEnd: Int
    }

    /// The entities in text order.
    let entities: [Entity]

    /// The longest tag Bluesky accepts, in graphemes.
    static let maxTagGraphemes = 64

    /// Finds `http://` / `https://` links and `#hashtags` (at the start or after white space; not only
    /// digits; trailing punctuation left out, as the platforms' own detectors do).
    init(_ text: String) {
        // Scalars with their UTF-8 offsets: scanning works on scalars, offsets are in bytes.
        var scalars: [Unicode.Scalar] = []
        var offsets: [Int] = []
        var offset = 0
        for scalar in text.unicodeScalars {
            scalars.append(scalar)
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)

        var found: [Entity] = []
        var i = 0
        while i < scalars.count {
            let atWordStart = i == 0 || scalars[i - 1].properties.isWhitespace || isOpeningBracket(scalars[i - 1])
            if atWordStart, let end = Self.linkEnd(scalars, from: i) {
                let uri = String(String.UnicodeScalarView(scalars[i..<end]))
                found.append(Entity(kind: .link(uri), byteStart: offsets[i], byteEnd: offsets[end]))
                i = end
                continue
            }
            if (scalars[i] == "#" || scalars[i] == "＃") && (i == 0 || scalars[i - 1].properties.isWhitespace),
               let end = Self.tagEnd(scalars, from: i + 1)
            {
                let tag = String(String.UnicodeScalarView(scalars[(i + 1)..<end]))
                if tag.count <= Self.maxTagGraphemes {
                    found.append(Entity(kind: .tag(tag), byteStart: offsets[i], byteEnd: offsets[end]))
                }
                i = end
                continue
            }
            i += 1
        }
        entities = found
    }

    /// Hashtags in order, without `#`, each once.
    var tags: [String] {
        var seen: Set<String> = []
        var out: [String] = []
        for case .tag(let tag) in entities.map(\.kind) where seen.insert(tag.lowercased()).inserted { out.append(tag) }
        return out
    }

    /// The end (exclusive) of a link starting at `start`, or nil when none starts there.
    private static func linkEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        guard s[start] == "h" || s[start] == "H" else { return nil }
        guard let prefix = linkPrefixes.first(where: { p in
            start + p.count <= s.count && zip(p, s[start...]).allSatisfy { a, b in a.value == asciiLowercase(b) }
        }) else { return nil }
        var end = start + prefix.count
        while end < s.count, !s[end].properties.isWhitespace { end += 1 }
        // Trailing punctuation belongs to the sentence, not the link; a closing bracket only when unbalanced.
        while end > start + prefix.count {
            let last = s[end - 1]
            if ".,;:!?\"'".unicodeScalars.contains(last) || last == "…" {
                end -= 1
            } else if last == ")" && s[start..<end].count(where: { $0 == ")" }) > s[start..<end].count(where: { $0 == "(" }) {
                end -= 1
            } else {
                break
            }
        }
        // A host is needed after the scheme.
        return end > start + prefix.count ? end : nil
    }

    /// The end (exclusive) of a tag body starting at `start` (after `#`), or nil when it is no tag.
    private static func tagEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var end = start
        while end < s.count, !s[end].properties.isWhitespace, !isInvisible(s[end]) { end += 1 }
        while end > start, isPunctuation(s[end - 1]) { end -= 1 }
        guard end > start, s[start] != "\u{FE0F}", s[start] != "\u{20E3}" else { return nil }
        // Only digits (#1) is not a tag.
        guard s[start..<end].contains(where: { !isASCIIDigit($0) && !isPunctuation($0) }) else { return nil }
        return end
    }

    private static let linkPrefixes: [[Unicode.Scalar]] = [Array("https://".unicodeScalars), Array("http://".unicodeScalars)]
    private static let invisible: Set<Unicode.Scalar> = ["\u{00AD}", "\u{2060}", "\u{200A}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{20E2}"]

    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool { invisible.contains(scalar) }

    private static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }
}

private func asciiLowercase(_ scalar: Unicode.Scalar) -> UInt32 {
    scalar.value >= 0x41 && scalar.value <= 0x5A ? scalar.value + 0x20 : scalar.value
}

private func isOpeningBracket(_ scalar: Unicode.Scalar) -> Bool { scalar == "(" || scalar == "[" || scalar == "<" || scalar == "\"" }

private func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .connectorPunctuation:
        return false  // `_` belongs inside tags such as #swift_lang
    case .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation:
        return true
    default:
        return false
    }
}
