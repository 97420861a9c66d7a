import CLMDB

/// A property key resolved to its token, for reading one property in a hot loop without a name lookup.
public struct PropertyKey: Sendable, Hashable {
    let token: UInt32
    /// The key's name.
    public let name: String
}

/// A consistent snapshot of the graph. Obtained from `GraphStore.read`; valid only inside that closure
/// and on that thread.
public class ReadTransaction {
    let store: GraphStore
    let tables: Tables
    /// The LMDB transaction (a child transaction while a write request runs).
    var txn: OpaquePointer
    var tokens: TokenSnapshot
    /// Declared indexes as published no later than this snapshot (an index newer than it is simply not used).
    let publishedSchema: Schema
    /// Tokens met in this transaction that the published snapshot lacks (allocated only when needed).
    private var localIDs: [[String: UInt32]]? = nil
    private var localNames: [[UInt32: String]]? = nil
    /// Adjacency cursors per nesting depth, so a scan may start another scan from inside its callback.
    private var outCursors: [Cursor] = []
    private var inCursors: [Cursor] = []
    private var indexCursor: Cursor?
    private var adjacencyDepth = 0

    /// Cursors kept with a pooled read transaction (nil for write transactions, whose cursors die with them).
    private let pool: CursorPool?

    init(store: GraphStore, txn: OpaquePointer, tokens: TokenSnapshot, schema: Schema, cursors: CursorPool? = nil) {
        self.store = store
        self.tables = store.tables
        self.txn = txn
        self.tokens = tokens
        self.publishedSchema = schema
        self.pool = cursors
    }

    /// Closes cached cursors (before the LMDB transaction ends); pooled ones stay for the next use.
    func finish() {
        outCursors = []
        inCursors = []
        indexCursor = nil
    }

    /// Forgets tokens learnt in this transaction (after a child transaction is aborted).
    func forgetLocalTokens() {
        localIDs = nil
        localNames = nil
    }

    func rememberToken(_ kind: TokenKind, _ id: UInt32, _ name: String) {
        if localIDs == nil {
            localIDs = [[:], [:], [:]]
            localNames = [[:], [:], [:]]
        }
        localIDs![Int(kind.rawValue)][name] = id
        localNames![Int(kind.rawValue)][id] = name
    }

    /// The declared indexes this transaction uses for seeks.
    var schemaForReads: Schema { publishedSchema }

    final func cachedIndexCursor() throws(GraphError) -> Cursor {
        if let c = indexCursor { return c }
        if let pool {
            if let c = pool.index {
                try c.renew(txn, generation: pool.generation)
                indexCursor = c
                return c
            }
            let c = try Cursor(txn, tables.index)
            c.generation = pool.generation
            pool.index = c
            indexCursor = c
            return c
        }
        let c = try Cursor(txn, tables.index)
        indexCursor = c
        return c
    }

    // MARK: tokens

    final func tokenName(_ kind: TokenKind, _ id: UInt32) throws(GraphError) -> String {
        if let n = tokens.name(kind, id) { return n }
        if let n = localNames?[Int(kind.rawValue)][id] { return n }
        guard let bytes = try getBytes(txn, tables.tokenNames, tokenIDKey(kind, id)) else {
            throw GraphError(.corrupted, "\(kind.field) token \(id) has no name")
        }
        let name = String(decoding: bytes, as: UTF8.self)
        rememberToken(kind, id, name)
        return name
    }

    final func tokenID(_ kind: TokenKind, _ name: String) throws(GraphError) -> UInt32? {
        if let id = tokens.id(kind, name) { return id }
        if let id = localIDs?[Int(kind.rawValue)][name] { return id }
        guard let v = try getBytes(txn, tables.tokens, tokenNameKey(kind, name)), v.count == 4 else { return nil }
        let id = v.withUnsafeBytes { loadBE32($0, 0) }
        guard try tokenName(kind, id) == name else { return nil }
        rememberToken(kind, id, name)
        return id
    }

