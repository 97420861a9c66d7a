/// Size limits of content items, and the checks that apply them.
public enum ContentLimits {
    /// The longest title, in characters (grapheme clusters).
    public static let titleCharacters = 300
    /// The largest body, in bytes of UTF-8 (1 MiB).
    public static let bodyBytes = 1 << 20
    /// The most tags on one item.
    public static let tags = 30
    /// The longest tag, in characters.
    public static let tagCharacters = 64
    /// The longest language tag, in characters (BCP 47 allows 35 for the forms we accept).
    public static let languageCharacters = 35

    /// The largest title in bytes of UTF-8 (300 emoji sequences fit): 300 characters stacked with combining marks
    /// could otherwise be megabytes.
    public static let titleBytes = 12_288
    /// The largest tag in bytes of UTF-8.
    public static let tagBytes = 2048

    static func checkTitle(_ title: String, field: String = "title") throws(ContentError) {
        if title.utf8.count > titleBytes {
            throw ContentError(.tooLarge, field: field, "is \(title.utf8.count) bytes; shorten it to at most \(titleBytes) bytes of UTF-8")
        }
        let count = title.count
        if count > titleCharacters {
            throw ContentError(.tooLarge, field: field, "is \(count) characters long; shorten it to at most \(titleCharacters)")
        }
        if let bad = title.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw ContentError.invalid(field, "contains the control character U+\(hex(bad.value)); remove it (a title is one line)")
        }
    }

    static func checkBody(_ body: String, field: String = "body") throws(ContentError) {
        let bytes = body.utf8.count
        if bytes > bodyBytes {
            throw ContentError(.tooLarge, field: field, "is \(bytes) bytes; the limit is \(bodyBytes) bytes (1 MiB) of UTF-8")
        }
        let allowed: Set<UInt32> = [9, 10, 13]
        if let bad = body.unicodeScalars.first(where: { $0.properties.generalCategory == .control && !allowed.contains($0.value) }) {
            throw ContentError.invalid(field, "contains the control character U+\(hex(bad.value)); only tab and line breaks are allowed")
        }
    }

    /// Checks tags and returns them without duplicates (case-insensitive; the first spelling is kept).
    static func checkTags(_ tags: [String], field: String = "tags") throws(ContentError) -> [String] {
        if tags.count > ContentLimits.tags {
            throw ContentError(.tooLarge, field: field, "has \(tags.count) tags; keep at most \(ContentLimits.tags)")
        }
        var seen = Set<String>()
        var out: [String] = []
        for (i, tag) in tags.enumerated() {
            let f = "\(field)[\(i)]"
            if tag.utf8.count > tagBytes {
                throw ContentError(.tooLarge, field: f, "is \(tag.utf8.count) bytes; shorten it to at most \(tagBytes) bytes of UTF-8")
            }
            let trimmed = tag.trimmingSpaces()
            if trimmed.isEmpty { throw ContentError.invalid(f, "is empty; give each tag some text or leave it out") }
            if trimmed.count > tagCharacters {
                throw ContentError(.tooLarge, field: f, "is \(trimmed.count) characters long; shorten it to at most \(tagCharacters)")
            }
            if let bad = trimmed.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                throw ContentError.invalid(f, "contains the control character U+\(hex(bad.value)); remove it")
            }
            if seen.insert(trimmed.lowercased()).inserted { out.append(trimmed) }
        }
        return out
    }

    static func checkLanguage(_ language: String, field: String = "language") throws(ContentError) {
        let parts = language.split(separator: "-", omittingEmptySubsequences: false)
        let ok = language.count <= languageCharacters && !parts.isEmpty
            && (2...3).contains(parts[0].count) && parts[0].allSatisfy { $0.isASCII && $0.isLetter }
            && parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        if !ok {
            throw ContentError.invalid(field, "\"\(language.prefix(40))\" is not a language tag; use a BCP 47 tag such as en, fr or pt-BR")
        }
    }

    static func checkGeneration(_ g: GenerationRecord) throws(ContentError) {
        if g.model.isEmpty || g.model.count > 128 { throw ContentError.invalid("generation.model", "must be 1 to 128 characters") }
        if g.policy.isEmpty || g.policy.count > 32 { throw ContentError.invalid("generation.policy", "must be 1 to 32 characters") }
        for (name, value) in [("cost_micros", g.costMicros), ("input_tokens", g.inputTokens), ("output_tokens", g.outputTokens),
                              ("latency_ms", g.latencyMilliseconds)] where value < 0 {
            throw ContentError.invalid("generation.\(name)", "must not be negative")
        }
        if !(0...1).contains(g.qualityScore) { throw ContentError.invalid("generation.quality_score", "must be between 0 and 1") }
        if g.attemptsJSON.utf8.count > 256 << 10 {
            throw ContentError(.tooLarge, field: "generation.attempts", "is larger than 256 KiB")
        }
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}

extension String {
    /// The text without leading and trailing whitespace.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
