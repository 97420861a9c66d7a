import Foundation

/// Where a publication is in its life.
public enum PublicationState: String, Sendable, Codable, CaseIterable {
    /// Waiting for its time (or for its next retry).
    case pending
    /// Claimed by a worker; the platform call may be in flight.
    case publishing
    /// A publish call's outcome is unknown and the platform takes no idempotency key: the scheduler looks the post up
    /// before any retry.
    case unconfirmed
    /// On the platform (post id and URL recorded).
    case published
    /// Given up (the reason says why, in the platform's words where it gave some).
    case failed
    /// Cancelled by the creator before it went out.
    case cancelled
    /// Exported for a person to upload by hand (platforms whose API needs an app review).
    case awaitingManual = "awaiting_manual"
}

/// One post of one content item to one account.
public struct Publication: Sendable, Hashable, Codable {
    /// The publication id.
    public var id: Int64
    /// The content item it publishes.
    public var contentID: String
    /// The creator (user id) who owns it.
    public var creator: String
    /// The connected account it goes to.
    public var accountID: String
    /// The account's platform.
    public var platform: String
    /// The formatted texts (one, or a thread).
    public var parts: [String]
    /// The state.
    public var state: PublicationState
    /// When it is due (UTC).
    public var dueAt: Date
    /// When the scheduler will next act on it (a retry or a reconciliation), while pending or unconfirmed.
    public var nextAttemptAt: Date?
    /// Publish calls made so far (across manual retries; reconciliation look-ups are in the history only).
    public var attempts: Int
    /// The key sent with every attempt (stable for the publication's life).
    public var idempotencyKey: String
    /// The platform's post id once published.
    public var postID: String?
    /// A link to the post once published.
    public var postURL: String?
    /// Ids of the thread parts created so far (a retry continues after them).
    public var partIDs: [String]
    /// Why it failed (or why it is retrying / unconfirmed).
    public var reason: String?
    /// The creator's IANA time zone when it was scheduled.
    public var timeZone: String
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, platform, parts, state, attempts, reason
        case contentID = "content_id", creator, accountID = "account_id", dueAt = "due_at", nextAttemptAt = "next_attempt_at"
        case idempotencyKey = "idempotency_key", postID = "post_id", postURL = "post_url", partIDs = "part_ids"
        case timeZone = "time_zone", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// One attempt at a publication: a publish call, or a reconciliation look-up.
public struct PublicationAttempt: Sendable, Hashable, Codable {
    /// 1-based attempt number within the publication.
    public var number: Int
    /// `publish` or `reconcile`.
    public var kind: String
    /// When it started.
    public var startedAt: Date
    /// When it finished; nil while in flight (or when the process died during it).
    public var finishedAt: Date?
    /// `published`, `awaiting_manual`, `rate_limited`, `transient`, `unknown_outcome`, `rejected`, `unauthorized`,
    /// `malformed`, `interrupted` (the process stopped during the call), `found`, `not_found`, `error`.
    public var outcome: String?
    /// The platform's message, when it failed.
    public var error: String?
    /// The HTTP status, when there was one.
    public var httpStatus: Int?
    /// Seconds the platform asked to wait.
    public var retryAfterSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case number, kind, outcome, error
        case startedAt = "started_at", finishedAt = "finished_at", httpStatus = "http_status", retryAfterSeconds = "retry_after_seconds"
    }
}

/// What the outbox and scheduler report (`publication.scheduled`, `.published`, `.failed`, `.retrying`,
/// `.cancelled`, `.unconfirmed`); the app puts them on the event bus.
public struct PublishingEvent: Sendable {
    /// `publication.scheduled`, `publication.published`, `publication.failed`, `publication.retrying`,
    /// `publication.cancelled`, `publication.unconfirmed` or `publication.awaiting_manual`.
    public var type: String
    /// The publication after the change.
    public var publication: Publication
}

/// Receives events after their change is committed. Called synchronously on the worker: keep it quick.
public typealias PublishingEventSink = @Sendable (PublishingEvent) -> Void
