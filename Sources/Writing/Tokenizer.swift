/// Splits a sentence into word tokens and runs of unspaced script, and turns tokens into keyword candidates.
enum Tokenizer {
    /// A word (letters, digits, marks, inner apostrophes) or a run of one unspaced script (Han, kana, Thai…).
    struct Token {
        var text: String
        var unspaced: Bool
        var script: Script
        var letterCount: Int
        /// Punctuation (not just a space) came between this token and the previous one.
        var afterBreak: Bool
        /// Only digits (no letter): never a keyword.
        var digitsOnly: Bool
    }

    /// Scripts that matter for how words are found.
    enum Script { case spaced, han, hiragana, katakana, southeastAsian }

    /// A term a token contributes: its lowercased key and how it was written.
    struct Candidate { var key: String; var surface: String }

    static func script(of scalar: Unicode.Scalar) -> Script {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0xF900...0xFAFF, 0x3005: return .han
        case 0x3040...0x309F: return .hiragana
        case 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return .katakana
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF: return .southeastAsian
        default: return .spaced
        }
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39)
        }
        let p = scalar.properties
        if p.isAlphabetic { return true }
        switch p.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark, .enclosingMark: return !p.isEmojiPresentation && scalar.value != 0x20E3 && scalar.value != 0xFE0F
        default: return false
        }
    }

    static func tokens(_ text: String) -> [Token] {
        var result: [Token] = []
        let bytes = Array(text.utf8)
        var start = -1            // byte offset of the current token, -1 when none
        var currentScript = Script.spaced
        var letters = 0
        var digitsOnly = true
        var curly = false         // the token holds ’ (normalised to ')
        var sawBreak = false
        var pendingBreak = false
        var offset = 0
        var previousApostrophe = -1   // offset of an apostrophe that may continue the word
        func flush(_ end: Int) {
            guard start >= 0 else { return }
            var token = String(decoding: bytes[start..<end], as: UTF8.self)
            if curly { token = token.replacing("’", with: "'") }
            result.append(Token(text: token, unspaced: currentScript != .spaced, script: currentScript,
                                letterCount: letters, afterBreak: sawBreak, digitsOnly: digitsOnly))
            start = -1
            letters = 0
            digitsOnly = true
            curly = false
        }
        for scalar in text.unicodeScalars {
            let width = scalar.utf8.count
            defer { offset += width }
            if isWordScalar(scalar) {
                let s = scalar.isASCII ? .spaced : script(of: scalar)
                let isMark = !scalar.isASCII && scalar.properties.generalCategory.isMark
                if previousApostrophe >= 0 {
                    if s == .spaced, start >= 0 { curly = curly || bytes[previousApostrophe] != 0x27 } else { flush(previousApostrophe) }
                    previousApostrophe = -1
                }
                if start >= 0, s != currentScript, !isMark { flush(offset) }
                if start < 0 {
                    start = offset
                    currentScript = s
                    sawBreak = pendingBreak || (result.last.map { $0.unspaced != (s != .spaced) } ?? false)
                    pendingBreak = false
                }
                if !isMark {
                    letters += 1
                    if !(scalar.isASCII ? (scalar.value >= 0x30 && scalar.value <= 0x39) : scalar.properties.numericType != nil) { digitsOnly = false }
                }
            } else {
                if previousApostrophe >= 0 { flush(previousApostrophe); previousApostrophe = -1; pendingBreak = true }
                if (scalar == "'" || scalar == "’"), start >= 0, currentScript == .spaced {
                    previousApostrophe = offset   // inside a word only when a letter follows
                    continue
                }
                flush(offset)
                if scalar != " " { pendingBreak = true }
            }
        }
        if previousApostrophe >= 0 { flush(previousApostrophe) } else { flush(bytes.count) }
        return result
    }

    /// The keyword candidates of one token: a word that is not a stop word, a katakana run, a short Han run or the
    /// Han character pairs of a longer one (Chinese has no spaces; pairs are its most common word length).
    static func termCandidates(_ token: Token, japanese: Bool = false) -> [Candidate] {
        switch token.script {
        case .spaced:
            guard token.letterCount >= 2 else { return [] }
            if token.digitsOnly { return [] }
            var lower = token.text.lowercased()
            var surface = token.text
            // French and Italian elision: "l'intelligence" is the word "intelligence".
            if let apostrophe = lower.firstIndex(of: "'"), lower.distance(from: lower.startIndex, to: apostrophe) <= 2,
               lower[lower.index(after: apostrophe)...].count >= 2, !StopWords.english.contains(lower) {
                lower = String(lower[lower.index(after: apostrophe)...])
                surface = String(surface[surface.index(after: surface.firstIndex(of: "'") ?? surface.startIndex)...])
            }
            if StopWords.contains(lower) { return [] }
            if lower.hasSuffix("'s"), lower.utf8.count > 3 {   // possessive: "Swift's" is the term "Swift"
                return [Candidate(key: pluralFolded(String(lower.dropLast(2))), surface: String(surface.dropLast(2)))]
            }
            return [Candidate(key: pluralFolded(lower), surface: surface)]
        case .katakana, .southeastAsian:
            guard token.letterCount >= 2, token.letterCount <= 24 else { return [] }
            return [Candidate(key: token.text, surface: token.text)]
        case .hiragana:
            return []
        case .han:
            let chars = Array(token.text)
            // Japanese writes compounds in kanji between kana ("大規模言語"): runs up to 6 are words there.
            if chars.count >= 2, chars.count <= (japanese ? 6 : 4), !chars.allSatisfy({ StopWords.hanFunction.contains($0) }),
               !(StopWords.hanFunction.contains(chars[0]) || StopWords.hanFunction.contains(chars[chars.count - 1])) {
                return [Candidate(key: token.text, surface: token.text)]
            }
            if chars.count == 1, !japanese, !StopWords.hanFunction.contains(chars[0]) {   // a lone character between kana or punctuation
                return [Candidate(key: token.text, surface: token.text)]
            }
            guard chars.count >= 2 else { return [] }
            var result: [Candidate] = []
            let bounds = Array(token.text.indices) + [token.text.endIndex]
            for i in 0..<(chars.count - 1) where !StopWords.hanFunction.contains(chars[i]) && !StopWords.hanFunction.contains(chars[i + 1]) {
                let pair = String(token.text[bounds[i]..<bounds[i + 2]])
                result.append(Candidate(key: pair, surface: pair))
            }
            return result
        }
    }
}

extension Tokenizer {
    /// English plural folded to the singular for keys only ("models" and "model" are one term), ASCII words only.
    static func pluralFolded(_ word: String) -> String {
        guard word.utf8.count > 3, word.utf8.allSatisfy({ $0 < 0x80 }), word.hasSuffix("s") else { return word }
        if word.hasSuffix("ies"), word.utf8.count > 4 { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") || word.hasSuffix("'s") { return word }
        return String(word.dropLast())
    }
}

extension Unicode.GeneralCategory {
    var isMark: Bool { self == .nonspacingMark || self == .spacingMark || self == .enclosingMark }
}
