import Platforms

/// One post (or thread) ready to go out: the formatter's parts, in order.
public struct OutgoingPost: Sendable, Hashable {
    /// The publication's id (stable across retries).
    public var publicationID: String
    /// The texts to post, in order; more than one makes a thread (each replies to the previous).
    public var parts: [String]
    /// A key the platform can use to recognise a repeat of this same post (Mastodon's `Idempotency-Key`).
    /// Derived from the publication id, so every retry of one publication sends the same key.
    public var idempotencyKey: String
    /// BCP 47 language of the text, when known.
    public var language: String?
    /// Files to attach (export bundle only, for now): absolute paths.
    public var media: [String]

    /// A post.
    public init(publicationID: String, parts: [String], idempotencyKey: String, language: String? = nil, media: [String] = []) {
        self.publicationID = publicationID
        self.parts = parts
        self.idempotencyKey = idempotencyKey
        self.language = language
        self.media = media
    }
}

/// What the platform says was created.
public struct PublishedPost: Sendable, Hashable, Codable {
    /// The platform's id of the first post (Bluesky: the at:// URI of the first record).
    public var id: String
    /// A link a person can open, when the platform gives one.
    public var url: String?
    /// Ids of every part of a thread, in order (one entry for a single post).
    public var partIDs: [String]
    /// True when the post is not published by the connector but waits for a person (export bundle).
    public var awaitingManual: Bool

    /// A published post.
    public init(id: String, url: String?, partIDs: [String], awaitingManual: Bool = false) {
        self.id = id
        self.url = url
        self.partIDs = partIDs
        self.awaitingManual = awaitingManual
    }
}

/// What the account looks like, read when it is connected (credentials verified then, not at publish time).
public struct AccountInfo: Sendable, Hashable, Codable {
    /// The handle or name shown to the user (`@ada@mastodon.social`, `ada.bsky.social`, the webhook host).
    public var handle: String
    /// The platform's own text limit for this account when it has one (a Mastodon instance's `max_characters`).
    public var textLimit: Int?

    /// Account information.
    public init(handle: String, textLimit: Int? = nil) {
        self.handle = handle
        self.textLimit = textLimit
    }
}

/// Why a call to a platform failed, classified so the outbox knows what to do next.
public struct ConnectorError: Error, Sendable, CustomStringConvertible {
    /// The classes of failure.
    public enum Kind: String, Sendable, Codable {
        /// 429: try later (`retryAfterSeconds` when the platform said).
        case rateLimited
        /// 5xx, connection refused or reset before the request was sent: safe to retry.
        case transient
        /// The request may have reached the platform (timeout or reset after sending): the outcome is unknown.
        case unknownOutcome
        /// The platform refused it (4xx other than 429): retrying will not help. `message` is the platform's.
        case rejected
        /// Credentials missing, invalid or revoked (401/403): the account needs reconnecting.
        case unauthorized
        /// The platform answered something that is not what its API documents (HTML, 200 without an id).
        case malformed
    }

    /// The class.
    public var kind: Kind
    /// A plain sentence for the user: what the platform said, never a credential.
    public var message: String
    /// The HTTP status, when there was one.
    public var status: Int?
    /// Seconds the platform asked to wait (`Retry-After`, `ratelimit-reset`).
    public var retryAfterSeconds: Int?
    /// Parts of a thread already created before the failure (so a retry continues instead of doubling them).
    public var createdPartIDs: [String]

    /// An error.
    public init(_ kind: Kind, _ message: String, status: Int? = nil, retryAfterSeconds: Int? = nil, createdPartIDs: [String] = []) {
        self.kind = kind
        self.message = message
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
        self.createdPartIDs = createdPartIDs
    }

    /// The message.
    public var description: String { message }
}

/// One platform (or bridge): a new platform is one type conforming to this.
///
/// Connectors are stateless apart from caches (a Bluesky session); the outbox owns retries and state.
public protocol PlatformConnector: Sendable {
    /// The platform profile id this connector posts to (`mastodon`, `bluesky`, `webhook`, `export`).
    var platform: String { get }
    /// Whether the platform recognises `OutgoingPost.idempotencyKey`, so a post with an unknown outcome
    /// may be retried under the same key. Without it, the outbox reconciles with ``find(_:credentials:)`` first.
    var supportsIdempotencyKey: Bool { get }
    /// Checks the credentials against the platform now and reads what the account allows.
    func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo
    /// Publishes the post (a thread when it has several parts). `resumeAfter` holds part ids already
    /// created by an earlier attempt: the thread continues after the last one instead of starting again.
    func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError) -> PublishedPost
    /// Looks for a post created by an earlier attempt whose outcome is unknown (reconciliation);
    /// nil when the platform has no such post.
    func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost?
}
