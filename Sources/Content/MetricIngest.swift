import CivilDate
import Graph

extension ContentStore {
    /// The most snapshots one `ingest` call takes.
    public static let maxBatch = 10_000

    /// Stores a batch of metric snapshots in one write transaction, answered once durable.
    ///
    /// Each snapshot becomes a `:Metric` node with `(:Content)-[:PERFORMS {engagement}]->(:Metric)`.
    /// A snapshot is identified by (content id, platform, at): posting it again changes nothing, and posting
    /// it with other figures updates it. The creator's counters move in the same transaction.
    /// A bad item refuses the whole batch (nothing is written) with its index and field named.
    /// - Throws: `ContentError` (`invalid` with `field` such as `snapshots[3].views`, `unknownReference` for a
    ///   content id that does not exist or is not the caller's, `tooLarge` for a batch over `maxBatch`).
    public func ingest(_ batch: [MetricSnapshot], by caller: ContentCaller) throws -> MetricIngestResult {
        let work = try prepareIngest(batch, by: caller)
        return try translate { try graph.writeSync(work) }
    }

    /// `ingest` for async callers.
    public func ingest(_ batch: [MetricSnapshot], by caller: ContentCaller) async throws -> MetricIngestResult {
        let work = try prepareIngest(batch, by: caller)
        do {
            return try await graph.write(work)
        } catch {
            throw ContentStore.translated(error)
        }
    }

    /// Checks one snapshot; `field` is the item's path (`snapshots[3]`), built only when something is wrong.
    public static func check(_ s: MetricSnapshot, field: @autoclosure () -> String) throws(ContentError) {
        guard UUIDv7.isCanonical(s.contentID) else {
            throw ContentError.invalid("\(field()).content_id", "\"\(s.contentID.prefix(40))\" is not a content id (a UUID)")
        }
        let platformOK = (1...32).contains(s.platform.utf8.count) && s.platform.utf8.allSatisfy {
            ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45
        }
        guard platformOK else {
            throw ContentError.invalid("\(field()).platform", "\"\(s.platform.prefix(40))\" is not a platform name; use 1 to 32 lowercase letters, digits, _ or - (youtube, x, instagram)")
        }
        guard Timestamp.range.contains(s.at) else { throw ContentError.invalid("\(field()).at", "must be between 1970 and 9999") }
        let figures = [s.views, s.likes, s.comments, s.shares, s.saves, s.watchSeconds]
        if figures.allSatisfy({ (0...MetricSnapshot.maxFigure).contains($0) }) { return }
        for (name, value) in zip(figureNames, figures) {
            if value < 0 { throw ContentError.invalid("\(field()).\(name)", "is \(value); counts cannot be negative") }
            if value > MetricSnapshot.maxFigure { throw ContentError.invalid("\(field()).\(name)", "is larger than \(MetricSnapshot.maxFigure)") }
        }
    }

    private func prepareIngest(_ batch: [MetricSnapshot], by caller: ContentCaller) throws -> @Sendable (WriteTransaction) throws -> MetricIngestResult {
        if batch.isEmpty { throw ContentError.invalid("snapshots", "is empty; send at least one snapshot") }
        if batch.count > Self.maxBatch {
            throw ContentError(.tooLarge, field: "snapshots", "has \(batch.count) snapshots; send at most \(Self.maxBatch) per request")
        }
        var items = batch
        for i in items.indices {
            try Self.check(items[i], field: "snapshots[\(i)]")
            items[i].contentID = UUIDv7.lowercased(items[i].contentID)
        }
        let snapshots = items
        return { txn in try Self.ingest(snapshots, caller: caller, txn: txn) }
    }

    /// The content a batch touches, loaded once per batch and written back once at the end.
    private struct Touched {
        let contentID: String
        let node: NodeID
        let creator: Int
        var latest: LatestSnapshots
        var changed = false
    }

    /// A creator a batch touches, with the change to their counters.
    private struct CreatorDelta {
        let userID: String
        var pairs: Int64 = 0
        var sum: Int128 = 0
    }

