/// A value stored as a node or relationship property.
///
/// These are the openCypher storable types. Temporal values are kept as structs (not strings), so a
/// query engine can store and read them back unchanged. Maps are not storable, as in openCypher.
///
/// ```swift
/// let views: PropertyValue = .int(9_007_199_254_740_993)   // above 2^53, kept exactly
/// let at: PropertyValue = .dateTime(try ZonedDateTime(iso: "2024-06-01T12:30:00+02:00"))
/// ```
public enum PropertyValue: Sendable, Hashable {
    /// The absent value; setting a property to null removes it.
    case null
    /// A boolean.
    case bool(Bool)
    /// A 64-bit signed integer.
    case int(Int64)
    /// An IEEE 754 double.
    case float(Double)
    /// A Unicode string.
    case string(String)
    /// Raw bytes.
    case bytes([UInt8])
    /// A list of values (nesting allowed up to `PropertyValue.maxDepth`).
    case list([PropertyValue])
    /// A calendar date without time zone.
    case date(LocalDate)
    /// A time of day without offset.
    case localTime(LocalTime)
    /// A time of day with a UTC offset.
    case time(OffsetTime)
    /// A date and time without offset.
    case localDateTime(LocalDateTime)
    /// An instant with its UTC offset and optional IANA zone name.
    case dateTime(ZonedDateTime)
    /// An amount of time in months, days, seconds and nanoseconds.
    case duration(TemporalDuration)

    /// The deepest list nesting a stored value may have.
    public static let maxDepth = 16

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short type name for messages and the CSV header (`int`, `datetime`, ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .bytes: return "bytes"
        case .list: return "list"
        case .date: return "date"
        case .localTime: return "localtime"
        case .time: return "time"
        case .localDateTime: return "localdatetime"
        case .dateTime: return "datetime"
        case .duration: return "duration"
        }
    }

    /// Checks that the value can be stored: no NaN, list depth within `maxDepth`, no null inside lists.
    /// - Parameter field: the property name used in the error.
    public func validate(field: String) throws(GraphError) {
        try validate(field: field, depth: 0)
    }

    private func validate(field: String, depth: Int) throws(GraphError) {
        switch self {
        case .float(let d) where d.isNaN:
            throw GraphError(.invalidValue(field: field), "NaN cannot be stored")
        case .list(let items):
            if depth >= PropertyValue.maxDepth {
                throw GraphError(.invalidValue(field: field), "lists nest deeper than \(PropertyValue.maxDepth) levels")
            }
            for item in items {
                if item.isNull { throw GraphError(.invalidValue(field: field), "a stored list cannot contain null") }
                try item.validate(field: field, depth: depth + 1)
            }
        default:
            break
        }
    }
}

extension PropertyValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
    /// An `.int`.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A `.float`.
    public init(floatLiteral value: Double) { self = .float(value) }
    /// A `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A `.list`.
    public init(arrayLiteral elements: PropertyValue...) { self = .list(elements) }
}
