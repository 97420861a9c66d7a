/// Flesch reading ease for English text, with a vowel-group syllable heuristic.
enum Readability {
    /// 206.835 − 1.015 × words/sentences − 84.6 × syllables/words, or nil when the text is not English prose
    /// (no words, more than 10% non-ASCII letters, or — from five words on — fewer than 15% English stop words).
    static func fleschReadingEase(_ text: String) -> Double? {
        let clean = TextCleaning.sanitize(text)
        var urls: [String] = []
        let lines = TextCleaning.lines(clean, urls: &urls)
        var sentences = 0
        var words = 0
        var syllables = 0
        var stopWords = 0
        var asciiLetters = 0
        var otherLetters = 0
        for line in lines {
            for sentence in TextCleaning.sentences(line.text) {
                var sentenceWords = 0
                for token in Tokenizer.tokens(sentence) {
                    for scalar in token.text.unicodeScalars where scalar.properties.isAlphabetic {
                        if scalar.isASCII { asciiLetters += 1 } else { otherLetters += 1 }
                    }
                    let lower = token.text.lowercased()
                    guard lower.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { continue }
                    sentenceWords += 1
                    syllables += syllableCount(lower)
                    if StopWords.english.contains(lower) { stopWords += 1 }
                }
                if sentenceWords > 0 { sentences += 1; words += sentenceWords }
            }
        }
        guard words > 0, otherLetters * 10 <= asciiLetters + otherLetters else { return nil }
        if words >= 5, stopWords * 100 < words * 15 { return nil }
        let w = Double(words), s = Double(max(1, sentences)), y = Double(syllables)
        return 206.835 - 1.015 * (w / s) - 84.6 * (y / w)
    }

    /// Vowel groups (y counts as a vowel after the first letter), minus a silent final `e` (not `-le`), at least 1.
    static func syllableCount(_ word: String) -> Int {
        let letters = Array(word.unicodeScalars.filter { $0.properties.isAlphabetic })
        guard !letters.isEmpty else { return 0 }
        func isVowel(_ i: Int) -> Bool {
            switch letters[i] {
            case "a", "e", "i", "o", "u": return true
            case "y": return i > 0
            default: return false
            }
        }
        var count = 0
        var previousVowel = false
        for i in letters.indices {
            let vowel = isVowel(i)
            if vowel && !previousVowel { count += 1 }
            previousVowel = vowel
        }
        let n = letters.count
        if n > 2, letters[n - 1] == "e", !isVowel(n - 2), !(letters[n - 2] == "l" && !isVowel(n - 3)), count > 1 { count -= 1 }
        if n > 3, letters[n - 1] == "d", letters[n - 2] == "e", !["t", "d"].contains(letters[n - 3]), !isVowel(n - 3), count > 1 { count -= 1 }
        if n > 3, letters[n - 1] == "s", letters[n - 2] == "e", !["s", "x", "z", "c", "g", "h"].contains(letters[n - 3]), !isVowel(n - 3), count > 1 { count -= 1 }
        return max(1, count)
    }
}
