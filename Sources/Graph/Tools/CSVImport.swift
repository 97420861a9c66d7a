import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads CSV files in the format of `neo4j-admin database import`, all in one transaction: any error
/// (bad header, unknown type, wrong column count, unknown node id, oversized field) leaves the store untouched.
///
/// Node files have an `:ID` column (optionally named, `id:ID`, which also stores the id as a string property,
/// and optionally in an id space, `:ID(Users)`), an optional `:LABEL` column (labels separated by `;`) and
/// property columns `name:type`. Relationship files have `:START_ID`, `:END_ID`, an optional `:TYPE` and
/// property columns. Integer ids are kept as node ids when the store is empty and the id is free, so an
/// export of this store re-imports with the same ids.
public enum CSVImport {
    /// A node file and labels every row gets besides its `:LABEL` column.
    public struct NodeFile: Sendable, Hashable {
        /// Path of the CSV file.
        public var path: String
        /// Labels added to every node of the file.
        public var labels: [String]

        /// Creates a node file entry.
        public init(path: String, labels: [String] = []) {
            self.path = path
            self.labels = labels
        }
    }

    /// A relationship file and the type for rows without a `:TYPE` column.
    public struct RelationshipFile: Sendable, Hashable {
        /// Path of the CSV file.
        public var path: String
        /// Type used when the file has no `:TYPE` column (or the field is empty).
        public var type: String?

        /// Creates a relationship file entry.
        public init(path: String, type: String? = nil) {
            self.path = path
            self.type = type
        }
    }

    /// What an import loaded.
    public struct Summary: Sendable, Hashable {
        /// Nodes created.
        public var nodes: Int
        /// Relationships created.
        public var relationships: Int
        /// Indexes declared from `indexes.csv`.
        public var indexes: Int
    }

    /// Imports every `nodes*.csv` and `relationships*.csv` in `directory` (sorted by name), after declaring
    /// the indexes listed in `indexes.csv` (`label,property,unique`) if present.
    public static func importDirectory(_ directory: String, into store: GraphStore) throws -> Summary {
        let names = try listDirectory(directory)
        let nodes = names.filter { $0.hasPrefix("nodes") && $0.hasSuffix(".csv") }.map { NodeFile(path: directory + "/" + $0) }
        let rels = names.filter { $0.hasPrefix("relationships") && $0.hasSuffix(".csv") }.map { RelationshipFile(path: directory + "/" + $0) }
        guard !nodes.isEmpty || !rels.isEmpty else {
            throw GraphError(.notFound, "\(directory) has no nodes*.csv or relationships*.csv files")
        }
        let indexFile = names.contains("indexes.csv") ? directory + "/indexes.csv" : nil
        return try importFiles(nodes: nodes, relationships: rels, indexFile: indexFile, into: store)
    }

    /// Imports the given files in one transaction.
    public static func importFiles(nodes: [NodeFile], relationships: [RelationshipFile], indexFile: String? = nil,
                                   into store: GraphStore) throws -> Summary {
        let nodeData = try nodes.map { (file) throws(GraphError) -> (NodeFile, [UInt8]) in (file, try readFile(file.path)) }
        let relData = try relationships.map { (file) throws(GraphError) -> (RelationshipFile, [UInt8]) in (file, try readFile(file.path)) }
        let indexData = try indexFile.map { (path) throws(GraphError) -> [UInt8] in try readFile(path) }
        let total = nodeData.reduce(0) { $0 + $1.1.count } + relData.reduce(0) { $0 + $1.1.count }
        return try store.writeSync(reserving: total * 4 + (16 << 20)) { txn in
            let loader = try Loader(txn)
            var indexes = 0
            if let indexData, let path = indexFile { indexes = try loader.declareIndexes(indexData, file: path) }
            for (file, bytes) in nodeData { try loader.loadNodes(bytes, file: file) }
            for (file, bytes) in relData { try loader.loadRelationships(bytes, file: file) }
            try loader.finish()
            return Summary(nodes: loader.nodeCount, relationships: loader.relationshipCount, indexes: indexes)
        }
    }
}

