/// Appends integers to a byte array in the encodings the store uses.
extension Array where Element == UInt8 {
    @inline(__always) mutating func appendBE64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    @inline(__always) mutating func appendBE32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    /// LEB128 unsigned varint.
    @inline(__always) mutating func appendVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// Zig-zag signed varint.
    @inline(__always) mutating func appendSignedVarint(_ v: Int64) {
        appendVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }
}

/// Reads the store's encodings from a borrowed buffer; any overrun is reported as corruption.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    var offset: Int

    init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    var atEnd: Bool { offset >= base.count }

    static func corrupt(_ what: String) -> GraphError { GraphError(.corrupted, "truncated or invalid \(what) record") }

    @inline(__always) mutating func byte() throws(GraphError) -> UInt8 {
        guard offset < base.count else { throw ByteReader.corrupt("value") }
        defer { offset += 1 }
        return base[offset]
    }

    @inline(__always) mutating func varint() throws(GraphError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < base.count, shift < 64 else { throw ByteReader.corrupt("varint") }
            let b = base[offset]
            offset += 1
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always) mutating func signedVarint() throws(GraphError) -> Int64 {
        let u = try varint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    @inline(__always) mutating func be64() throws(GraphError) -> UInt64 {
        guard offset + 8 <= base.count else { throw ByteReader.corrupt("u64") }
        defer { offset += 8 }
        return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always) mutating func be32() throws(GraphError) -> UInt32 {
        guard offset + 4 <= base.count else { throw ByteReader.corrupt("u32") }
        defer { offset += 4 }
        return UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always) mutating func slice(_ count: Int) throws(GraphError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= base.count - offset else { throw ByteReader.corrupt("bytes") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
    }
}

@inline(__always) func loadBE64(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
    UInt64(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
}

@inline(__always) func loadBE32(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}
