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

    /// `anchor` plus `months` calendar months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29).
    public static func adding(months: Int, to anchor: Date) -> Date {
        utc.date(byAdding: .month, value: months, to: anchor)!
    }

    /// Midnight UTC on the first day of the month containing `date`.
    public static func startOfMonth(_ date: Date) -> Date {
        let c = utc.dateComponents([.year, .month], from: date)
        return utc.date(from: c)!
    }

    /// The calendar year (UTC) of `date`.
    public static func year(_ date: Date) -> Int { utc.component(.year, from: date) }

    /// `"2026-03"` for a date in March 2026 (UTC).
    public static func monthKey(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month], from: date)
        let m = c.month!
        return "\(c.year!)-\(m < 10 ? "0" : "")\(m)"
    }

    /// The first instant of a `"YYYY-MM"` month key.
    public static func month(_ key: String) throws -> Date {
        let p = key.split(separator: "-")
        guard p.count == 2, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m), (1970...9999).contains(y) else {
            throw BillingError(.invalidInput, "month '\(key)' is not in YYYY-MM form", field: "month")
        }
        return utc.date(from: DateComponents(year: y, month: m, day: 1))!
    }
}

extension Date {
    /// Whole seconds since 1970 (the storage form of every billing timestamp).
    var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
    init(unixSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(unixSeconds)) }
}
