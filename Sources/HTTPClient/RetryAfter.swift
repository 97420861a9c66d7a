import Glibc

/// Reads a `Retry-After` header value (RFC 9110 §10.2.3) as a number of seconds to wait.
public enum RetryAfter {
    /// The seconds to wait: `value` as delta-seconds, or an HTTP-date (IMF-fixdate, or the obsolete
    /// RFC 850 and asctime forms) minus `now`, never below 0. `nil` when absent or unreadable.
    ///
    /// ```swift
    /// RetryAfter.seconds("120")                                           // 120
    /// RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784111717) // 60
    /// ```
    /// - Parameters:
    ///   - value: The header value, or `nil` when the header is missing.
    ///   - now: The current time in seconds since 1970 (UTC).
    public static func seconds(_ value: String?, now: Int = Int(time(nil))) -> Int? {
        guard let text = value?.trimmingASCIISpaces(), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Very long numbers mean "a very long time"; clamp instead of failing.
            return text.utf8.count > 12 ? 999_999_999_999 : Int(text)
        }
        guard let date = parseHTTPDate(text) else { return nil }
        return max(0, date - now)
    }
}

private let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

/// Seconds since 1970 for an HTTP-date in any of its three forms.
private func parseHTTPDate(_ text: String) -> Int? {
    let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    var day: Int?, month: Int?, year: Int?, clock: String?
    if words.count == 6, words[0].hasSuffix(","), words[5] == "GMT" {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        day = Int(words[1]); month = monthIndex(words[2]); year = fourDigitYear(words[3]); clock = words[4]
        guard words[1].utf8.count == 2 else { return nil }
    } else if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT" {
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        let parts = words[1].split(separator: "-").map(String.init)
        guard parts.count == 3, parts[2].utf8.count == 2, let yy = Int(parts[2]) else { return nil }
        day = Int(parts[0]); month = monthIndex(parts[1]); year = yy < 70 ? 2000 + yy : 1900 + yy; clock = words[2]
    } else if words.count == 5, !words[0].hasSuffix(",") {
        // asctime: Sun Nov  6 08:49:37 1994
        month = monthIndex(words[1]); day = Int(words[2]); clock = words[3]; year = fourDigitYear(words[4])
    }
    guard let day, let month, let year, let clock, (1...31).contains(day) else { return nil }
    let hms = clock.split(separator: ":").map { Int($0) }
    guard hms.count == 3, clock.utf8.count == 8, let h = hms[0], let m = hms[1], let s = hms[2],
          (0...23).contains(h), (0...59).contains(m), (0...60).contains(s)
    else { return nil }
    return daysFromCivil(year: year, month: month, day: day) * 86_400 + h * 3600 + m * 60 + s
}

private func monthIndex(_ name: String) -> Int? {
    monthNames.firstIndex(of: name.lowercased()).map { $0 + 1 }
}

private func fourDigitYear(_ text: String) -> Int? {
    text.utf8.count == 4 ? Int(text) : nil
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
private func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}
