#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Platforms
import Synchronization

/// What the builtin model is asked to write.
public struct BuiltinRequest: Sendable {
    /// The content kind to produce.
    public var kind: ContentKind
    /// The source text (an article, notes, an outline); markdown is understood.
    public var input: String
    /// The target platform (required for `social_post`; optional limits for captions, hashtags and repurposing).
    public var platform: PlatformProfile?
    /// The language code of the input when the caller knows it (`"en"`, `"ja"`); nil to guess from the text.
    public var language: String?
    /// Kind-specific options: `count` (hashtags, thread parts, key points), `sender` (email sign-off),
    /// `hashtags` (`"0"` leaves them out of posts and captions).
    public var options: [String: String]

    /// Creates a request.
    public init(kind: ContentKind, input: String, platform: PlatformProfile? = nil, language: String? = nil, options: [String: String] = [:]) {
        self.kind = kind
        self.input = input
        self.platform = platform
        self.language = language
        self.options = options
    }
}

/// Why the builtin model could not produce a result.
public struct BuiltinError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Code: String, Sendable, Equatable {
        /// The kind is one the builtin model cannot do (translation), or the platform has no use for it.
        case unsupported
        /// The input is empty or only whitespace.
        case emptyInput
        /// The input is over ``BuiltinModel/maxInputBytes``.
        case inputTooLarge
        /// The kind needs a platform (`social_post`) and none was given.
        case missingPlatform
    }

    /// The stable code.
    public let code: Code
    /// A readable explanation for the API caller.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The always-available offline model: extractive and template-based, deterministic (the same request always
/// gives the same text), no AI model needed.
///
/// It ranks the input's sentences and terms (see `TextAnalysis`) and builds each kind from the best ones:
/// titles and meta descriptions from key sentences cut at word boundaries, hashtags from weighted keywords,
/// posts and captions by condensing until the platform's own measure says they fit, emails, podcast outlines
/// and articles from templates filled with the key points. It declines translation.
///
/// ```swift
/// let model = BuiltinModel()
/// let title = try model.generate(BuiltinRequest(kind: .title, input: article))
/// let post = try model.generate(BuiltinRequest(kind: .socialPost, input: article, platform: catalog.profile("x")))
/// ```
public struct BuiltinModel: Sendable {
    /// The largest input accepted, in UTF-8 bytes.
    public static let maxInputBytes = 200_000
    /// The longest title produced, in graphemes.
    public static let maxTitleLength = 70
    /// The meta description's target range, in graphemes.
    public static let metaDescriptionRange = 120...160

    /// Every kind the builtin model can produce: all but translation.
    public static let capabilities: Set<ContentKind> = Set(ContentKind.allCases.filter { $0 != .translation })

    /// Creates the model (it has no state).
    public init() {}

    /// Produces `request.kind` from `request.input`.
    ///
    /// - Throws: ``BuiltinError`` with `.unsupported` for translation, `.emptyInput`, `.inputTooLarge` (over
    ///   ``maxInputBytes``) or `.missingPlatform` (a social post without a platform).
    public func generate(_ request: BuiltinRequest) throws(BuiltinError) -> String {
        try Self.check(request)
        let writer = Writer(analysis: Self.analysis(of: request.input), request: request)
        let text: String
        switch request.kind {
        case .title: text = writer.title()
        case .metaDescription: text = writer.metaDescription()
        case .hashtags:
            let tags = try writer.hashtagList()
            guard !tags.isEmpty else {
                throw BuiltinError(.emptyInput, "The input has no words to make hashtags from (only numbers, emoji or links).")
            }
            text = tags.joined(separator: " ")
        case .socialPost: text = writer.socialPost(platform: request.platform!)
        case .caption: text = writer.caption()
        case .email: text = writer.email()
        case .podcastScript: text = writer.podcastScript()
        case .article: text = writer.article()
        case .repurpose: text = writer.repurpose()
        case .translation: text = ""   // unreachable: refused by check
        }
        return Writer.finish(text)
    }

    /// The request's kind, size, emptiness and platform, checked before any work.
    static func check(_ request: BuiltinRequest) throws(BuiltinError) {
        guard Self.capabilities.contains(request.kind) else {
            throw BuiltinError(.unsupported, "The builtin model cannot translate; translation needs a model with the translation capability.")
        }
        let bytes = request.input.utf8.count
        guard bytes <= Self.maxInputBytes else {
            throw BuiltinError(.inputTooLarge, "The input is \(bytes) bytes; the builtin model accepts at most \(Self.maxInputBytes) bytes (200 KB) of UTF-8 text.")
        }
        guard request.input.unicodeScalars.contains(where: { !$0.properties.isWhitespace && !($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }) else {
            throw BuiltinError(.emptyInput, "The input is empty; give the text to work from.")
        }
        if request.kind == .socialPost, request.platform == nil {
            throw BuiltinError(.missingPlatform, "A social post needs a platform (for example \"x\" or \"bluesky\") to know its length limit.")
        }
    }

    /// The last few inputs' analyses: a title, hashtags, a meta description and posts for several platforms are
    /// usually asked for the same pasted article one after another, and the analysis is most of the work. Entries
    /// are compared by the whole text, so a hit is exact; four entries of at most ``maxInputBytes`` each keep
    /// memory bounded. Most recent first.
    private static let recentAnalyses = Mutex<[(input: String, analysis: TextAnalysis)]>([])
    private static let cacheSize = 4

    /// Whether two strings hold the same UTF-8 bytes (a memory comparison, not a scalar-by-scalar walk).
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    private static func analysis(of input: String) -> TextAnalysis {
        let hit = recentAnalyses.withLock { recent -> TextAnalysis? in
            // Byte equality, not String's canonical equivalence: a differently normalised text is another input.
            guard let index = recent.firstIndex(where: { sameBytes($0.input, input) }) else { return nil }
            let entry = recent.remove(at: index)
            recent.insert(entry, at: 0)
            return entry.analysis
        }
        if let hit { return hit }
        let analysis = TextAnalysis(input)
        recentAnalyses.withLock { recent in
            recent.insert((input, analysis), at: 0)
            if recent.count > cacheSize { recent.removeLast() }
        }
        return analysis
    }
}
