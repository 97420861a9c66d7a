import CLMDB

/// The three token namespaces: labels, relationship types, property keys.
enum TokenKind: UInt8, CaseIterable, Sendable {
    case label = 0, type = 1, key = 2

    var field: String {
        switch self {
        case .label: return "label"
        case .type: return "type"
        case .key: return "property key"
        }
    }
}

/// The longest label, type or property-key name accepted, in UTF-8 bytes.
let maxTokenBytes = 65_535

/// Token names as of one commit; an immutable value shared by readers.
final class TokenSnapshot: Sendable {
    /// names[kind][id - 1]
    let names: [[String]]
    let ids: [[String: UInt32]]

    static let empty = TokenSnapshot(names: [[], [], []])

    init(names: [[String]]) {
        self.names = names
        ids = names.map { list in
            var d: [String: UInt32] = [:]
            for (i, n) in list.enumerated() { d[n] = UInt32(i + 1) }
            return d
        }
    }

    @inline(__always) func name(_ kind: TokenKind, _ id: UInt32) -> String? {
        let list = names[Int(kind.rawValue)]
        let i = Int(id) - 1
        return i >= 0 && i < list.count ? list[i] : nil
    }

    @inline(__always) func id(_ kind: TokenKind, _ name: String) -> UInt32? { ids[Int(kind.rawValue)][name] }

    /// Adds tokens created by a committed batch (ids are dense, so they append).
    func adding(_ new: [(TokenKind, UInt32, String)]) -> TokenSnapshot {
        guard !new.isEmpty else { return self }
        var n = names
        for (kind, id, name) in new.sorted(by: { ($0.0.rawValue, $0.1) < ($1.0.rawValue, $1.1) }) {
            let k = Int(kind.rawValue)
            if Int(id) == n[k].count + 1 { n[k].append(name) }
        }
        return TokenSnapshot(names: n)
    }

    static func load(_ txn: ReadTransaction) throws(GraphError) -> TokenSnapshot {
        var names: [[String]] = [[], [], []]
        let cursor = try Cursor(txn.txn, txn.tables.tokenNames)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 5, let kind = TokenKind(rawValue: k[0]) else { throw GraphError(.corrupted, "bad token key") }
            let id = loadBE32(k, 1)
            let list = Int(kind.rawValue)
            // Ids are dense from 1; anything else is reported by check().
            if Int(id) == names[list].count + 1 { names[list].append(String(decoding: v, as: UTF8.self)) }
            return true
        }
        return TokenSnapshot(names: names)
    }
}

/// Key of a token name in the `tokens` table: kind, then the name (long names shortened with a hash).
func tokenNameKey(_ kind: TokenKind, _ name: String) -> [UInt8] {
    var key: [UInt8] = [kind.rawValue]
    let utf8 = name.utf8
    if utf8.count <= 400 {
        key.append(contentsOf: utf8)
    } else {
        key.append(contentsOf: utf8.prefix(400))
        key.append(0xFF)
        key.appendBE64(fnv1a(utf8))
    }
    return key
}

func tokenIDKey(_ kind: TokenKind, _ id: UInt32) -> [UInt8] {
    var key: [UInt8] = [kind.rawValue]
    key.appendBE32(id)
    return key
}

/// Declared property indexes: label token → property-key token → unique.
struct Schema: Sendable, Hashable {
    var byLabel: [UInt32: [UInt32: Bool]] = [:]

    static func key(_ label: UInt32, _ property: UInt32) -> [UInt8] {
        var k: [UInt8] = []
        k.appendBE32(label)
        k.appendBE32(property)
        return k
    }

    static func load(_ txn: ReadTransaction) throws(GraphError) -> Schema {
        var s = Schema()
        let cursor = try Cursor(txn.txn, txn.tables.schema)
        try cursor.scan(prefix: []) { (k, v) throws(GraphError) -> Bool in
            guard k.count == 8, v.count == 1 else { throw GraphError(.corrupted, "bad schema entry") }
            s.byLabel[loadBE32(k, 0), default: [:]][loadBE32(k, 4)] = v[0] == 1
            return true
        }
        return s
    }
}
