import CivilDate
import Graph
import Writing

/// Content items and their metrics in the graph, scoped to their creators.
///
/// Layout: `(:Creator {user_id})-[:CREATED {timestamp}]->(:Content {id, kind, title, ...})`, derived content
/// linked by `(:Content)-[:VARIANT_OF]->(:Content)` and `[:REPURPOSED_FROM]`, and each metric snapshot a
/// `(:Content)-[:PERFORMS {engagement}]->(:Metric)`, plus one `:MetricSummary {content_id}` per measured item
/// holding the latest snapshot per platform. Unique indexes on `:Content(id)`, `:Metric(key)`,
/// `:MetricSummary(content_id)` and `:Creator(user_id)` make lookups index seeks and keep ids and snapshots unique.
///
/// Every change is one graph write transaction, answered once durable; a refused change writes nothing.
/// Creators reach only their own content (someone else's is reported as not found, never as forbidden,
/// so ids do not leak); admins reach all.
///
/// ```swift
/// let store = try ContentStore(graph: graph)
/// let me = ContentCaller(userID: principal.userID, isAdmin: false)
/// let item = try store.create(NewContent(kind: .title, title: "Ten tips", body: "..."), by: me)
/// let page = try store.list(ContentQuery(status: .draft, limit: 20), by: me)
/// ```
public final class ContentStore: Sendable {
    /// The graph the content lives in.
    public let graph: GraphStore
    let revenue: @Sendable (String) -> (minor: Int64, currency: String)?
    let clock: @Sendable () -> Int64

    /// Opens the content store over `graph`, declaring its unique indexes.
    /// - Parameters:
    ///   - revenue: a creator's total revenue by user id, in integer minor units with its ISO 4217 code
    ///     (nil: none yet, reported as 0 USD). Called once per `creatorMetrics` request; keep it cheap.
    ///   - clock: Unix milliseconds (tests pass a fixed clock).
    public init(graph: GraphStore,
                revenue: @escaping @Sendable (String) -> (minor: Int64, currency: String)? = { _ in nil },
                clock: @escaping @Sendable () -> Int64 = { WallClock.epochMilliseconds() }) throws {
        self.graph = graph
        self.revenue = revenue
        self.clock = clock
        try graph.writeSync { txn in
            _ = try txn.createIndex(label: Names.content, property: "id", unique: true)
            _ = try txn.createIndex(label: Names.metric, property: "key", unique: true)
            _ = try txn.createIndex(label: CreatorNodes.label, property: CreatorNodes.userIDProperty, unique: true)
            _ = try txn.createIndex(label: LatestSnapshots.label, property: "content_id", unique: true)
        }
    }

    // MARK: create

    /// Stores a new content item owned by the caller (or, for an admin, by `creatorID`), with its
    /// `CREATED` relationship, its derivation links and its generation record.
    /// - Throws: `ContentError` (`invalid`/`tooLarge` naming the field, `unknownReference` for a
    ///   `variantOf`/`repurposedFrom` id that is not the caller's content).
    public func create(_ new: NewContent, by caller: ContentCaller, for creatorID: String? = nil) throws -> ContentItem {
        let body = try prepareCreate(new, by: caller, for: creatorID)
        return try translate { try graph.writeSync(body) }
    }

    /// `create` for async callers (the generation orchestrator): the write is queued without blocking a thread.
    public func create(_ new: NewContent, by caller: ContentCaller, for creatorID: String? = nil) async throws -> ContentItem {
        let body = try prepareCreate(new, by: caller, for: creatorID)
        do {
            return try await graph.write(body)
        } catch {
            throw ContentStore.translated(error)
        }
    }

