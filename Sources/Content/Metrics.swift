import Graph

/// One performance snapshot of a content item on a platform at an instant, as a platform reports it.
public struct MetricSnapshot: Sendable, Hashable {
    /// The content item's id.
    public var contentID: String
    /// The platform (`youtube`, `x`, `instagram`...): lowercase letters, digits, `_` and `-`.
    public var platform: String
    /// When the figures were read (Unix milliseconds).
    public var at: Int64
    /// Views (impressions, plays).
    public var views: Int64
    /// Likes.
    public var likes: Int64
    /// Comments.
    public var comments: Int64
    /// Shares (reposts).
    public var shares: Int64
    /// Saves (bookmarks).
    public var saves: Int64
    /// Total watch time in seconds.
    public var watchSeconds: Int64

    /// A snapshot.
    public init(contentID: String, platform: String, at: Int64, views: Int64, likes: Int64 = 0, comments: Int64 = 0,
                shares: Int64 = 0, saves: Int64 = 0, watchSeconds: Int64 = 0) {
        self.contentID = contentID
        self.platform = platform
        self.at = at
        self.views = views
        self.likes = likes
        self.comments = comments
        self.shares = shares
        self.saves = saves
        self.watchSeconds = watchSeconds
    }

    /// (likes + comments + shares + saves) / views, 0 when there are no views.
    public var engagement: Double {
        views == 0 ? 0 : Double(interactions) / Double(views)
    }

    /// Engagement in parts per billion, rounded half up (saturating): the exact integer the creator's
    /// average is kept in, so that sums never drift.
    public var engagementPPB: Int64 {
        guard views > 0 else { return 0 }
        let scaled = (Int128(interactions) * 1_000_000_000 * 2 + Int128(views)) / (Int128(views) * 2)
        return scaled > Int128(Int64.max) ? Int64.max : Int64(scaled)
    }

    var interactions: Int64 { likes &+ comments &+ shares &+ saves }

    /// The largest figure accepted (10^15), so that sums stay far from overflow.
    public static let maxFigure: Int64 = 1_000_000_000_000_000

}

/// What one ingested batch did.
public struct MetricIngestResult: Sendable, Hashable {
    /// Snapshots stored for the first time.
    public var created: Int
    /// Snapshots already stored whose figures changed.
    public var updated: Int
    /// Snapshots already stored with the same figures (re-posts).
    public var unchanged: Int
    /// The content ids the batch touched, sorted.
    public var contentIDs: [String]
    /// The user ids of the creators whose metrics the batch touched, sorted.
    public var creatorIDs: [String]
}

/// One platform's time series of a content item, oldest first.
public struct MetricSeries: Sendable, Hashable {
    /// The platform.
    public var platform: String
    /// The snapshots, ordered by `at`.
    public var points: [MetricSnapshot]
}

/// The original design's `user_metrics` for one creator.
public struct CreatorMetrics: Sendable, Hashable {
    /// The creator's user id.
    public var creatorID: String
    /// Content items the creator owns.
    public var contentCount: Int
    /// Total revenue in integer minor units.
    public var totalRevenueMinor: Int64
    /// The revenue's ISO 4217 currency code.
    public var currency: String
    /// The mean engagement over the latest snapshot of each (content item, platform) pair the creator has
    /// metrics for; 0 when there are none. Kept as an exact sum of parts per billion (see `engagementSumPPB`).
    public var averageEngagement: Double
    /// How many (content item, platform) pairs have at least one snapshot.
    public var measuredPairs: Int
    /// The sum over those pairs of their latest engagement, in parts per billion (exact).
    public var engagementSumPPB: Int128
}

/// The creator's counters, stored on the `:Creator` node and changed in the same transaction as every
/// content create/delete and metric ingest, so reading them never needs a scan.
struct CreatorCounters: Equatable {
    var contentCount: Int64 = 0
    var measuredPairs: Int64 = 0
    var engagementSumPPB: Int128 = 0

    static func load(_ txn: ReadTransaction, _ creator: NodeID) throws -> CreatorCounters {
        guard let node = try txn.node(creator) else { return CreatorCounters() }
        var c = CreatorCounters()
        if case .int(let v)? = node.properties["content_count"] { c.contentCount = v }
        if case .int(let v)? = node.properties["measured_pairs"] { c.measuredPairs = v }
        // Int128 does not fit a stored int: kept as decimal text.
        if case .string(let s)? = node.properties["engagement_sum_ppb"], let v = Int128(s) { c.engagementSumPPB = v }
        return c
    }

    func save(_ txn: WriteTransaction, _ creator: NodeID) throws {
        try txn.setProperties(["content_count": .int(contentCount), "measured_pairs": .int(measuredPairs),
                               "engagement_sum_ppb": .string(String(engagementSumPPB))], ofNode: creator)
    }
}

/// The latest snapshot of each platform of one content item: `(at, engagement ppb)`, kept on a small
/// `:MetricSummary {content_id, platforms, ats, ppbs}` node (three parallel lists) so that an ingest can tell
/// whether a snapshot is the newest without reading the series, and without rewriting the content node
/// (whose body may be a megabyte).
struct LatestSnapshots {
    struct Entry: Equatable {
        var at: Int64
        var engagementPPB: Int64
    }

    /// The summary node, nil until the first snapshot.
    var node: NodeID?
    var byPlatform: [String: Entry] = [:]

    static let label = "MetricSummary"

    static func load(_ txn: ReadTransaction, contentID: String) throws -> LatestSnapshots {
        var out = LatestSnapshots()
        guard let node = try txn.findNodes(label: label, property: "content_id", equals: .string(contentID), limit: 1).first,
              let summary = try txn.node(node) else { return out }
        out.node = node
        guard case .list(let platforms)? = summary.properties["platforms"], case .list(let ats)? = summary.properties["ats"],
              case .list(let ppbs)? = summary.properties["ppbs"], platforms.count == ats.count, ats.count == ppbs.count else { return out }
        for i in platforms.indices {
            guard case .string(let platform) = platforms[i], case .int(let at) = ats[i], case .int(let ppb) = ppbs[i] else { continue }
            out.byPlatform[platform] = Entry(at: at, engagementPPB: ppb)
        }
        return out
    }

    mutating func save(_ txn: WriteTransaction, contentID: String) throws {
        let sorted = byPlatform.sorted { $0.key < $1.key }
        let props: [String: PropertyValue] = [
            "platforms": .list(sorted.map { .string($0.key) }), "ats": .list(sorted.map { .int($0.value.at) }),
            "ppbs": .list(sorted.map { .int($0.value.engagementPPB) }),
        ]
        if let node {
            try txn.setProperties(props, ofNode: node)
        } else {
            var all = props
            all["content_id"] = .string(contentID)
            node = try txn.createNode(labels: [LatestSnapshots.label], properties: all)
        }
    }
}
