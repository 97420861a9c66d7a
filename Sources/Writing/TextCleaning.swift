/// Turning pasted text (markdown, links, stray control characters) into clean lines and sentences.
///
/// Everything here works on the input alone and is deterministic: no locale, no dictionary iteration.
enum TextCleaning {
    /// Drops every control character except `\n`; `\r\n`, `\r`, U+2028 and U+2029 become `\n`, tabs become spaces.
    static func sanitize(_ text: String) -> String {
        if isClean(text) { return text }
        var out = String.UnicodeScalarView()
        var previousWasCR = false
        var inEscape = false   // an ANSI escape sequence (ESC [ parameters final-letter): dropped whole
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            if inEscape {
                if scalar.value >= 0x40 && scalar.value <= 0x7E && scalar != "[" { inEscape = false }
                if scalar.value >= 0x20 { continue }
                inEscape = false
            }
            switch scalar.value {
            case 0x0A: if !previousWasCR { out.append("\n") }
            case 0x0D, 0x85, 0x2028, 0x2029: out.append("\n")
            case 0x09, 0x0B, 0x0C: out.append(" ")
            case 0x1B: inEscape = true
            case 0x00...0x1F, 0x7F...0x9F: continue
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// True when no byte needs `sanitize`: no C0 control but `\n`, no DEL, no C1 control, no U+2028/2029.
    private static func isClean(_ text: String) -> Bool {
        func scan<C: RandomAccessCollection>(_ bytes: C) -> Bool where C.Element == UInt8, C.Index == Int {
            var i = bytes.startIndex
            while i < bytes.endIndex {
                let b = bytes[i]
                if b < 0x20 { if b != 0x0A { return false } }
                else if b == 0x7F { return false }
                else if b == 0xC2, i + 1 < bytes.endIndex, bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9F { return false }
                else if b == 0xE2, i + 2 < bytes.endIndex, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 { return false }
                i += 1
            }
            return true
        }
        return text.utf8.withContiguousStorageIfAvailable { scan($0) } ?? scan(Array(text.utf8))
    }

    /// True when the string holds a control character other than `\n` (what the outputs must never contain).
    static func hasForbiddenControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }

    /// One cleaned line of the input with what markdown said about it.
    struct Line {
        var text: String
        var headingLevel: Int   // 0 when not a heading
        var isListItem: Bool
        var indent: Int
        var paragraph: Int      // lines separated by blank lines get different numbers
    }

    /// Splits sanitized text into cleaned lines: markdown markers, code blocks, tables rules and links removed;
    /// URLs collected (in order) instead of kept in the prose.
    static func lines(_ text: String, urls: inout [String]) -> [Line] {
        var result: [Line] = []
        var inFence = false
        var paragraph = 0
        for rawBytes in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let raw = Substring(rawBytes)
            let indent = raw.prefix { $0 == " " }.count
            var line = Substring(raw.drop { $0 == " " })
            while line.last == " " { line = line.dropLast() }
            if line.hasPrefix("```") || line.hasPrefix("~~~") { inFence.toggle(); continue }
            if inFence { continue }
            if line.isEmpty { paragraph += 1; continue }
            if isRule(line) { paragraph += 1; continue }
            var heading = 0
            var listItem = false
            while line.hasPrefix(">") { line = line.dropFirst().drop { $0 == " " } }
            if line.first == "#" {
                let hashes = line.prefix { $0 == "#" }.count
                let rest = line.dropFirst(hashes)
                if hashes <= 6, rest.first == " " {
                    heading = hashes
                    line = rest.drop { $0 == " " }
                    while line.last == "#" || line.last == " " { line = line.dropLast() }
                }
            } else if let marker = listMarkerLength(line) {
                listItem = true
                line = line.dropFirst(marker).drop { $0 == " " }
            }
            if line.first == "|" { line = Substring(line.replacing("|", with: " ")) }
            let cleaned = inline(line, urls: &urls)
            guard !cleaned.isEmpty else { continue }
            result.append(Line(text: cleaned, headingLevel: heading, isListItem: listItem, indent: indent, paragraph: paragraph))
            if heading > 0 { paragraph += 1 }
        }
        return result
    }