    private func prepareCreate(_ new: NewContent, by caller: ContentCaller, for creatorID: String?) throws -> @Sendable (WriteTransaction) throws -> ContentItem {
        var new = new
        try ContentLimits.checkTitle(new.title)
        try ContentLimits.checkBody(new.body)
        try ContentLimits.checkLanguage(new.language)
        new.tags = try ContentLimits.checkTags(new.tags)
        if let g = new.generation { try ContentLimits.checkGeneration(g) }
        if new.title.trimmingSpaces().isEmpty && new.body.trimmingSpaces().isEmpty {
            throw ContentError.invalid("body", "title and body are both empty; give the content some text")
        }
        for (field, ref) in [("variant_of", new.variantOf), ("repurposed_from", new.repurposedFrom)] {
            if let ref, !UUIDv7.isCanonical(ref) {
                throw ContentError.invalid(field, "\"\(ref.prefix(40))\" is not a content id (a UUID such as 0193...-7...)")
            }
        }
        var owner = caller.userID
        if let creatorID {
            let wanted = creatorID.lowercased()
            guard UUIDv7.isCanonical(wanted) else { throw ContentError.invalid("creator_id", "must be a user id (UUID)") }
            guard caller.isAdmin || wanted == caller.userID else {
                throw ContentError.invalid("creator_id", "only admins may create content for another creator; leave it out")
            }
            owner = wanted
        }
        if let chosen = new.id, !UUIDv7.isCanonical(chosen) {
            throw ContentError.invalid("id", "\"\(chosen.prefix(40))\" is not a content id (a UUID); leave it out to have one assigned")
        }
        let now = clock()
        let id = new.id?.lowercased() ?? UUIDv7.make(milliseconds: UInt64(max(0, now)))
        let stamp = Timestamp.format(milliseconds: now)
        let input = new
        let ownerID = owner
        return { txn in
            if input.id != nil, try Self.contentNode(txn, id) != nil {
                throw ContentError(.conflict, field: "id", "content \(id) already exists")
            }
            let creator = try CreatorNodes.findOrCreate(in: txn, userID: ownerID)
            var links: [(String, NodeID)] = []
            for (field, type, ref) in [("variant_of", Names.variantOf, input.variantOf), ("repurposed_from", Names.repurposedFrom, input.repurposedFrom)] {
                guard let ref else { continue }
                // Derived content stays within one creator's studio, also when an admin creates it.
                guard let source = try Self.contentNode(txn, ref.lowercased()), try Self.string(txn, source, "creator_id") == ownerID else {
                    throw ContentError(.unknownReference, field: field, "no content \(ref) of this creator exists; give the id of an existing item of theirs")
                }
                links.append((type, source))
            }
            var props: [String: PropertyValue] = [
                "id": .string(id), "creator_id": .string(ownerID), "kind": .string(input.kind.rawValue),
                "title": .string(input.title), "body": .string(input.body), "language": .string(input.language),
                "tags": .list(input.tags.map(PropertyValue.string)), "status": .string(input.status.rawValue),
                "created_at": .string(stamp), "updated_at": .string(stamp),
            ]
            if let g = input.generation {
                props["gen_model"] = .string(g.model)
                props["gen_policy"] = .string(g.policy)
                props["gen_cost_micros"] = .int(g.costMicros)
                props["gen_input_tokens"] = .int(g.inputTokens)
                props["gen_output_tokens"] = .int(g.outputTokens)
                props["gen_latency_ms"] = .int(g.latencyMilliseconds)
                props["gen_quality"] = .float(g.qualityScore)
                props["gen_attempts"] = .string(g.attemptsJSON)
            }
            let node = try txn.createNode(labels: [Names.content], properties: props)
            try txn.createRelationship(type: Names.created, from: creator, to: node, properties: ["timestamp": .string(stamp)])
            for (type, source) in links { try txn.createRelationship(type: type, from: node, to: source) }
            var counters = try CreatorCounters.load(txn, creator)
            counters.contentCount += 1
            try counters.save(txn, creator)
            return try Self.item(txn, node)
        }
    }

    // MARK: read

    /// The content item with that id, if the caller may see it.
    /// - Throws: `notFound` when there is none or it is another creator's; `invalid` for a malformed id.
    public func get(_ id: String, by caller: ContentCaller) throws -> ContentItem {
        let key = try Self.checkID(id)
        return try translate {
            try graph.read { txn in
                guard let node = try Self.contentNode(txn, key) else { throw Self.notFound(id) }
                let item = try Self.item(txn, node)
                guard caller.mayAccess(creatorID: item.creatorID) else { throw Self.notFound(id) }
                return item
            }
        }
    }