    /// Resolves a property key name; nil if no node or relationship ever had it.
    public final func propertyKey(_ name: String) throws(GraphError) -> PropertyKey? {
        try tokenID(.key, name).map { PropertyKey(token: $0, name: name) }
    }

    final func decodeProperties(_ r: inout ByteReader) throws(GraphError) -> [String: PropertyValue] {
        let n = try r.varint()
        guard n <= UInt64(r.base.count) else { throw ByteReader.corrupt("properties") }
        var props = [String: PropertyValue](minimumCapacity: Int(n))
        for _ in 0..<n {
            guard let k = UInt32(exactly: try r.varint()) else { throw ByteReader.corrupt("properties") }
            props[try tokenName(.key, k)] = try PropertyValue.readRecord(&r, depth: 0)
        }
        return props
    }

    final func decodeNode(_ id: NodeID, _ raw: UnsafeRawBufferPointer) throws(GraphError) -> Node {
        var r = ByteReader(raw)
        let labelCount = try r.varint()
        guard labelCount < 4096 else { throw ByteReader.corrupt("node") }
        var labels: [String] = []
        labels.reserveCapacity(Int(labelCount))
        for _ in 0..<labelCount {
            guard let t = UInt32(exactly: try r.varint()) else { throw ByteReader.corrupt("node") }
            labels.append(try tokenName(.label, t))
        }
        if labels.count > 1 { labels.sort() }
        return Node(id: id, labels: labels, properties: try decodeProperties(&r))
    }

    final func decodeRelationship(_ id: RelationshipID, _ raw: UnsafeRawBufferPointer) throws(GraphError) -> Relationship {
        guard raw.count >= 20 else { throw ByteReader.corrupt("relationship") }
        var r = ByteReader(raw, offset: 20)
        return Relationship(id: id, type: try tokenName(.type, loadBE32(raw, 0)), start: loadBE64(raw, 4),
                            end: loadBE64(raw, 12), properties: try decodeProperties(&r))
    }

    // MARK: records

    /// The node with that id, or nil.
    public final func node(_ id: NodeID) throws(GraphError) -> Node? {
        try withIDVal(id) { (k) throws(GraphError) -> Node? in
            guard let data = try getRaw(txn, tables.nodes, &k) else { return nil }
            return try decodeNode(id, data.raw)
        }
    }

    /// True when a node with that id exists.
    public final func nodeExists(_ id: NodeID) throws(GraphError) -> Bool {
        try withIDVal(id) { (k) throws(GraphError) -> Bool in try getRaw(txn, tables.nodes, &k) != nil }
    }

    /// One property of a node (`.null` when the node lacks it), decoding nothing else; nil if no such node.
    public final func property(_ key: PropertyKey, ofNode id: NodeID) throws(GraphError) -> PropertyValue? {
        try withIDVal(id) { (k) throws(GraphError) -> PropertyValue? in
            guard let data = try getRaw(txn, tables.nodes, &k) else { return nil }
            var r = ByteReader(data.raw)
            try Records.skipNodeLabels(&r)
            return try Records.property(&r, key: key.token) ?? .null
        }
    }

    /// One property of a node by name (`.null` when absent); nil if no such node.
    public final func property(_ name: String, ofNode id: NodeID) throws(GraphError) -> PropertyValue? {
        guard let key = try propertyKey(name) else { return try nodeExists(id) ? .null : nil }
        return try property(key, ofNode: id)
    }

    /// The relationship with that id, or nil.
    public final func relationship(_ id: RelationshipID) throws(GraphError) -> Relationship? {
        try withIDVal(id) { (k) throws(GraphError) -> Relationship? in
            guard let data = try getRaw(txn, tables.rels, &k) else { return nil }
            return try decodeRelationship(id, data.raw)
        }
    }

