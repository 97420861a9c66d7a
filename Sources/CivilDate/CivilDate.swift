/// Proleptic Gregorian calendar arithmetic in UTC, without Foundation: day numbers, dates and the RFC 3339
/// and `YYYY-MM-DD` texts the API writes. One implementation (Howard Hinnant's days-from-civil algorithm)
/// for every module that stamps or parses times.
public enum CivilDate {
    /// Days since 1970-01-01 of `year-month-day` (month 1–12, day 1–31).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (inverse of ``days(year:month:day:)``).
    public static func date(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days in `month` of `year`.
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The UTC day of a Unix time: `2026-12-01`.
    public static func day(unixSeconds: Int64) -> String {
        let (y, m, d) = date(days: floorDivide(unixSeconds, 86_400))
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// RFC 3339 in UTC of a Unix time in milliseconds: `2026-12-01T22:30:00Z`, or with `.123` when `milliseconds`.
    public static func rfc3339(unixMilliseconds: Int64, milliseconds: Bool) -> String {
        let seconds = floorDivide(unixMilliseconds, 1000)
        let (y, m, d) = date(days: floorDivide(seconds, 86_400))
        let secondOfDay = seconds - floorDivide(seconds, 86_400) * 86_400
        var text = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if milliseconds { text += "." + pad(unixMilliseconds - seconds * 1000, 3) }
        return text + "Z"
    }

    /// `a / b` rounded toward negative infinity (times before 1970 land on the right day).
    public static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    /// `value` in decimal with leading zeros to `width` digits.
    public static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
