import Platforms
import Testing

@Suite("Post formatter")
struct PostFormatterTests {
    static let catalog: PlatformCatalog = {
        do { return try PlatformCatalog.load(path: repositoryCatalogPath()) } catch { fatalError("\(error)") }
    }()
    static func profile(_ id: String) -> PlatformProfile { catalog.profile(id)! }

    /// 400 characters of plain English.
    static let announcement =
        "We just shipped the new release of our open-source scheduler. It checks every post against every platform before it is queued, so nothing is rejected at publish time. Threads are split at sentence boundaries, hashtags are placed where every network expects them, and links count the way the platform counts them. Try it on your own server today, then tell us what you want to see next on the roadmap."

    /// Mixed text: accents, CJK, emoji sequences (ZWJ family, flag, skin tone) and long URLs.
    static let mixed = (1...4).map { n in
        "Café culture in Zürich ☕️ is something else, day \(n). 東京の朝はとても静かです。 Family trip 👨‍👩‍👧‍👦 to the coast 🇯🇵 next week 👍🏽! "
            + "Read the full story at https://example.com/blog/2026/12/a-very-long-article-title-about-travel-\(n)?utm_source=studio and tell us what you think. "
    }.joined()

    @Test("Acceptance: a 400-character post is over on X (thread offered) and within Mastodon, before scheduling")
    func acceptance() {
        #expect(Self.announcement.count == 400)
        let source = PostSource(text: Self.announcement)
        let x = PostFormatter.format(source, for: Self.profile("x"))
        #expect(!x.fits)
        #expect(x.threadAvailable)
        #expect(x.parts.count == 1)
        #expect(x.parts[0].length == 400 && x.parts[0].limit == 280)
        #expect(x.warnings == ["X counts 400 of 280 characters: 120 over. Split into a thread of 2 posts or shorten."])

        let mastodon = PostFormatter.format(source, for: Self.profile("mastodon"))
        #expect(mastodon.fits)
        #expect(!mastodon.threadAvailable)
        #expect(mastodon.warnings.isEmpty)
        #expect(mastodon.parts == [PostPart(text: Self.announcement, length: 400, limit: 500)])

        let linkedin = PostFormatter.format(source, for: Self.profile("linkedin"))
        #expect(linkedin.fits && !linkedin.threadAvailable)

        // A small instance's own limit, applied at connect time.
        let small = PostFormatter.format(source, for: Self.profile("mastodon").with(textLimit: 300))
        #expect(!small.fits && small.threadAvailable)
        #expect(small.warnings.first?.hasPrefix("Mastodon counts 400 of 300 characters: 100 over.") == true)
    }

    @Test("Over the limit on a platform without threads: shorten, no thread offered")
    func noThreads() {
        let long = String(repeating: "word ", count: 700)  // 3,499 characters trimmed
        let post = PostFormatter.format(PostSource(text: long), for: Self.profile("linkedin"), thread: true)
        #expect(!post.fits && !post.threadAvailable)
        #expect(post.warnings == ["LinkedIn has no threads.", "LinkedIn counts 3499 of 3000 characters: 499 over. Shorten the text."])
    }

    @Test("Bluesky: within 300 graphemes but over 3,000 bytes is flagged in bytes")
    func blueskyBytes() {
        let text = String(repeating: "👨‍👩‍👧‍👦", count: 130)  // 130 graphemes, 3,250 bytes
        let post = PostFormatter.format(PostSource(text: text), for: Self.profile("bluesky"))
        #expect(!post.fits)
        #expect(post.warnings.first?.hasPrefix("Bluesky counts 3250 of 3000 bytes: 250 over.") == true)
    }