/// The state of one import inside its write transaction.
private final class Loader {
    let txn: WriteTransaction
    let preserveIDs: Bool
    let bulkAdjacency: Bool
    let appendRelationships: Bool
    var integerIDs: [String: [UInt64: NodeID]] = [:]
    var textIDs: [String: [String: NodeID]] = [:]
    var nodeCount = 0
    var relationshipCount = 0
    var lastNode: NodeID = 0
    var outEntries: [(UInt64, UInt32, UInt64, UInt64)] = []

    init(_ txn: WriteTransaction) throws(GraphError) {
        self.txn = txn
        preserveIDs = try txn.entries(txn.tables.nodes) == 0
        let outEmpty = try txn.entries(txn.tables.outAdj) == 0
        let inEmpty = try txn.entries(txn.tables.inAdj) == 0
        bulkAdjacency = outEmpty && inEmpty
        appendRelationships = try txn.entries(txn.tables.rels) == 0
    }

    enum Role {
        case id(space: String, property: UInt32?)
        case label
        case start(space: String)
        case end(space: String)
        case type
        case ignore
        case property(name: String, token: UInt32, type: CSVFormat.ValueType)
    }

    func parseHeader(_ reader: inout CSVReader, relationships: Bool) throws(GraphError) -> [Role] {
        var fields: [CSVReader.Field] = []
        guard try reader.next(&fields) else { throw reader.fail("the file is empty (no header)") }
        var roles: [Role] = []
        var names: Set<String> = []
        var seen: Set<String> = []
        for (i, f) in fields.enumerated() {
            let column = reader.text(f)
            var name = column, spec = ""
            if let colon = column.lastIndex(of: ":") {
                name = String(column[..<colon])
                spec = String(column[column.index(after: colon)...])
            }
            var space = ""
            var base = spec
            if let open = spec.firstIndex(of: "("), spec.hasSuffix(")") {
                base = String(spec[..<open])
                space = String(spec[spec.index(after: open)..<spec.index(before: spec.endIndex)])
            }
            let role: Role
            switch base.uppercased() {
            case "ID" where !relationships:
                role = .id(space: space, property: name.isEmpty ? nil : try txn.intern(.key, name))
            case "LABEL" where !relationships: role = .label
            case "START_ID" where relationships: role = .start(space: space)
            case "END_ID" where relationships: role = .end(space: space)
            case "TYPE" where relationships: role = .type
            case "IGNORE": role = .ignore
            case "ID", "LABEL", "START_ID", "END_ID", "TYPE":
                throw reader.fail("column \(i + 1) '\(column)' does not belong in a \(relationships ? "relationship" : "node") file")
            default:
                guard !name.isEmpty else { throw reader.fail("column \(i + 1) '\(column)' has no property name") }
                guard let type = spec.isEmpty ? .string : CSVFormat.ValueType(name: spec) else {
                    throw reader.fail("column \(i + 1) '\(column)' has an unknown type '\(spec)'")
                }
                guard names.insert(name).inserted else { throw reader.fail("property '\(name)' appears in two columns") }
                role = .property(name: name, token: try txn.intern(.key, name), type: type)
            }
            let key: String
            switch role {
            case .id: key = "ID"
            case .label: key = "LABEL"
            case .start: key = "START_ID"
            case .end: key = "END_ID"
            case .type: key = "TYPE"
            default: key = ""
            }
            if !key.isEmpty && !seen.insert(key).inserted { throw reader.fail("the header has two \(key) columns") }
            roles.append(role)
        }
        if relationships && (!seen.contains("START_ID") || !seen.contains("END_ID")) {
            throw reader.fail("a relationship file needs :START_ID and :END_ID columns")
        }
        return roles
    }