    /// One property of a relationship (`.null` when absent); nil if no such relationship.
    public final func property(_ key: PropertyKey, ofRelationship id: RelationshipID) throws(GraphError) -> PropertyValue? {
        try withIDVal(id) { (k) throws(GraphError) -> PropertyValue? in
            guard let data = try getRaw(txn, tables.rels, &k) else { return nil }
            var r = ByteReader(data.raw, offset: 20)
            return try Records.property(&r, key: key.token) ?? .null
        }
    }

    // MARK: adjacency

    final func adjacencyCursor(incoming: Bool) throws(GraphError) -> Cursor {
        if let pool {
            let list = incoming ? pool.in : pool.out
            if adjacencyDepth < list.count {
                let c = list[adjacencyDepth]
                try c.renew(txn, generation: pool.generation)
                return c
            }
            let c = try Cursor(txn, incoming ? tables.inAdj : tables.outAdj)
            c.generation = pool.generation
            if incoming { pool.in.append(c) } else { pool.out.append(c) }
            return c
        }
        if incoming {
            if adjacencyDepth < inCursors.count { return inCursors[adjacencyDepth] }
            let c = try Cursor(txn, tables.inAdj)
            inCursors.append(c)
            return c
        }
        if adjacencyDepth < outCursors.count { return outCursors[adjacencyDepth] }
        let c = try Cursor(txn, tables.outAdj)
        outCursors.append(c)
        return c
    }

    /// Visits (type, other node, relationship) of one direction of a node, by type then other node.
    /// With `type`, only that type is read: O(its degree). Returns false if `body` stopped the scan.
    @discardableResult
    final func scanAdjacency(_ node: NodeID, incoming: Bool, type: UInt32?,
                             _ body: (UInt32, UInt64, UInt64) throws(GraphError) -> Bool) throws(GraphError) -> Bool {
        let cursor = try adjacencyCursor(incoming: incoming)
        adjacencyDepth += 1
        defer { adjacencyDepth -= 1 }
        if let type {
            return try withAdjKey(node, type) { (k) throws(GraphError) -> Bool in
                var data = MDB_val()
                guard try cursor.get(&k, &data, MDB_SET) else { return true }
                return try readDuplicates(cursor, type, body)
            }
        }
        var nextType: UInt32 = 0
        while true {
            let found = try withAdjKey(node, nextType) { (k) throws(GraphError) -> UInt32? in
                var data = MDB_val()
                guard try cursor.get(&k, &data, MDB_SET_RANGE) else { return nil }
                let raw = k.raw
                guard raw.count == 12, loadBE64(raw, 0) == node else { return nil }
                return loadBE32(raw, 8)
            }
            guard let type = found else { return true }
            if try !readDuplicates(cursor, type, body) { return false }
            if type == UInt32.max { return true }
            nextType = type + 1
        }
    }

    private func readDuplicates(_ cursor: Cursor, _ type: UInt32,
                                _ body: (UInt32, UInt64, UInt64) throws(GraphError) -> Bool) throws(GraphError) -> Bool {
        var k = MDB_val()
        var d = MDB_val(mv_size: 0, mv_data: nil)
        var op = MDB_GET_MULTIPLE
        while try cursor.get(&k, &d, op) {
            if d.mv_data == nil {
                // A key with a single value is stored inline: GET_MULTIPLE succeeds without data.
                guard try cursor.get(&k, &d, MDB_GET_CURRENT), d.mv_size == 16 else { return true }
                let raw = d.raw
                return try body(type, loadBE64(raw, 0), loadBE64(raw, 8))
            }
            op = MDB_NEXT_MULTIPLE
            let raw = d.raw
            var i = 0
            while i + 16 <= raw.count {
                if try !body(type, loadBE64(raw, i), loadBE64(raw, i + 8)) { return false }
                i += 16
            }
        }
        return true
    }

