import CLMDB

/// What a write transaction changes besides the tables themselves; copied before each request so a failed
/// request can be undone without touching its neighbours.
struct WriteState {
    var nextNode: UInt64 = 1
    var nextRelationship: UInt64 = 1
    var nextToken: [UInt32] = [1, 1, 1]
    var deltas: [UInt64: Int64] = [:]
    var schema = Schema()
    var newTokens: [(TokenKind, UInt32, String)] = []

    static let metaNextNode: [UInt8] = Array("next_node".utf8)
    static let metaNextRelationship: [UInt8] = Array("next_relationship".utf8)
    static func metaNextToken(_ kind: TokenKind) -> [UInt8] { Array("next_token_\(kind.rawValue)".utf8) }

    static func load(_ txn: OpaquePointer, _ tables: Tables, schema: Schema) throws(GraphError) -> WriteState {
        var s = WriteState()
        s.schema = schema
        func u64(_ key: [UInt8]) throws(GraphError) -> UInt64? {
            guard let v = try getBytes(txn, tables.meta, key), v.count == 8 else { return nil }
            return v.withUnsafeBytes { loadBE64($0, 0) }
        }
        s.nextNode = try u64(metaNextNode) ?? 1
        s.nextRelationship = try u64(metaNextRelationship) ?? 1
        for kind in TokenKind.allCases {
            s.nextToken[Int(kind.rawValue)] = UInt32(try u64(metaNextToken(kind)) ?? 1)
        }
        return s
    }
}

/// A write transaction, handed to `GraphStore.write` bodies on the writer thread. Reads see its own writes.
public final class WriteTransaction: ReadTransaction {
    var state: WriteState
    /// Set when LMDB ran out of map space: the writer then grows the map and replays the batch,
    /// even if the request body caught the error.
    var sawMapFull = false

    init(store: GraphStore, txn: OpaquePointer, tokens: TokenSnapshot, state: WriteState) {
        self.state = state
        super.init(store: store, txn: txn, tokens: tokens, schema: state.schema)
    }

    /// A write transaction seeks through the indexes as they stand inside it.
    override var schemaForReads: Schema { state.schema }

    // MARK: low level

    private func note(_ rc: Int32) -> Int32 {
        if rc == MDB_MAP_FULL || rc == MDB_TXN_FULL { sawMapFull = true }
        return rc
    }

