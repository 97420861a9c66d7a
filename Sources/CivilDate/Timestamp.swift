#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The wall clock, in Unix milliseconds.
public enum WallClock {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public static func epochMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// RFC 3339 timestamps: parsed into Unix milliseconds, written in UTC with milliseconds.
///
/// The written form has a fixed width (`2026-12-01T18:59:58.123Z`), so stored timestamps compare correctly
/// as text.
public enum Timestamp {
    /// The earliest and latest instants accepted (years 1970 to 9999).
    public static let range: ClosedRange<Int64> = 0...253_402_300_799_999

    /// `2026-12-01T18:59:58.123Z` for a Unix time in milliseconds.
    public static func format(milliseconds: Int64) -> String {
        let ms = min(max(milliseconds, range.lowerBound), range.upperBound)
        let days = ms / 86_400_000
        let rest = ms % 86_400_000
        let (y, m, d) = CivilDate.date(days: days)
        func pad(_ n: Int64, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let hour = rest / 3_600_000, minute = rest / 60_000 % 60, second = rest / 1000 % 60, milli = rest % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(milli, 3))Z"
    }

    /// Parses RFC 3339 date-time text (`2026-12-01T18:59:58Z`, `2026-12-01T19:59:58.5+01:00`) into Unix
    /// milliseconds (digits beyond milliseconds are dropped); nil when it is not one, or before 1970 or after 9999.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 40 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var n: Int64 = 0
            for i in from..<(from + count) {
                guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
                n = n * 10 + Int64(b[i] - 48)
            }
            return n
        }
        guard let year = number(0, 4), b[4] == UInt8(ascii: "-"), let month = number(5, 2), b[7] == UInt8(ascii: "-"),
              let day = number(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = number(11, 2), b[13] == UInt8(ascii: ":"), let minute = number(14, 2), b[16] == UInt8(ascii: ":"),
              let second = number(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var milli: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 3 { milli = milli * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { milli *= 10 }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = number(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = number(i + 4, 2),
                  oh <= 23, om <= 59 else { return nil }
            offset = (oh * 60 + om) * 60_000 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let leap = second == 60 ? Int64(1) : 0  // a leap second is read as the last millisecond of the minute
        let ms = CivilDate.days(year: year, month: month, day: day) * 86_400_000 + hour * 3_600_000 + minute * 60_000
            + (second - leap) * 1000 + (leap == 1 ? 999 : milli) - offset
        guard range.contains(ms) else { return nil }
        return ms
    }
}
