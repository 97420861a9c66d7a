/// What one platform allows in a post: text limit and how it is counted, hashtags, media, rate limit, threads,
/// good posting times and AI-disclosure policy.
///
/// Profiles come from `data/platforms.json` through ``PlatformCatalog``; the JSON keys are the snake_case forms
/// of the property names. A connector that learns a tighter or looser limit at connect time (a Mastodon instance's
/// `max_characters`) applies it with ``with(textLimit:)``.
///
/// ```swift
/// let x = catalog.profile("x")!
/// x.length(of: "日本語 https://example.com")   // 3×2 + 1 + 23 = 30
/// x.fits(String(repeating: "a", count: 281))  // false
/// ```
public struct PlatformProfile: Sendable, Codable, Hashable {
    /// Stable identifier: `"x"`, `"bluesky"`, `"mastodon"`, `"threads"`, `"linkedin"`, `"instagram"`, `"facebook"`,
    /// `"tiktok"`, `"youtube"`, `"pinterest"`, `"reddit"`.
    public let id: String
    /// Display name ("X", "Bluesky").
    public let name: String
    /// Maximum length of the post text (caption, description, commentary) in the unit given by ``counting``.
    public let textLimit: Int
    /// How ``textLimit`` is counted.
    public let counting: TextCounting
    /// A second limit in UTF-8 bytes that also applies (Bluesky: 3,000), or nil.
    public let byteLimit: Int?
    /// Maximum title length in graphemes where posts have a title (YouTube 100, Reddit 300, Pinterest 100), or nil.
    public let titleLimit: Int?
    /// Whether a link in the text is shown (and clickable); where false the formatter leaves the link out.
    public let linksInText: Bool
    /// The most links one post may contain (Threads: 5), or nil when the platform sets no limit.
    public let maxLinks: Int?
    /// Characters the platform refuses in text and title (YouTube: `<>`), or nil.
    public let forbiddenCharacters: String?
    /// How many hashtags, where they go and how long each may be.
    public let hashtags: HashtagRules
    /// How many images, how long a video, and whether a text-only post is possible.
    public let media: MediaRules
    /// How many posts the platform accepts per window.
    public let rateLimit: RateLimit
    /// Whether a post may continue as a thread of replies, and how long that thread may be.
    public let threads: ThreadRules
    /// Default good posting slots in the creator's local time, used until the creator's own metrics say otherwise.
    public let bestTimes: [WeeklySlot]
    /// The label added to generated content under the platform's AI-content policy, or nil when it has none.
    public let aiDisclosure: String?
    /// True where the platform's publishing API needs an app review: posts go out as an export bundle for manual upload.
    public let manualUpload: Bool
    /// Where the figures come from (documentation, source code or secondary sources), for whoever edits the file.
    public let source: String?

    /// Creates a profile; ``PlatformCatalog`` validates the values read from a file, this initializer does not.
    public init(
        id: String, name: String, textLimit: Int, counting: TextCounting, byteLimit: Int? = nil, titleLimit: Int? = nil,
        linksInText: Bool = true, maxLinks: Int? = nil, forbiddenCharacters: String? = nil, hashtags: HashtagRules, media: MediaRules, rateLimit: RateLimit, threads: ThreadRules,
        bestTimes: [WeeklySlot] = [], aiDisclosure: String? = nil, manualUpload: Bool = false, source: String? = nil
    ) {
        self.id = id
        self.name = name
        self.textLimit = textLimit
        self.counting = counting
        self.byteLimit = byteLimit
        self.titleLimit = titleLimit
        self.linksInText = linksInText
        self.maxLinks = maxLinks
        self.forbiddenCharacters = forbiddenCharacters
        self.hashtags = hashtags
        self.media = media
        self.rateLimit = rateLimit
        self.threads = threads
        self.bestTimes = bestTimes
        self.aiDisclosure = aiDisclosure
        self.manualUpload = manualUpload
        self.source = source
    }

    /// The length of `text` in this platform's unit (``counting``); LinkedIn's is measured after escaping.
    public func length(of text: String) -> Int {
        switch counting {
        case .xWeighted: TextMeasure.xWeightedLength(text)
        case .graphemes: TextMeasure.graphemes(text)
        case .graphemesURL23: TextMeasure.graphemesCountingURLs(text, urlLength: TextMeasure.urlWeight)
        case .utf8Bytes: TextMeasure.utf8Bytes(text)
        case .utf16: TextMeasure.utf16Units(text)
        case .linkedinEscaped: TextMeasure.utf16Units(TextMeasure.linkedinEscape(text))
        case .graphemesEmojiBytes: TextMeasure.graphemesWithEmojiBytes(text)
        }
    }

    /// The length of a title in graphemes (the unit of ``titleLimit``).
    public func titleLength(of title: String) -> Int { title.count }

    /// Whether `text` is within ``textLimit`` and, where there is one, ``byteLimit``.
    public func fits(_ text: String) -> Bool {
        guard length(of: text) <= textLimit else { return false }
        if let byteLimit, text.utf8.count > byteLimit { return false }
        return true
    }