    /// A page of the caller's content (all content for an admin), newest first, filtered by `query`.
    ///
    /// The cursor holds the position (the last item's node id, which grows with creation time), so pages
    /// stay stable while content is added: new items appear only before the first page.
    public func list(_ query: ContentQuery, by caller: ContentCaller) throws -> ContentPage {
        guard (1...ContentQuery.maxLimit).contains(query.limit) else {
            throw ContentError.invalid("limit", "must be from 1 to \(ContentQuery.maxLimit), not \(query.limit)")
        }
        let before = try query.cursor.map(ContentCursor.decode)
        var scope: String? = caller.isAdmin ? nil : caller.userID
        if let wanted = query.creatorID?.lowercased() {
            if !caller.isAdmin && wanted != caller.userID {
                throw ContentError.invalid("creator_id", "creators can only list their own content; leave creator_id out")
            }
            scope = wanted
        }
        let needle = query.text.map { $0.lowercased() }
        let tag = query.tag.map { $0.lowercased() }
        let fromText = query.createdFrom.map { Timestamp.format(milliseconds: $0) }
        let beforeText = query.createdBefore.map { Timestamp.format(milliseconds: $0) }
        return try translate {
            try graph.read { txn in
                var ids: [NodeID] = []
                if let scope {
                    guard let creator = try CreatorNodes.find(in: txn, userID: scope) else { return ContentPage(items: [], nextCursor: nil) }
                    try txn.forEachAdjacent(of: creator, direction: .outgoing, type: Names.created) { _, other in
                        ids.append(other)
                        return true
                    }
                } else {
                    ids = try txn.nodes(withLabel: Names.content)
                }
                ids.sort(by: >)
                let keys = try PropertyKeys(txn)
                var items: [ContentItem] = []
                var last: NodeID?
                for id in ids {
                    if let before, id >= before { continue }
                    if items.count == query.limit { break }
                    guard try Self.matches(txn, id, keys, status: query.status, kind: query.kind, tag: tag, text: needle,
                                           from: fromText, before: beforeText) else { continue }
                    items.append(try Self.item(txn, id))
                    last = id
                }
                var next: String?
                if items.count == query.limit, let last, let lastIndex = ids.firstIndex(of: last), lastIndex + 1 < ids.count {
                    // Only offer a cursor when something after it could still match.
                    next = ContentCursor.encode(last)
                }
                return ContentPage(items: items, nextCursor: next)
            }
        }
    }

    // MARK: update

    /// Applies a partial update; a status change must be allowed from the current status.
    /// - Throws: `notFound`, `invalid`/`tooLarge` naming the field, `conflict` for a refused status change.
    public func update(_ id: String, _ patch: ContentPatch, by caller: ContentCaller) throws -> ContentItem {
        let key = try Self.checkID(id)
        var patch = patch
        if let t = patch.title { try ContentLimits.checkTitle(t) }
        if let b = patch.body { try ContentLimits.checkBody(b) }
        if let l = patch.language { try ContentLimits.checkLanguage(l) }
        if let tags = patch.tags { patch.tags = try ContentLimits.checkTags(tags) }
        let change = patch
        let stamp = Timestamp.format(milliseconds: clock())
        return try translate {
            try graph.writeSync { txn in
                guard let node = try Self.contentNode(txn, key),
                      caller.mayAccess(creatorID: try Self.string(txn, node, "creator_id")) else { throw Self.notFound(id) }
                if change.isEmpty { return try Self.item(txn, node) }
                var props: [String: PropertyValue] = ["updated_at": .string(stamp)]
                if let status = change.status {
                    let current = ContentStatus(rawValue: try Self.string(txn, node, "status")) ?? .draft
                    guard current.canChange(to: status) else {
                        throw ContentError(.conflict, field: "status",
                                           "cannot change from \(current.rawValue) to \(status.rawValue); from \(current.rawValue) it can become \(current.next.map(\.rawValue).joined(separator: " or "))")
                    }
                    props["status"] = .string(status.rawValue)
                }
                if let t = change.title { props["title"] = .string(t) }
                if let b = change.body { props["body"] = .string(b) }
                if let l = change.language { props["language"] = .string(l) }
                if let tags = change.tags { props["tags"] = .list(tags.map(PropertyValue.string)) }
                let title = try change.title ?? Self.string(txn, node, "title")
                let body = try change.body ?? Self.string(txn, node, "body")
                if title.trimmingSpaces().isEmpty && body.trimmingSpaces().isEmpty {
                    throw ContentError.invalid(change.body != nil ? "body" : "title", "title and body would both be empty; keep some text")
                }
                try txn.setProperties(props, ofNode: node)
                return try Self.item(txn, node)
            }
        }
    }

