/// Temporal values: dates, times and durations, with nanosecond precision.
public enum Temporal: Sendable, Hashable {
    /// A calendar date, as days since 1970-01-01.
    case date(days: Int64)
    /// A time of day without zone, as nanoseconds since midnight.
    case localTime(nanos: Int64)
    /// A time of day with a UTC offset in seconds.
    case time(nanos: Int64, offset: Int32)
    /// A date and time without zone: seconds since the epoch (local) plus nanoseconds.
    case localDateTime(seconds: Int64, nanos: Int32)
    /// An instant with its offset and optional zone name: `seconds` are UTC epoch seconds.
    case dateTime(seconds: Int64, nanos: Int32, offset: Int32, zone: String?)
    /// A duration in months, days, seconds and nanoseconds (kept separate as in Cypher).
    case duration(months: Int64, days: Int64, seconds: Int64, nanos: Int32)

    /// The Cypher type name.
    public var typeName: String {
        switch self {
        case .date: return "Date"
        case .localTime: return "LocalTime"
        case .time: return "Time"
        case .localDateTime: return "LocalDateTime"
        case .dateTime: return "DateTime"
        case .duration: return "Duration"
        }
    }
}
