/// Shortening text without breaking words or grapheme clusters (emoji, accents, Devanagari conjuncts).
enum TextCut {
    /// Small words a title must not end with after a cut ("…of the").
    private static let danglers: Set<String> = ["a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by",
                                                "at", "from", "as", "but", "is", "are", "was", "were", "that", "this", "its", "your", "our", "their"]

    /// At most `limit` graphemes of `text`, cut at the last space in the second half of the budget when there is
    /// one (else at a grapheme boundary: unspaced scripts, long URLs), trailing punctuation trimmed, and `…`
    /// appended when something was cut and `ellipsis` is set. Returns `text` unchanged when it fits.
    static func prefix(_ text: String, maxGraphemes limit: Int, ellipsis: Bool = true, trimDanglers: Bool = false) -> String {
        guard limit > 0 else { return "" }
        var chars = Array(text)
        if chars.count <= limit { return text }
        let budget = ellipsis ? limit - 1 : limit
        guard budget > 0 else { return ellipsis ? "…" : "" }
        var cut = budget
        if !chars[budget].isWhitespace {
            var i = budget - 1
            while i >= budget / 2, !chars[i].isWhitespace { i -= 1 }
            if i >= budget / 2 { cut = i }
        }
        chars.removeSubrange(cut...)
        trimTail(&chars)
        if trimDanglers {
            while let space = chars.lastIndex(of: " "), space >= limit / 2,
                  danglers.contains(String(chars[(space + 1)...]).lowercased()) || StopWords.english.contains(String(chars[(space + 1)...]).lowercased()) {
                chars.removeSubrange(space...)
                trimTail(&chars)
            }
        }
        if chars.isEmpty { return ellipsis ? String(text.prefix(budget)) + "…" : String(text.prefix(budget)) }
        return String(chars) + (ellipsis ? "…" : "")
    }

    /// The longest `prefix` of `text` for which `fits` holds (binary search over the grapheme budget, then a short
    /// walk down in case measuring is not monotonic), or nil when not even one grapheme fits.
    static func longestFitting(_ text: String, ellipsis: Bool = true, _ fits: (String) -> Bool) -> String? {
        if fits(text) { return text }
        var low = 1, high = text.count
        var best: String?
        while low <= high {
            let mid = (low + high) / 2
            let candidate = prefix(text, maxGraphemes: mid, ellipsis: ellipsis)
            if fits(candidate) { best = candidate; low = mid + 1 } else { high = mid - 1 }
        }
        if let best { return best }
        for limit in stride(from: min(text.count, 8), through: 1, by: -1) {
            let candidate = prefix(text, maxGraphemes: limit, ellipsis: ellipsis)
            if fits(candidate) { return candidate }
        }
        return nil
    }

    private static func trimTail(_ chars: inout [Character]) {
        while let last = chars.last, last.isWhitespace || ",;:-–—(/[{\"'“‘「『（、".contains(last) { chars.removeLast() }
    }
}