    func value(_ reader: CSVReader, _ f: CSVReader.Field, _ type: CSVFormat.ValueType, _ column: String) throws(GraphError) -> PropertyValue {
        if type == .int, !f.quoted, let v = reader.int(f) { return .int(v) }
        do throws(GraphError) {
            let v = try CSVFormat.parse(reader.text(f), as: type, quoted: f.quoted)
            try v.validate(field: column)
            return v
        } catch {
            throw reader.fail("column '\(column)': \(error.message)")
        }
    }

    func declareIndexes(_ bytes: [UInt8], file: String) throws(GraphError) -> Int {
        var reader = CSVReader(bytes: bytes, file: file)
        var fields: [CSVReader.Field] = []
        guard try reader.next(&fields), fields.count == 3 else { throw reader.fail("expected the header label,property,unique") }
        var n = 0
        while try reader.next(&fields) {
            guard fields.count == 3 else { throw reader.fail("expected 3 fields, found \(fields.count)") }
            let unique = reader.text(fields[2]).lowercased()
            guard unique == "true" || unique == "false" else { throw reader.fail("unique must be true or false") }
            try txn.createIndex(label: reader.text(fields[0]), property: reader.text(fields[1]), unique: unique == "true")
            n += 1
        }
        return n
    }

    /// A property column in token order, ready for direct record encoding.
    struct PropertyColumn {
        var index: Int
        var token: UInt32
        var type: CSVFormat.ValueType
        var name: String
        /// The named `:ID` column, stored as a string property.
        var isID: Bool
    }

    func propertyColumns(_ roles: [Role]) -> [PropertyColumn] {
        var out: [PropertyColumn] = []
        for (i, role) in roles.enumerated() {
            switch role {
            case .property(let name, let token, let type): out.append(PropertyColumn(index: i, token: token, type: type, name: name, isID: false))
            case .id(_, let property?): out.append(PropertyColumn(index: i, token: property, type: .string, name: "id", isID: true))
            default: break
            }
        }
        return out.sorted { $0.token < $1.token }
    }

    /// Appends the properties of a row (count, then key/value pairs) straight from the CSV bytes.
    func appendProperties(_ reader: CSVReader, _ fields: [CSVReader.Field], _ columns: [PropertyColumn], to rec: inout [UInt8]) throws(GraphError) {
        var n = 0
        for c in columns where !(fields[c.index].isEmpty && !fields[c.index].quoted) { n += 1 }
        rec.appendVarint(UInt64(n))
        for c in columns {
            let f = fields[c.index]
            if f.isEmpty && !f.quoted { continue }
            rec.appendVarint(UInt64(c.token))
            switch c.type {
            case .string where !f.escaped:
                rec.append(PropertyValue.RecordTag.string.rawValue)
                rec.appendVarint(UInt64(f.end - f.start))
                rec.append(contentsOf: reader.bytes[f.start..<f.end])
            case .int where !f.quoted:
                guard let v = reader.int(f) else { throw reader.fail("column '\(c.name)': '\(reader.text(f).prefix(40))' is not an integer") }
                rec.append(PropertyValue.RecordTag.int.rawValue)
                rec.appendSignedVarint(v)
            case .float where !f.quoted && f.end - f.start < 64:
                guard let d = reader.double(f) else { throw reader.fail("column '\(c.name)': '\(reader.text(f).prefix(40))' is not a number") }
                rec.append(PropertyValue.RecordTag.float.rawValue)
                withUnsafeBytes(of: d.bitPattern.littleEndian) { rec.append(contentsOf: $0) }
            case .dateTime where !f.quoted:
                do throws(GraphError) {
                    PropertyValue.dateTime(try ZonedDateTime(isoBytes: reader.bytes[f.start..<f.end])).appendRecord(to: &rec)
                } catch {
                    throw reader.fail("column '\(c.name)': \(error.message)")
                }
            default:
                try value(reader, f, c.type, c.name).appendRecord(to: &rec)
            }
        }
    }