    /// Unix milliseconds as 15 digits (years up to 9999 need 14).
    static func paddedInstant(_ at: Int64) -> String {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 15)
        var n = max(0, at)
        var i = 14
        while n > 0 && i >= 0 {
            digits[i] = UInt8(ascii: "0") + UInt8(n % 10)
            n /= 10
            i -= 1
        }
        return String(decoding: digits, as: UTF8.self)
    }

    static let figureNames = ["views", "likes", "comments", "shares", "saves", "watch_seconds"]

    private static func ingest(_ snapshots: [MetricSnapshot], caller: ContentCaller, txn: WriteTransaction) throws -> MetricIngestResult {
        // Arrays indexed through one dictionary lookup each, so entries are changed in place (no copy-on-write).
        var contentIndex: [String: Int] = [:]
        var contents: [Touched] = []
        var creators: [CreatorDelta] = []
        var created = 0, updated = 0, unchanged = 0
        var keys: [PropertyKey?] = []
        for (i, s) in snapshots.enumerated() {
            let c: Int
            if let known = contentIndex[s.contentID] {
                c = known
            } else {
                guard let node = try contentNode(txn, s.contentID),
                      case let owner = try string(txn, node, "creator_id"), caller.mayAccess(creatorID: owner) else {
                    throw ContentError(.unknownReference, field: "snapshots[\(i)].content_id",
                                       "no content \(s.contentID) of yours exists; ingest metrics only for existing content")
                }
                var creator = creators.firstIndex { $0.userID == owner }
                if creator == nil {
                    creators.append(CreatorDelta(userID: owner))
                    creator = creators.count - 1
                }
                c = contents.count
                contents.append(Touched(contentID: s.contentID, node: node, creator: creator!, latest: try LatestSnapshots.load(txn, contentID: s.contentID)))
                contentIndex[s.contentID] = c
            }
            let ppb = s.engagementPPB
            // The instant leads (fixed width, so text order is time order): a batch of recent snapshots then
            // lands at the end of the index instead of dirtying pages all over it. The content's node id stands
            // for the content: shorter than its UUID, and fixed while it exists.
            let key = PropertyValue.string(Self.paddedInstant(s.at) + "|\(contents[c].node)|\(s.platform)")
            let previous = contents[c].latest.byPlatform[s.platform]
            // Every stored snapshot of (content, platform) is at or before the latest one, so a newer
            // snapshot cannot exist yet: only re-posts and late arrivals need the index lookup.
            let existing: NodeID?
            if let previous, s.at <= previous.at {
                existing = try txn.findNodes(label: Names.metric, property: "key", equals: key, limit: 1).first
            } else {
                existing = nil
            }
            if let existing {
                let figures = [s.views, s.likes, s.comments, s.shares, s.saves, s.watchSeconds]
                if keys.isEmpty { keys = try figureNames.map { try txn.propertyKey($0) } }
                var same = true
                for (k, v) in zip(keys, figures) {
                    guard let k, case .int(let stored)? = try txn.property(k, ofNode: existing), stored == v else {
                        same = false
                        break
                    }
                }
                if same {
                    unchanged += 1
                    continue
                }
                var props: [String: PropertyValue] = [:]
                for (n, v) in zip(figureNames, figures) { props[n] = .int(v) }
                try txn.setProperties(props, ofNode: existing)
                var rel: RelationshipID?
                try txn.forEachAdjacent(of: existing, direction: .incoming, type: Names.performs) { r, _ in
                    rel = r
                    return false
                }
                if let rel { try txn.setProperties(["engagement": .float(s.engagement)], ofRelationship: rel) }
                updated += 1
            } else {
                let metric = try txn.createNode(labels: [Names.metric], properties: [
                    "key": key, "platform": .string(s.platform), "at": .int(s.at),
                    "views": .int(s.views), "likes": .int(s.likes), "comments": .int(s.comments), "shares": .int(s.shares),
                    "saves": .int(s.saves), "watch_seconds": .int(s.watchSeconds),
                ])
                try txn.createRelationship(type: Names.performs, from: contents[c].node, to: metric, properties: ["engagement": .float(s.engagement)])
                created += 1
            }
            // The creator's average counts the latest snapshot of each (content, platform) pair.
            if previous == nil || s.at >= previous!.at {
                let k = contents[c].creator
                if let previous {
                    creators[k].sum -= Int128(previous.engagementPPB)
                } else {
                    creators[k].pairs += 1
                }
                creators[k].sum += Int128(ppb)
                contents[c].latest.byPlatform[s.platform] = LatestSnapshots.Entry(at: s.at, engagementPPB: ppb)
                contents[c].changed = true
            }
        }
        for i in contents.indices where contents[i].changed { try contents[i].latest.save(txn, contentID: contents[i].contentID) }
        for d in creators where d.pairs != 0 || d.sum != 0 {
            guard let creator = try CreatorNodes.find(in: txn, userID: d.userID) else { continue }
            var counters = try CreatorCounters.load(txn, creator)
            counters.measuredPairs += d.pairs
            counters.engagementSumPPB += d.sum
            try counters.save(txn, creator)
        }
        var byCreator: [String: [String]] = [:]
        for content in contents { byCreator[creators[content.creator].userID, default: []].append(content.contentID) }
        return MetricIngestResult(created: created, updated: updated, unchanged: unchanged,
                                  contentIDs: contents.map(\.contentID).sorted(), creatorIDs: creators.map(\.userID).sorted(),
                                  contentIDsByCreator: byCreator.mapValues { $0.sorted() })
    }

    // MARK: reading metrics

    /// The time series of a content item, one per platform (platforms by name, points oldest first).
    /// - Throws: `notFound` when there is no such item or it is another creator's.
    public func metrics(contentID: String, platform: String? = nil, by caller: ContentCaller) throws -> [MetricSeries] {
        let key = try Self.checkID(contentID)
        return try translate {
            try graph.read { txn in
                guard let node = try Self.contentNode(txn, key),
                      caller.mayAccess(creatorID: try Self.string(txn, node, "creator_id")) else { throw Self.notFound(contentID) }
                var byPlatform: [String: [MetricSnapshot]] = [:]
                try Self.forEachSnapshot(txn, content: node, contentID: key) { s in
                    if platform == nil || platform == s.platform { byPlatform[s.platform, default: []].append(s) }
                }
                return byPlatform.sorted { $0.key < $1.key }.map { MetricSeries(platform: $0.key, points: $0.value.sorted { $0.at < $1.at }) }
            }
        }
    }

    /// The creator's `user_metrics`, read from the counters kept on the `:Creator` node (no scan).
    /// A creator with no node yet has zero everywhere.
    /// - Throws: `notFound` when a creator asks for someone else's figures.
    public func creatorMetrics(creatorID: String, by caller: ContentCaller) throws -> CreatorMetrics {
        let who = creatorID.lowercased()
        guard caller.mayAccess(creatorID: who) else { throw ContentError(.notFound, field: "id", "no creator \(creatorID.prefix(40)) exists in your studio") }
        let counters = try translate {
            try graph.read { txn in try CreatorNodes.find(in: txn, userID: who).map { try CreatorCounters.load(txn, $0) } ?? CreatorCounters() }
        }
        return makeMetrics(who, counters)
    }

    /// The same figures as `creatorMetrics`, recomputed by a full scan of the creator's content and
    /// snapshots: what the maintained counters must always equal (tests and the admin check use it).
    public func recount(creatorID: String) throws -> CreatorMetrics {
        let who = creatorID.lowercased()
        let counters = try translate {
            try graph.read { txn -> CreatorCounters in
                guard let creator = try CreatorNodes.find(in: txn, userID: who) else { return CreatorCounters() }
                var contents: [NodeID] = []
                try txn.forEachAdjacent(of: creator, direction: .outgoing, type: Names.created) { _, other in
                    contents.append(other)
                    return true
                }
                var c = CreatorCounters()
                c.contentCount = Int64(contents.count)
                for content in contents {
                    var latest: [String: MetricSnapshot] = [:]
                    try Self.forEachSnapshot(txn, content: content, contentID: "") { s in
                        if let l = latest[s.platform], l.at > s.at { return }
                        latest[s.platform] = s
                    }
                    c.measuredPairs += Int64(latest.count)
                    for s in latest.values { c.engagementSumPPB += Int128(s.engagementPPB) }
                }
                return c
            }
        }
        return makeMetrics(who, counters)
    }

    private func makeMetrics(_ who: String, _ c: CreatorCounters) -> CreatorMetrics {
        let money = revenue(who) ?? (minor: 0, currency: "USD")
        let average = c.measuredPairs > 0 ? Double(c.engagementSumPPB) / Double(c.measuredPairs) / 1_000_000_000 : 0
        return CreatorMetrics(creatorID: who, contentCount: Int(c.contentCount), totalRevenueMinor: money.minor, currency: money.currency,
                              averageEngagement: average, measuredPairs: Int(c.measuredPairs), engagementSumPPB: c.engagementSumPPB)
    }

    static func forEachSnapshot(_ txn: ReadTransaction, content: NodeID, contentID: String, _ body: (MetricSnapshot) throws -> Void) throws {
        var metrics: [NodeID] = []
        try txn.forEachAdjacent(of: content, direction: .outgoing, type: Names.performs) { _, other in
            metrics.append(other)
            return true
        }
        for m in metrics {
            guard let node = try txn.node(m) else { continue }
            let p = node.properties
            func i(_ k: String) -> Int64 { if case .int(let v)? = p[k] { v } else { 0 } }
            var platform = ""
            if case .string(let s)? = p["platform"] { platform = s }
            try body(MetricSnapshot(contentID: contentID, platform: platform, at: i("at"), views: i("views"), likes: i("likes"),
                                    comments: i("comments"), shares: i("shares"), saves: i("saves"), watchSeconds: i("watch_seconds")))
        }
    }
}