    /// Calls `body(relationship, other node)` for each relationship of one type at a node, without decoding
    /// any record. Stops when `body` returns false.
    public final func forEachAdjacent(of node: NodeID, direction: Direction, type: String,
                                      _ body: (RelationshipID, NodeID) throws(GraphError) -> Bool) throws(GraphError) {
        guard let t = try tokenID(.type, type) else { return }
        if direction != .incoming {
            if try !scanAdjacency(node, incoming: false, type: t, { (_, other, rel) throws(GraphError) in try body(rel, other) }) { return }
        }
        if direction != .outgoing {
            try scanAdjacency(node, incoming: true, type: t, { (_, other, rel) throws(GraphError) in try body(rel, other) })
        }
    }

    /// The relationships of a node as ids only (outgoing first), optionally restricted to some types.
    public final func adjacency(of node: NodeID, direction: Direction = .both, types: [String] = []) throws(GraphError) -> [AdjacencyEntry] {
        var out: [AdjacencyEntry] = []
        try visitAdjacency(node, direction: direction, types: types, after: nil) { (incoming, type, other, rel) throws(GraphError) -> Bool in
            out.append(AdjacencyEntry(relationship: rel, other: other, type: try tokenName(.type, type),
                                      direction: incoming ? .incoming : .outgoing))
            return true
        }
        return out
    }

    /// How many relationships a node has in a direction, optionally of one type; read from LMDB's counts, not a scan.
    public final func degree(of node: NodeID, direction: Direction = .both, type: String? = nil) throws(GraphError) -> Int {
        var total = 0
        for incoming in [false, true] where direction == .both || (direction == .incoming) == incoming {
            let cursor = try adjacencyCursor(incoming: incoming)
            var types: [UInt32] = []
            if let type {
                guard let t = try tokenID(.type, type) else { return 0 }
                types = [t]
            } else {
                try scanKeys(cursor, node) { types.append($0) }
            }
            for t in types {
                total += try withAdjKey(node, t) { (k) throws(GraphError) -> Int in
                    var data = MDB_val()
                    guard try cursor.get(&k, &data, MDB_SET) else { return 0 }
                    var count = 0
                    try lmdbCheck(mdb_cursor_count(cursor.pointer, &count), "count")
                    return count
                }
            }
        }
        return total
    }

    /// The relationship types present at a node in one direction (one seek per type).
    private func scanKeys(_ cursor: Cursor, _ node: NodeID, _ body: (UInt32) -> Void) throws(GraphError) {
        var next: UInt32 = 0
        while true {
            let found = try withAdjKey(node, next) { (k) throws(GraphError) -> UInt32? in
                var data = MDB_val()
                guard try cursor.get(&k, &data, MDB_SET_RANGE) else { return nil }
                let raw = k.raw
                guard raw.count == 12, loadBE64(raw, 0) == node else { return nil }
                return loadBE32(raw, 8)
            }
            guard let t = found else { return }
            body(t)
            if t == UInt32.max { return }
            next = t + 1
        }
    }

    final func visitAdjacency(_ node: NodeID, direction: Direction, types: [String], after: AdjacencyCursor?,
                              _ body: (Bool, UInt32, UInt64, UInt64) throws(GraphError) -> Bool) throws(GraphError) {
        var typeTokens: [UInt32]? = nil
        if !types.isEmpty {
            var list: [UInt32] = []
            for name in types { if let t = try tokenID(.type, name) { list.append(t) } }
            if list.isEmpty { return }
            typeTokens = Array(Set(list)).sorted()
        }
        for incoming in [false, true] where direction == .both || (direction == .incoming) == incoming {
            if let after, after.incoming && !incoming { continue }
            let visit: (UInt32, UInt64, UInt64) throws(GraphError) -> Bool = { (t, other, rel) throws(GraphError) -> Bool in
                if let after, after.incoming == incoming,
                   (t, other, rel) <= (after.type, after.other, after.relationship) { return true }
                return try body(incoming, t, other, rel)
            }
            if let typeTokens {
                for t in typeTokens {
                    if let after, after.incoming == incoming, t < after.type { continue }
                    if try !scanAdjacency(node, incoming: incoming, type: t, visit) { return }
                }
            } else if try !scanAdjacency(node, incoming: incoming, type: nil, visit) {
                return
            }
        }
    }

