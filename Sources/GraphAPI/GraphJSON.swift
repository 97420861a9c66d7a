import Graph
import HTTP

/// How graph values look in JSON, both ways, without losing a type or a digit.
///
/// Plain JSON carries what it can carry exactly: `null`, booleans, integers (int64, kept exact even above
/// 2^53 because the HTTP layer parses into ``JSONValue``), floats (a number written with a `.` or an
/// exponent: `1.0` stays a float, `1` an int), strings and lists. Everything else is a tagged object with
/// exactly one member:
///
/// | tag | text | example |
/// | --- | --- | --- |
/// | `$date` | `YYYY-MM-DD` | `{"$date": "2026-03-01"}` |
/// | `$localtime` | `HH:MM[:SS[.f]]` | `{"$localtime": "10:00:00"}` |
/// | `$time` | `HH:MM[:SS[.f]]` + `Z` or `±HH:MM` | `{"$time": "10:00:00+02:00"}` |
/// | `$localdatetime` | `YYYY-MM-DDTHH:MM[:SS[.f]]` | `{"$localdatetime": "2026-03-01T10:00:00"}` |
/// | `$datetime` | local date-time + `Z` or `±HH:MM`, optional `[Zone/Name]` | `{"$datetime": "2026-03-01T10:00:00+02:00"}` |
/// | `$duration` | ISO 8601 `P…T…` | `{"$duration": "P1DT2H"}` |
/// | `$bytes` | standard base64 | `{"$bytes": "AAEC"}` |
/// | `$float` | `NaN`, `Infinity`, `-Infinity` (only ever sent by the server) | `{"$float": "NaN"}` |
///
/// Times are rendered with seconds always present (`10:00:00`), a fraction only when non-zero, and a zero
/// offset as `Z`, so an RFC 3339 datetime comes back as it was sent.
public enum GraphJSON {
    // MARK: graph values to JSON

    /// A node: `{"id", "labels", "properties"}`.
    public static func node(_ node: Node) -> JSONValue {
        .object(["id": id(node.id), "labels": .array(node.labels.map(JSONValue.string)), "properties": properties(node.properties)])
    }

    /// A relationship: `{"id", "type", "start", "end", "properties"}`.
    public static func relationship(_ relationship: Relationship) -> JSONValue {
        .object([
            "id": id(relationship.id), "type": .string(relationship.type),
            "start": id(relationship.start), "end": id(relationship.end),
            "properties": properties(relationship.properties),
        ])
    }

    /// An index: `{"label", "property", "unique"}`.
    public static func index(_ index: IndexDescription) -> JSONValue {
        .object(["label": .string(index.label), "property": .string(index.property), "unique": .bool(index.unique)])
    }

    /// A node or relationship id as a JSON integer (as a decimal string in the unlikely case it exceeds 2^63 − 1).
    public static func id(_ id: UInt64) -> JSONValue {
        if let exact = Int64(exactly: id) { return .int(exact) }
        return .string(String(id))
    }

    /// A property map as a JSON object.
    public static func properties(_ properties: [String: PropertyValue]) -> JSONValue {
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(properties.count)
        for (key, value) in properties { members[key] = self.value(value) }
        return .object(members)
    }

