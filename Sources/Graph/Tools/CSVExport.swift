#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the store as CSV files that `neo4j-admin database import` (and `CSVImport`) read back.
///
/// One snapshot; deterministic output: nodes in id order, grouped into files by label set (and by column
/// types when two nodes with the same labels disagree on a property's type); relationships in id order,
/// grouped by type the same way; `indexes.csv` lists declared indexes. Values the format cannot carry
/// losslessly (nested or mixed lists, list elements containing `;`) are refused with an error naming them.
public enum CSVExport {
    /// What an export wrote.
    public struct Summary: Sendable, Hashable {
        /// Nodes written.
        public var nodes: Int
        /// Relationships written.
        public var relationships: Int
        /// File names written, sorted.
        public var files: [String]
    }

    /// Exports into `directory` (created if needed; existing `nodes*`/`relationships*` files are replaced).
    public static func export(_ store: GraphStore, to directory: String) throws -> Summary {
        try makeDirectories(directory)
        let (files, nodes, rels) = try store.read { (txn) throws -> ([(String, [UInt8])], Int, Int) in
            var files: [(String, [UInt8])] = []
            let nodeGroups = try groupNodes(txn)
            files += try writeNodes(txn, nodeGroups)
            let relGroups = try groupRelationships(txn)
            files += try writeRelationships(txn, relGroups)
            var index: [UInt8] = Array("label,property,unique\n".utf8)
            for i in try txn.indexes() {
                index += Array("\(CSVFormat.quoted(i.label)),\(CSVFormat.quoted(i.property)),\(i.unique)\n".utf8)
            }
            files.append(("indexes.csv", index))
            return (files, nodeGroups.assignment.count, relGroups.assignment.count)
        }
        for name in try listDirectory(directory) where (name.hasPrefix("nodes") || name.hasPrefix("relationships")) && name.hasSuffix(".csv") {
            unlink(directory + "/" + name)
        }
        for (name, bytes) in files { try writeFile(directory + "/" + name, bytes) }
        return Summary(nodes: nodes, relationships: rels, files: files.map(\.0).sorted())
    }

    /// Columns of one output file: property name → type; `onlyEmpty` while only empty lists were seen.
    struct Group {
        var key: String
        var columns: [String: (type: CSVFormat.ValueType, onlyEmpty: Bool)] = [:]

        /// Adds the properties if no column type conflicts; false otherwise.
        mutating func admit(_ props: [(String, CSVFormat.ValueType, Bool)]) -> Bool {
            for (name, type, empty) in props {
                guard let c = columns[name] else { continue }
                if c.type == type { continue }
                if empty, c.type.isArray { continue }
                if c.onlyEmpty, type.isArray { continue }
                return false
            }
            for (name, type, empty) in props {
                if let c = columns[name] {
                    if c.onlyEmpty && !empty { columns[name] = (type, false) }
                } else {
                    columns[name] = (type, empty)
                }
            }
            return true
        }

        var sortedColumns: [(String, CSVFormat.ValueType)] { columns.keys.sorted().map { ($0, columns[$0]!.type) } }
        var signature: String { sortedColumns.map { "\($0.0):\($0.1.headerName)" }.joined(separator: ",") }
    }

    struct Grouping {
        var groups: [Group] = []
        var byKey: [String: [Int]] = [:]
        var assignment: [Int] = []

        mutating func place(key: String, _ props: [(String, CSVFormat.ValueType, Bool)]) {
            for g in byKey[key] ?? [] where groups[g].admit(props) {
                assignment.append(g)
                return
            }
            var group = Group(key: key)
            _ = group.admit(props)
            groups.append(group)
            byKey[key, default: []].append(groups.count - 1)
            assignment.append(groups.count - 1)
        }

        /// Output order and file names: by key, then column signature.
        func fileNames(prefix: String) -> [Int: String] {
            let order = groups.indices.sorted { (groups[$0].key, groups[$0].signature) < (groups[$1].key, groups[$1].signature) }
            var names: [Int: String] = [:]
            var used: [String: Int] = [:]
            for g in order {
                let base = prefix + "-" + sanitize(groups[g].key)
                let n = used[base, default: 0] + 1
                used[base] = n
                names[g] = n == 1 ? base + ".csv" : base + "-\(n).csv"
            }
            return names
        }
    }