    /// This profile with another text limit: a Mastodon instance's own `max_characters`, an X Premium account.
    ///
    /// A limit below 1 (a misreported instance value) is raised to 1 so that nothing divides by zero downstream.
    public func with(textLimit: Int) -> PlatformProfile {
        PlatformProfile(
            id: id, name: name, textLimit: max(1, textLimit), counting: counting, byteLimit: byteLimit, titleLimit: titleLimit,
            linksInText: linksInText, maxLinks: maxLinks, forbiddenCharacters: forbiddenCharacters, hashtags: hashtags, media: media, rateLimit: rateLimit, threads: threads,
            bestTimes: bestTimes, aiDisclosure: aiDisclosure, manualUpload: manualUpload, source: source)
    }

    /// The unit word used in messages ("characters", "bytes").
    var unitName: String { counting == .utf8Bytes ? "bytes" : "characters" }

    private enum CodingKeys: String, CodingKey {
        case id, name, counting, hashtags, media, threads, source
        case textLimit = "text_limit", byteLimit = "byte_limit", titleLimit = "title_limit", linksInText = "links_in_text"
        case maxLinks = "max_links", forbiddenCharacters = "forbidden_characters"
        case rateLimit = "rate_limit", bestTimes = "best_times", aiDisclosure = "ai_disclosure", manualUpload = "manual_upload"
    }
}

/// Where a platform's hashtags go.
public enum HashtagPlacement: String, Sendable, Codable, Hashable, CaseIterable {
    /// Appended at the end of the post text, after a blank line.
    case inlineEnd = "inline_end"
    /// Posted as the first comment (``FormattedPost/firstComment``), keeping the caption clean.
    case firstComment = "first_comment"
    /// The platform does not use hashtags; the formatter leaves them out and says so.
    case none
}

/// A platform's hashtag limits.
public struct HashtagRules: Sendable, Codable, Hashable {
    /// The most hashtags a post may carry (inline ones included); extra ones are dropped with a warning.
    public let maxCount: Int
    /// Where the formatter puts them.
    public let placement: HashtagPlacement
    /// The longest tag in graphemes, without `#` (Bluesky 64), or nil when the platform sets none.
    public let maxLength: Int?

    /// Creates hashtag rules.
    public init(maxCount: Int, placement: HashtagPlacement, maxLength: Int? = nil) {
        self.maxCount = maxCount
        self.placement = placement
        self.maxLength = maxLength
    }

    private enum CodingKeys: String, CodingKey {
        case placement
        case maxCount = "max_count", maxLength = "max_length"
    }
}

/// A platform's media limits.
public struct MediaRules: Sendable, Codable, Hashable {
    /// The most images in one post (0 where the platform takes no images).
    public let maxImages: Int
    /// The longest video in seconds, or nil where the limit is a file size rather than a duration.
    public let maxVideoSeconds: Int?
    /// Whether a post may have text and no media (false on Instagram, TikTok, YouTube, Pinterest).
    public let textOnlyAllowed: Bool

    /// Creates media rules.
    public init(maxImages: Int, maxVideoSeconds: Int?, textOnlyAllowed: Bool) {
        self.maxImages = maxImages
        self.maxVideoSeconds = maxVideoSeconds
        self.textOnlyAllowed = textOnlyAllowed
    }

    private enum CodingKeys: String, CodingKey {
        case maxImages = "max_images", maxVideoSeconds = "max_video_seconds", textOnlyAllowed = "text_only_allowed"
    }
}

/// A publishing rate limit: at most ``posts`` per ``windowSeconds``.
public struct RateLimit: Sendable, Codable, Hashable {
    /// Posts allowed per window.
    public let posts: Int
    /// Window length in seconds.
    public let windowSeconds: Int

    /// Creates a rate limit.
    public init(posts: Int, windowSeconds: Int) {
        self.posts = posts
        self.windowSeconds = windowSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case posts
        case windowSeconds = "window_seconds"
    }
}

/// Whether a platform can publish a thread (a chain of replies) and how many parts it may have.
public struct ThreadRules: Sendable, Codable, Hashable {
    /// True on X, Bluesky, Mastodon and Threads.
    public let allowed: Bool
    /// The most parts the formatter produces (1 where threads are not allowed).
    public let maxParts: Int

    /// Creates thread rules.
    public init(allowed: Bool, maxParts: Int) {
        self.allowed = allowed
        self.maxParts = maxParts
    }

    private enum CodingKeys: String, CodingKey {
        case allowed
        case maxParts = "max_parts"
    }
}

/// A slot in the week: day (1 = Monday … 7 = Sunday) and hour (0–23), in the creator's local time.
public struct WeeklySlot: Sendable, Codable, Hashable {
    /// ISO day of week, 1 = Monday … 7 = Sunday.
    public let day: Int
    /// Hour of the day, 0–23.
    public let hour: Int

    /// Creates a slot.
    public init(day: Int, hour: Int) {
        self.day = day
        self.hour = hour
    }
}
