import FoundationEssentials
import Graph

/// Each creator user owns one `:Creator` node in the graph, keyed by the user's id.
public enum CreatorNodes {
    /// The creator's node id, creating the node (and the unique index on `:Creator(user_id)`) when missing.
    ///
    /// Idempotent: the unique index makes a second concurrent creation fail, and the retry finds the node.
    public static func findOrCreate(in graph: GraphStore, userID: UUID) throws -> UInt64 {
        let key = PropertyValue.string(userID.uuidString.lowercased())
        if let found = try graph.read({ txn in try txn.findNodes(label: "Creator", property: "user_id", equals: key).first }) {
            return found
        }
        do {
            return try graph.writeSync { txn in
                _ = try txn.createIndex(label: "Creator", property: "user_id", unique: true)
                if let found = try txn.findNodes(label: "Creator", property: "user_id", equals: key).first { return found }
                return try txn.createNode(labels: ["Creator"], properties: ["user_id": key, "created_at": .string(RFC3339.now())])
            }
        } catch {
            if let found = try graph.read({ txn in try txn.findNodes(label: "Creator", property: "user_id", equals: key).first }) {
                return found
            }
            throw error
        }
    }
}