    // MARK: delete

    /// Deletes a content item with its relationships and its metric snapshots, and takes it out of its
    /// creator's counters, in one transaction. Returns the deleted item.
    /// - Throws: `notFound` when there is none or it is another creator's.
    @discardableResult
    public func delete(_ id: String, by caller: ContentCaller) throws -> ContentItem {
        let key = try Self.checkID(id)
        return try translate {
            try graph.writeSync { txn in
                guard let node = try Self.contentNode(txn, key) else { throw Self.notFound(id) }
                let item = try Self.item(txn, node)
                guard caller.mayAccess(creatorID: item.creatorID) else { throw Self.notFound(id) }
                var metrics: [NodeID] = []
                try txn.forEachAdjacent(of: node, direction: .outgoing, type: Names.performs) { _, other in
                    metrics.append(other)
                    return true
                }
                for m in metrics { try txn.deleteNode(m, detach: true) }
                if let creator = try CreatorNodes.find(in: txn, userID: item.creatorID) {
                    var counters = try CreatorCounters.load(txn, creator)
                    counters.contentCount -= 1
                    let summary = try LatestSnapshots.load(txn, contentID: item.id)
                    for latest in summary.byPlatform.values {
                        counters.measuredPairs -= 1
                        counters.engagementSumPPB -= Int128(latest.engagementPPB)
                    }
                    try counters.save(txn, creator)
                    if let node = summary.node { try txn.deleteNode(node, detach: true) }
                }
                try txn.deleteNode(node, detach: true)
                return item
            }
        }
    }

    // MARK: helpers shared with the metrics code

    /// Graph names used by the store.
    enum Names {
        static let content = "Content"
        static let metric = "Metric"
        static let created = "CREATED"
        static let variantOf = "VARIANT_OF"
        static let repurposedFrom = "REPURPOSED_FROM"
        static let performs = "PERFORMS"
    }

