import CivilDate
import Foundation

/// A wall-clock date and time with no zone: what a creator means by "Tuesday 09:00".
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Year (proleptic Gregorian).
    public var year: Int
    /// Month, 1–12.
    public var month: Int
    /// Day of the month, 1–31.
    public var day: Int
    /// Hour, 0–23.
    public var hour: Int
    /// Minute, 0–59.
    public var minute: Int
    /// Second, 0–59.
    public var second: Int

    /// Creates a local date and time.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// ISO day of week, 1 = Monday … 7 = Sunday.
    public var weekday: Int { ZonedTime.isoWeekday(daysSinceEpoch: ZonedTime.daysFromCivil(year, month, day)) }

    /// `2026-03-29T02:30:00`.
    public var description: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
    }

    /// Chronological order.
    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool { a.secondsAsUTC < b.secondsAsUTC }

    /// Seconds since 1970-01-01T00:00 of this wall time read as if it were UTC.
    var secondsAsUTC: Int64 {
        Int64(ZonedTime.daysFromCivil(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }
}

/// Conversions between UTC instants and wall-clock times in IANA time zones, correct across daylight-saving
/// changes.
///
/// Offsets come from Foundation's `TimeZone` (on Linux it resolves IANA names from its bundled tz database,
/// including future rules); the wall-time arithmetic is ours so the rules for impossible and ambiguous times are
/// explicit:
/// - a wall time that does not exist (skipped by a spring-forward change, `02:30` in Berlin on the last Sunday of
///   March) moves forward by the length of the gap (`03:30` CEST);
/// - a wall time that happens twice (fall-back) is the first occurrence (the one still on summer time).
///
/// ```swift
/// let berlin = try ZonedTime.zone("Europe/Berlin")
/// let at = ZonedTime.instant(of: LocalDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30), in: berlin)
/// // 2026-03-29T01:30:00Z, which is 03:30 CEST
/// ```
public enum ZonedTime {
    /// The IANA zone with this identifier.
    ///
    /// - Throws: ``PublishingError/Code/unknownTimeZone`` for a name the time-zone database does not know.
    public static func zone(_ identifier: String) throws(PublishingError) -> TimeZone {
        let trimmed = identifier.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64, let zone = TimeZone(identifier: trimmed) else {
            throw PublishingError(.unknownTimeZone, "'\(identifier.prefix(64))' is not an IANA time zone (for example Europe/Berlin or America/New_York)", field: "time_zone")
        }
        return zone
    }

    /// The UTC instant of a wall time in `zone` (gap → moved forward, overlap → first occurrence).
    public static func instant(of local: LocalDateTime, in zone: TimeZone) -> Date {
        let wall = local.secondsAsUTC
        let before = offset(zone, at: wall - 43_200)
        let after = offset(zone, at: wall + 43_200)
        var candidates: [Int64] = []
        for o in Set([before, after, offset(zone, at: wall)]) {
            let c = wall - Int64(o)
            if offset(zone, at: c) == o { candidates.append(c) }
        }
        if let first = candidates.min() { return Date(timeIntervalSince1970: Double(first)) }
        // In a gap: read the wall time with the offset in force before the change, which lands after it.
        return Date(timeIntervalSince1970: Double(wall - Int64(before)))
    }

    /// The wall time of `date` in `zone`.
    public static func local(_ date: Date, in zone: TimeZone) -> LocalDateTime {
        let utc = Int64(date.timeIntervalSince1970.rounded(.down))
        let wall = utc + Int64(offset(zone, at: utc))
        let days = floorDiv(wall, 86_400)
        let secs = Int(wall - days * 86_400)
        let (y, m, d) = civilFromDays(Int(days))
        return LocalDateTime(year: y, month: m, day: d, hour: secs / 3600, minute: secs % 3600 / 60, second: secs % 60)
    }

    /// Adds whole days to a wall date (keeping the time of day).
    static func addingDays(_ days: Int, to local: LocalDateTime) -> LocalDateTime {
        let (y, m, d) = civilFromDays(daysFromCivil(local.year, local.month, local.day) + days)
        return LocalDateTime(year: y, month: m, day: d, hour: local.hour, minute: local.minute, second: local.second)
    }

    static func offset(_ zone: TimeZone, at utcSeconds: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds)))
    }

    static func isoWeekday(daysSinceEpoch days: Int) -> Int {
        // 1970-01-01 was a Thursday (ISO 4).
        Int(floorMod(Int64(days) + 3, 7)) + 1
    }

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        Int(CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let (y, m, d) = CivilDate.date(days: Int64(days))
        return (Int(y), Int(m), Int(d))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { (a - floorMod(a, b)) / b }
    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { ((a % b) + b) % b }
}
