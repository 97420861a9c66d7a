import Writing

/// Where a piece of content is in its life: written, ready, scheduled, published, archived.
public enum ContentStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Being written or edited.
    case draft
    /// Finished, waiting to be scheduled or published.
    case ready
    /// Queued for publication.
    case scheduled
    /// Out on a platform.
    case published
    /// Kept but retired.
    case archived

    /// The statuses a status may change to.
    ///
    /// Published content can only be archived (it is out; unpublishing is a platform action), and archived
    /// content comes back as a draft. Staying in the same status is always allowed (an idempotent PATCH).
    public var next: [ContentStatus] {
        switch self {
        case .draft: [.ready, .scheduled, .published, .archived]
        case .ready: [.draft, .scheduled, .published, .archived]
        case .scheduled: [.draft, .ready, .published, .archived]
        case .published: [.archived]
        case .archived: [.draft]
        }
    }

    /// Whether changing to `status` is allowed.
    public func canChange(to status: ContentStatus) -> Bool { status == self || next.contains(status) }

    /// Every status's API spelling, for error messages.
    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How a piece of content was generated: the model the orchestrator chose, what it cost and how it scored.
public struct GenerationRecord: Sendable, Hashable {
    /// The model that produced the final text (registry name, e.g. `builtin`).
    public var model: String
    /// The routing policy (`cost`, `quality`, `balanced`) or `explicit` when a model was named.
    public var policy: String
    /// The cost of all attempts in millionths of a US dollar (integer micro-units, never a float).
    public var costMicros: Int64
    /// Input (prompt) tokens over all attempts.
    public var inputTokens: Int64
    /// Output (completion) tokens over all attempts.
    public var outputTokens: Int64
    /// Wall time of the whole generation, in milliseconds.
    public var latencyMilliseconds: Int64
    /// The final result's quality score, 0...1.
    public var qualityScore: Double
    /// Every attempt (model, outcome, score...) as a JSON text, kept verbatim.
    public var attemptsJSON: String

    /// A generation record.
    public init(model: String, policy: String, costMicros: Int64, inputTokens: Int64, outputTokens: Int64,
                latencyMilliseconds: Int64, qualityScore: Double, attemptsJSON: String = "[]") {
        self.model = model
        self.policy = policy
        self.costMicros = costMicros
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.qualityScore = qualityScore
        self.attemptsJSON = attemptsJSON
    }
}

/// One content item as stored: a `:Content` node with its creator and derivation links.
public struct ContentItem: Sendable, Hashable {
    /// The id (UUIDv7 text).
    public var id: String
    /// The creator's user id (lowercased UUID text).
    public var creatorID: String
    /// What kind of content it is.
    public var kind: ContentKind
    /// The title (may be empty for kinds without one, such as hashtags).
    public var title: String
    /// The text.
    public var body: String
    /// A BCP 47 language tag (`en`, `pt-BR`).
    public var language: String
    /// Tags, in the order given, without duplicates.
    public var tags: [String]
    /// Where it is in its life.
    public var status: ContentStatus
    /// When it was created (RFC 3339 UTC with milliseconds).
    public var createdAt: String
    /// When it last changed (RFC 3339 UTC with milliseconds).
    public var updatedAt: String
    /// The id of the content this one is a variant of, if any (a `VARIANT_OF` relationship).
    public var variantOf: String?
    /// The id of the content this one was repurposed from, if any (a `REPURPOSED_FROM` relationship).
    public var repurposedFrom: String?
    /// How it was generated, when it was.
    public var generation: GenerationRecord?
}