    /// The relationships of a node with the nodes at their other ends.
    ///
    /// - Parameters:
    ///   - direction: which relationships to follow; outgoing ones are listed first.
    ///   - types: relationship types to follow (empty: all).
    ///   - filter: keeps only the pairs it returns true for.
    ///   - limit: the most pairs to return.
    ///   - after: a cursor from a previous page.
    /// - Returns: the pairs and, when `limit` was reached, a cursor for the next page.
    public final func neighbours(of node: NodeID, direction: Direction = .both, types: [String] = [],
                                 where filter: ((Neighbour) -> Bool)? = nil, limit: Int = Int.max,
                                 after: AdjacencyCursor? = nil) throws(GraphError) -> (items: [Neighbour], next: AdjacencyCursor?) {
        var items: [Neighbour] = []
        var next: AdjacencyCursor? = nil
        guard limit > 0 else { return ([], nil) }
        try visitAdjacency(node, direction: direction, types: types, after: after) { (incoming, t, other, rel) throws(GraphError) -> Bool in
            guard let r = try relationship(rel), let n = try self.node(other) else {
                throw GraphError(.corrupted, "adjacency of node \(node) names relationship \(rel) or node \(other) that does not exist")
            }
            let pair = Neighbour(relationship: r, node: n)
            if let filter, !filter(pair) { return true }
            items.append(pair)
            if items.count >= limit {
                next = AdjacencyCursor(incoming: incoming, type: t, other: other, relationship: rel)
                return false
            }
            return true
        }
        return (items, next)
    }

    /// Breadth-first expansion from a node: each relationship is followed at most once, each node is
    /// reported once at its smallest depth.
    ///
    /// - Parameters:
    ///   - maxDepth: the most hops (≥ 1).
    ///   - limit: the most nodes to report.
    public final func expand(from start: NodeID, direction: Direction = .outgoing, types: [String] = [],
                             maxDepth: Int, limit: Int = Int.max) throws(GraphError) -> [Reached] {
        guard maxDepth >= 1 else { throw GraphError(.invalidValue(field: "depth"), "depth must be at least 1") }
        var seenNodes: Set<NodeID> = [start]
        var seenRels: Set<RelationshipID> = []
        var frontier = [start]
        var out: [Reached] = []
        for depth in 1...maxDepth {
            var next: [NodeID] = []
            for n in frontier {
                var stop = false
                try visitAdjacency(n, direction: direction, types: types, after: nil) { (_, _, other, rel) throws(GraphError) -> Bool in
                    guard seenRels.insert(rel).inserted else { return true }
                    if seenNodes.insert(other).inserted {
                        out.append(Reached(node: other, depth: depth, via: rel))
                        next.append(other)
                        if out.count >= limit {
                            stop = true
                            return false
                        }
                    }
                    return true
                }
                if stop { return out }
            }
            if next.isEmpty { break }
            frontier = next
        }
        return out
    }

    // MARK: scans

    /// Node ids with a label, ascending, starting after `after`.
    public final func nodes(withLabel label: String, after: NodeID? = nil, limit: Int = Int.max) throws(GraphError) -> [NodeID] {
        var ids: [NodeID] = []
        guard limit > 0 else { return ids }
        try forEachNode(withLabel: label, after: after) { id in
            ids.append(id)
            return ids.count < limit
        }
        return ids
    }

