import Foundation
import Synchronization

/// Where billing reads "now" from: the system clock in the daemon, a fixed or hand-advanced clock in tests,
/// the demo seeder and benchmarks.
public protocol BillingClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The wall clock.
public struct SystemBillingClock: BillingClock {
    /// Creates the wall clock.
    public init() {}
    /// `Date()`.
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; safe to share between tasks.
public final class ManualBillingClock: BillingClock {
    private let current: Mutex<Date>

    /// Starts at `start`.
    public init(_ start: Date) { current = Mutex(start) }

    /// The clock's current instant.
    public func now() -> Date { current.withLock { $0 } }

    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// Moves the clock forward by `seconds`.
    public func advance(seconds: Int64) { current.withLock { $0 = $0.addingTimeInterval(TimeInterval(seconds)) } }

    /// Moves the clock forward by whole days.
    public func advance(days: Int) { advance(seconds: Int64(days) * 86_400) }
}

/// UTC calendar arithmetic for billing periods (months and years anchored on a start date).
public enum BillingCalendar {
    /// The Gregorian calendar in UTC.
    public static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// `anchor` plus `months` calendar months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29),
    /// keeping the time of day. Pure integer arithmetic (the billing run calls this for every subscription).
    public static func adding(months: Int, to anchor: Date) -> Date {
        Date(unixSeconds: Civil.addMonths(anchor.unixSeconds, months))
    }

    /// Midnight UTC on the first day of the month containing `date`.
    public static func startOfMonth(_ date: Date) -> Date {
        let (y, m, _) = Civil.ymd(date.unixSeconds)
        return Date(unixSeconds: Int64(Civil.days(year: y, month: m, day: 1)) * 86_400)
    }

    /// The calendar year (UTC) of `date`.
    public static func year(_ date: Date) -> Int { Civil.ymd(date.unixSeconds).y }

    /// `"2026-03"` for a date in March 2026 (UTC).
    public static func monthKey(_ date: Date) -> String {
        let (y, m, _) = Civil.ymd(date.unixSeconds)
        return "\(y)-\(m < 10 ? "0" : "")\(m)"
    }

    /// `"2026-03-14"` (UTC).
    public static func dayKey(_ date: Date) -> String {
        let (y, m, d) = Civil.ymd(date.unixSeconds)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// The first instant of a `"YYYY-MM"` month key.
    public static func month(_ key: String) throws -> Date {
        let p = key.split(separator: "-")
        guard p.count == 2, p[1].count == 2, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m), (1970...9999).contains(y) else {
            throw BillingError(.invalidInput, "month '\(key)' is not in YYYY-MM form", field: "month")
        }
        return Date(unixSeconds: Int64(Civil.days(year: y, month: m, day: 1)) * 86_400)
    }
}

/// Proleptic Gregorian date arithmetic on days since 1970-01-01 (H. Hinnant's civil-from-days algorithms).
enum Civil {
    static func days(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(days z0: Int) -> (y: Int, m: Int, d: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func ymd(_ t: Int64) -> (y: Int, m: Int, d: Int) {
        civil(days: Int(t >= 0 ? t / 86_400 : (t - 86_399) / 86_400))
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func addMonths(_ t: Int64, _ n: Int) -> Int64 {
        let day = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - day * 86_400
        let (y, m, d) = civil(days: Int(day))
        let total = y * 12 + (m - 1) + n
        let ny = total >= 0 ? total / 12 : (total - 11) / 12
        let nm = total - ny * 12 + 1
        return Int64(days(year: ny, month: nm, day: min(d, daysInMonth(ny, nm)))) * 86_400 + secs
    }
}

extension Date {
    /// Whole seconds since 1970 (the storage form of every billing timestamp).
    var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
    init(unixSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(unixSeconds)) }
}