    func put(_ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8], flags: Int32 = 0) throws(GraphError) -> Bool {
        try withVal(key) { (k) throws(GraphError) -> Bool in
            try withVal(value) { (v) throws(GraphError) -> Bool in
                let rc = note(mdb_put(txn, dbi, &k, &v, UInt32(flags)))
                if rc == MDB_KEYEXIST { return false }
                try lmdbCheck(rc, "write")
                return true
            }
        }
    }

    func putID(_ dbi: MDB_dbi, _ id: UInt64, _ value: [UInt8], flags: Int32 = 0) throws(GraphError) -> Bool {
        try withIDVal(id) { (k) throws(GraphError) -> Bool in
            try withVal(value) { (v) throws(GraphError) -> Bool in
                let rc = note(mdb_put(txn, dbi, &k, &v, UInt32(flags)))
                if rc == MDB_KEYEXIST { return false }
                try lmdbCheck(rc, "write")
                return true
            }
        }
    }

    @discardableResult
    func delete(_ dbi: MDB_dbi, _ key: [UInt8]) throws(GraphError) -> Bool {
        try withVal(key) { (k) throws(GraphError) -> Bool in
            let rc = note(mdb_del(txn, dbi, &k, nil))
            if rc == MDB_NOTFOUND { return false }
            try lmdbCheck(rc, "delete")
            return true
        }
    }

    @discardableResult
    func deleteID(_ dbi: MDB_dbi, _ id: UInt64) throws(GraphError) -> Bool {
        try withIDVal(id) { (k) throws(GraphError) -> Bool in
            let rc = note(mdb_del(txn, dbi, &k, nil))
            if rc == MDB_NOTFOUND { return false }
            try lmdbCheck(rc, "delete")
            return true
        }
    }

    func putAdjacency(incoming: Bool, _ node: UInt64, _ type: UInt32, _ other: UInt64, _ rel: UInt64, append: Bool = false) throws(GraphError) {
        try withAdjKey(node, type) { (k) throws(GraphError) in
            try withAdjValue(other, rel) { (v) throws(GraphError) in
                try lmdbCheck(note(mdb_put(txn, incoming ? tables.inAdj : tables.outAdj, &k, &v, append ? UInt32(MDB_APPENDDUP) : 0)), "write adjacency")
            }
        }
    }

    @discardableResult
    func deleteAdjacency(incoming: Bool, _ node: UInt64, _ type: UInt32, _ other: UInt64, _ rel: UInt64) throws(GraphError) -> Bool {
        try withAdjKey(node, type) { (k) throws(GraphError) -> Bool in
            try withAdjValue(other, rel) { (v) throws(GraphError) -> Bool in
                let rc = note(mdb_del(txn, incoming ? tables.inAdj : tables.outAdj, &k, &v))
                if rc == MDB_NOTFOUND { return false }
                try lmdbCheck(rc, "delete adjacency")
                return true
            }
        }
    }

    func intern(_ kind: TokenKind, _ name: String) throws(GraphError) -> UInt32 {
        if let id = try tokenID(kind, name) { return id }
        guard !name.isEmpty else { throw GraphError(.invalidValue(field: kind.field), "a \(kind.field) cannot be empty") }
        guard name.utf8.count <= maxTokenBytes else {
            throw GraphError(.invalidValue(field: kind.field), "a \(kind.field) is limited to \(maxTokenBytes) bytes")
        }
        let id = state.nextToken[Int(kind.rawValue)]
        guard id < UInt32.max else { throw GraphError(.invalidValue(field: kind.field), "too many distinct \(kind.field)s") }
        state.nextToken[Int(kind.rawValue)] = id + 1
        var idBytes: [UInt8] = []
        idBytes.appendBE32(id)
        guard try put(tables.tokens, tokenNameKey(kind, name), idBytes, flags: MDB_NOOVERWRITE) else {
            throw GraphError(.corrupted, "two \(kind.field)s share a name hash")
        }
        _ = try put(tables.tokenNames, tokenIDKey(kind, id), Array(name.utf8))
        rememberToken(kind, id, name)
        state.newTokens.append((kind, id, name))
        return id
    }

    func adjust(_ key: UInt64, _ by: Int64) { state.deltas[key, default: 0] += by }

    /// Writes ids, token counters and count deltas; called once per batch before commit.
    func flushBatch() throws(GraphError) {
        var v: [UInt8] = []
        v.appendBE64(state.nextNode)
        _ = try put(tables.meta, WriteState.metaNextNode, v)
        v = []
        v.appendBE64(state.nextRelationship)
        _ = try put(tables.meta, WriteState.metaNextRelationship, v)
        for kind in TokenKind.allCases {
            v = []
            v.appendBE64(UInt64(state.nextToken[Int(kind.rawValue)]))
            _ = try put(tables.meta, WriteState.metaNextToken(kind), v)
        }
        for (key, delta) in state.deltas where delta != 0 {
            let current = try storedCount(key)
            v = []
            v.appendBE64(UInt64(bitPattern: Int64(current) + delta))
            _ = try put(tables.counts, CountKeys.bytes(key), v)
        }
        state.deltas = [:]
    }

    override public func nodeIDLimit() throws(GraphError) -> NodeID { state.nextNode }

    override public func count(label: String) throws(GraphError) -> Int {
        guard let t = try tokenID(.label, label) else { return 0 }
        return try storedCount(CountKeys.label(t)) + Int(state.deltas[CountKeys.label(t)] ?? 0)
    }

    override public func count(type: String) throws(GraphError) -> Int {
        guard let t = try tokenID(.type, type) else { return 0 }
        return try storedCount(CountKeys.type(t)) + Int(state.deltas[CountKeys.type(t)] ?? 0)
    }

    override public func nodeCount() throws(GraphError) -> Int {
        try storedCount(CountKeys.totalNodes) + Int(state.deltas[CountKeys.totalNodes] ?? 0)
    }

    override public func relationshipCount() throws(GraphError) -> Int {
        try storedCount(CountKeys.totalRelationships) + Int(state.deltas[CountKeys.totalRelationships] ?? 0)
    }

    override public func stats() throws(GraphError) -> GraphStats {
        // Write the pending deltas so the stored counts are exact inside this transaction.
        try flushBatch()
        return try super.stats()
    }

    // MARK: nodes

    /// Creates a node and returns its id. Null properties are ignored.
    /// - Throws: `invalidValue` for bad names or values, `constraintViolation` when a unique index already holds a value.
    @discardableResult
    public func createNode(labels: [String] = [], properties: [String: PropertyValue] = [:]) throws(GraphError) -> NodeID {
        let id = state.nextNode
        try insertNode(id: id, labels: labels, properties: properties)
        return id
    }

    /// Creates a node with a chosen id (import keeps ids); fails if the id is taken.
    func insertNode(id: NodeID, labels: [String], properties: [String: PropertyValue]) throws(GraphError) {
        var labelTokens: [UInt32] = []
        for l in labels { labelTokens.append(try intern(.label, l)) }
        labelTokens = Array(Set(labelTokens)).sorted()
        guard try insertNode(id: id, labelTokens: labelTokens, properties: try tokenize(properties)) else {
            throw GraphError(.invalidValue(field: "id"), "node \(id) already exists")
        }
    }

    /// Writes a node from tokens (labels sorted and distinct, values validated); false if the id is taken.
    func insertNode(id: NodeID, labelTokens: [UInt32], properties props: [(UInt32, PropertyValue)], append: Bool = false) throws(GraphError) -> Bool {
        try insertNode(id: id, labelTokens: labelTokens, record: Records.node(labels: labelTokens, properties: props), append: append) { key in
            props.first { $0.0 == key }?.1
        }
    }

    /// Writes a node whose record is already encoded; `value(key)` supplies indexed property values.
    func insertNode(id: NodeID, labelTokens: [UInt32], record: [UInt8], append: Bool,
                    value: (UInt32) throws(GraphError) -> PropertyValue?) throws(GraphError) -> Bool {
        guard id > 0 && id < UInt64.max else { throw GraphError(.invalidValue(field: "id"), "node ids are 1 ..< 2^64-1") }
        guard try putID(tables.nodes, id, record, flags: append ? MDB_APPEND : MDB_NOOVERWRITE) else {
            return false
        }
        if id >= state.nextNode { state.nextNode = id + 1 }
        for l in labelTokens {
            _ = try put(tables.labels, labelKey(l, id), [])
            adjust(CountKeys.label(l), 1)
            if let indexed = state.schema.byLabel[l] {
                for (k, unique) in indexed {
                    if let v = try value(k), !v.isNull { try addIndexEntry(l, k, v, id, unique: unique) }
                }
            }
        }
        adjust(CountKeys.totalNodes, 1)
        return true
    }

    /// Writes a relationship whose record is already encoded (bulk import); adjacency is left to the caller.
    func insertRelationshipRecord(id: RelationshipID, type t: UInt32, record: [UInt8], append: Bool) throws(GraphError) {
        guard try putID(tables.rels, id, record, flags: append ? MDB_APPEND : MDB_NOOVERWRITE) else {
            throw GraphError(.invalidValue(field: "id"), "relationship \(id) already exists")
        }
        if id >= state.nextRelationship { state.nextRelationship = id + 1 }
        adjust(CountKeys.type(t), 1)
        adjust(CountKeys.totalRelationships, 1)
    }

    func tokenize(_ properties: [String: PropertyValue]) throws(GraphError) -> [(UInt32, PropertyValue)] {
        var out: [(UInt32, PropertyValue)] = []
        out.reserveCapacity(properties.count)
        for (k, v) in properties where !v.isNull {
            try v.validate(field: k)
            out.append((try intern(.key, k), v))
        }
        return out
    }

    /// Entries in a table (0 when empty), e.g. to choose bulk appends on an empty store.
    func entries(_ dbi: MDB_dbi) throws(GraphError) -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(txn, dbi, &stat), "stat")
        return stat.ms_entries
    }

    func labelKey(_ label: UInt32, _ node: UInt64) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(12)
        k.appendBE32(label)
        k.appendBE64(node)
        return k
    }

    private func addIndexEntry(_ l: UInt32, _ k: UInt32, _ v: PropertyValue, _ id: NodeID, unique: Bool) throws(GraphError) {
        var key = IndexKeys.prefix(l, k)
        let part = IndexKeys.valuePart(v.orderedBytes())
        key.append(contentsOf: part)
        if unique {
            let prefixCount = key.count
            let verify = IndexKeys.isTruncated(valuePartCount: part.count)
            let propertyKey = PropertyKey(token: k, name: "")
            var clash: NodeID? = nil
            let cursor = try Cursor(txn, tables.index)
            try cursor.scan(prefix: key) { (kb, _) throws(GraphError) -> Bool in
                guard kb.count == prefixCount + 8 else { return true }
                let other = loadBE64(kb, prefixCount)
                let same = verify ? (try property(propertyKey, ofNode: other)) == v : true
                if other != id, same {
                    clash = other
                    return false
                }
                return true
            }
            if let clash {
                let name = "\(try tokenName(.label, l)).\(try tokenName(.key, k))"
                throw GraphError(.constraintViolation(index: name), "node \(clash) already has this value of \(name), which is unique")
            }
        }
        key.appendBE64(id)
        _ = try put(tables.index, key, [])
    }

    private func removeIndexEntry(_ l: UInt32, _ k: UInt32, _ v: PropertyValue, _ id: NodeID) throws(GraphError) {
        try delete(tables.index, IndexKeys.key(l, k, v, id))
    }

    private func loadNode(_ id: NodeID) throws(GraphError) -> (labels: [UInt32], properties: [UInt32: PropertyValue]) {
        try withIDVal(id) { (k) throws(GraphError) -> ([UInt32], [UInt32: PropertyValue]) in
            guard let data = try getRaw(txn, tables.nodes, &k) else { throw GraphError(.notFound, "node \(id) does not exist") }
            var r = ByteReader(data.raw)
            let labels = try Records.nodeLabels(&r)
            var props: [UInt32: PropertyValue] = [:]
            for (key, value) in try Records.properties(&r) { props[key] = value }
            return (labels, props)
        }
    }

    /// Rewrites a node and keeps label index, property indexes and counts in step.
    private func updateNode(_ id: NodeID, _ change: (inout Set<UInt32>, inout [UInt32: PropertyValue]) throws(GraphError) -> Void) throws(GraphError) {
        let old = try loadNode(id)
        var labels = Set(old.labels)
        var props = old.properties
        try change(&labels, &props)
        let newLabels = labels.sorted()
        _ = try putID(tables.nodes, id, Records.node(labels: newLabels, properties: props.map { ($0.key, $0.value) }))
        let oldSet = Set(old.labels)
        for l in oldSet.subtracting(labels) {
            try delete(tables.labels, labelKey(l, id))
            adjust(CountKeys.label(l), -1)
        }
        for l in labels.subtracting(oldSet) {
            _ = try put(tables.labels, labelKey(l, id), [])
            adjust(CountKeys.label(l), 1)
        }
        for l in oldSet.union(labels) {
            guard let indexed = state.schema.byLabel[l] else { continue }
            for (k, unique) in indexed {
                let before = oldSet.contains(l) ? old.properties[k] : nil
                let after = labels.contains(l) ? props[k] : nil
                if before == after { continue }
                if let before { try removeIndexEntry(l, k, before, id) }
                if let after { try addIndexEntry(l, k, after, id, unique: unique) }
            }
        }
    }

    /// Sets properties of a node; a `.null` value removes the property.
    public func setProperties(_ changes: [String: PropertyValue], ofNode id: NodeID) throws(GraphError) {
        var tokens: [(UInt32, PropertyValue)] = []
        for (k, v) in changes {
            try v.validate(field: k)
            tokens.append((try intern(.key, k), v))
        }
        try updateNode(id) { (_, props) throws(GraphError) in
            for (k, v) in tokens { props[k] = v.isNull ? nil : v }
        }
    }

    /// Replaces all properties of a node.
    public func replaceProperties(_ properties: [String: PropertyValue], ofNode id: NodeID) throws(GraphError) {
        let tokens = try tokenize(properties)
        try updateNode(id) { (_, props) throws(GraphError) in
            props = [:]
            for (k, v) in tokens { props[k] = v }
        }
    }

    /// Adds labels to a node (labels it already has are ignored).
    public func addLabels(_ labels: [String], to id: NodeID) throws(GraphError) {
        var tokens: [UInt32] = []
        for l in labels { tokens.append(try intern(.label, l)) }
        try updateNode(id) { (set, _) throws(GraphError) in set.formUnion(tokens) }
    }

    /// Removes labels from a node (labels it lacks are ignored).
    public func removeLabels(_ labels: [String], from id: NodeID) throws(GraphError) {
        var tokens: [UInt32] = []
        for l in labels { if let t = try tokenID(.label, l) { tokens.append(t) } }
        try updateNode(id) { (set, _) throws(GraphError) in set.subtract(tokens) }
    }

    /// Deletes a node. Without `detach`, a node that still has relationships is refused (`stillConnected`);
    /// with it, its relationships are deleted first.
    public func deleteNode(_ id: NodeID, detach: Bool = false) throws(GraphError) {
        let old = try loadNode(id)
        var attached: [RelationshipID] = []
        for incoming in [false, true] {
            try scanAdjacency(id, incoming: incoming, type: nil) { (_, _, rel) throws(GraphError) -> Bool in
                attached.append(rel)
                return detach
            }
        }
        if !attached.isEmpty && !detach {
            throw GraphError(.stillConnected, "node \(id) still has relationships; delete them first or use detach")
        }
        for rel in Set(attached) { try deleteRelationship(rel) }
        for l in old.labels {
            try delete(tables.labels, labelKey(l, id))
            adjust(CountKeys.label(l), -1)
            if let indexed = state.schema.byLabel[l] {
                for (k, _) in indexed { if let v = old.properties[k] { try removeIndexEntry(l, k, v, id) } }
            }
        }
        try deleteID(tables.nodes, id)
        adjust(CountKeys.totalNodes, -1)
    }

    // MARK: relationships

    /// Creates a relationship of one type from `start` to `end`.
    /// - Throws: `missingEndpoint` when either node does not exist.
    @discardableResult
    public func createRelationship(type: String, from start: NodeID, to end: NodeID,
                                   properties: [String: PropertyValue] = [:]) throws(GraphError) -> RelationshipID {
        guard try nodeExists(start) else { throw GraphError(.missingEndpoint, "start node \(start) does not exist") }
        guard try nodeExists(end) else { throw GraphError(.missingEndpoint, "end node \(end) does not exist") }
        let t = try intern(.type, type)
        let props = try tokenize(properties)
        let id = state.nextRelationship
        try insertRelationship(id: id, type: t, start: start, end: end, properties: props)
        return id
    }

    /// Writes a relationship whose endpoints are known to exist.
    /// With `deferAdjacency`, the adjacency entries are left to the caller (bulk import sorts and appends them).
    func insertRelationship(id: RelationshipID, type t: UInt32, start: NodeID, end: NodeID, properties: [(UInt32, PropertyValue)],
                            append: Bool = false, deferAdjacency: Bool = false) throws(GraphError) {
        guard try putID(tables.rels, id, Records.relationship(type: t, start: start, end: end, properties: properties),
                        flags: append ? MDB_APPEND : MDB_NOOVERWRITE) else {
            throw GraphError(.invalidValue(field: "id"), "relationship \(id) already exists")
        }
        if id >= state.nextRelationship { state.nextRelationship = id + 1 }
        if !deferAdjacency {
            try putAdjacency(incoming: false, start, t, end, id)
            try putAdjacency(incoming: true, end, t, start, id)
        }
        adjust(CountKeys.type(t), 1)
        adjust(CountKeys.totalRelationships, 1)
    }

    private func loadRelationship(_ id: RelationshipID) throws(GraphError) -> (type: UInt32, start: UInt64, end: UInt64, properties: [UInt32: PropertyValue]) {
        try withIDVal(id) { (k) throws(GraphError) -> (UInt32, UInt64, UInt64, [UInt32: PropertyValue]) in
            guard let data = try getRaw(txn, tables.rels, &k) else { throw GraphError(.notFound, "relationship \(id) does not exist") }
            let raw = data.raw
            guard raw.count >= 20 else { throw ByteReader.corrupt("relationship") }
            var r = ByteReader(raw, offset: 20)
            var props: [UInt32: PropertyValue] = [:]
            for (key, value) in try Records.properties(&r) { props[key] = value }
            return (loadBE32(raw, 0), loadBE64(raw, 4), loadBE64(raw, 12), props)
        }
    }

    /// Sets properties of a relationship; a `.null` value removes the property.
    public func setProperties(_ changes: [String: PropertyValue], ofRelationship id: RelationshipID) throws(GraphError) {
        var r = try loadRelationship(id)
        for (k, v) in changes {
            try v.validate(field: k)
            r.properties[try intern(.key, k)] = v.isNull ? nil : v
        }
        _ = try putID(tables.rels, id, Records.relationship(type: r.type, start: r.start, end: r.end, properties: r.properties.map { ($0.key, $0.value) }))
    }

    /// Replaces all properties of a relationship.
    public func replaceProperties(_ properties: [String: PropertyValue], ofRelationship id: RelationshipID) throws(GraphError) {
        let r = try loadRelationship(id)
        _ = try putID(tables.rels, id, Records.relationship(type: r.type, start: r.start, end: r.end, properties: try tokenize(properties)))
    }

    /// Deletes a relationship.
    public func deleteRelationship(_ id: RelationshipID) throws(GraphError) {
        let r = try loadRelationship(id)
        try deleteAdjacency(incoming: false, r.start, r.type, r.end, id)
        try deleteAdjacency(incoming: true, r.end, r.type, r.start, id)
        try deleteID(tables.rels, id)
        adjust(CountKeys.type(r.type), -1)
        adjust(CountKeys.totalRelationships, -1)
    }

    // MARK: indexes

    /// Declares a property index on (label, property) and fills it from existing nodes.
    /// - Returns: false when the same index already exists.
    /// - Throws: `constraintViolation` if `unique` and existing nodes share a value; `invalidValue` if an index
    ///   with the other uniqueness exists.
    @discardableResult
    public func createIndex(label: String, property: String, unique: Bool = false) throws(GraphError) -> Bool {
        let l = try intern(.label, label)
        let k = try intern(.key, property)
        if let existing = state.schema.byLabel[l]?[k] {
            if existing == unique { return false }
            throw GraphError(.invalidValue(field: "unique"), "an index on :\(label)(\(property)) already exists with unique=\(existing)")
        }
        state.schema.byLabel[l, default: [:]][k] = unique
        _ = try put(tables.schema, Schema.key(l, k), [unique ? 1 : 0])
        let key = PropertyKey(token: k, name: property)
        var ids: [NodeID] = []
        try forEachNode(withLabel: label) { id in
            ids.append(id)
            return true
        }
        for id in ids {
            if let v = try self.property(key, ofNode: id), !v.isNull { try addIndexEntry(l, k, v, id, unique: unique) }
        }
        return true
    }

    /// Drops a declared index.
    /// - Throws: `notFound` when there is no such index.
    public func dropIndex(label: String, property: String) throws(GraphError) {
        guard let l = try tokenID(.label, label), let k = try tokenID(.key, property), state.schema.byLabel[l]?[k] != nil else {
            throw GraphError(.notFound, "no index on :\(label)(\(property))")
        }
        state.schema.byLabel[l]?[k] = nil
        if state.schema.byLabel[l]?.isEmpty == true { state.schema.byLabel[l] = nil }
        try delete(tables.schema, Schema.key(l, k))
        let prefix = IndexKeys.prefix(l, k)
        var keys: [[UInt8]] = []
        let cursor = try Cursor(txn, tables.index)
        try cursor.scan(prefix: prefix) { (kb, _) throws(GraphError) -> Bool in
            keys.append(Array(kb))
            return true
        }
        for key in keys { try delete(tables.index, key) }
    }
}