    /// Calls `body` for each node id with a label, ascending, until it returns false.
    public final func forEachNode(withLabel label: String, after: NodeID? = nil, _ body: (NodeID) throws(GraphError) -> Bool) throws(GraphError) {
        guard let t = try tokenID(.label, label) else { return }
        var prefix: [UInt8] = []
        prefix.appendBE32(t)
        var start: [UInt8]? = nil
        if let after {
            guard after < UInt64.max else { return }
            start = prefix
            start!.appendBE64(after + 1)
        }
        let cursor = try Cursor(txn, tables.labels)
        try cursor.scan(prefix: prefix, from: start) { (k, _) throws(GraphError) -> Bool in
            guard k.count == 12 else { throw GraphError(.corrupted, "bad label index key") }
            return try body(loadBE64(k, 4))
        }
    }

    /// A relationship record seen during `forEachRelationship`; valid only inside the callback.
    public struct RelationshipRecord {
        /// The relationship id.
        public let id: RelationshipID
        /// The start node.
        public let start: NodeID
        /// The end node.
        public let end: NodeID
        let typeToken: UInt32
        let raw: UnsafeRawBufferPointer

        init(id: RelationshipID, start: NodeID, end: NodeID, typeToken: UInt32, raw: UnsafeRawBufferPointer) {
            self.id = id
            self.start = start
            self.end = end
            self.typeToken = typeToken
            self.raw = raw
        }

        /// One property (`.null` when absent), decoding nothing else.
        public func property(_ key: PropertyKey) throws(GraphError) -> PropertyValue {
            var r = ByteReader(raw, offset: 20)
            return try Records.property(&r, key: key.token) ?? .null
        }
    }

    /// Scans relationship records in id order (optionally of one type), handing each to `body` without
    /// decoding its properties; for whole-graph aggregations. Stops when `body` returns false.
    public final func forEachRelationship(type: String? = nil, _ body: (RelationshipRecord) throws(GraphError) -> Bool) throws(GraphError) {
        var wanted: UInt32? = nil
        if let type {
            guard let t = try tokenID(.type, type) else { return }
            wanted = t
        }
        let cursor = try Cursor(txn, tables.rels)
        var k = MDB_val()
        var d = MDB_val()
        var op = MDB_FIRST
        while try cursor.get(&k, &d, op) {
            op = MDB_NEXT
            let raw = d.raw
            guard raw.count >= 20, k.mv_size == 8 else { throw ByteReader.corrupt("relationship") }
            let t = loadBE32(raw, 0)
            if let wanted, wanted != t { continue }
            let record = RelationshipRecord(id: loadBE64(k.raw, 0), start: loadBE64(raw, 4), end: loadBE64(raw, 12), typeToken: t, raw: raw)
            if try !body(record) { return }
        }
    }

