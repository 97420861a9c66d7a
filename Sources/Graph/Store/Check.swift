import CLMDB

/// The outcome of `GraphStore.check()`.
public struct CheckReport: Sendable, Hashable {
    /// Each discrepancy found, in words (capped at the `maxProblems` asked for).
    public var problems: [String]
    /// Nodes seen.
    public var nodes: Int
    /// Relationships seen.
    public var relationships: Int
    /// True when nothing disagrees.
    public var isClean: Bool { problems.isEmpty }
}

extension GraphStore {
    /// Verifies that records, adjacency, the label index, property indexes and counts agree, on one snapshot.
    ///
    /// Runs in a read transaction, so it can run beside writes. Reports each discrepancy rather than stopping
    /// at the first; a record that cannot be decoded is reported too.
    public func check(maxProblems: Int = 100) throws(GraphError) -> CheckReport {
        try readTyped { (txn) throws(GraphError) -> CheckReport in try Checker(txn, maxProblems).run() }
    }
}

private final class Checker {
    let txn: ReadTransaction
    let raw: OpaquePointer
    let t: Tables
    let maxProblems: Int
    var problems: [String] = []
    var labelTally: [UInt32: Int] = [:]
    var typeTally: [UInt32: Int] = [:]
    var indexTally: [UInt64: Int] = [:]
    var nodes = 0
    var relationships = 0
    var maxNode: UInt64 = 0
    var maxRelationship: UInt64 = 0

    init(_ txn: ReadTransaction, _ maxProblems: Int) {
        self.txn = txn
        raw = txn.txn
        t = txn.tables
        self.maxProblems = maxProblems
    }

    func report(_ text: String) {
        if problems.count < maxProblems { problems.append(text) } else if problems.count == maxProblems {
            problems.append("… more problems not listed")
        }
    }

    func exists(_ dbi: MDB_dbi, _ key: [UInt8]) throws(GraphError) -> Bool { try getBytes(raw, dbi, key) != nil }

    func adjacencyExists(incoming: Bool, _ node: UInt64, _ type: UInt32, _ other: UInt64, _ rel: UInt64) throws(GraphError) -> Bool {
        let cursor = try Cursor(raw, incoming ? t.inAdj : t.outAdj)
        return try withAdjKey(node, type) { (k) throws(GraphError) -> Bool in
            try withAdjValue(other, rel) { (v) throws(GraphError) -> Bool in try cursor.get(&k, &v, MDB_GET_BOTH) }
        }
    }

    func nodeLabels(_ id: UInt64) throws(GraphError) -> [UInt32]? {
        try withIDVal(id) { (k) throws(GraphError) -> [UInt32]? in
            guard let d = try getRaw(raw, t.nodes, &k) else { return nil }
            var r = ByteReader(d.raw)
            return try Records.nodeLabels(&r)
        }
    }

    func run() throws(GraphError) -> CheckReport {
        let schema = try Schema.load(txn)
        try checkNodes(schema)
        try checkLabelIndex()
        try checkRelationships()
        try checkAdjacency(incoming: false)
        try checkAdjacency(incoming: true)
        try checkPropertyIndexes(schema)
        try checkCounts()
        return CheckReport(problems: problems, nodes: nodes, relationships: relationships)
    }

