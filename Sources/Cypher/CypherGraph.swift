/// The storage the executor runs against: a small protocol so the engine can run on the in-memory graph
/// (TCK, tests) and on the LMDB `GraphStore` through an adapter.
///
/// Writes happen between `begin()` and `commit()`; `rollback()` must undo everything since `begin()` so a
/// failing query leaves no partial write.
public protocol CypherGraph: AnyObject {
    /// Starts a unit of work; `write` is false for read-only statements.
    func begin(write: Bool) throws
    /// Makes the work since `begin` durable.
    func commit() throws
    /// Undoes the work since `begin`.
    func rollback()

    /// Every node id, in a stable order.
    func allNodes() throws -> [Int64]
    /// Node ids with `label`.
    func nodes(withLabel label: String) throws -> [Int64]
    /// Node ids with `label` whose property `key` equals `value`, or nil when no index covers (label, key).
    func indexSeek(label: String, key: String, value: Value) throws -> [Int64]?
    /// Whether an index exists on (label, key); used by EXPLAIN.
    func hasIndex(label: String, key: String) -> Bool
    /// Whether the node exists.
    func nodeExists(_ id: Int64) throws -> Bool
    /// The labels of a node.
    func labels(of node: Int64) throws -> [String]
    /// All properties of a node.
    func nodeProperties(_ id: Int64) throws -> [String: Value]
    /// One property of a node (`.null` when absent).
    func nodeProperty(_ id: Int64, _ key: String) throws -> Value
    /// A relationship by id, or nil when it does not exist.
    func relationship(_ id: Int64) throws -> RelRef?
    /// All properties of a relationship.
    func relationshipProperties(_ id: Int64) throws -> [String: Value]
    /// One property of a relationship.
    func relationshipProperty(_ id: Int64, _ key: String) throws -> Value
    /// Relationships at `node` in `direction` whose type is in `types` (any type when empty); a self-loop is
    /// returned once for `.both`.
    func expand(_ node: Int64, _ direction: Direction, types: [String]) throws -> [RelRef]

    /// Creates a node.
    func createNode(labels: [String], properties: [String: Value]) throws -> Int64
    /// Creates a relationship.
    func createRelationship(type: String, start: Int64, end: Int64, properties: [String: Value]) throws -> RelRef
    /// Sets (or with `.null`, removes) a node property.
    func setNodeProperty(_ id: Int64, _ key: String, _ value: Value) throws
    /// Sets (or with `.null`, removes) a relationship property.
    func setRelationshipProperty(_ id: Int64, _ key: String, _ value: Value) throws
    /// Adds labels to a node.
    func addLabels(_ id: Int64, _ labels: [String]) throws
    /// Removes labels from a node.
    func removeLabels(_ id: Int64, _ labels: [String]) throws
    /// Deletes a node that has no relationships.
    func deleteNode(_ id: Int64) throws
    /// Deletes a relationship.
    func deleteRelationship(_ id: Int64) throws
}

/// The relationship direction of a pattern step, seen from the node it starts at.
public enum Direction: Sendable, Equatable {
    /// From the node to the other end.
    case outgoing
    /// From the other end to the node.
    case incoming
    /// Either.
    case both
}

/// A graph held in memory: used by the TCK runner and tests, and handy for scratch work.
///
/// Not thread-safe: use one instance from one task at a time.
public final class InMemoryGraph: CypherGraph {
    struct NodeRecord { var labels: [String]; var properties: [String: Value] }
    struct RelRecord { var type: String; var start: Int64; var end: Int64; var properties: [String: Value] }
    struct Store {
        var nodes: [Int64: NodeRecord] = [:]
        var rels: [Int64: RelRecord] = [:]
        var out: [Int64: [Int64]] = [:]
        var inc: [Int64: [Int64]] = [:]
        var nextId: Int64 = 0
    }
    var store = Store()
    private var saved: Store?
    /// Declared property indexes, as (label, key).
    public var indexes: Set<[String]> = []

    /// Creates an empty graph.
    public init() {}

    /// See `CypherGraph` for the contract.
    public func begin(write: Bool) { saved = store }
    /// See `CypherGraph` for the contract.
    public func commit() { saved = nil }
    /// See `CypherGraph` for the contract.
    public func rollback() { if let saved { store = saved }; saved = nil }

    /// Number of nodes.
    public var nodeCount: Int { store.nodes.count }
    /// Number of relationships.
    public var relationshipCount: Int { store.rels.count }

