import Platforms
import Testing

@Suite("Text measuring")
struct TextMeasureTests {
    @Test("X: ASCII counts one per character")
    func xASCII() {
        #expect(TextMeasure.xWeightedLength("Hello, world!") == 13)
        #expect(TextMeasure.xWeightedLength("") == 0)
        #expect(TextMeasure.xWeightedLength(String(repeating: "a", count: 280)) == 280)
    }

    @Test("X: CJK weighs 2, Latin-1 and general punctuation 1, the ellipsis 2")
    func xCJK() {
        #expect(TextMeasure.xWeightedLength("こんにちは") == 10)
        #expect(TextMeasure.xWeightedLength("你好, world") == 2 * 2 + 7)
        #expect(TextMeasure.xWeightedLength("Ünïcödé") == 7)
        // U+201C/U+201D and U+2014 are in the weight-1 ranges; U+2026 is not.
        #expect(TextMeasure.xWeightedLength("\u{201C}a\u{201D}\u{2014}") == 4)
        #expect(TextMeasure.xWeightedLength("\u{2026}") == 2)
        let x = PlatformProfile.sample(counting: .xWeighted, limit: 280)
        #expect(x.fits(String(repeating: "漢", count: 140)))
        #expect(!x.fits(String(repeating: "漢", count: 141)))
    }

    @Test("X: an emoji sequence weighs 2 whatever its code points", arguments: [
        "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "❤️", "1️⃣", "🧑🏿‍💻",
    ])
    func xEmoji(_ emoji: String) {
        #expect(TextMeasure.xWeightedLength(emoji) == 2)
        #expect(TextMeasure.xWeightedLength("a\(emoji)b") == 4)
    }

