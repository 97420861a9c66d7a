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
    /// The content ids the batch touched, per creator user id (sorted), so each creator is told only of their own.
    public var contentIDsByCreator: [String: [String]]
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
/// `:MetricSummary {content_id, latest}` node so that an ingest can tell whether a snapshot is the newest
/// without reading the series, and without rewriting the content node (whose body may be a megabyte).
///
/// `latest` is bytes, read and written once per item per batch: for each platform, its UTF-8 length (one
/// byte), the name, then `at` and the ppb as big-endian 64-bit integers.
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
        guard let node = try txn.findNodes(label: label, property: "content_id", equals: .string(contentID), limit: 1).first else { return out }
        out.node = node
        guard case .bytes(let b)? = try txn.property("latest", ofNode: node) else { return out }
        var i = 0
        func int64(_ at: Int) -> Int64 {
            var v: UInt64 = 0
            for j in at..<(at + 8) { v = v << 8 | UInt64(b[j]) }
            return Int64(bitPattern: v)
        }
        while i < b.count {
            let n = Int(b[i])
            guard i + 1 + n + 16 <= b.count else { throw ContentError(.storage, "the metric summary of \(contentID) is damaged") }
            let platform = String(decoding: b[(i + 1)..<(i + 1 + n)], as: UTF8.self)
            out.byPlatform[platform] = Entry(at: int64(i + 1 + n), engagementPPB: int64(i + 1 + n + 8))
            i += 1 + n + 16
        }
        return out
    }

    mutating func save(_ txn: WriteTransaction, contentID: String) throws {
        var b: [UInt8] = []
        b.reserveCapacity(byPlatform.count * 32)
        for (platform, entry) in byPlatform.sorted(by: { $0.key < $1.key }) {
            b.append(UInt8(platform.utf8.count))  // platform names are 1...32 ASCII bytes
            b.append(contentsOf: platform.utf8)
            for value in [entry.at, entry.engagementPPB] {
                let v = UInt64(bitPattern: value)
                for shift in stride(from: 56, through: 0, by: -8) { b.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
            }
        }
        if let node {
            try txn.setProperties(["latest": .bytes(b)], ofNode: node)
        } else {
            node = try txn.createNode(labels: [LatestSnapshots.label], properties: ["content_id": .string(contentID), "latest": .bytes(b)])
        }
    }
}