    /// See `CypherGraph` for the contract.
    public func allNodes() -> [Int64] { store.nodes.keys.sorted() }
    /// See `CypherGraph` for the contract.
    public func nodes(withLabel label: String) -> [Int64] {
        store.nodes.filter { $0.value.labels.contains(label) }.map(\.key).sorted()
    }
    /// See `CypherGraph` for the contract.
    public func indexSeek(label: String, key: String, value: Value) -> [Int64]? {
        guard indexes.contains([label, key]) else { return nil }
        return nodes(withLabel: label).filter { store.nodes[$0]?.properties[key] == value }
    }
    /// See `CypherGraph` for the contract.
    public func hasIndex(label: String, key: String) -> Bool { indexes.contains([label, key]) }
    /// See `CypherGraph` for the contract.
    public func nodeExists(_ id: Int64) -> Bool { store.nodes[id] != nil }
    /// See `CypherGraph` for the contract.
    public func labels(of node: Int64) -> [String] { store.nodes[node]?.labels ?? [] }
    /// See `CypherGraph` for the contract.
    public func nodeProperties(_ id: Int64) -> [String: Value] { store.nodes[id]?.properties ?? [:] }
    /// See `CypherGraph` for the contract.
    public func nodeProperty(_ id: Int64, _ key: String) -> Value { store.nodes[id]?.properties[key] ?? .null }
    /// See `CypherGraph` for the contract.
    public func relationship(_ id: Int64) -> RelRef? {
        guard let r = store.rels[id] else { return nil }
        return RelRef(id: id, type: r.type, start: r.start, end: r.end)
    }
    /// See `CypherGraph` for the contract.
    public func relationshipProperties(_ id: Int64) -> [String: Value] { store.rels[id]?.properties ?? [:] }
    /// See `CypherGraph` for the contract.
    public func relationshipProperty(_ id: Int64, _ key: String) -> Value { store.rels[id]?.properties[key] ?? .null }

    /// See `CypherGraph` for the contract.
    public func expand(_ node: Int64, _ direction: Direction, types: [String]) -> [RelRef] {
        var ids: [Int64] = []
        if direction != .incoming { ids += store.out[node] ?? [] }
        if direction != .outgoing {
            for r in store.inc[node] ?? [] where !(direction == .both && store.rels[r]?.start == node) { ids.append(r) }
        }
        var out: [RelRef] = []
        for id in ids {
            guard let r = store.rels[id] else { continue }
            if !types.isEmpty && !types.contains(r.type) { continue }
            out.append(RelRef(id: id, type: r.type, start: r.start, end: r.end))
        }
        return out
    }

    /// See `CypherGraph` for the contract.
    public func createNode(labels: [String], properties: [String: Value]) -> Int64 {
        let id = store.nextId
        store.nextId += 1
        var uniq: [String] = []
        for l in labels where !uniq.contains(l) { uniq.append(l) }
        store.nodes[id] = NodeRecord(labels: uniq, properties: properties.filter { !$0.value.isNull })
        return id
    }
    /// See `CypherGraph` for the contract.
    public func createRelationship(type: String, start: Int64, end: Int64, properties: [String: Value]) -> RelRef {
        let id = store.nextId
        store.nextId += 1
        store.rels[id] = RelRecord(type: type, start: start, end: end, properties: properties.filter { !$0.value.isNull })
        store.out[start, default: []].append(id)
        store.inc[end, default: []].append(id)
        return RelRef(id: id, type: type, start: start, end: end)
    }
    /// See `CypherGraph` for the contract.
    public func setNodeProperty(_ id: Int64, _ key: String, _ value: Value) {
        guard store.nodes[id] != nil else { return }
        store.nodes[id]!.properties[key] = value.isNull ? nil : value
    }
    /// See `CypherGraph` for the contract.
    public func setRelationshipProperty(_ id: Int64, _ key: String, _ value: Value) {
        guard store.rels[id] != nil else { return }
        store.rels[id]!.properties[key] = value.isNull ? nil : value
    }
    /// See `CypherGraph` for the contract.
    public func addLabels(_ id: Int64, _ labels: [String]) {
        guard store.nodes[id] != nil else { return }
        for l in labels where !store.nodes[id]!.labels.contains(l) { store.nodes[id]!.labels.append(l) }
    }
    /// See `CypherGraph` for the contract.
    public func removeLabels(_ id: Int64, _ labels: [String]) {
        guard store.nodes[id] != nil else { return }
        store.nodes[id]!.labels.removeAll { labels.contains($0) }
    }
    /// See `CypherGraph` for the contract.
    public func deleteNode(_ id: Int64) throws {
        guard store.nodes[id] != nil else { return }
        if !(store.out[id] ?? []).isEmpty || !(store.inc[id] ?? []).isEmpty {
            throw CypherError("ConstraintVerificationFailed", "DeleteConnectedNode", "cannot delete a node that still has relationships; use DETACH DELETE")
        }
        store.nodes[id] = nil
        store.out[id] = nil
        store.inc[id] = nil
    }
    /// See `CypherGraph` for the contract.
    public func deleteRelationship(_ id: Int64) {
        guard let r = store.rels[id] else { return }
        store.rels[id] = nil
        store.out[r.start]?.removeAll { $0 == id }
        store.inc[r.end]?.removeAll { $0 == id }
    }
}
