/// What a piece of content is: the unit the generation orchestrator, the builtin model, the quality
/// scorer and the content store all agree on. The raw values are the API's spelling.
public enum ContentKind: String, CaseIterable, Sendable, Hashable, Codable {
    /// A headline for an article or video (about 30–70 characters).
    case title
    /// A caption for an image or video post.
    case caption
    /// A set of hashtags for a platform.
    case hashtags
    /// A search-engine meta description (about 120–160 characters).
    case metaDescription = "meta_description"
    /// A post for one social platform (needs `platform`).
    case socialPost = "social_post"
    /// A long-form article.
    case article
    /// A newsletter or marketing email (subject and body).
    case email
    /// A podcast episode script or outline.
    case podcastScript = "podcast_script"
    /// The input rewritten for another format (e.g. an article condensed into a thread).
    case repurpose
    /// The input translated into `options.language`.
    case translation

    /// Every kind's API spelling, for error messages.
    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
