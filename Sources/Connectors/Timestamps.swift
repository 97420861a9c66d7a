import CivilDate

/// RFC 3339 timestamps in UTC, as the platforms write them (`2025-01-01T12:00:00.000Z`): the shared
/// ``Timestamp`` in Unix seconds and milliseconds.
enum Timestamps {
    /// The current time in milliseconds since 1970.
    static func nowMilliseconds() -> Int64 { WallClock.epochMilliseconds() }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since 1970.
    static func format(milliseconds: Int64) -> String { Timestamp.format(milliseconds: milliseconds) }

    /// Seconds since 1970 for an RFC 3339 date-time with `Z` or a `±HH:MM` offset (fractional seconds dropped);
    /// nil when it is not one.
    static func parse(_ text: String) -> Int64? {
        Timestamp.parse(text).map { CivilDate.floorDivide($0, 1000) }
    }
}