    func loadNodes(_ bytes: [UInt8], file: CSVImport.NodeFile) throws(GraphError) {
        var reader = CSVReader(bytes: bytes, file: file.path)
        let roles = try parseHeader(&reader, relationships: false)
        let columns = propertyColumns(roles)
        var fixedLabels: [UInt32] = []
        for l in file.labels { fixedLabels.append(try txn.intern(.label, l)) }
        let idColumn = roles.firstIndex { if case .id = $0 { return true } else { return false } }
        var space = ""
        if let idColumn, case .id(let s, _) = roles[idColumn] { space = s }
        let labelColumn = roles.firstIndex { if case .label = $0 { return true } else { return false } }
        var fields: [CSVReader.Field] = []
        var labelCache: [String: [UInt32]] = [:]
        var rec: [UInt8] = []
        rec.reserveCapacity(256)
        while try reader.next(&fields) {
            guard fields.count == roles.count else {
                throw reader.fail("expected \(roles.count) fields as in the header, found \(fields.count)")
            }
            var labels = fixedLabels
            if let labelColumn, !fields[labelColumn].isEmpty {
                let text = reader.text(fields[labelColumn])
                if let cached = labelCache[text] {
                    labels += cached
                } else {
                    var tokens: [UInt32] = []
                    for part in text.split(separator: ";") where !part.isEmpty { tokens.append(try txn.intern(.label, String(part))) }
                    labelCache[text] = tokens
                    labels += tokens
                }
            }
            if labels.count > 1 { labels = Array(Set(labels)).sorted() }
            rec.removeAll(keepingCapacity: true)
            rec.appendVarint(UInt64(labels.count))
            for l in labels { rec.appendVarint(UInt64(l)) }
            try appendProperties(reader, fields, columns, to: &rec)
            var external: ExternalID? = nil
            if let idColumn {
                let f = fields[idColumn]
                guard !f.isEmpty else { throw reader.fail("empty :ID") }
                external = reader.canonicalUInt64(f).map { ExternalID.integer($0) } ?? .text(reader.text(f))
            }
            let id = try place(external, labels: labels, record: rec, reader: reader) { (key) throws(GraphError) -> PropertyValue? in
                guard let c = columns.first(where: { $0.token == key }) else { return nil }
                let f = fields[c.index]
                if f.isEmpty && !f.quoted { return nil }
                return try value(reader, f, c.type, c.name)
            }
            if let external { try remember(external, space: space, id, reader) }
            nodeCount += 1
        }
    }

    enum ExternalID {
        case integer(UInt64)
        case text(String)

        var text: String {
            switch self {
            case .integer(let n): return String(n)
            case .text(let t): return t
            }
        }
    }

    /// Writes the node, keeping an integer external id as its id when possible.
    private func place(_ external: ExternalID?, labels: [UInt32], record: [UInt8], reader: CSVReader,
                       value: (UInt32) throws(GraphError) -> PropertyValue?) throws(GraphError) -> NodeID {
        do throws(GraphError) {
            if preserveIDs, case .integer(let wanted)? = external, wanted > 0, wanted < UInt64.max {
                if try txn.insertNode(id: wanted, labelTokens: labels, record: record, append: wanted > lastNode, value: value) {
                    lastNode = max(lastNode, wanted)
                    return wanted
                }
            }
            while true {
                let id = txn.state.nextNode
                if try txn.insertNode(id: id, labelTokens: labels, record: record, append: id > lastNode, value: value) {
                    lastNode = max(lastNode, id)
                    return id
                }
                txn.state.nextNode = id + 1
            }
        } catch {
            if case .storage = error.code { throw error }
            if error.message.hasPrefix(reader.file) { throw error }
            throw reader.fail(error.message)
        }
    }

