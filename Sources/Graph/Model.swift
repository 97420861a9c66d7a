/// A node id: a u64 assigned by the store, never reused while the store lives.
public typealias NodeID = UInt64
/// A relationship id: a u64 assigned by the store.
public typealias RelationshipID = UInt64

/// A node as stored: its id, labels (sorted by name) and properties.
public struct Node: Sendable, Hashable {
    /// The node's id.
    public var id: NodeID
    /// Its labels, sorted.
    public var labels: [String]
    /// Its properties; never contains `.null`.
    public var properties: [String: PropertyValue]

    /// Creates a node value.
    public init(id: NodeID, labels: [String], properties: [String: PropertyValue]) {
        self.id = id
        self.labels = labels
        self.properties = properties
    }
}

/// A relationship as stored: one type, a start and an end node, properties.
public struct Relationship: Sendable, Hashable {
    /// The relationship's id.
    public var id: RelationshipID
    /// Its type.
    public var type: String
    /// The node it starts at.
    public var start: NodeID
    /// The node it ends at.
    public var end: NodeID
    /// Its properties; never contains `.null`.
    public var properties: [String: PropertyValue]

    /// Creates a relationship value.
    public init(id: RelationshipID, type: String, start: NodeID, end: NodeID, properties: [String: PropertyValue]) {
        self.id = id
        self.type = type
        self.start = start
        self.end = end
        self.properties = properties
    }
}

/// Which relationships of a node to follow.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    /// Relationships that start at the node.
    case outgoing
    /// Relationships that end at the node.
    case incoming
    /// Both (a self-loop is reported once per direction).
    case both
}

/// One step from a node: the relationship followed and the node at its other end.
public struct Neighbour: Sendable, Hashable {
    /// The relationship.
    public var relationship: Relationship
    /// The node at the other end.
    public var node: Node
}

/// A lightweight adjacency entry: ids only, no record decoded.
public struct AdjacencyEntry: Sendable, Hashable {
    /// The relationship id.
    public var relationship: RelationshipID
    /// The node at the other end.
    public var other: NodeID
    /// The relationship type.
    public var type: String
    /// `.outgoing` when the relationship starts at the node, `.incoming` otherwise.
    public var direction: Direction
}

/// A place to resume a neighbour listing (opaque to callers; renders as text for REST cursors).
public struct AdjacencyCursor: Sendable, Hashable, LosslessStringConvertible {
    var incoming: Bool
    var type: UInt32
    var other: UInt64
    var relationship: UInt64

    /// Text form `o.<type>.<other>.<rel>` / `i.…`.
    public var description: String { "\(incoming ? "i" : "o").\(type).\(other).\(relationship)" }

    /// Parses the text form; nil if it is not one.
    public init?(_ description: String) {
        let parts = description.split(separator: ".")
        guard parts.count == 4, parts[0] == "o" || parts[0] == "i",
              let t = UInt32(parts[1]), let o = UInt64(parts[2]), let r = UInt64(parts[3]) else { return nil }
        incoming = parts[0] == "i"
        type = t
        other = o
        relationship = r
    }

    init(incoming: Bool, type: UInt32, other: UInt64, relationship: UInt64) {
        self.incoming = incoming
        self.type = type
        self.other = other
        self.relationship = relationship
    }
}

/// A node reached by `ReadTransaction.expand`: its id, hop count and the relationship it was reached by.
public struct Reached: Sendable, Hashable {
    /// The node reached.
    public var node: NodeID
    /// Hops from the start (1 for direct neighbours).
    public var depth: Int
    /// The relationship followed on the last hop.
    public var via: RelationshipID
}

/// A declared property index on (label, property).
public struct IndexDescription: Sendable, Hashable, Comparable {
    /// The label.
    public var label: String
    /// The property key.
    public var property: String
    /// Whether two nodes with the label may share a value.
    public var unique: Bool

    /// Creates a description.
    public init(label: String, property: String, unique: Bool) {
        self.label = label
        self.property = property
        self.unique = unique
    }

    /// `Label.property`, the name used in constraint errors.
    public var name: String { "\(label).\(property)" }

    /// Orders by label, then property.
    public static func < (a: IndexDescription, b: IndexDescription) -> Bool { (a.label, a.property) < (b.label, b.property) }
}

/// Counts kept by the store (no scan needed to read them).
public struct GraphStats: Sendable, Hashable {
    /// All nodes.
    public var nodes: Int
    /// All relationships.
    public var relationships: Int
    /// Nodes per label.
    public var labels: [String: Int]
    /// Relationships per type.
    public var types: [String: Int]
    /// Declared indexes.
    public var indexes: [IndexDescription]
}

/// A bound of an index range scan.
public enum IndexBound: Sendable, Hashable {
    /// Values greater than or equal to the value.
    case inclusive(PropertyValue)
    /// Values strictly beyond the value.
    case exclusive(PropertyValue)
}