    @Test("Threads keep every part within the limit with correct counters, on accented, CJK, emoji and URL text", arguments: ["x", "bluesky", "mastodon", "threads"])
    func threadSplitting(_ id: String) throws {
        let profile = Self.profile(id)
        #expect(!profile.fits(Self.mixed))
        let post = PostFormatter.format(PostSource(text: Self.mixed), for: profile, thread: true)
        #expect(post.fits)
        #expect(post.threadAvailable)
        let n = post.parts.count
        #expect(n >= 2)
        var bodies: [String] = []
        for (index, part) in post.parts.enumerated() {
            #expect(profile.fits(part.text), "part \(index + 1) over: \(part.length)")
            #expect(part.length == profile.length(of: part.text) && part.length <= part.limit)
            let counter = " \(index + 1)/\(n)"
            #expect(part.text.hasSuffix(counter), "part \(index + 1) lacks \(counter)")
            bodies.append(String(part.text.dropLast(counter.count)))
        }
        // Nothing lost, nothing cut: the words of the thread are the words of the text, links whole.
        #expect(bodies.joined(separator: " ").split(whereSeparator: \.isWhitespace) == Self.mixed.split(whereSeparator: \.isWhitespace))
        for link in TextMeasure.urls(in: Self.mixed) {
            let url = String(Self.mixed[link])
            #expect(post.parts.filter { $0.text.contains(url) }.count == 1, "\(url) was split")
        }
        // Sentence boundaries are preferred: no part but the last ends mid-sentence when sentences fit.
        if id == "mastodon" {
            for body in bodies.dropLast() { #expect([".", "!", "。"].contains(body.last!), "\(body)") }
        }
    }

    @Test("A single word longer than a post is cut between graphemes, never inside an emoji")
    func longWordThread() throws {
        let word = String(repeating: "あ👨‍👩‍👧", count: 150)
        let x = Self.profile("x")
        let post = PostFormatter.format(PostSource(text: word), for: x, thread: true)
        #expect(post.fits)
        let n = post.parts.count
        var rebuilt = ""
        for (index, part) in post.parts.enumerated() {
            #expect(x.fits(part.text))
            let counter = " \(index + 1)/\(n)"
            #expect(part.text.hasSuffix(counter))
            rebuilt += part.text.dropLast(counter.count)
        }
        #expect(Array(rebuilt) == Array(word))
    }

    @Test("A link too long for any one post is not split; the thread is refused with a reason")
    func unsplittableLink() {
        let url = "https://example.com/" + String(repeating: "p", count: 400)
        let post = PostFormatter.format(PostSource(text: "See \(url) now."), for: Self.profile("bluesky"), thread: true)
        #expect(!post.fits)
        #expect(post.parts.count == 1 && post.parts[0].text.contains(url))
        #expect(post.warnings.last?.contains("too long for one post") == true)
    }

    @Test("Thread beyond the platform's maximum parts is refused")
    func tooManyParts() {
        let text = String(repeating: "This is one sentence of a very long essay. ", count: 300)
        let post = PostFormatter.format(PostSource(text: text), for: Self.profile("x"), thread: true)
        #expect(!post.fits && post.parts.count == 1)
        #expect(post.warnings == ["X counts \(text.count - 1) of 280 characters: \(text.count - 281) over: a thread would need more than 25 posts, the most X allows. Shorten the text."])
    }

    @Test("Truncation fits, keeps whole graphemes and ends at a word boundary", arguments: 40...90)
    func truncation(_ limit: Int) throws {
        let text = "Big family news 👨‍👩‍👧‍👦 today and our 🇯🇵 trip photos 👍🏽 are up now so come and see them all 🎉 before Friday"
        for profile in [PlatformProfile.sample(counting: .graphemes, limit: limit), .sample(counting: .xWeighted, limit: limit), .sample(counting: .utf8Bytes, limit: limit * 2)] {
            let post = PostFormatter.format(PostSource(text: text), for: profile, truncate: true)
            #expect(post.fits)
            if profile.fits(text) {
                #expect(post.parts[0].text == text && post.warnings.isEmpty)
                continue
            }
            let out = try #require(post.parts.first).text
            #expect(out.hasSuffix("…"))
            let kept = Array(out.dropLast())
            let original = Array(text)
            #expect(original.starts(with: kept), "\(out) is not a grapheme prefix")
            #expect(original[kept.count].isWhitespace, "\(out) does not end at a word boundary")
            // Maximal: one more word would not fit.
            let rest = original[kept.count...].drop { $0.isWhitespace }
            let nextWord = rest.prefix { !$0.isWhitespace }
            #expect(!profile.fits(String(kept) + " " + String(nextWord) + "…"))
            #expect(post.warnings.contains { $0.hasPrefix("The text was shortened to fit") })
        }
    }

    @Test("Truncation never cuts a link; hashtags and link after the body are kept")
    func truncationLinks() throws {
        let bluesky = PlatformProfile.sample(counting: .graphemes, limit: 60)
        let url = "https://example.com/a/rather/long/path/to/an/article"
        let post = PostFormatter.format(PostSource(text: "Look at this \(url) and more words after it"), for: bluesky, truncate: true)
        #expect(post.fits)
        #expect(post.parts[0].text == "Look at this…")

        let x = Self.profile("x")
        let source = PostSource(text: Self.announcement, hashtags: ["scheduling", "opensource"], link: "https://example.org/release-notes")
        let cut = PostFormatter.format(source, for: x, truncate: true)
        #expect(cut.fits)
        let text = cut.parts[0].text
        #expect(text.hasSuffix("…\n\nhttps://example.org/release-notes\n\n#scheduling #opensource"))
        #expect(x.length(of: text) <= 280 && x.length(of: text) > 250)

        // A first word that is one long link cannot be cut: the post stays over and says so.
        let longLink = "https://example.com/" + String(repeating: "q", count: 100)
        let stuck = PostFormatter.format(PostSource(text: longLink + " tail"), for: bluesky, truncate: true)
        #expect(!stuck.fits)
        #expect(stuck.parts[0].text == longLink + " tail")
    }

    @Test("Hashtags are normalized, de-duplicated, limited and placed per platform")
    func hashtags() {
        let source = PostSource(text: "Release day for #Swift fans.", hashtags: ["swift", " open source ", "#", "##iOS", "ios", "server", "linux", "cloud", "web"])
        let x = PostFormatter.format(source, for: Self.profile("x"))
        #expect(x.parts[0].text == "Release day for #Swift fans.\n\n#opensource #iOS #server #linux")
        #expect(x.warnings == ["X allows 5 hashtags per post: #cloud, #web left out."])

        let threads = PostFormatter.format(PostSource(text: "Hello", hashtags: ["a", "b"]), for: Self.profile("threads"))
        #expect(threads.parts[0].text == "Hello\n\n#a")
        #expect(threads.warnings == ["Threads allows 1 hashtag per post: #b left out."])

        let pinterest = PostFormatter.format(PostSource(text: "Pin", hashtags: ["a"], images: 1), for: Self.profile("pinterest"))
        #expect(pinterest.parts[0].text == "Pin")
        #expect(pinterest.warnings == ["Pinterest does not use hashtags: #a left out."])

        let bluesky = PostFormatter.format(PostSource(text: "Hi", hashtags: [String(repeating: "t", count: 65), "ok"]), for: Self.profile("bluesky"))
        #expect(bluesky.parts[0].text == "Hi\n\n#ok")
        #expect(bluesky.warnings.first?.hasPrefix("Bluesky hashtags are at most 64 characters") == true)

        let firstComment = PlatformProfile.sample(counting: .utf16, limit: 2200, hashtags: HashtagRules(maxCount: 30, placement: .firstComment))
        let ig = PostFormatter.format(PostSource(text: "Caption", hashtags: ["travel", "food"]), for: firstComment)
        #expect(ig.parts[0].text == "Caption")
        #expect(ig.firstComment == "#travel #food")
    }

    @Test("Links are appended where the platform shows them, left out with a reason where it does not")
    func links() {
        let source = PostSource(text: "New video is out.", link: "https://example.com/v", images: 1)
        #expect(PostFormatter.format(source, for: Self.profile("x")).parts[0].text == "New video is out.\n\nhttps://example.com/v")
        let instagram = PostFormatter.format(source, for: Self.profile("instagram"))
        #expect(instagram.parts[0].text == "New video is out.")
        #expect(instagram.warnings.first?.hasPrefix("Instagram does not show links in the post text") == true)
        let already = PostSource(text: "See https://example.com/v today", link: "https://example.com/v")
        #expect(PostFormatter.format(already, for: Self.profile("mastodon")).parts[0].text == "See https://example.com/v today")
    }

    @Test("The AI-disclosure label appears only for generated content on platforms that have one")
    func disclosure() {
        let generated = PostSource(text: "A caption.", generated: true, images: 1)
        let human = PostSource(text: "A caption.", generated: false, images: 1)
        for profile in Self.catalog.profiles {
            let withLabel = PostFormatter.format(generated, for: profile).parts[0].text
            if let label = profile.aiDisclosure {
                #expect(withLabel == "A caption.\n\n\(label)", "\(profile.id)")
            } else {
                #expect(withLabel == "A caption.", "\(profile.id)")
            }
            #expect(PostFormatter.format(human, for: profile).parts[0].text == "A caption.", "\(profile.id)")
            #expect(PostFormatter.format(generated, for: profile, disclose: false).parts[0].text == "A caption.", "\(profile.id)")
        }
        #expect(Self.catalog.profiles.contains { $0.aiDisclosure != nil })
        #expect(Self.catalog.profiles.contains { $0.aiDisclosure == nil })
    }

    @Test("Huge input is handled quickly: one 50,000-character word, a 63,206-character Facebook post")
    func hugeInput() {
        let word = String(repeating: "漢", count: 50_000)
        let x = PostFormatter.format(PostSource(text: word), for: Self.profile("x"), thread: true)
        #expect(!x.fits && x.warnings.first?.contains("more than 25 posts") == true)
        let cut = PostFormatter.format(PostSource(text: word), for: Self.profile("x"), truncate: true)
        #expect(cut.fits && cut.parts[0].text.hasSuffix("…") && cut.parts[0].length <= 280)
        let essay = String(repeating: "Lorem ipsum dolor sit amet. ", count: 2_500)
        let facebook = PostFormatter.format(PostSource(text: essay), for: Self.profile("facebook"), truncate: true)
        #expect(facebook.fits && facebook.parts[0].length <= 63_206 && facebook.parts[0].length > 63_000)
    }

    @Test("Refused characters and too many links are flagged; a thread that cannot be made falls back to shortening")
    func platformRules() {
        let youtube = PostFormatter.format(PostSource(text: "Compare a < b", title: "Best <tips>", videoSeconds: 60), for: Self.profile("youtube"))
        #expect(!youtube.fits)
        #expect(youtube.warnings == ["YouTube does not accept < or > in the text or title: remove them."])

        let links = (1...6).map { "https://example.com/\($0)" }.joined(separator: " ")
        let threads = PostFormatter.format(PostSource(text: "Links: \(links)"), for: Self.profile("threads"))
        #expect(!threads.fits)
        #expect(threads.warnings == ["Threads allows at most 5 links per post: this one has 6."])

        let essay = String(repeating: "This is one sentence of a very long essay. ", count: 300)
        let both = PostFormatter.format(PostSource(text: essay), for: Self.profile("x"), thread: true, truncate: true)
        #expect(both.fits && both.parts.count == 1 && both.parts[0].text.hasSuffix("…") && both.parts[0].length > 260)
        #expect(both.warnings.count == 2 && both.warnings[1] == "The text was shortened to fit X's 280 characters.")

        // A misreported instance limit of 0 neither crashes nor passes.
        let broken = PostFormatter.format(PostSource(text: "Hello there"), for: Self.profile("mastodon").with(textLimit: 0), thread: true)
        #expect(!broken.fits)

        let empty = PostFormatter.format(PostSource(text: "  "), for: Self.profile("x"))
        #expect(empty.warnings == ["The post is empty."])
    }

    @Test("Hostile text (lone combining marks, joiners before links, bidi controls, NUL) never crashes, and what fits fits", arguments: [
        "\u{301}\u{301}\u{301} start with marks " + String(repeating: "e\u{301}\u{302}\u{303} ", count: 200),
        String(repeating: "\u{200D}https://example.com/zwj ", count: 60),
        String(repeating: "\u{202E}reversed\u{202C} text \u{0} nul ", count: 60),
        String(repeating: "🏳️‍🌈👩🏽‍❤️‍💋‍👨🏿", count: 400),
        String(repeating: "@user@example.social #tag https://a.co/", count: 50),
        String(repeating: "\r\n\n\t ", count: 300) + "end",
    ])
    func hostileText(_ text: String) {
        for profile in Self.catalog.profiles {
            for (thread, truncate) in [(false, false), (true, false), (false, true)] {
                let post = PostFormatter.format(PostSource(text: text, hashtags: ["a b", "#"], link: "https://example.com/l"), for: profile, thread: thread, truncate: truncate)
                #expect(!post.parts.isEmpty)
                for part in post.parts {
                    #expect(part.length == profile.length(of: part.text))
                    if post.fits { #expect(profile.fits(part.text), "\(profile.id) thread=\(thread) truncate=\(truncate)") }
                }
                if !post.fits { #expect(!post.warnings.isEmpty, "\(profile.id): over without a warning") }
            }
        }
    }

    @Test("Titles and media are checked against the platform's rules at compose time")
    func titlesAndMedia() {
        let youtube = PostFormatter.format(PostSource(text: "Description", title: String(repeating: "t", count: 120), videoSeconds: 60), for: Self.profile("youtube"))
        #expect(!youtube.fits)
        #expect(youtube.warnings == ["YouTube titles are at most 100 characters: this one has 120, 20 over."])

        let mastodon = PostFormatter.format(PostSource(text: "Photos", images: 6), for: Self.profile("mastodon"))
        #expect(!mastodon.mediaFits)
        #expect(mastodon.warnings == ["Mastodon takes at most 4 images: this post has 6."])

        let instagram = PostFormatter.format(PostSource(text: "Just text"), for: Self.profile("instagram"))
        #expect(!instagram.mediaFits && instagram.fits)
        #expect(instagram.warnings == ["Instagram needs an image or a video: a text-only post cannot be published there."])
    }
}
