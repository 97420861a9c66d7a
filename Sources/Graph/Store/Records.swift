/// Record layouts.
///
/// Node: varint label count, label tokens (varints, ascending), then properties.
/// Relationship: type token (u32 BE), start (u64 BE), end (u64 BE), then properties.
/// Properties: varint count, then (varint key token, value in the record encoding), keys ascending.
enum Records {
    static func node(labels: [UInt32], properties: [(UInt32, PropertyValue)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + properties.count * 12)
        out.appendVarint(UInt64(labels.count))
        for l in labels { out.appendVarint(UInt64(l)) }
        appendProperties(properties, to: &out)
        return out
    }

    static func relationship(type: UInt32, start: UInt64, end: UInt64, properties: [(UInt32, PropertyValue)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24 + properties.count * 12)
        out.appendBE32(type)
        out.appendBE64(start)
        out.appendBE64(end)
        appendProperties(properties, to: &out)
        return out
    }

    static func appendProperties(_ properties: [(UInt32, PropertyValue)], to out: inout [UInt8]) {
        let sorted = properties.sorted { $0.0 < $1.0 }
        out.appendVarint(UInt64(sorted.count))
        for (k, v) in sorted {
            out.appendVarint(UInt64(k))
            v.appendRecord(to: &out)
        }
    }

    /// Reads a node record's labels and leaves the reader at its properties.
    static func nodeLabels(_ r: inout ByteReader) throws(GraphError) -> [UInt32] {
        let n = try r.varint()
        guard n < 4096 else { throw ByteReader.corrupt("node") }
        var labels: [UInt32] = []
        labels.reserveCapacity(Int(n))
        for _ in 0..<n {
            let v = try r.varint()
            guard let t = UInt32(exactly: v) else { throw ByteReader.corrupt("node") }
            labels.append(t)
        }
        return labels
    }

    static func skipNodeLabels(_ r: inout ByteReader) throws(GraphError) {
        let n = try r.varint()
        for _ in 0..<n { _ = try r.varint() }
    }

    /// Decodes properties as (token, value) pairs.
    static func properties(_ r: inout ByteReader) throws(GraphError) -> [(UInt32, PropertyValue)] {
        let n = try r.varint()
        guard n <= UInt64(r.base.count) else { throw ByteReader.corrupt("properties") }
        var out: [(UInt32, PropertyValue)] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<n {
            guard let k = UInt32(exactly: try r.varint()) else { throw ByteReader.corrupt("properties") }
            out.append((k, try PropertyValue.readRecord(&r, depth: 0)))
        }
        return out
    }

    /// Finds one property without decoding the others.
    @inline(__always)
    static func property(_ r: inout ByteReader, key: UInt32) throws(GraphError) -> PropertyValue? {
        let n = try r.varint()
        for _ in 0..<n {
            let k = try r.varint()
            if k == UInt64(key) { return try PropertyValue.readRecord(&r, depth: 0) }
            if k > UInt64(key) { return nil }
            try PropertyValue.skipRecord(&r)
        }
        return nil
    }
}

/// Index keys: label (u32 BE), property key (u32 BE), value part, node (u64 BE).
/// The value part is the value's `orderedBytes()`, or when that is longer than `limit` its first `limit`
/// bytes plus an 8-byte hash; such entries are verified against the node's property when read.
enum IndexKeys {
    static let limit = 400

    static func prefix(_ label: UInt32, _ key: UInt32) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(32)
        k.appendBE32(label)
        k.appendBE32(key)
        return k
    }

    static func valuePart(_ encoded: [UInt8]) -> [UInt8] {
        if encoded.count <= limit { return encoded }
        var part = Array(encoded.prefix(limit))
        part.appendBE64(fnv1a(encoded))
        return part
    }

    static func isTruncated(valuePartCount: Int) -> Bool { valuePartCount == limit + 8 }

    static func key(_ label: UInt32, _ key: UInt32, _ value: PropertyValue, _ node: UInt64) -> [UInt8] {
        var k = prefix(label, key)
        k.append(contentsOf: valuePart(value.orderedBytes()))
        k.appendBE64(node)
        return k
    }
}

/// Keys of the counts table: kind (1 label, 2 type, 3 totals) and token.
enum CountKeys {
    static let totalNodes: UInt64 = 3 << 32 | 0
    static let totalRelationships: UInt64 = 3 << 32 | 1

    static func label(_ t: UInt32) -> UInt64 { 1 << 32 | UInt64(t) }
    static func type(_ t: UInt32) -> UInt64 { 2 << 32 | UInt64(t) }

    static func bytes(_ packed: UInt64) -> [UInt8] {
        var k: [UInt8] = [UInt8(packed >> 32)]
        k.appendBE32(UInt32(truncatingIfNeeded: packed))
        return k
    }
}
