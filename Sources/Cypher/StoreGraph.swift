import Graph

/// Runs Cypher on the LMDB `GraphStore` inside one of its transactions.
///
/// Reads use a `ReadTransaction` (a snapshot); a statement with writes must be given a `WriteTransaction`,
/// which the store's group-commit writer commits when the closure returns and aborts when it throws — so
/// all of a statement's writes land or none do:
///
/// ```swift
/// let engine = CypherEngine()
/// let prepared = try engine.prepare(query)
/// if prepared.isWrite {
///     result = try store.writeSync { tx in try engine.execute(prepared, parameters: p, on: StoreGraph(tx)) }
/// } else {
///     result = try store.read { tx in try engine.execute(prepared, parameters: p, on: StoreGraph(tx)) }
/// }
/// ```
///
/// Not thread-safe, like the transaction it wraps.
public final class StoreGraph: CypherGraph {
    private let read: ReadTransaction
    private let write: WriteTransaction?

    /// Wraps a transaction; writes are refused unless it is a `WriteTransaction`.
    public init(_ transaction: ReadTransaction) {
        read = transaction
        write = transaction as? WriteTransaction
    }

    /// See `CypherGraph` for the contract.
    public func begin(write wantsWrite: Bool) throws {
        if wantsWrite && write == nil {
            throw CypherError("SecurityError", "ForbiddenWrite", "this statement writes but runs in a read transaction")
        }
    }
    /// See `CypherGraph` for the contract.
    public func commit() throws {}
    /// The store aborts the transaction when the error propagates out of its closure.
    public func rollback() {}

    private func writer() throws -> WriteTransaction {
        lastNode = nil
        guard let write else { throw CypherError("SecurityError", "ForbiddenWrite", "read-only transaction") }
        return write
    }

    private func nid(_ id: Int64) -> NodeID { NodeID(bitPattern: id) }
    private func rid(_ id: Int64) -> RelationshipID { RelationshipID(bitPattern: id) }

    /// See `CypherGraph` for the contract.
    public func allNodes() throws -> [Int64] {
        var out: [Int64] = []
        try read.forEachNode { n in out.append(Int64(bitPattern: n.id)); return true }
        return out
    }
    /// See `CypherGraph` for the contract.
    public func nodes(withLabel label: String) throws -> [Int64] {
        try read.nodes(withLabel: label).map { Int64(bitPattern: $0) }
    }
    /// See `CypherGraph` for the contract.
    public func indexSeek(label: String, key: String, value: Value) throws -> [Int64]? {
        guard hasIndex(label: label, key: key), let pv = StoreGraph.propertyValue(value) else { return nil }
        return try read.findNodes(label: label, property: key, equals: pv).map { Int64(bitPattern: $0) }
    }
    private lazy var declaredIndexes: Set<[String]> = Set(((try? read.indexes()) ?? []).map { [$0.label, $0.property] })

    /// See `CypherGraph` for the contract.
    public func hasIndex(label: String, key: String) -> Bool { declaredIndexes.contains([label, key]) }
    /// See `CypherGraph` for the contract.
    public func nodeExists(_ id: Int64) throws -> Bool { try read.nodeExists(nid(id)) }
    /// See `CypherGraph` for the contract.
    public func labels(of node: Int64) throws -> [String] { try cachedNode(node)?.labels ?? [] }
    /// See `CypherGraph` for the contract.
    public func nodeProperties(_ id: Int64) throws -> [String: Value] {
        (try cachedNode(id)?.properties ?? [:]).mapValues(StoreGraph.value)
    }
    /// See `CypherGraph` for the contract.
    public func nodeProperty(_ id: Int64, _ key: String) throws -> Value {
        if let hit = lastNode, hit.id == nid(id) { return StoreGraph.value(hit.properties[key] ?? .null) }
        return StoreGraph.value(try read.property(key, ofNode: nid(id)) ?? .null)
    }

    /// The most recently decoded node: a statement usually reads labels, then properties of the same node.
    private var lastNode: Node?

    private func cachedNode(_ id: Int64) throws -> Node? {
        if let hit = lastNode, hit.id == nid(id) { return hit }
        lastNode = try read.node(nid(id))
        return lastNode
    }
    /// See `CypherGraph` for the contract.
    public func relationship(_ id: Int64) throws -> RelRef? {
        guard let r = try read.relationship(rid(id)) else { return nil }
        return RelRef(id: id, type: r.type, start: Int64(bitPattern: r.start), end: Int64(bitPattern: r.end))
    }
    /// See `CypherGraph` for the contract.
    public func relationshipProperties(_ id: Int64) throws -> [String: Value] {
        (try read.relationship(rid(id))?.properties ?? [:]).mapValues(StoreGraph.value)
    }
    /// See `CypherGraph` for the contract.
    public func relationshipProperty(_ id: Int64, _ key: String) throws -> Value {
        StoreGraph.value(try read.relationship(rid(id))?.properties[key] ?? .null)
    }
    /// See `CypherGraph` for the contract.
    public func expand(_ node: Int64, _ direction: Direction, types: [String]) throws -> [RelRef] {
        let d: Graph.Direction = direction == .outgoing ? .outgoing : (direction == .incoming ? .incoming : .both)
        var out: [RelRef] = []
        var seen = Set<RelationshipID>()
        for e in try read.adjacency(of: nid(node), direction: d, types: types) {
            // A self-loop shows up once per direction; Cypher sees it once.
            if direction == .both && !seen.insert(e.relationship).inserted { continue }
            let me = Int64(bitPattern: nid(node)), other = Int64(bitPattern: e.other)
            let (s, t) = e.direction == .outgoing ? (me, other) : (other, me)
            out.append(RelRef(id: Int64(bitPattern: e.relationship), type: e.type, start: s, end: t))
        }
        return out
    }