    private static func typed(_ props: [String: PropertyValue], _ what: String) throws(GraphError) -> [(String, CSVFormat.ValueType, Bool)] {
        var out: [(String, CSVFormat.ValueType, Bool)] = []
        for (name, value) in props {
            var representable = true
            if case .list = value { representable = CSVFormat.render(value) != nil }
            guard let type = CSVFormat.ValueType.of(value), representable else {
                throw GraphError(.invalidValue(field: name), "\(what) property '\(name)' holds a list the CSV format cannot carry (nested, mixed types, or elements containing ';')")
            }
            var empty = false
            if case .list(let items) = value, items.isEmpty { empty = true }
            out.append((name, type, empty))
        }
        return out
    }

    private static func groupNodes(_ txn: ReadTransaction) throws -> Grouping {
        var grouping = Grouping()
        try txn.forEachNode { (node) throws(GraphError) -> Bool in
            for l in node.labels where l.utf8.contains(CSVFormat.arrayDelimiter) {
                throw GraphError(.invalidValue(field: "label"), "node \(node.id) has a label containing ';', which the CSV format cannot carry")
            }
            grouping.place(key: node.labels.joined(separator: ";"), try typed(node.properties, "node \(node.id)"))
            return true
        }
        return grouping
    }

    private static func groupRelationships(_ txn: ReadTransaction) throws -> Grouping {
        var grouping = Grouping()
        try txn.forEachRelationship { (rel) throws(GraphError) -> Bool in
            grouping.place(key: rel.type, try typed(rel.properties, "relationship \(rel.id)"))
            return true
        }
        return grouping
    }

    private static func header(_ fixed: [String], _ group: Group) -> [UInt8] {
        let columns = fixed + group.sortedColumns.map { CSVFormat.quoted("\($0.0):\($0.1.headerName)") }
        return Array((columns.joined(separator: ",") + "\n").utf8)
    }

    private static func appendProperties(_ props: [String: PropertyValue], _ group: Group, to out: inout [UInt8]) {
        for (name, _) in group.sortedColumns {
            out.append(UInt8(ascii: ","))
            guard let v = props[name] else { continue }
            switch v {
            case .int(let i): out.append(contentsOf: String(i).utf8)
            default: if let text = CSVFormat.render(v) { out.append(contentsOf: CSVFormat.quoted(text).utf8) }
            }
        }
        out.append(10)
    }

    private static func writeNodes(_ txn: ReadTransaction, _ grouping: Grouping) throws -> [(String, [UInt8])] {
        var buffers = grouping.groups.map { header([":ID", ":LABEL"], $0) }
        var i = 0
        try txn.forEachNode { (node) throws(GraphError) -> Bool in
            guard i < grouping.assignment.count else { return false }
            let g = grouping.assignment[i]
            i += 1
            buffers[g].append(contentsOf: String(node.id).utf8)
            buffers[g].append(UInt8(ascii: ","))
            buffers[g].append(contentsOf: CSVFormat.quoted(node.labels.joined(separator: ";")).utf8)
            appendProperties(node.properties, grouping.groups[g], to: &buffers[g])
            return true
        }
        let names = grouping.fileNames(prefix: "nodes")
        return buffers.indices.map { (names[$0]!, buffers[$0]) }
    }

    private static func writeRelationships(_ txn: ReadTransaction, _ grouping: Grouping) throws -> [(String, [UInt8])] {
        var buffers = grouping.groups.map { header([":START_ID", ":END_ID", ":TYPE"], $0) }
        var i = 0
        try txn.forEachRelationship { (rel) throws(GraphError) -> Bool in
            guard i < grouping.assignment.count else { return false }
            let g = grouping.assignment[i]
            i += 1
            buffers[g].append(contentsOf: "\(rel.start),\(rel.end),".utf8)
            buffers[g].append(contentsOf: CSVFormat.quoted(rel.type).utf8)
            appendProperties(rel.properties, grouping.groups[g], to: &buffers[g])
            return true
        }
        let names = grouping.fileNames(prefix: "relationships")
        return buffers.indices.map { (names[$0]!, buffers[$0]) }
    }
}

/// A label or type as a file-name part: letters, digits, `_` and `-`; anything else becomes `_`.
func sanitize(_ key: String) -> String {
    if key.isEmpty { return "none" }
    var out = ""
    for u in key.unicodeScalars.prefix(60) {
        if (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || u == "_" || u == "-" {
            out.unicodeScalars.append(u)
        } else {
            out += "_"
        }
    }
    return out
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws(GraphError) {
    guard let f = fopen(path, "wb") else { throw GraphError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { fclose(f) }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    if written != bytes.count { throw GraphError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
}
