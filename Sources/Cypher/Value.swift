/// A runtime Cypher value: the storable property values plus graph entities, paths, lists and maps.
///
/// Nodes and relationships are references by id; `labels`/`properties` on them are filled in only when
/// a result leaves the engine (see `QueryResult`), so equality and hashing use the id alone.
public enum Value: Sendable, Hashable {
    /// The Cypher `null`.
    case null
    /// A boolean.
    case bool(Bool)
    /// A 64-bit signed integer.
    case int(Int64)
    /// An IEEE 754 double.
    case float(Double)
    /// A Unicode string.
    case string(String)
    /// A list of values.
    case list([Value])
    /// A map from string keys to values.
    case map([String: Value])
    /// A node reference.
    case node(NodeRef)
    /// A relationship reference.
    case relationship(RelRef)
    /// A path: alternating nodes and relationships, starting and ending with a node.
    case path(PathValue)
    /// A temporal instant or duration.
    case temporal(Temporal)

    /// True for `null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a Double when it is a number.
    var numeric: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        default: return nil
        }
    }

    /// The Cypher type name used in error messages.
    public var typeName: String {
        switch self {
        case .null: return "Null"
        case .bool: return "Boolean"
        case .int: return "Integer"
        case .float: return "Float"
        case .string: return "String"
        case .list: return "List"
        case .map: return "Map"
        case .node: return "Node"
        case .relationship: return "Relationship"
        case .path: return "Path"
        case .temporal(let t): return t.typeName
        }
    }
}

/// A node reference; `labels` and `properties` are a snapshot filled in for results only.
public struct NodeRef: Sendable, Hashable {
    /// The node id in the graph.
    public var id: Int64
    /// Labels at the time the result was produced.
    public var labels: [String] = []
    /// Properties at the time the result was produced.
    public var properties: [String: Value] = [:]

    /// Creates a reference to node `id`.
    public init(id: Int64, labels: [String] = [], properties: [String: Value] = [:]) {
        self.id = id; self.labels = labels; self.properties = properties
    }
    /// Equality by id.
    public static func == (a: NodeRef, b: NodeRef) -> Bool { a.id == b.id }
    /// Hashes the id.
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// A relationship reference; `properties` is a snapshot filled in for results only.
public struct RelRef: Sendable, Hashable {
    /// The relationship id.
    public var id: Int64
    /// Relationship type.
    public var type: String
    /// Start node id.
    public var start: Int64
    /// End node id.
    public var end: Int64
    /// Properties at the time the result was produced.
    public var properties: [String: Value] = [:]

    /// Creates a relationship reference.
    public init(id: Int64, type: String, start: Int64, end: Int64, properties: [String: Value] = [:]) {
        self.id = id; self.type = type; self.start = start; self.end = end; self.properties = properties
    }
    /// Equality by id.
    public static func == (a: RelRef, b: RelRef) -> Bool { a.id == b.id }
    /// Hashes the id.
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// A path value: `nodes.count == relationships.count + 1`.
public struct PathValue: Sendable, Hashable {
    /// Nodes in order.
    public var nodes: [NodeRef]
    /// Relationships in order; each connects `nodes[i]` and `nodes[i+1]` in either direction.
    public var relationships: [RelRef]
    /// Creates a path.
    public init(nodes: [NodeRef], relationships: [RelRef]) { self.nodes = nodes; self.relationships = relationships }
}
