#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CSV dialect of `neo4j-admin database import`: comma-separated, `"` quotes (doubled inside),
/// `;` between array elements, typed headers (`name:type`, `:ID`, `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`).
enum CSVFormat {
    /// The longest field accepted (Neo4j's default read buffer is 4 MiB).
    static let maxFieldBytes = 4 << 20
    static let arrayDelimiter = UInt8(ascii: ";")

    /// A property column's value type.
    indirect enum ValueType: Hashable {
        case int, float, bool, string, bytes, date, localTime, time, localDateTime, dateTime, duration
        case array(ValueType)

        init?(name: String) {
            let n = name.lowercased()
            if n.hasSuffix("[]") {
                guard let element = ValueType(name: String(n.dropLast(2))), !element.isArray else { return nil }
                self = .array(element)
                return
            }
            switch n {
            case "int", "long", "short", "byte": self = .int
            case "float", "double": self = .float
            case "boolean", "bool": self = .bool
            case "string", "char": self = .string
            case "bytes": self = .bytes
            case "date": self = .date
            case "localtime": self = .localTime
            case "time": self = .time
            case "localdatetime": self = .localDateTime
            case "datetime": self = .dateTime
            case "duration": self = .duration
            default: return nil
            }
        }

        var isArray: Bool {
            if case .array = self { return true }
            return false
        }

        /// The header name written on export.
        var headerName: String {
            switch self {
            case .int: return "long"
            case .float: return "double"
            case .bool: return "boolean"
            case .string: return "string"
            case .bytes: return "bytes"
            case .date: return "date"
            case .localTime: return "localtime"
            case .time: return "time"
            case .localDateTime: return "localdatetime"
            case .dateTime: return "datetime"
            case .duration: return "duration"
            case .array(let e): return e.headerName + "[]"
            }
        }

        /// The type of a stored value, or nil when the CSV format cannot carry it (nested or mixed lists).
        /// An empty list is `.array(.string)` with `isEmptyList` telling the caller to accept any array type.
        static func of(_ value: PropertyValue) -> ValueType? {
            switch value {
            case .null: return nil
            case .bool: return .bool
            case .int: return .int
            case .float: return .float
            case .string: return .string
            case .bytes: return .bytes
            case .date: return .date
            case .localTime: return .localTime
            case .time: return .time
            case .localDateTime: return .localDateTime
            case .dateTime: return .dateTime
            case .duration: return .duration
            case .list(let items):
                guard let first = items.first else { return .array(.string) }
                guard let t = of(first), !t.isArray else { return nil }
                for item in items.dropFirst() where of(item) != t { return nil }
                return .array(t)
            }
        }
    }