    private func checkNodes(_ schema: Schema) throws(GraphError) {
        let cursor = try Cursor(raw, t.nodes)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 8 else {
                report("node table has a key of \(k.count) bytes")
                return true
            }
            let id = loadBE64(k, 0)
            nodes += 1
            maxNode = max(maxNode, id)
            do throws(GraphError) {
                var r = ByteReader(v)
                let labels = try Records.nodeLabels(&r)
                let props = try Records.properties(&r)
                guard r.atEnd else { throw ByteReader.corrupt("node") }
                for l in labels {
                    _ = try txn.tokenName(.label, l)
                    labelTally[l, default: 0] += 1
                    if try !exists(t.labels, labelKey(l, id)) { report("node \(id) has label \(try txn.tokenName(.label, l)) but is missing from the label index") }
                    guard let indexed = schema.byLabel[l] else { continue }
                    for (key, value) in props where indexed[key] != nil {
                        indexTally[UInt64(l) << 32 | UInt64(key), default: 0] += 1
                        if try !exists(t.index, IndexKeys.key(l, key, value, id)) {
                            report("node \(id) is missing from index \(try txn.tokenName(.label, l)).\(try txn.tokenName(.key, key))")
                        }
                    }
                }
                for (key, _) in props { _ = try txn.tokenName(.key, key) }
            } catch {
                report("node \(id): \(error.message)")
            }
            return true
        }
    }

    private func labelKey(_ l: UInt32, _ id: UInt64) -> [UInt8] {
        var k: [UInt8] = []
        k.appendBE32(l)
        k.appendBE64(id)
        return k
    }

    private func checkLabelIndex() throws(GraphError) {
        var seen: [UInt32: Int] = [:]
        let cursor = try Cursor(raw, t.labels)
        try cursor.scan(prefix: []) { (k, _) throws(GraphError) -> Bool in
            guard k.count == 12 else {
                report("label index has a key of \(k.count) bytes")
                return true
            }
            let l = loadBE32(k, 0), id = loadBE64(k, 4)
            seen[l, default: 0] += 1
            guard let labels = try nodeLabels(id) else {
                report("label index lists node \(id) which does not exist")
                return true
            }
            if !labels.contains(l) { report("label index lists node \(id) under a label it does not have") }
            return true
        }
        for (l, n) in seen where labelTally[l] != n {
            report("label index holds \(n) entries for \((try? txn.tokenName(.label, l)) ?? "#\(l)") but \(labelTally[l] ?? 0) nodes carry it")
        }
    }

    private func checkRelationships() throws(GraphError) {
        let cursor = try Cursor(raw, t.rels)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 8, v.count >= 20 else {
                report("relationship table has a malformed entry")
                return true
            }
            let id = loadBE64(k, 0)
            relationships += 1
            maxRelationship = max(maxRelationship, id)
            let type = loadBE32(v, 0), start = loadBE64(v, 4), end = loadBE64(v, 12)
            typeTally[type, default: 0] += 1
            do throws(GraphError) {
                var r = ByteReader(v, offset: 20)
                for (key, _) in try Records.properties(&r) { _ = try txn.tokenName(.key, key) }
                guard r.atEnd else { throw ByteReader.corrupt("relationship") }
                _ = try txn.tokenName(.type, type)
            } catch {
                report("relationship \(id): \(error.message)")
            }
            if try nodeLabels(start) == nil { report("relationship \(id) starts at node \(start) which does not exist") }
            if try nodeLabels(end) == nil { report("relationship \(id) ends at node \(end) which does not exist") }
            if try !adjacencyExists(incoming: false, start, type, end, id) { report("relationship \(id) is missing from the out-adjacency of node \(start)") }
            if try !adjacencyExists(incoming: true, end, type, start, id) { report("relationship \(id) is missing from the in-adjacency of node \(end)") }
            return true
        }
    }

    private func checkAdjacency(incoming: Bool) throws(GraphError) {
        let name = incoming ? "in-adjacency" : "out-adjacency"
        var entries = 0
        let cursor = try Cursor(raw, incoming ? t.inAdj : t.outAdj)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 12, v.count == 16 else {
                report("\(name) has a malformed entry")
                return true
            }
            entries += 1
            let node = loadBE64(k, 0), type = loadBE32(k, 8), other = loadBE64(v, 0), rel = loadBE64(v, 8)
            let record = try withIDVal(rel) { (key) throws(GraphError) -> [UInt8]? in try getRaw(raw, t.rels, &key)?.bytes }
            guard let record, record.count >= 20 else {
                report("\(name) of node \(node) lists relationship \(rel) which does not exist")
                return true
            }
            let (rt, rs, re) = record.withUnsafeBytes { (loadBE32($0, 0), loadBE64($0, 4), loadBE64($0, 12)) }
            let (expectNode, expectOther) = incoming ? (re, rs) : (rs, re)
            if rt != type || expectNode != node || expectOther != other {
                report("\(name) of node \(node) disagrees with relationship \(rel) (type or endpoints differ)")
            }
            return true
        }
        if entries != relationships { report("\(name) holds \(entries) entries for \(relationships) relationships") }
    }

    private func checkPropertyIndexes(_ schema: Schema) throws(GraphError) {
        var seen: [UInt64: Int] = [:]
        let cursor = try Cursor(raw, t.index)
        try cursor.scan(prefix: []) { (k, _) throws(GraphError) -> Bool in
            guard k.count > 16 else {
                report("property index has a malformed key")
                return true
            }
            let l = loadBE32(k, 0), key = loadBE32(k, 4), id = loadBE64(k, k.count - 8)
            let indexName = "\((try? txn.tokenName(.label, l)) ?? "#\(l)").\((try? txn.tokenName(.key, key)) ?? "#\(key)")"
            guard schema.byLabel[l]?[key] != nil else {
                report("property index holds an entry for undeclared index \(indexName)")
                return true
            }
            seen[UInt64(l) << 32 | UInt64(key), default: 0] += 1
            guard let labels = try nodeLabels(id), labels.contains(l) else {
                report("index \(indexName) lists node \(id) which does not exist or lacks the label")
                return true
            }
            guard let value = try txn.property(PropertyKey(token: key, name: ""), ofNode: id), !value.isNull,
                  IndexKeys.key(l, key, value, id).elementsEqual(k) else {
                report("index \(indexName) entry for node \(id) does not match its property")
                return true
            }
            return true
        }
        for (packed, n) in indexTally where seen[packed] != n {
            report("an index holds \(seen[packed] ?? 0) entries where \(n) nodes have the property")
        }
        for (packed, n) in seen where indexTally[packed] == nil {
            report("an index holds \(n) entries where no node has the property")
        }
    }

    private func checkCounts() throws(GraphError) {
        func stored(_ key: UInt64) throws(GraphError) -> Int { try txn.storedCount(key) }
        if try stored(CountKeys.totalNodes) != nodes { report("node count says \(try stored(CountKeys.totalNodes)) but \(nodes) nodes exist") }
        if try stored(CountKeys.totalRelationships) != relationships {
            report("relationship count says \(try stored(CountKeys.totalRelationships)) but \(relationships) relationships exist")
        }
        var storedLabels: [UInt32: Int] = [:], storedTypes: [UInt32: Int] = [:]
        let cursor = try Cursor(raw, t.counts)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 5, v.count == 8 else {
                report("count table has a malformed entry")
                return true
            }
            let n = Int(Int64(bitPattern: loadBE64(v, 0)))
            if k[0] == 1 { storedLabels[loadBE32(k, 1)] = n }
            if k[0] == 2 { storedTypes[loadBE32(k, 1)] = n }
            return true
        }
        for l in Set(storedLabels.keys).union(labelTally.keys) where (storedLabels[l] ?? 0) != (labelTally[l] ?? 0) {
            report("count for label \((try? txn.tokenName(.label, l)) ?? "#\(l)") says \(storedLabels[l] ?? 0) but \(labelTally[l] ?? 0) nodes have it")
        }
        for ty in Set(storedTypes.keys).union(typeTally.keys) where (storedTypes[ty] ?? 0) != (typeTally[ty] ?? 0) {
            report("count for type \((try? txn.tokenName(.type, ty)) ?? "#\(ty)") says \(storedTypes[ty] ?? 0) but \(typeTally[ty] ?? 0) relationships have it")
        }
        let state = try WriteState.load(raw, t, schema: Schema())
        if maxNode >= state.nextNode && nodes > 0 { report("next node id \(state.nextNode) is not above the largest id \(maxNode)") }
        if maxRelationship >= state.nextRelationship && relationships > 0 {
            report("next relationship id \(state.nextRelationship) is not above the largest id \(maxRelationship)")
        }
    }
}
