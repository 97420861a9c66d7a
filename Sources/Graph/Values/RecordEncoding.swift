/// The compact record encoding of property values: a tag byte, then varints or raw bytes.
///
/// Used inside node and relationship records. It is not order-preserving (see `orderedBytes()` for keys).
extension PropertyValue {
    enum RecordTag: UInt8 {
        case null = 0, `false`, `true`, int, float, string, bytes, list
        case date, localTime, time, localDateTime, dateTime, duration
    }

    /// The value in the compact record encoding.
    public func recordBytes() -> [UInt8] {
        var out: [UInt8] = []
        appendRecord(to: &out)
        return out
    }

    /// Decodes a value written by `recordBytes()`; trailing bytes are an error.
    public init(recordBytes bytes: [UInt8]) throws(GraphError) {
        let result: Result<PropertyValue, GraphError> = bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            do throws(GraphError) {
                let v = try PropertyValue.readRecord(&reader, depth: 0)
                guard reader.atEnd else { throw ByteReader.corrupt("value") }
                return .success(v)
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    func appendRecord(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(RecordTag.null.rawValue)
        case .bool(let b): out.append(b ? RecordTag.true.rawValue : RecordTag.false.rawValue)
        case .int(let i):
            out.append(RecordTag.int.rawValue)
            out.appendSignedVarint(i)
        case .float(let d):
            out.append(RecordTag.float.rawValue)
            withUnsafeBytes(of: d.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case .string(let s):
            out.append(RecordTag.string.rawValue)
            out.appendVarint(UInt64(s.utf8.count))
            out.append(contentsOf: s.utf8)
        case .bytes(let b):
            out.append(RecordTag.bytes.rawValue)
            out.appendVarint(UInt64(b.count))
            out.append(contentsOf: b)
        case .list(let items):
            out.append(RecordTag.list.rawValue)
            out.appendVarint(UInt64(items.count))
            for item in items { item.appendRecord(to: &out) }
        case .date(let d):
            out.append(RecordTag.date.rawValue)
            out.appendSignedVarint(d.epochDay)
        case .localTime(let t):
            out.append(RecordTag.localTime.rawValue)
            out.appendVarint(UInt64(t.nanosecondOfDay))
        case .time(let t):
            out.append(RecordTag.time.rawValue)
            out.appendVarint(UInt64(t.time.nanosecondOfDay))
            out.appendSignedVarint(Int64(t.offsetSeconds))
        case .localDateTime(let t):
            out.append(RecordTag.localDateTime.rawValue)
            out.appendSignedVarint(t.date.epochDay)
            out.appendVarint(UInt64(t.time.nanosecondOfDay))
        case .dateTime(let t):
            out.append(RecordTag.dateTime.rawValue)
            out.appendSignedVarint(t.epochSecond)
            out.appendVarint(UInt64(t.nanosecond))
            out.appendSignedVarint(Int64(t.offsetSeconds))
            let zone = t.zoneName ?? ""
            out.appendVarint(UInt64(zone.utf8.count))
            out.append(contentsOf: zone.utf8)
        case .duration(let d):
            out.append(RecordTag.duration.rawValue)
            out.appendSignedVarint(d.months)
            out.appendSignedVarint(d.days)
            out.appendSignedVarint(d.seconds)
            out.appendVarint(UInt64(d.nanoseconds))
        }
    }

    static func readRecord(_ r: inout ByteReader, depth: Int) throws(GraphError) -> PropertyValue {
        guard let tag = RecordTag(rawValue: try r.byte()) else { throw ByteReader.corrupt("value tag") }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(try r.signedVarint())
        case .float:
            let raw = try r.slice(8)
            return .float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))))
        case .string:
            let n = try r.varint()
            guard n <= UInt64(r.base.count) else { throw ByteReader.corrupt("string") }
            return .string(String(decoding: try r.slice(Int(n)), as: UTF8.self))
        case .bytes:
            let n = try r.varint()
            guard n <= UInt64(r.base.count) else { throw ByteReader.corrupt("bytes") }
            return .bytes(Array(try r.slice(Int(n))))
        case .list:
            let n = try r.varint()
            guard n <= UInt64(r.base.count), depth < PropertyValue.maxDepth + 1 else { throw ByteReader.corrupt("list") }
            var items: [PropertyValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<n { items.append(try readRecord(&r, depth: depth + 1)) }
            return .list(items)
        case .date: return .date(LocalDate(epochDay: try r.signedVarint()))
        case .localTime:
            return .localTime(try LocalTime(nanosecondOfDay: Int64(bitPattern: try r.varint())))
        case .time:
            let t = try LocalTime(nanosecondOfDay: Int64(bitPattern: try r.varint()))
            let offset = try r.signedVarint()
            guard let o = Int32(exactly: offset) else { throw ByteReader.corrupt("time") }
            return .time(try OffsetTime(time: t, offsetSeconds: o))
        case .localDateTime:
            let d = LocalDate(epochDay: try r.signedVarint())
            let t = try LocalTime(nanosecondOfDay: Int64(bitPattern: try r.varint()))
            return .localDateTime(LocalDateTime(date: d, time: t))
        case .dateTime:
            let s = try r.signedVarint()
            let n = try r.varint()
            let o = try r.signedVarint()
            let zl = try r.varint()
            guard zl <= 255, let nano = Int32(exactly: n), let off = Int32(exactly: o) else { throw ByteReader.corrupt("datetime") }
            let zone = zl == 0 ? nil : String(decoding: try r.slice(Int(zl)), as: UTF8.self)
            return .dateTime(try ZonedDateTime(epochSecond: s, nanosecond: nano, offsetSeconds: off, zoneName: zone))
        case .duration:
            let m = try r.signedVarint(), d = try r.signedVarint(), s = try r.signedVarint()
            let n = try r.varint()
            guard n < UInt64(nanosPerSecond) else { throw ByteReader.corrupt("duration") }
            return .duration(TemporalDuration(months: m, days: d, seconds: s, nanoseconds: Int64(n)))
        }
    }

    /// Skips one encoded value without building it.
    static func skipRecord(_ r: inout ByteReader) throws(GraphError) {
        guard let tag = RecordTag(rawValue: try r.byte()) else { throw ByteReader.corrupt("value tag") }
        switch tag {
        case .null, .false, .true: return
        case .int, .date, .localTime: _ = try r.varint()
        case .float: _ = try r.slice(8)
        case .string, .bytes: _ = try r.slice(Int(clamping: try r.varint()))
        case .list:
            let n = try r.varint()
            for _ in 0..<n { try skipRecord(&r) }
        case .time, .localDateTime:
            _ = try r.varint()
            _ = try r.varint()
        case .dateTime:
            _ = try r.varint()
            _ = try r.varint()
            _ = try r.varint()
            _ = try r.slice(Int(clamping: try r.varint()))
        case .duration:
            for _ in 0..<4 { _ = try r.varint() }
        }
    }
}