    /// `---`, `***`, `___` and table separator rows (`|---|:--|`).
    private static func isRule(_ line: Substring) -> Bool {
        let bytes = line.utf8
        guard let first = bytes.first, bytes.count >= 3 else { return false }
        switch first {
        case UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "_"):
            return bytes.allSatisfy { $0 == first || $0 == 0x20 }
        case UInt8(ascii: "|"):
            return bytes.allSatisfy { $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ":") || $0 == 0x20 }
        default:
            return false
        }
    }

    /// Length of a list marker (`- `, `* `, `+ `, `• `, `1. `, `2) `) at the start of the line, or nil.
    private static func listMarkerLength(_ line: Substring) -> Int? {
        guard let first = line.first else { return nil }
        if "-*+•".contains(first), line.dropFirst().first == " " { return 2 }
        let digits = line.prefix { $0.isASCII && $0.isNumber }.count
        if digits > 0, digits <= 3 {
            let rest = line.dropFirst(digits)
            if let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " { return digits + 2 }
        }
        return nil
    }

    /// Removes inline markdown (emphasis, code ticks, links, images, HTML-ish tags) and collects URLs (which stay
    /// in the text); collapses spaces. Works on UTF-8 bytes: markdown syntax is ASCII, multi-byte sequences are
    /// copied whole, and a byte loop is many times faster than one over `Character`s.
    static func inline(_ line: Substring, urls: inout [String]) -> String {
        let bytes = Array(line.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        func isWord(_ k: Int) -> Bool { k >= 0 && k < bytes.count && (bytes[k] >= 0x80 || isASCIIAlphanumeric(bytes[k])) }
        func find(_ target: UInt8, from start: Int, within limit: Int) -> Int? {
            var k = start
            while k < bytes.count, k - start < limit {
                if bytes[k] == target { return k }
                k += 1
            }
            return nil
        }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "["), UInt8(ascii: "!"):
                // [text](url) and ![alt](url): keep the text, collect the URL.
                let open = c == UInt8(ascii: "!") ? i + 1 : i
                if open < bytes.count, bytes[open] == UInt8(ascii: "["),
                   let close = find(UInt8(ascii: "]"), from: open + 1, within: 500), close + 1 < bytes.count,
                   bytes[close + 1] == UInt8(ascii: "("), let end = find(UInt8(ascii: ")"), from: close + 2, within: 2_000) {
                    out += bytes[(open + 1)..<close]
                    let target = String(decoding: bytes[(close + 2)..<end], as: UTF8.self)
                    if target.hasPrefix("http") { urls.append(target) }
                    i = end + 1
                    continue
                }
            case UInt8(ascii: "h"), UInt8(ascii: "w"):
                if !isWord(i - 1), startsURL(bytes, at: i) {
                    var end = i
                    while end < bytes.count, !isASCIIWhitespace(bytes[end]) { end += 1 }
                    while end > i, trailingURLPunctuation.contains(bytes[end - 1]) { end -= 1 }
                    urls.append(String(decoding: bytes[i..<end], as: UTF8.self))
                    out += bytes[i..<end]   // kept in the prose (a sentence reads wrong without it); tokens skip it
                    i = end
                    continue
                }
            case UInt8(ascii: "<"):
                if let end = find(UInt8(ascii: ">"), from: i + 1, within: 60), isTag(bytes[(i + 1)..<end]) {
                    if let last = out.last, last != 0x20 { out.append(0x20) }
                    i = end + 1
                    continue
                }
            case UInt8(ascii: "*"), UInt8(ascii: "`"), UInt8(ascii: "~"):
                i += 1
                continue
            case UInt8(ascii: "_"):
                if !isWord(i - 1) || !isWord(i + 1) { i += 1; continue }
            default:
                break
            }
            if isASCIIWhitespace(c) {
                if let last = out.last, last != 0x20 { out.append(0x20) }
            } else {
                out.append(c)
            }
            i += 1
        }
        // ASCII runs are already single spaces; collapse the rest (no-break, ideographic) only when present.
        while out.last == 0x20 { out.removeLast() }
        if out.first == 0x20 { out.removeFirst() }
        if out.contains(where: { $0 >= 0xC2 }) { return collapseSpaces(String(decoding: out, as: UTF8.self)) }
        return String(decoding: out, as: UTF8.self)
    }

    private static let trailingURLPunctuation: Set<UInt8> = Set(".,;:!?)]\"'".utf8)

    static func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }

    private static func startsURL<C: RandomAccessCollection>(_ bytes: C, at i: C.Index) -> Bool where C.Element == UInt8, C.Index == Int {
        func has(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard i + count <= bytes.endIndex else { return false }
            let p = prefix.utf8Start
            for k in 0..<count where bytes[i + k] != p[k] { return false }
            return true
        }
        return has("https://") || has("http://") || has("www.")
    }

    /// `<b>`, `</p>`, `<a href=…>`, `<img src=…>`: HTML pasted with the text.
    private static func isTag(_ inner: ArraySlice<UInt8>) -> Bool {
        guard let first = inner.first, isASCIIAlphanumeric(first) || first == UInt8(ascii: "/") else { return false }
        let text = String(decoding: inner, as: UTF8.self)
        return !inner.contains(UInt8(ascii: " ")) || text.hasPrefix("a ") || text.hasPrefix("img ") || text.hasPrefix("span ") || text.hasPrefix("p ")
    }

    /// Whether the text contains an `http(s)://` or `www.` link starting a word.
    static func containsURL(_ text: String) -> Bool {
        func scan<C: RandomAccessCollection>(_ bytes: C) -> Bool where C.Element == UInt8, C.Index == Int {
            for i in bytes.indices where (bytes[i] == UInt8(ascii: "h") || bytes[i] == UInt8(ascii: "w"))
                && (i == bytes.startIndex || bytes[i - 1] == 0x20) && startsURL(bytes, at: i) {
                return true
            }
            return false
        }
        return text.utf8.withContiguousStorageIfAvailable { scan($0) } ?? scan(Array(text.utf8))
    }

    /// The text with every `http(s)://` and `www.` word removed, for keyword extraction.
    static func withoutURLs(_ text: String) -> String {
        guard containsURL(text) else { return text }
        return text.split(separator: " ").filter { !($0.hasPrefix("https://") || $0.hasPrefix("http://") || $0.hasPrefix("www.")) }.joined(separator: " ")
    }

    /// Runs of whitespace (ASCII, no-break, ideographic and the typographic spaces) become one space; leading and
    /// trailing whitespace goes.
    static func collapseSpaces(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let width = spaceWidth(bytes, at: i)
            if width > 0 {
                pendingSpace = !out.isEmpty
                i += width
                continue
            }
            if pendingSpace { out.append(0x20); pendingSpace = false }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The byte length of the whitespace character at `i`, or 0 when there is none.
    private static func spaceWidth(_ bytes: [UInt8], at i: Int) -> Int {
        let b = bytes[i]
        if b < 0x80 { return isASCIIWhitespace(b) || b == 0x0B || b == 0x0C ? 1 : 0 }
        if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] == 0xA0 || bytes[i + 1] == 0x85 { return 2 }   // U+00A0, U+0085
        if b == 0xE3, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0x80 { return 3 }   // U+3000
        if b == 0xE2, i + 2 < bytes.count {
            let b1 = bytes[i + 1], b2 = bytes[i + 2]
            if b1 == 0x80, (0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF { return 3 }   // U+2000–200A, 2028, 2029, 202F
            if b1 == 0x81, b2 == 0x9F { return 3 }   // U+205F
        }
        return 0
    }

    /// Splits a cleaned line into sentences: `.`, `!`, `?`, `…` before a space or the end (not after a known
    /// abbreviation or a single letter), and `。！？؟।॥` anywhere. Closing quotes and brackets stay with their
    /// sentence. Never splits before a combining mark, so never inside a grapheme cluster.
    static func sentences(_ line: String) -> [String] {
        let bytes = Array(line.utf8)
        var result: [String] = []
        var start = 0
        var i = 0
        func isSpace(_ k: Int) -> Bool { k >= bytes.count || bytes[k] == 0x20 }
        func emit(_ end: Int) {
            var a = start, b = end
            while a < b, bytes[a] == 0x20 { a += 1 }
            while b > a, bytes[b - 1] == 0x20 { b -= 1 }
            if a < b { result.append(String(decoding: bytes[a..<b], as: UTF8.self)) }
            start = end
        }
        while i < bytes.count {
            let b = bytes[i]
            var ends = false
            var width = 1
            if b < 0x80 {
                if b == UInt8(ascii: ".") || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") {
                    ends = (isSpace(i + 1) || closerWidth(bytes, at: i + 1) > 0) && !(b == UInt8(ascii: ".") && endsWithAbbreviation(bytes, before: i))
                }
            } else if let (kind, w) = terminator(bytes, at: i) {
                width = w
                ends = kind == .always || isSpace(i + w) || closerWidth(bytes, at: i + w) > 0
            }
            guard ends else { i += 1; continue }
            var end = i + width
            while end < bytes.count {
                let w = max(closerWidth(bytes, at: end), terminator(bytes, at: end)?.1 ?? (".!?".utf8.contains(bytes[end]) ? 1 : 0))
                if w == 0 { break }
                end += w
            }
            if end < bytes.count, startsWithMark(bytes, at: end) { i += 1; continue }
            emit(end)
            i = end
        }
        emit(bytes.count)
        return result.contains { $0.utf8.count > maxSentenceBytes } ? result.flatMap(chunked) : result
    }

    /// A sentence longer than this (no punctuation in pages of text) is split into pieces, so that every later
    /// step (ranking, cutting, measuring for a platform) works on bounded pieces.
    static let maxSentenceBytes = 3_000

    /// Pieces of about 1,000 graphemes, cut at the last space of each piece when there is one, else at a grapheme
    /// boundary (unspaced scripts, one enormous word).
    private static func chunked(_ sentence: String) -> [String] {
        guard sentence.utf8.count > maxSentenceBytes else { return [sentence] }
        var pieces: [String] = []
        var rest = Substring(sentence)
        while !rest.isEmpty {
            var end = rest.index(rest.startIndex, offsetBy: 1_000, limitedBy: rest.endIndex) ?? rest.endIndex
            if end < rest.endIndex, let space = rest[rest.index(rest.startIndex, offsetBy: 500)..<end].lastIndex(of: " ") {
                end = space
            }
            let piece = rest[..<end].trimmingPrefix(" ")
            if !piece.isEmpty { pieces.append(String(piece)) }
            rest = rest[end...].drop { $0 == " " }
        }
        return pieces
    }

    private enum TerminatorKind { case always, beforeSpace }

    /// A non-ASCII sentence end at `i`: `。！？؟।॥` always, `…` before a space; with its byte length.
    private static func terminator(_ bytes: [UInt8], at i: Int) -> (TerminatorKind, Int)? {
        guard i + 1 < bytes.count else { return nil }
        let b0 = bytes[i], b1 = bytes[i + 1]
        if b0 == 0xD8 { return b1 == 0x9F ? (.always, 2) : nil }   // ؟
        guard b0 >= 0xE0, b0 <= 0xEF, i + 2 < bytes.count else { return nil }
        let b2 = bytes[i + 2]
        switch (b0, b1, b2) {
        case (0xE3, 0x80, 0x82), (0xEF, 0xBC, 0x81), (0xEF, 0xBC, 0x9F), (0xE0, 0xA5, 0xA4), (0xE0, 0xA5, 0xA5): return (.always, 3)
        case (0xE2, 0x80, 0xA6): return (.beforeSpace, 3)
        default: return nil
        }
    }

    /// The byte length of a closing quote or bracket at `i` (`"`, `'`, `)`, `]`, `”`, `’`, `»`, `」`, `』`, `）`), else 0.
    private static func closerWidth(_ bytes: [UInt8], at i: Int) -> Int {
        guard i < bytes.count else { return 0 }
        let b = bytes[i]
        if b < 0x80 { return b == 0x22 || b == 0x27 || b == 0x29 || b == 0x5D ? 1 : 0 }
        guard i + 1 < bytes.count else { return 0 }
        if b == 0xC2, bytes[i + 1] == 0xBB { return 2 }
        guard i + 2 < bytes.count else { return 0 }
        let b1 = bytes[i + 1], b2 = bytes[i + 2]
        if b == 0xE2, b1 == 0x80, b2 == 0x9D || b2 == 0x99 { return 3 }
        if b == 0xE3, b1 == 0x80, b2 == 0x8D || b2 == 0x8F { return 3 }
        if b == 0xEF, b1 == 0xBC, b2 == 0x89 { return 3 }
        return 0
    }

    /// Whether the scalar starting at byte `i` is a combining mark (a split there would break a grapheme).
    private static func startsWithMark(_ bytes: [UInt8], at i: Int) -> Bool {
        guard i < bytes.count, bytes[i] >= 0x80 else { return false }
        let scalar = String(decoding: bytes[i..<min(bytes.count, i + 4)], as: UTF8.self).unicodeScalars.first
        return scalar?.properties.generalCategory.isMark ?? false
    }

    private static let abbreviations: Set<String> = ["e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "vs", "etc", "st", "no", "fig", "inc", "ltd", "jr", "sr", "approx", "u.s", "p.m", "a.m"]

    /// Whether the word before the `.` at `dot` is a single letter or a known abbreviation ("Dr.", "e.g.").
    private static func endsWithAbbreviation(_ bytes: [UInt8], before dot: Int) -> Bool {
        var k = dot
        while k > 0, dot - k <= 8, bytes[k - 1] == UInt8(ascii: ".") || (bytes[k - 1] < 0x80 && isASCIIAlphanumeric(bytes[k - 1]) && bytes[k - 1] > 0x39) { k -= 1 }
        guard k < dot, dot - k <= 8, k == 0 || bytes[k - 1] == 0x20 || bytes[k - 1] == UInt8(ascii: "(") else { return false }
        if dot - k == 1 { return true }
        return abbreviations.contains(String(decoding: bytes[k..<dot], as: UTF8.self).lowercased())
    }
}