    /// One property value in the tagged JSON form.
    public static func value(_ value: PropertyValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d):
            if d.isNaN { return tagged("$float", "NaN") }
            if d.isInfinite { return tagged("$float", d < 0 ? "-Infinity" : "Infinity") }
            return .double(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return tagged("$bytes", Base64.encode(b))
        case .list(let items): return .array(items.map { self.value($0) })
        case .date(let d): return tagged("$date", d.description)
        case .localTime(let t): return tagged("$localtime", timeText(t))
        case .time(let t): return tagged("$time", timeText(t.time) + offsetText(t.offsetSeconds))
        case .localDateTime(let t): return tagged("$localdatetime", t.date.description + "T" + timeText(t.time))
        case .dateTime(let z):
            let local = z.local
            return tagged("$datetime", local.date.description + "T" + timeText(local.time) + offsetText(z.offsetSeconds)
                + (z.zoneName.map { "[\($0)]" } ?? ""))
        case .duration(let d): return tagged("$duration", d.description)
        }
    }

    // MARK: graph values straight to JSON text

    // The writers below produce the same text as serialising the `JSONValue` forms above (keys sorted),
    // without building the intermediate tree: listing pages spend most of their time there otherwise.

    /// Appends the JSON text of a node (the same text as `node(_:).serialized()`).
    public static func write(_ node: Node, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        writeID(node.id, into: &out)
        out.append(contentsOf: #","labels":["#.utf8)
        for (i, label) in node.labels.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(label, into: &out)
        }
        out.append(contentsOf: #"],"properties":"#.utf8)
        write(node.properties, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Appends the JSON text of a relationship (the same text as `relationship(_:).serialized()`).
    public static func write(_ relationship: Relationship, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"end":"#.utf8)
        writeID(relationship.end, into: &out)
        out.append(contentsOf: #","id":"#.utf8)
        writeID(relationship.id, into: &out)
        out.append(contentsOf: #","properties":"#.utf8)
        write(relationship.properties, into: &out)
        out.append(contentsOf: #","start":"#.utf8)
        writeID(relationship.start, into: &out)
        out.append(contentsOf: #","type":"#.utf8)
        JSONValue.writeString(relationship.type, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Appends a property map as a JSON object, keys sorted.
    public static func write(_ properties: [String: PropertyValue], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, key) in properties.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            write(properties[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Appends one property value in the tagged JSON form.
    public static func write(_ value: PropertyValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): appendInteger(i, into: &out)
        case .float(let d) where d.isFinite: JSONValue.double(d).write(into: &out)
        case .dateTime(let z) where (0...9999).contains(z.local.date.components.year):
            // The commonest tagged value (timestamps on every metric): written without intermediate strings.
            let local = z.local
            out.append(contentsOf: #"{"$datetime":""#.utf8)
            appendDate(local.date, into: &out)
            out.append(UInt8(ascii: "T"))
            appendTime(local.time, into: &out)
            out.append(contentsOf: offsetText(z.offsetSeconds).utf8)
            if let zone = z.zoneName {
                out.append(UInt8(ascii: "["))
                var quoted: [UInt8] = []
                JSONValue.writeString(zone, into: &quoted)
                out.append(contentsOf: quoted.dropFirst().dropLast())
                out.append(UInt8(ascii: "]"))
            }
            out.append(contentsOf: #""}"#.utf8)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            // Tagged values are a small share of properties; their one-member object is cheap to build.
            self.value(value).write(into: &out)
        }
    }

    private static func writeID(_ id: UInt64, into out: inout [UInt8]) {
        if id <= UInt64(Int64.max) {
            appendInteger(Int64(id), into: &out)
        } else {
            JSONValue.writeString(String(id), into: &out)
        }
    }

    /// Decimal digits of `value`, without allocating a string.
    static func appendInteger(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// `YYYY-MM-DD` for years 0–9999.
    private static func appendDate(_ date: LocalDate, into out: inout [UInt8]) {
        let (y, m, d) = date.components
        appendPadded(Int(y), 4, into: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(m, 2, into: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(d, 2, into: &out)
    }

    /// `HH:MM:SS[.f]`, as `timeText`.
    private static func appendTime(_ time: LocalTime, into out: inout [UInt8]) {
        let (h, m, s, n) = time.components
        appendPadded(h, 2, into: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(m, 2, into: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(s, 2, into: &out)
        if n != 0 {
            var fraction = n, width = 9
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            out.append(UInt8(ascii: "."))
            appendPadded(fraction, width, into: &out)
        }
    }

    private static func appendPadded(_ value: Int, _ width: Int, into out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    // MARK: JSON to graph values

    /// The tags a property value object may carry, for messages and the OpenAPI document.
    public static let inputTags = ["$date", "$localtime", "$time", "$localdatetime", "$datetime", "$duration", "$bytes"]

    /// Reads a property map (a JSON object), collecting a ``FieldError`` for each bad entry.
    ///
    /// - Parameters:
    ///   - field: the name of the object in the request (`properties`), used as the prefix of error fields.
    ///   - allowNull: whether `null` values are kept (a PATCH removes those properties) or refused.
    public static func properties(from json: JSONValue, field: String, limits: GraphAPIConfiguration, allowNull: Bool,
                                  errors: inout [FieldError]) -> [String: PropertyValue] {
        guard case .object(let members) = json else {
            errors.append(FieldError(field: field, message: "must be an object of property values, not \(json.typeName)"))
            return [:]
        }
        var out: [String: PropertyValue] = [:]
        for key in members.keys.sorted() {
            let path = field + "." + key
            if let problem = nameProblem(key, what: "a property key", limits: limits) {
                errors.append(FieldError(field: path, message: problem))
                continue
            }
            let json = members[key]!
            if case .null = json, !allowNull {
                errors.append(FieldError(field: path, message: "is null; leave the property out instead (null removes a property in a PATCH)"))
                continue
            }
            if let value = self.value(from: json, field: path, limits: limits, nesting: 0, errors: &errors) { out[key] = value }
        }
        return out
    }

    /// Reads one property value, or appends a ``FieldError`` naming `field` and returns nil.
    public static func value(from json: JSONValue, field: String, limits: GraphAPIConfiguration, errors: inout [FieldError]) -> PropertyValue? {
        value(from: json, field: field, limits: limits, nesting: 0, errors: &errors)
    }

    /// Why `name` is not acceptable as a label, type or property key, or nil when it is.
    static func nameProblem(_ name: String, what: String, limits: GraphAPIConfiguration) -> String? {
        if name.isEmpty { return "\(what) cannot be empty" }
        let bytes = name.utf8.count
        if bytes > limits.maxNameBytes { return "\(what) is \(bytes) bytes long; the limit is \(limits.maxNameBytes) bytes" }
        return nil
    }

    private static func value(from json: JSONValue, field: String, limits: GraphAPIConfiguration, nesting: Int,
                              errors: inout [FieldError]) -> PropertyValue? {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d):
            guard d.isFinite else {
                errors.append(FieldError(field: field, message: "must be a finite number"))
                return nil
            }
            return .float(d)
        case .string(let s): return .string(s)
        case .array(let items):
            let depth = nesting + 1
            guard depth <= limits.maxListNesting else {
                errors.append(FieldError(field: field, message: "lists may nest at most \(limits.maxListNesting) deep"))
                return nil
            }
            guard items.count <= limits.maxListLength else {
                errors.append(FieldError(field: field, message: "a list may hold at most \(limits.maxListLength) items; this one has \(items.count)"))
                return nil
            }
            var out: [PropertyValue] = []
            out.reserveCapacity(items.count)
            let before = errors.count
            for (i, item) in items.enumerated() {
                let path = "\(field)[\(i)]"
                if case .null = item {
                    errors.append(FieldError(field: path, message: "a stored list cannot contain null"))
                    continue
                }
                if let v = value(from: item, field: path, limits: limits, nesting: depth, errors: &errors) { out.append(v) }
                // One bad item is enough to name; a huge bad list should not produce thousands of errors.
                if errors.count - before >= 10 { return nil }
            }
            return errors.count == before ? .list(out) : nil
        case .object(let members):
            return tagged(members, field: field, errors: &errors)
        }
    }

    private static func tagged(_ members: [String: JSONValue], field: String, errors: inout [FieldError]) -> PropertyValue? {
        let tagList = inputTags.joined(separator: ", ")
        guard members.count == 1, let (tag, content) = members.first, tag.hasPrefix("$") else {
            errors.append(FieldError(field: field, message: "maps cannot be stored as property values; an object must be one tagged value such as {\"$datetime\": \"2026-03-01T10:00:00+02:00\"} (tags: \(tagList))"))
            return nil
        }
        guard inputTags.contains(tag) else {
            errors.append(FieldError(field: field, message: "unknown tag \"\(tag.prefix(40))\"; use one of \(tagList)"))
            return nil
        }
        guard case .string(let text) = content else {
            errors.append(FieldError(field: field, message: "the value of \(tag) must be a string, not \(content.typeName)"))
            return nil
        }
        do throws(GraphError) {
            switch tag {
            case "$date": return .date(try LocalDate(iso: text))
            case "$localtime": return .localTime(try LocalTime(iso: text))
            case "$time": return .time(try OffsetTime(iso: text))
            case "$localdatetime": return .localDateTime(try LocalDateTime(iso: text))
            case "$datetime": return .dateTime(try ZonedDateTime(iso: text))
            case "$duration": return .duration(try TemporalDuration(iso: text))
            default:
                guard let bytes = Base64.decode(text) else {
                    errors.append(FieldError(field: field, message: "$bytes must be standard base64 (A–Z, a–z, 0–9, +, /, = padding)"))
                    return nil
                }
                return .bytes(bytes)
            }
        } catch {
            errors.append(FieldError(field: field, message: "\(tag) \"\(text.prefix(80))\" is not valid: \(error.message)"))
            return nil
        }
    }

    // MARK: renderings

    private static func tagged(_ tag: String, _ text: String) -> JSONValue { .object([tag: .string(text)]) }

    /// `HH:MM:SS` with a fraction only when non-zero (trailing zeros trimmed).
    static func timeText(_ time: LocalTime) -> String {
        let (h, m, s, n) = time.components
        var text = pad(h, 2) + ":" + pad(m, 2) + ":" + pad(s, 2)
        if n != 0 {
            var fraction = pad(n, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }

    /// `Z` for UTC, else `±HH:MM` (with `:SS` when the offset has seconds).
    static func offsetText(_ offset: Int32) -> String {
        if offset == 0 { return "Z" }
        let m = Int(offset.magnitude)
        var text = (offset < 0 ? "-" : "+") + pad(m / 3600, 2) + ":" + pad(m / 60 % 60, 2)
        if m % 60 != 0 { text += ":" + pad(m % 60, 2) }
        return text
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// Standard base64 (RFC 4648 §4) with padding, strict on input.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or nil when `text` is not canonical padded base64.
    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            let last = i + 4 == chars.count
            var group: [UInt32] = []
            var padding = 0
            for j in 0..<4 {
                let c = chars[i + j]
                if c == UInt8(ascii: "=") {
                    guard last, j >= 2 else { return nil }
                    padding += 1
                    group.append(0)
                } else {
                    guard padding == 0 else { return nil }
                    let v = reverse[Int(c)]
                    guard v != 0xFF else { return nil }
                    group.append(UInt32(v))
                }
            }
            let v = group[0] << 18 | group[1] << 12 | group[2] << 6 | group[3]
            out.append(UInt8(v >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(v >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(v & 0xFF)) }
            // Non-zero bits hidden under the padding would make two texts decode to the same bytes.
            if padding == 1, v & 0xFF != 0 { return nil }
            if padding == 2, v & 0xFFFF != 0 { return nil }
            i += 4
        }
        return out
    }
}