    private func remember(_ external: ExternalID, space: String, _ id: NodeID, _ reader: CSVReader) throws(GraphError) {
        let duplicate: Bool
        switch external {
        case .integer(let n): duplicate = integerIDs[space, default: [:]].updateValue(id, forKey: n) != nil
        case .text(let t): duplicate = textIDs[space, default: [:]].updateValue(id, forKey: t) != nil
        }
        if duplicate { throw reader.fail("node id '\(external.text.prefix(80))' appears twice\(space.isEmpty ? "" : " in id space \(space)")") }
    }

    private func resolve(_ reader: CSVReader, _ f: CSVReader.Field, space: String, _ which: String) throws(GraphError) -> NodeID {
        if let n = reader.canonicalUInt64(f) {
            if let id = integerIDs[space]?[n] { return id }
        } else if let id = textIDs[space]?[reader.text(f)] {
            return id
        }
        throw reader.fail("\(which) '\(reader.text(f).prefix(80))' is not the id of any imported node\(space.isEmpty ? "" : " in id space \(space)")")
    }

    func loadRelationships(_ bytes: [UInt8], file: CSVImport.RelationshipFile) throws(GraphError) {
        var reader = CSVReader(bytes: bytes, file: file.path)
        let roles = try parseHeader(&reader, relationships: true)
        let columns = propertyColumns(roles)
        let fixedType = try file.type.map { (t) throws(GraphError) -> UInt32 in try txn.intern(.type, t) }
        var startColumn = 0, endColumn = 0, startSpace = "", endSpace = ""
        var typeColumn: Int? = nil
        for (i, role) in roles.enumerated() {
            switch role {
            case .start(let s): (startColumn, startSpace) = (i, s)
            case .end(let s): (endColumn, endSpace) = (i, s)
            case .type: typeColumn = i
            default: break
            }
        }
        var typeCache: [String: UInt32] = [:]
        var fields: [CSVReader.Field] = []
        var rec: [UInt8] = []
        rec.reserveCapacity(128)
        while try reader.next(&fields) {
            guard fields.count == roles.count else {
                throw reader.fail("expected \(roles.count) fields as in the header, found \(fields.count)")
            }
            let start = try resolve(reader, fields[startColumn], space: startSpace, ":START_ID")
            let end = try resolve(reader, fields[endColumn], space: endSpace, ":END_ID")
            var type = fixedType
            if let typeColumn, !fields[typeColumn].isEmpty {
                let text = reader.text(fields[typeColumn])
                if let t = typeCache[text] {
                    type = t
                } else {
                    let t = try txn.intern(.type, text)
                    typeCache[text] = t
                    type = t
                }
            }
            guard let type else { throw reader.fail("the relationship has no type (no :TYPE value and none given for the file)") }
            rec.removeAll(keepingCapacity: true)
            rec.appendBE32(type)
            rec.appendBE64(start)
            rec.appendBE64(end)
            try appendProperties(reader, fields, columns, to: &rec)
            let id = txn.state.nextRelationship
            try txn.insertRelationshipRecord(id: id, type: type, record: rec, append: appendRelationships)
            if bulkAdjacency {
                outEntries.append((start, type, end, id))
            } else {
                try txn.putAdjacency(incoming: false, start, type, end, id)
                try txn.putAdjacency(incoming: true, end, type, start, id)
            }
            relationshipCount += 1
        }
    }

    /// Writes the deferred adjacency sorted, so every put is an append.
    func finish() throws(GraphError) {
        guard bulkAdjacency, !outEntries.isEmpty else { return }
        try txn.appendAdjacency(&outEntries)
    }
}

func readFile(_ path: String) throws(GraphError) -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw GraphError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { out.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count {
            if ferror(f) != 0 { throw GraphError(.io, "cannot read \(path)") }
            return out
        }
    }
}

func listDirectory(_ path: String) throws(GraphError) -> [String] {
    guard let dir = opendir(path) else { throw GraphError(.io, "cannot read directory \(path): \(String(cString: strerror(errno)))") }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