    /// See `CypherGraph` for the contract.
    public func createNode(labels: [String], properties: [String: Value]) throws -> Int64 {
        Int64(bitPattern: try writer().createNode(labels: labels, properties: try StoreGraph.properties(properties)))
    }
    /// See `CypherGraph` for the contract.
    public func createRelationship(type: String, start: Int64, end: Int64, properties: [String: Value]) throws -> RelRef {
        let id = try writer().createRelationship(type: type, from: nid(start), to: nid(end), properties: try StoreGraph.properties(properties))
        return RelRef(id: Int64(bitPattern: id), type: type, start: start, end: end)
    }
    /// See `CypherGraph` for the contract.
    public func setNodeProperty(_ id: Int64, _ key: String, _ value: Value) throws {
        try writer().setProperties(try StoreGraph.properties([key: value], keepNull: true), ofNode: nid(id))
    }
    /// See `CypherGraph` for the contract.
    public func setRelationshipProperty(_ id: Int64, _ key: String, _ value: Value) throws {
        try writer().setProperties(try StoreGraph.properties([key: value], keepNull: true), ofRelationship: rid(id))
    }
    /// See `CypherGraph` for the contract.
    public func addLabels(_ id: Int64, _ labels: [String]) throws { try writer().addLabels(labels, to: nid(id)) }
    /// See `CypherGraph` for the contract.
    public func removeLabels(_ id: Int64, _ labels: [String]) throws { try writer().removeLabels(labels, from: nid(id)) }
    /// See `CypherGraph` for the contract.
    public func deleteNode(_ id: Int64) throws {
        guard try read.nodeExists(nid(id)) else { return }
        if try read.degree(of: nid(id)) > 0 {
            throw CypherError("ConstraintVerificationFailed", "DeleteConnectedNode", "cannot delete a node that still has relationships; use DETACH DELETE")
        }
        try writer().deleteNode(nid(id))
    }
    /// See `CypherGraph` for the contract.
    public func deleteRelationship(_ id: Int64) throws {
        guard try read.relationship(rid(id)) != nil else { return }
        try writer().deleteRelationship(rid(id))
    }

    // MARK: value conversion

    static func properties(_ m: [String: Value], keepNull: Bool = false) throws -> [String: PropertyValue] {
        var out: [String: PropertyValue] = [:]
        for (k, v) in m {
            if v.isNull { if keepNull { out[k] = .null }; continue }
            guard let pv = propertyValue(v) else {
                throw CypherError.type("InvalidPropertyType", "\(v.typeName) cannot be stored as a property")
            }
            out[k] = pv
        }
        return out
    }

    /// Engine value → stored value (nil when it cannot be stored).
    static func propertyValue(_ v: Value) -> PropertyValue? {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .list(let l):
            var out: [PropertyValue] = []
            for x in l { guard let p = propertyValue(x), !p.isNull else { return nil }; out.append(p) }
            return .list(out)
        case .temporal(let t):
            switch t {
            case .date(let d): return .date(LocalDate(epochDay: d))
            case .localTime(let n): return (try? LocalTime(nanosecondOfDay: n)).map { .localTime($0) }
            case .time(let n, let off):
                guard let lt = try? LocalTime(nanosecondOfDay: n), let ot = try? OffsetTime(time: lt, offsetSeconds: off) else { return nil }
                return .time(ot)
            case .localDateTime(let s, let n):
                let day = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
                guard let lt = try? LocalTime(nanosecondOfDay: (s - day * 86_400) * 1_000_000_000 + Int64(n)) else { return nil }
                return .localDateTime(LocalDateTime(date: LocalDate(epochDay: day), time: lt))
            case .dateTime(let s, let n, let off, let zone):
                return (try? ZonedDateTime(epochSecond: s, nanosecond: n, offsetSeconds: off, zoneName: zone)).map { .dateTime($0) }
            case .duration(let mo, let d, let s, let n):
                return .duration(TemporalDuration(months: mo, days: d, seconds: s, nanoseconds: Int64(n)))
            }
        default: return nil
        }
    }

    /// Stored value → engine value.
    static func value(_ p: PropertyValue) -> Value {
        switch p {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .bytes(let b): return .list(b.map { .int(Int64($0)) })
        case .list(let l): return .list(l.map(value))
        case .date(let d): return .temporal(.date(days: d.epochDay))
        case .localTime(let t): return .temporal(.localTime(nanos: t.nanosecondOfDay))
        case .time(let t): return .temporal(.time(nanos: t.time.nanosecondOfDay, offset: t.offsetSeconds))
        case .localDateTime(let t):
            return .temporal(.localDateTime(seconds: t.epochSecond, nanos: Int32(t.time.nanosecondOfDay % 1_000_000_000)))
        case .dateTime(let t): return .temporal(.dateTime(seconds: t.epochSecond, nanos: t.nanosecond, offset: t.offsetSeconds, zone: t.zoneName))
        case .duration(let d): return .temporal(.duration(months: d.months, days: d.days, seconds: d.seconds, nanos: d.nanoseconds))
        }
    }
}