/// A new content item, as the API or the generation orchestrator submits it.
public struct NewContent: Sendable, Hashable {
    /// A caller-chosen id (a UUID, stored lowercased), so that a retried job creates its item at most once:
    /// creating an id that exists fails with `ContentError.Code.conflict`. Nil: a new UUIDv7 is assigned.
    public var id: String?
    /// What kind of content it is.
    public var kind: ContentKind
    /// The title (at most 300 characters).
    public var title: String
    /// The text (at most 1 MiB of UTF-8).
    public var body: String
    /// A BCP 47 language tag; `en` when not given.
    public var language: String
    /// At most 30 tags of at most 64 characters.
    public var tags: [String]
    /// The starting status; `draft` when not given.
    public var status: ContentStatus
    /// The id of the content this is a variant of.
    public var variantOf: String?
    /// The id of the content this was repurposed from.
    public var repurposedFrom: String?
    /// The generation record, when the orchestrator produced it.
    public var generation: GenerationRecord?

    /// A new content item.
    public init(kind: ContentKind, title: String, body: String, language: String = "en", tags: [String] = [],
                status: ContentStatus = .draft, variantOf: String? = nil, repurposedFrom: String? = nil,
                generation: GenerationRecord? = nil) {
        self.kind = kind
        self.title = title
        self.body = body
        self.language = language
        self.tags = tags
        self.status = status
        self.variantOf = variantOf
        self.repurposedFrom = repurposedFrom
        self.generation = generation
    }
}

/// A partial update (PATCH): each non-nil member replaces the stored value.
public struct ContentPatch: Sendable, Hashable {
    /// A new title.
    public var title: String?
    /// A new body.
    public var body: String?
    /// A new language tag.
    public var language: String?
    /// New tags (replacing all).
    public var tags: [String]?
    /// A new status; the change must be allowed from the current one (`ContentStatus.next`).
    public var status: ContentStatus?

    /// A patch.
    public init(title: String? = nil, body: String? = nil, language: String? = nil, tags: [String]? = nil, status: ContentStatus? = nil) {
        self.title = title
        self.body = body
        self.language = language
        self.tags = tags
        self.status = status
    }

    /// True when it changes nothing.
    public var isEmpty: Bool { title == nil && body == nil && language == nil && tags == nil && status == nil }
}

/// Who is asking: creators reach only their own content; admins reach everyone's.
public struct ContentCaller: Sendable, Hashable {
    /// The caller's user id (UUID text; compared lowercased).
    public var userID: String
    /// Whether the caller is an admin.
    public var isAdmin: Bool

    /// A caller.
    public init(userID: String, isAdmin: Bool) {
        self.userID = userID.lowercased()
        self.isAdmin = isAdmin
    }

    /// Whether the caller may see content owned by `creatorID`.
    public func mayAccess(creatorID: String) -> Bool { isAdmin || creatorID == userID }
}

/// Filters and paging of a content listing. Every filter is optional; they combine with AND.
public struct ContentQuery: Sendable, Hashable {
    /// Only this status.
    public var status: ContentStatus?
    /// Only this kind.
    public var kind: ContentKind?
    /// Only content carrying this tag (compared case-insensitively).
    public var tag: String?
    /// Only content whose title or body contains this text (case-insensitively).
    public var text: String?
    /// Only content created at or after this instant (Unix milliseconds).
    public var createdFrom: Int64?
    /// Only content created before this instant (Unix milliseconds).
    public var createdBefore: Int64?
    /// Only this creator's content (admins; for a creator it must be their own id).
    public var creatorID: String?
    /// Page size, 1...100.
    public var limit: Int
    /// The `nextCursor` of the previous page.
    public var cursor: String?

    /// The largest page.
    public static let maxLimit = 100

    /// A query (newest first).
    public init(status: ContentStatus? = nil, kind: ContentKind? = nil, tag: String? = nil, text: String? = nil,
                createdFrom: Int64? = nil, createdBefore: Int64? = nil, creatorID: String? = nil, limit: Int = 20, cursor: String? = nil) {
        self.status = status
        self.kind = kind
        self.tag = tag
        self.text = text
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.creatorID = creatorID
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of a listing, newest first.
public struct ContentPage: Sendable, Hashable {
    /// The items.
    public var items: [ContentItem]
    /// The cursor of the next page, nil on the last one.
    public var nextCursor: String?
}
