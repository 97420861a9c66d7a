/// Cleans model output before anyone stores or shows it.
///
/// Models and broken servers can return NUL bytes, terminal escapes, bidirectional overrides (text that displays
/// differently from what it is) or a reasoning preamble. ``clean(_:)`` removes them; output that is mostly such
/// characters is garbage and refused by the provider.
public enum OutputText {
    /// The cleaned text and how many Unicode scalars were removed.
    public struct Cleaned: Sendable, Equatable {
        /// The text without control characters, with `\r\n` as `\n`, trimmed.
        public var text: String
        /// Scalars removed (not counting trimmed whitespace).
        public var removed: Int
        /// Scalars in the original.
        public var total: Int

        /// True when over a quarter of the text (and more than two scalars) were control characters: garbage,
        /// not text with a stray escape.
        public var isMostlyControl: Bool { removed > 2 && removed * 4 > total }
    }

    /// Removes C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates, BOMs and
    /// non-characters; turns CR LF and lone CR into LF; drops a leading `<think>…</think>` block; trims whitespace.
    public static func clean(_ raw: String) -> Cleaned {
        var scalars = String.UnicodeScalarView()
        var removed = 0
        var total = 0
        var previousCR = false
        for scalar in raw.unicodeScalars {
            total += 1
            let v = scalar.value
            if v == 0x0D { scalars.append("\n"); previousCR = true; continue }
            if v == 0x0A, previousCR { previousCR = false; continue }
            previousCR = false
            if v == 0x09 || v == 0x0A { scalars.append(scalar); continue }
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
                || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF || (0xFDD0...0xFDEF).contains(v) {
                removed += 1
                continue
            }
            scalars.append(scalar)
        }
        var text = String(scalars)
        if text.hasPrefix("<think>"), let end = text.firstRange(of: "</think>") {
            text = String(text[end.upperBound...])
        }
        return Cleaned(text: trim(text), removed: removed, total: total)
    }

    /// `s` without leading and trailing whitespace and newlines.
    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }

    /// A server's message made safe for an error: cleaned, on one line, at most `limit` characters, and with any
    /// occurrence of `secret` replaced (a server that echoes the key must not put it in our logs).
    static func excerpt(_ raw: String, limit: Int = 200, redacting secret: String? = nil) -> String {
        var text = clean(raw).text
        if let secret, secret.count >= 4 { text = text.replacing(secret, with: "[redacted]") }
        text = String(text.map { $0 == "\n" || $0 == "\t" ? " " : $0 })
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