    static func checkID(_ id: String) throws(ContentError) -> String {
        guard UUIDv7.isCanonical(id) else {
            throw ContentError.invalid("id", "\"\(id.prefix(40))\" is not a content id; content ids are UUIDs such as 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        }
        return id.lowercased()
    }

    static func notFound(_ id: String) -> ContentError {
        ContentError(.notFound, field: "id", "no content \(id.prefix(40)) exists in your studio")
    }

    static func contentNode(_ txn: ReadTransaction, _ id: String) throws -> NodeID? {
        try txn.findNodes(label: Names.content, property: "id", equals: .string(id), limit: 1).first
    }

    static func string(_ txn: ReadTransaction, _ node: NodeID, _ name: String) throws -> String {
        if case .string(let s)? = try txn.property(name, ofNode: node) { return s }
        return ""
    }

    /// The content item stored at a node, with its derivation links.
    static func item(_ txn: ReadTransaction, _ id: NodeID) throws -> ContentItem {
        guard let node = try txn.node(id) else { throw ContentError(.storage, "content node \(id) vanished") }
        let p = node.properties
        func s(_ k: String) -> String { if case .string(let v)? = p[k] { return v } else { return "" } }
        func i(_ k: String) -> Int64 { if case .int(let v)? = p[k] { return v } else { return 0 } }
        var generation: GenerationRecord?
        if case .string(let model)? = p["gen_model"] {
            var quality = 0.0
            if case .float(let q)? = p["gen_quality"] { quality = q }
            generation = GenerationRecord(model: model, policy: s("gen_policy"), costMicros: i("gen_cost_micros"),
                                          inputTokens: i("gen_input_tokens"), outputTokens: i("gen_output_tokens"),
                                          latencyMilliseconds: i("gen_latency_ms"), qualityScore: quality, attemptsJSON: s("gen_attempts"))
        }
        var tags: [String] = []
        if case .list(let list)? = p["tags"] { tags = list.compactMap { if case .string(let t) = $0 { t } else { nil } } }
        func link(_ type: String) throws -> String? {
            var found: NodeID?
            try txn.forEachAdjacent(of: id, direction: .outgoing, type: type) { _, other in
                found = other
                return false
            }
            return try found.map { try string(txn, $0, "id") }
        }
        return ContentItem(id: s("id"), creatorID: s("creator_id"), kind: ContentKind(rawValue: s("kind")) ?? .article,
                           title: s("title"), body: s("body"), language: s("language"), tags: tags,
                           status: ContentStatus(rawValue: s("status")) ?? .draft, createdAt: s("created_at"), updatedAt: s("updated_at"),
                           variantOf: try link(Names.variantOf), repurposedFrom: try link(Names.repurposedFrom), generation: generation)
    }

    /// Property keys the listing filter reads, resolved once per listing.
    struct PropertyKeys {
        let status, kind, tags, title, body, createdAt: PropertyKey?
        init(_ txn: ReadTransaction) throws {
            status = try txn.propertyKey("status")
            kind = try txn.propertyKey("kind")
            tags = try txn.propertyKey("tags")
            title = try txn.propertyKey("title")
            body = try txn.propertyKey("body")
            createdAt = try txn.propertyKey("created_at")
        }
    }

    /// Whether a content node passes the listing's filters; cheap checks first, text search last.
    static func matches(_ txn: ReadTransaction, _ id: NodeID, _ keys: PropertyKeys, status: ContentStatus?, kind: ContentKind?,
                        tag: String?, text: String?, from: String?, before: String?) throws -> Bool {
        func str(_ key: PropertyKey?) throws -> String {
            guard let key, case .string(let s)? = try txn.property(key, ofNode: id) else { return "" }
            return s
        }
        if let status, try str(keys.status) != status.rawValue { return false }
        if let kind, try str(keys.kind) != kind.rawValue { return false }
        if from != nil || before != nil {
            let created = try str(keys.createdAt)
            if let from, created < from { return false }
            if let before, created >= before { return false }
        }
        if let tag {
            guard let key = keys.tags, case .list(let list)? = try txn.property(key, ofNode: id),
                  list.contains(where: { if case .string(let t) = $0 { t.lowercased() == tag } else { false } }) else { return false }
        }
        if let text, !text.isEmpty {
            if try str(keys.title).lowercased().contains(text) { return true }
            return try str(keys.body).lowercased().contains(text)
        }
        return true
    }

    /// Runs `body`, turning graph errors into content errors where the caller can act on them.
    func translate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.translated(error)
        }
    }

    static func translated(_ error: any Error) -> any Error {
        guard let graph = error as? GraphError else { return error }
        switch graph.code {
        case .closed: return ContentError(.storage, "the graph store is closed (the daemon is stopping)")
        default: return graph
        }
    }
}

/// The opaque listing cursor: the position (node id) after which the next page starts.
enum ContentCursor {
    static func encode(_ node: NodeID) -> String {
        // Text, not a bare number, so callers treat it as opaque; the check letter catches edits.
        let digits = String(node, radix: 36)
        return "c" + digits + String(check(digits))
    }

    static func decode(_ text: String) throws(ContentError) -> NodeID {
        let bad = ContentError.invalid("cursor", "is not a cursor from this listing; pass the next_cursor of the previous page unchanged")
        guard text.count >= 3, text.count <= 20, text.first == "c" else { throw bad }
        let digits = String(text.dropFirst().dropLast())
        guard let check = text.last, check == self.check(digits), let node = UInt64(digits, radix: 36), node > 0 else { throw bad }
        return node
    }

    static func check(_ digits: String) -> Character {
        let sum = digits.utf8.enumerated().reduce(0) { $0 + (Int($1.element) * ($1.offset + 7)) }
        return Array("abcdefghijklmnopqrstuvwxyz")[sum % 26]
    }
}
