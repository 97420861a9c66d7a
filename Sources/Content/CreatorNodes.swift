import CivilDate
import FoundationEssentials
import Graph

/// Each creator user owns one `:Creator` node in the graph, keyed by the user's id (`user_id`, the
/// lowercased UUID text) under a unique index on `:Creator(user_id)`.
///
/// The node also carries the creator's metric counters, which the content store keeps up to date in the
/// same transaction as every change that moves them (see `ContentStore.creatorMetrics`).
public enum CreatorNodes {
    /// The label of a creator's node.
    public static let label = "Creator"
    /// The property holding the user id.
    public static let userIDProperty = "user_id"

    /// The creator's node id, creating the node (and the unique index on `:Creator(user_id)`) when missing.
    ///
    /// Idempotent: the unique index makes a second concurrent creation fail, and the retry finds the node.
    public static func findOrCreate(in graph: GraphStore, userID: UUID) throws -> UInt64 {
        try findOrCreate(in: graph, userID: userID.uuidString)
    }

    /// `findOrCreate` for a user id given as UUID text (compared lowercased).
    public static func findOrCreate(in graph: GraphStore, userID: String) throws -> UInt64 {
        let key = PropertyValue.string(userID.lowercased())
        if let found = try graph.read({ txn in try txn.findNodes(label: label, property: userIDProperty, equals: key).first }) {
            return found
        }
        do {
            return try graph.writeSync { txn in try findOrCreate(in: txn, userID: userID) }
        } catch {
            if let found = try graph.read({ txn in try txn.findNodes(label: label, property: userIDProperty, equals: key).first }) {
                return found
            }
            throw error
        }
    }

    /// The creator's node id inside a write transaction, creating the node (and the index) when missing.
    public static func findOrCreate(in txn: WriteTransaction, userID: String) throws -> UInt64 {
        let key = PropertyValue.string(userID.lowercased())
        _ = try txn.createIndex(label: label, property: userIDProperty, unique: true)
        if let found = try txn.findNodes(label: label, property: userIDProperty, equals: key).first { return found }
        return try txn.createNode(labels: [label], properties: [
            userIDProperty: key, "created_at": .string(Timestamp.format(milliseconds: WallClock.epochMilliseconds())),
        ])
    }

    /// The creator's node id, or nil when the user has none yet.
    public static func find(in txn: ReadTransaction, userID: String) throws -> UInt64? {
        try txn.findNodes(label: label, property: userIDProperty, equals: .string(userID.lowercased())).first
    }
}