    /// Parses one field's text as a value of `type`.
    static func parse(_ text: String, as type: ValueType, quoted: Bool) throws(GraphError) -> PropertyValue {
        switch type {
        case .string: return .string(text)
        case .int:
            guard let v = Int64(text.trimmingSpaces) else { throw GraphError(.malformedInput, "'\(text.prefix(40))' is not an integer") }
            return .int(v)
        case .float:
            let t = text.trimmingSpaces
            guard let v = Double(t) ?? Double(t.lowercased().replacing("infinity", with: "inf")), !v.isNaN else {
                throw GraphError(.malformedInput, "'\(text.prefix(40))' is not a number")
            }
            return .float(v)
        case .bool:
            switch text.trimmingSpaces.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw GraphError(.malformedInput, "'\(text.prefix(40))' is not true or false")
            }
        case .bytes:
            guard let b = hexDecode(text) else { throw GraphError(.malformedInput, "'\(text.prefix(40))' is not hexadecimal bytes") }
            return .bytes(b)
        case .date: return .date(try LocalDate(iso: text.trimmingSpaces))
        case .localTime: return .localTime(try LocalTime(iso: text.trimmingSpaces))
        case .time: return .time(try OffsetTime(iso: text.trimmingSpaces))
        case .localDateTime: return .localDateTime(try LocalDateTime(iso: text.trimmingSpaces))
        case .dateTime: return .dateTime(try ZonedDateTime(iso: text.trimmingSpaces))
        case .duration: return .duration(try TemporalDuration(iso: text.trimmingSpaces))
        case .array(let element):
            if text.isEmpty { return .list([]) }
            var items: [PropertyValue] = []
            for part in text.split(separator: ";", omittingEmptySubsequences: false) {
                items.append(try parse(String(part), as: element, quoted: quoted))
            }
            return .list(items)
        }
    }

    /// Renders a value for a column of `type`; nil when the format cannot carry it losslessly.
    static func render(_ value: PropertyValue) -> String? {
        switch value {
        case .null: return nil
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d):
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return d.isNaN ? nil : String(d)
        case .string(let s): return s
        case .bytes(let b): return hexEncode(b)
        case .date(let d): return d.description
        case .localTime(let t): return t.description
        case .time(let t): return t.description
        case .localDateTime(let t): return t.description
        case .dateTime(let t): return t.description
        case .duration(let d): return d.description
        case .list(let items):
            var parts: [String] = []
            for item in items {
                guard let s = render(item), !s.utf8.contains(arrayDelimiter) else { return nil }
                if case .string = item, s.isEmpty, items.count == 1 { return nil }
                parts.append(s)
            }
            return parts.joined(separator: ";")
        }
    }

    /// Quotes a field when needed: delimiters, quotes, line breaks, surrounding spaces, or empty text
    /// (an unquoted empty field means "no property").
    static func quoted(_ s: String) -> String {
        if s.isEmpty { return "\"\"" }
        var needs = false
        for b in s.utf8 where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            needs = true
            break
        }
        if !needs, let f = s.utf8.first, let l = s.utf8.last, f == 32 || l == 32 || f == 9 || l == 9 { needs = true }
        guard needs else { return s }
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
    }

    static func hexEncode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexDecode(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

/// Reads CSV records from a byte buffer without copying fields, tracking line numbers for error messages.
struct CSVReader {
    let bytes: [UInt8]
    let file: String
    var position = 0
    var line = 1
    /// Line on which the current record started.
    var recordLine = 1

    /// A field as a byte range of the buffer; `escaped` when it holds doubled quotes to undo.
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var escaped: Bool
        var isEmpty: Bool { start == end }
    }

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        // Skip a UTF-8 byte-order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    func fail(_ message: String) -> GraphError {
        GraphError(.malformedInput, "\(file):\(recordLine): \(message)")
    }

    /// The field's text (doubled quotes undone).
    func text(_ f: Field) -> String {
        let s = String(decoding: bytes[f.start..<f.end], as: UTF8.self)
        return f.escaped ? s.replacing("\"\"", with: "\"") : s
    }

    /// Parses a decimal integer straight from the bytes; nil if it is not one.
    func int(_ f: Field) -> Int64? {
        var i = f.start, end = f.end
        while i < end && bytes[i] == 32 { i += 1 }
        while end > i && bytes[end - 1] == 32 { end -= 1 }
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return nil }
        }
        var v: Int64 = 0
        while i < end {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            v = a
            i += 1
        }
        return v
    }

    /// The field as an id in canonical decimal form (no sign, spaces or leading zeros), or nil.
    func canonicalUInt64(_ f: Field) -> UInt64? {
        let n = f.end - f.start
        guard n > 0, n <= 20, !f.quoted else { return nil }
        if bytes[f.start] == UInt8(ascii: "0") && n > 1 { return nil }
        var v: UInt64 = 0
        for i in f.start..<f.end {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1 && !o2 else { return nil }
            v = a
        }
        return v
    }

    /// Parses a float straight from the bytes (strtod on a stack copy); nil for garbage or NaN.
    func double(_ f: Field) -> Double? {
        let n = f.end - f.start
        guard n > 0 && n < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf -> Double? in
            for i in 0..<n { buf[i] = CChar(bitPattern: bytes[f.start + i]) }
            buf[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(buf.baseAddress!, &end)
            guard let end, end == buf.baseAddress! + n, !v.isNaN else { return nil }
            return v
        }
    }

    /// Reads the next record's fields into `fields`; false at end of input. Blank lines are skipped.
    mutating func next(_ fields: inout [Field]) throws(GraphError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf: UInt8 = 10, cr: UInt8 = 13
        let count = bytes.count
        while position < count && (bytes[position] == lf || bytes[position] == cr) {
            if bytes[position] == lf { line += 1 }
            position += 1
        }
        guard position < count else { return false }
        recordLine = line
        while true {
            var field: Field
            if position < count && bytes[position] == quote {
                position += 1
                let start = position
                var escaped = false
                while true {
                    guard position < count else { throw fail("a quoted field is not closed") }
                    let b = bytes[position]
                    if b == quote {
                        if position + 1 < count && bytes[position + 1] == quote {
                            escaped = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if b == lf { line += 1 }
                    position += 1
                }
                field = Field(start: start, end: position, quoted: true, escaped: escaped)
                position += 1
                if position < count && bytes[position] != comma && bytes[position] != lf && bytes[position] != cr {
                    throw fail("unexpected text after a closing quote")
                }
            } else {
                let start = position
                while position < count {
                    let b = bytes[position]
                    if b == comma || b == lf || b == cr { break }
                    if b == quote { throw fail("a quote inside an unquoted field") }
                    position += 1
                }
                field = Field(start: start, end: position, quoted: false, escaped: false)
            }
            if field.end - field.start > CSVFormat.maxFieldBytes {
                throw fail("a field is longer than \(CSVFormat.maxFieldBytes >> 20) MiB")
            }
            fields.append(field)
            if position < count && bytes[position] == comma {
                position += 1
                continue
            }
            if position < count && bytes[position] == cr { position += 1 }
            if position < count && bytes[position] == lf {
                position += 1
                line += 1
            }
            return true
        }
    }
}