    /// Calls `body` for every node in id order, until it returns false.
    public final func forEachNode(_ body: (Node) throws(GraphError) -> Bool) throws(GraphError) {
        let cursor = try Cursor(txn, tables.nodes)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 8 else { throw ByteReader.corrupt("node key") }
            return try body(try decodeNode(loadBE64(k, 0), v))
        }
    }

    /// Calls `body` for every relationship in id order, until it returns false.
    public final func forEachRelationship(_ body: (Relationship) throws(GraphError) -> Bool) throws(GraphError) {
        let cursor = try Cursor(txn, tables.rels)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 8 else { throw ByteReader.corrupt("relationship key") }
            return try body(try decodeRelationship(loadBE64(k, 0), v))
        }
    }

    // MARK: indexes

    /// The declared indexes, sorted.
    public final func indexes() throws(GraphError) -> [IndexDescription] {
        var out: [IndexDescription] = []
        let cursor = try Cursor(txn, tables.schema)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 8, v.count == 1 else { throw GraphError(.corrupted, "bad schema entry") }
            out.append(IndexDescription(label: try tokenName(.label, loadBE32(k, 0)), property: try tokenName(.key, loadBE32(k, 4)), unique: v[0] == 1))
            return true
        }
        return out.sorted()
    }

    /// The declared index on (label, property), if any.
    final func indexTokens(_ label: String, _ property: String) throws(GraphError) -> (UInt32, UInt32, Bool)? {
        guard let l = try tokenID(.label, label), let k = try tokenID(.key, property) else { return nil }
        if let unique = schemaForReads.byLabel[l]?[k] { return (l, k, unique) }
        return nil
    }

    /// Nodes with `label` whose `property` equals `value`: an index seek when an index is declared,
    /// otherwise a label scan.
    public final func findNodes(label: String, property: String, equals value: PropertyValue, limit: Int = Int.max) throws(GraphError) -> [NodeID] {
        guard limit > 0, !value.isNull else { return [] }
        guard let (l, k, _) = try indexTokens(label, property) else {
            guard let key = try propertyKey(property) else { return [] }
            var ids: [NodeID] = []
            try forEachNode(withLabel: label) { (id) throws(GraphError) -> Bool in
                if try self.property(key, ofNode: id) == value { ids.append(id) }
                return ids.count < limit
            }
            return ids
        }
        var prefix = IndexKeys.prefix(l, k)
        value.appendOrdered(to: &prefix)
        var verify = false
        if prefix.count - 8 > IndexKeys.limit {
            prefix = IndexKeys.prefix(l, k) + IndexKeys.valuePart(Array(prefix[8...]))
            verify = true
        }
        let key = PropertyKey(token: k, name: property)
        var ids: [NodeID] = []
        let cursor = try cachedIndexCursor()
        try cursor.scan(prefix: prefix) { (kb, _) throws(GraphError) -> Bool in
            guard kb.count == prefix.count + 8 else { return true }
            let id = loadBE64(kb, prefix.count)
            let same = verify ? (try self.property(key, ofNode: id)) == value : true
            if same { ids.append(id) }
            return ids.count < limit
        }
        return ids
    }

    /// Nodes with `label` whose `property` lies between the bounds, in value order, through a declared index.
    /// Only values of the bounds' kind are returned (numbers for numeric bounds, strings for string bounds, ...).
    public final func findNodes(label: String, property: String, from lower: IndexBound?, to upper: IndexBound?,
                                limit: Int = Int.max) throws(GraphError) -> [NodeID] {
        guard let (l, k, _) = try indexTokens(label, property) else {
            throw GraphError(.notFound, "no index on :\(label)(\(property))")
        }
        func enc(_ b: IndexBound?) -> (bytes: [UInt8], inclusive: Bool)? {
            switch b {
            case .none: return nil
            case .inclusive(let v): return (v.orderedBytes(), true)
            case .exclusive(let v): return (v.orderedBytes(), false)
            }
        }
        let lo = enc(lower), hi = enc(upper)
        guard let tag = lo?.bytes.first ?? hi?.bytes.first else {
            throw GraphError(.invalidValue(field: "range"), "a range needs at least one bound")
        }
        if let lo, let hi, lo.bytes.first != hi.bytes.first {
            throw GraphError(.invalidValue(field: "range"), "both bounds of a range must be of the same kind")
        }
        return try scanIndex(l, k, property, tag: tag, start: lo.map { Array($0.bytes.prefix(IndexKeys.limit)) } ?? [tag], limit: limit) { full in
            if let lo {
                if lo.inclusive ? full.lexicographicallyPrecedes(lo.bytes) : !lo.bytes.lexicographicallyPrecedes(full) { return .skip }
            }
            if let hi {
                if hi.inclusive ? hi.bytes.lexicographicallyPrecedes(full) : !full.lexicographicallyPrecedes(hi.bytes) { return .stop }
            }
            return .take
        }
    }

    /// Nodes with `label` whose string `property` starts with `prefix`, in value order, through a declared index.
    public final func findNodes(label: String, property: String, prefix: String, limit: Int = Int.max) throws(GraphError) -> [NodeID] {
        guard let (l, k, _) = try indexTokens(label, property) else {
            throw GraphError(.notFound, "no index on :\(label)(\(property))")
        }
        let p = PropertyValue.orderedPrefix(ofString: prefix)
        return try scanIndex(l, k, property, tag: p[0], start: Array(p.prefix(IndexKeys.limit)), limit: limit) { full in
            if full.starts(with: p) { return .take }
            return full.lexicographicallyPrecedes(p) ? .skip : .stop
        }
    }

    enum ScanVerdict { case take, skip, stop }

    private func scanIndex(_ l: UInt32, _ k: UInt32, _ property: String, tag: UInt8, start: [UInt8], limit: Int,
                           _ judge: ([UInt8]) -> ScanVerdict) throws(GraphError) -> [NodeID] {
        let base = IndexKeys.prefix(l, k)
        var prefix = base
        prefix.append(tag)
        let key = PropertyKey(token: k, name: property)
        var ids: [NodeID] = []
        guard limit > 0 else { return ids }
        let cursor = try Cursor(txn, tables.index)
        try cursor.scan(prefix: prefix, from: base + start) { (kb, _) throws(GraphError) -> Bool in
            let partCount = kb.count - base.count - 8
            guard partCount > 0 else { return true }
            let id = loadBE64(kb, kb.count - 8)
            var full = Array(kb[base.count..<(base.count + partCount)])
            if IndexKeys.isTruncated(valuePartCount: partCount) {
                let head = Array(full.prefix(IndexKeys.limit))
                // Past the range on the first `limit` bytes means past it entirely.
                if judge(head) == .stop && !head.isEmpty {
                    return false
                }
                guard let v = try self.property(key, ofNode: id) else { return true }
                full = v.orderedBytes()
            }
            switch judge(full) {
            case .take:
                ids.append(id)
                return ids.count < limit
            case .skip: return true
            case .stop: return IndexKeys.isTruncated(valuePartCount: partCount)
            }
        }
        return ids
    }

    /// One more than the largest node id assigned so far: every node id is below it (for dense arrays).
    public func nodeIDLimit() throws(GraphError) -> NodeID {
        guard let v = try getBytes(txn, tables.meta, WriteState.metaNextNode), v.count == 8 else { return 1 }
        return v.withUnsafeBytes { loadBE64($0, 0) }
    }

    // MARK: counts

    final func storedCount(_ packed: UInt64) throws(GraphError) -> Int {
        guard let v = try getBytes(txn, tables.counts, CountKeys.bytes(packed)), v.count == 8 else { return 0 }
        return Int(Int64(bitPattern: v.withUnsafeBytes { loadBE64($0, 0) }))
    }

    /// Nodes with a label (kept as a count, not scanned).
    public func count(label: String) throws(GraphError) -> Int {
        guard let t = try tokenID(.label, label) else { return 0 }
        return try storedCount(CountKeys.label(t))
    }

    /// Relationships of a type (kept as a count, not scanned).
    public func count(type: String) throws(GraphError) -> Int {
        guard let t = try tokenID(.type, type) else { return 0 }
        return try storedCount(CountKeys.type(t))
    }

    /// All nodes.
    public func nodeCount() throws(GraphError) -> Int { try storedCount(CountKeys.totalNodes) }

    /// All relationships.
    public func relationshipCount() throws(GraphError) -> Int { try storedCount(CountKeys.totalRelationships) }

    /// Counts per label and type, totals and declared indexes.
    public func stats() throws(GraphError) -> GraphStats {
        var stats = GraphStats(nodes: try nodeCount(), relationships: try relationshipCount(), labels: [:], types: [:], indexes: try indexes())
        let cursor = try Cursor(txn, tables.counts)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 5, v.count == 8 else { throw GraphError(.corrupted, "bad count entry") }
            let n = Int(Int64(bitPattern: loadBE64(v, 0)))
            let t = loadBE32(k, 1)
            if k[0] == 1, n != 0 { stats.labels[try tokenName(.label, t)] = n }
            if k[0] == 2, n != 0 { stats.types[try tokenName(.type, t)] = n }
            return true
        }
        return stats
    }
}

@available(*, unavailable)
extension ReadTransaction: Sendable {}