    @Test("X: NFD text is normalized before counting")
    func xNFC() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(decomposed.unicodeScalars.count == 5)
        #expect(TextMeasure.xWeightedLength(composed) == 4)
        #expect(TextMeasure.xWeightedLength(decomposed) == 4)
        // Hangul jamo compose to one syllable (weight 2) under NFC.
        #expect(TextMeasure.xWeightedLength("\u{1100}\u{1161}") == 2)
    }

    @Test("X: every URL counts 23, with or without a scheme; e-mail addresses are not URLs")
    func xURLs() {
        let long = "https://example.com/a/very/long/path/that/goes/on/and/on/and/on?query=1&other=2"
        #expect(long.count > 23)
        #expect(TextMeasure.xWeightedLength("Read \(long) now") == 5 + 23 + 4)
        #expect(TextMeasure.xWeightedLength("http://a.co") == 23)
        #expect(TextMeasure.xWeightedLength("see example.com.") == 4 + 23 + 1)
        #expect(TextMeasure.xWeightedLength("(https://example.com/x)") == 1 + 23 + 1)
        #expect(TextMeasure.xWeightedLength("me@example.com") == 14)
        #expect(TextMeasure.xWeightedLength("日本 https://example.jp/パス") == 2 * 2 + 1 + 23 + 2 * 2)
        #expect(TextMeasure.xWeightedLength("a https://x.com b https://y.org") == 1 + 1 + 23 + 3 + 23)
    }

    @Test("URL ranges: scheme and bare domains, trailing punctuation excluded")
    func urlRanges() {
        let text = "Go to https://example.com/path?q=1, or www.example.org. Mail me@example.com."
        let found = TextMeasure.urls(in: text).map { String(text[$0]) }
        #expect(found == ["https://example.com/path?q=1", "www.example.org"])
        let schemeOnly = TextMeasure.urls(in: text, requireScheme: true).map { String(text[$0]) }
        #expect(schemeOnly == ["https://example.com/path?q=1"])
        let wiki = "(see https://en.wikipedia.org/wiki/Swift_(programming_language))"
        #expect(TextMeasure.urls(in: wiki).map { String(wiki[$0]) } == ["https://en.wikipedia.org/wiki/Swift_(programming_language)"])
        #expect(TextMeasure.urls(in: "version 1.2 and file.txt").isEmpty)
    }

    @Test("Bluesky: 300 graphemes and 3000 bytes are separate limits")
    func blueskyBytes() {
        let bluesky = PlatformProfile.sample(counting: .graphemes, limit: 300, byteLimit: 3000)
        let family = "👨‍👩‍👧‍👦"
        #expect(family.count == 1)
        #expect(family.utf8.count == 25)
        #expect(bluesky.length(of: String(repeating: family, count: 120)) == 120)
        #expect(bluesky.fits(String(repeating: family, count: 120)))  // 3000 bytes exactly
        #expect(!bluesky.fits(String(repeating: family, count: 121)))  // 121 graphemes but 3025 bytes
        #expect(bluesky.fits(String(repeating: "é", count: 300)))
        #expect(!bluesky.fits(String(repeating: "é", count: 301)))
    }

    @Test("Mastodon: URLs count 23, remote mentions count as the local part")
    func mastodon() {
        let long = "https://example.com/" + String(repeating: "p", count: 100)
        #expect(TextMeasure.graphemesCountingURLs("see \(long)") == 4 + 23)
        #expect(TextMeasure.graphemesCountingURLs("http://a.co") == 23)
        #expect(TextMeasure.graphemesCountingURLs("example.com") == 11)  // no scheme: plain text on Mastodon
        #expect(TextMeasure.graphemesCountingURLs("@alice@mastodon.example.social hi") == "@alice hi".count)
        #expect(TextMeasure.graphemesCountingURLs("cc @bob.smith@example.org!") == "cc @bob.smith!".count)
        #expect(TextMeasure.graphemesCountingURLs("mail me@example.com") == 19)  // not a mention
        #expect(TextMeasure.graphemesCountingURLs("👨‍👩‍👧‍👦 @a@b.c") == 1 + 1 + 2)
        #expect(TextMeasure.graphemesCountingURLs("x https://a.co", urlLength: 30) == 2 + 30)
    }

    @Test("LinkedIn: reserved characters are escaped and counted escaped")
    func linkedin() {
        #expect(TextMeasure.linkedinEscape("a_b (c) #tag @me") == ##"a\_b \(c\) \#tag \@me"##)
        #expect(TextMeasure.linkedinEscape(#"|{}@[]()<>#*_~\"#) == ##"\|\{\}\@\[\]\(\)\<\>\#\*\_\~\\"##)
        #expect(TextMeasure.linkedinEscape("plain text, é 👍") == "plain text, é 👍")
        let linkedin = PlatformProfile.sample(counting: .linkedinEscaped, limit: 3000)
        #expect(linkedin.length(of: "#a #b") == 7)
        #expect(linkedin.fits(String(repeating: "a", count: 3000)))
        #expect(!linkedin.fits(String(repeating: "a", count: 2999) + "#"))
    }

    @Test("Other units: UTF-8 bytes, UTF-16 units, Threads emoji bytes")
    func otherUnits() {
        #expect(TextMeasure.utf8Bytes("é👍") == 2 + 4)
        #expect(TextMeasure.utf16Units("é👍") == 1 + 2)
        #expect(TextMeasure.graphemesWithEmojiBytes("hi 👍") == 3 + 4)
        #expect(TextMeasure.graphemesWithEmojiBytes("héllo") == 5)
        let youtube = PlatformProfile.sample(counting: .utf8Bytes, limit: 5000)
        #expect(youtube.fits(String(repeating: "é", count: 2500)))
        #expect(!youtube.fits(String(repeating: "é", count: 2501)))
    }
}

extension PlatformProfile {
    /// A minimal profile for measuring tests.
    static func sample(
        id: String = "test", counting: TextCounting, limit: Int, byteLimit: Int? = nil, threads: Bool = false,
        hashtags: HashtagRules = HashtagRules(maxCount: 5, placement: .inlineEnd), aiDisclosure: String? = nil, linksInText: Bool = true
    ) -> PlatformProfile {
        PlatformProfile(
            id: id, name: id.capitalized, textLimit: limit, counting: counting, byteLimit: byteLimit, linksInText: linksInText,
            hashtags: hashtags, media: MediaRules(maxImages: 4, maxVideoSeconds: nil, textOnlyAllowed: true),
            rateLimit: RateLimit(posts: 10, windowSeconds: 60), threads: ThreadRules(allowed: threads, maxParts: threads ? 25 : 1),
            aiDisclosure: aiDisclosure)
    }
}

extension String {
    fileprivate var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
