/// The order-preserving byte encoding of property values, used in index keys.
///
/// Comparing two encodings byte by byte (as LMDB does) gives the openCypher order within a type:
/// numbers numerically (integers and floats interleaved; an integer and the float equal to it encode alike), strings by code point, temporal values
/// chronologically, lists element-wise. Encodings are prefix-free, so a complete encoding followed by
/// more key bytes never collides with another value. Across types the order follows openCypher's
/// `ORDER BY`: list < datetime < localdatetime < date < time < localtime < duration < string < bytes
/// < boolean < number < null.
extension PropertyValue {
    enum OrderedTag: UInt8 {
        case listEnd = 0x00
        case list = 0x10
        case dateTime = 0x20, localDateTime, date, time, localTime, duration
        case string = 0x30, bytes = 0x38
        case bool = 0x40
        case number = 0x50
        case null = 0x60
    }

    /// The order-preserving encoding of the value.
    public func orderedBytes() -> [UInt8] {
        var out: [UInt8] = []
        appendOrdered(to: &out)
        return out
    }

    /// The encoding of a string prefix: every string starting with `prefix` has an `orderedBytes()` that
    /// starts with these bytes.
    public static func orderedPrefix(ofString prefix: String) -> [UInt8] {
        var out: [UInt8] = [OrderedTag.string.rawValue]
        appendEscaped(prefix.utf8, to: &out)
        return out
    }

    func appendOrdered(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(OrderedTag.null.rawValue)
        case .bool(let b):
            out.append(OrderedTag.bool.rawValue)
            out.append(b ? 1 : 0)
        case .int(let i):
            // Numbers sort by their nearest double, then by the integer's exact distance from it, so
            // integers and floats interleave exactly and 2 encodes like 2.0 (they are equal in openCypher).
            let d = Double(i)
            out.append(OrderedTag.number.rawValue)
            out.appendBE64(orderedDouble(d))
            let base = Int64(exactly: d)
            out.appendBE64(flip(base.map { i - $0 } ?? (i &+ Int64.min)))
        case .float(let d):
            out.append(OrderedTag.number.rawValue)
            out.appendBE64(orderedDouble(d))
            out.appendBE64(flip(0))
        case .string(let s):
            out.append(OrderedTag.string.rawValue)
            PropertyValue.appendEscaped(s.utf8, to: &out)
            out.append(0)
            out.append(1)
        case .bytes(let b):
            out.append(OrderedTag.bytes.rawValue)
            PropertyValue.appendEscaped(b, to: &out)
            out.append(0)
            out.append(1)
        case .list(let items):
            out.append(OrderedTag.list.rawValue)
            for item in items { item.appendOrdered(to: &out) }
            out.append(OrderedTag.listEnd.rawValue)
        case .date(let d):
            out.append(OrderedTag.date.rawValue)
            out.appendBE64(flip(d.epochDay))
        case .localTime(let t):
            out.append(OrderedTag.localTime.rawValue)
            out.appendBE64(UInt64(t.nanosecondOfDay))
        case .time(let t):
            out.append(OrderedTag.time.rawValue)
            out.appendBE64(flip(t.utcNanoseconds))
            out.appendBE32(UInt32(bitPattern: t.offsetSeconds) ^ (1 << 31))
        case .localDateTime(let t):
            out.append(OrderedTag.localDateTime.rawValue)
            out.appendBE64(flip(t.date.epochDay))
            out.appendBE64(UInt64(t.time.nanosecondOfDay))
        case .dateTime(let t):
            out.append(OrderedTag.dateTime.rawValue)
            out.appendBE64(flip(t.epochSecond))
            out.appendBE32(UInt32(bitPattern: t.nanosecond))
            out.appendBE32(UInt32(bitPattern: t.offsetSeconds) ^ (1 << 31))
            PropertyValue.appendEscaped((t.zoneName ?? "").utf8, to: &out)
            out.append(0)
            out.append(1)
        case .duration(let d):
            out.append(OrderedTag.duration.rawValue)
            out.appendBE64(flip(d.months))
            out.appendBE64(flip(d.days))
            out.appendBE64(flip(d.seconds))
            out.appendBE32(UInt32(bitPattern: d.nanoseconds))
        }
    }

    /// Writes bytes with 0x00 escaped as 0x00 0xFF, so the terminator 0x00 0x01 sorts before any continuation.
    static func appendEscaped<S: Sequence>(_ bytes: S, to out: inout [UInt8]) where S.Element == UInt8 {
        for b in bytes {
            out.append(b)
            if b == 0 { out.append(0xFF) }
        }
    }
}

@inline(__always) private func flip(_ v: Int64) -> UInt64 { UInt64(bitPattern: v) ^ (1 << 63) }

/// IEEE 754 total order as unsigned bits: negative values inverted, positive values with the sign bit set.
/// -0.0 and +0.0 are folded together so that they compare equal, as in openCypher.
@inline(__always) private func orderedDouble(_ d: Double) -> UInt64 {
    let bits = (d == 0 ? 0.0 : d).bitPattern
    return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
}
