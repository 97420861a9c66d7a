/// How a platform counts the length of a post's text.
///
/// Each platform measures differently, and a post that looks short in one unit can be over the limit in another:
/// X weighs CJK and emoji double, Bluesky limits graphemes *and* UTF-8 bytes, YouTube counts description bytes.
/// The raw values are the spellings used in `data/platforms.json`.
public enum TextCounting: String, Sendable, Codable, CaseIterable {
    /// twitter-text v3: NFC first, most Latin code points weigh 1, others (CJK, emoji sequences) 2, each URL 23.
    case xWeighted = "x_weighted"
    /// Extended grapheme clusters, what a reader sees as one character (an emoji family is one).
    case graphemes
    /// Graphemes with every `http(s)` URL counted as 23 and `@user@domain` as `@user` (Mastodon).
    case graphemesURL23 = "graphemes_url23"
    /// UTF-8 bytes (YouTube descriptions).
    case utf8Bytes = "utf8_bytes"
    /// UTF-16 code units, what JavaScript's and Java's `length` return (TikTok, Meta, Reddit).
    case utf16
    /// UTF-16 code units of the text after LinkedIn's little-text escaping of its reserved characters.
    case linkedinEscaped = "linkedin_escaped"
    /// Graphemes, except that an emoji counts as many as its UTF-8 bytes (Threads).
    case graphemesEmojiBytes = "graphemes_emoji_bytes"
}
