/// The openCypher temporal types, stored natively (numbers, not strings).
///
/// Each type has an ISO 8601 rendering (`description`) and parser (`init(iso:)`) that round-trip exactly;
/// the CSV tools use them. Time-zone names are kept as given: the engine does not resolve IANA rules, so a
/// `ZonedDateTime` always carries its offset explicitly.

let nanosPerSecond: Int64 = 1_000_000_000
let secondsPerDay: Int64 = 86_400
let nanosPerDay: Int64 = 86_400 * 1_000_000_000
/// The year range openCypher allows.
let yearRange: ClosedRange<Int64> = -999_999_999...999_999_999

/// A calendar date (proleptic Gregorian), stored as days since 1970-01-01.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before).
    public var epochDay: Int64

    /// Creates a date from its day number.
    public init(epochDay: Int64) { self.epochDay = epochDay }

    /// Creates a date from year, month (1–12) and day (1–31), rejecting impossible dates.
    public init(year: Int64, month: Int, day: Int) throws(GraphError) {
        guard yearRange.contains(year) else { throw GraphError(.invalidValue(field: "year"), "year \(year) is out of range") }
        guard (1...12).contains(month) else { throw GraphError(.invalidValue(field: "month"), "month \(month) is not 1–12") }
        guard day >= 1 && day <= LocalDate.daysIn(month: month, year: year) else {
            throw GraphError(.invalidValue(field: "day"), "day \(day) does not exist in \(year)-\(month)")
        }
        epochDay = LocalDate.days(year: year, month: Int64(month), day: Int64(day))
    }

    /// Parses `YYYY-MM-DD` (years outside 0000–9999 carry a sign: `+12345-01-01`, `-0044-03-15`).
    public init(iso text: String) throws(GraphError) {
        var scanner = ISOScanner(text)
        self = try scanner.date()
        try scanner.expectEnd()
    }

    /// The year, month (1–12) and day (1–31).
    public var components: (year: Int64, month: Int, day: Int) {
        let z = epochDay + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), Int(m), Int(d))
    }

    /// ISO 8601 `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        return LocalDate.yearText(y) + "-" + pad(Int64(m), 2) + "-" + pad(Int64(d), 2)
    }

    /// Orders by day.
    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.epochDay < b.epochDay }

    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func yearText(_ y: Int64) -> String {
        if (0...9999).contains(y) { return pad(y, 4) }
        return (y < 0 ? "-" : "+") + pad(y.magnitude, 4)
    }
}

/// A time of day without offset, in nanoseconds since midnight.
public struct LocalTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since midnight, 0 ..< 86 400 × 10⁹.
    public var nanosecondOfDay: Int64

    /// Creates a time from nanoseconds since midnight (must be within one day).
    public init(nanosecondOfDay: Int64) throws(GraphError) {
        guard (0..<nanosPerDay).contains(nanosecondOfDay) else {
            throw GraphError(.invalidValue(field: "time"), "\(nanosecondOfDay) ns is not within a day")
        }
        self.nanosecondOfDay = nanosecondOfDay
    }

    /// Creates a time from its fields, rejecting out-of-range ones.
    public init(hour: Int, minute: Int, second: Int = 0, nanosecond: Int = 0) throws(GraphError) {
        guard (0...23).contains(hour) else { throw GraphError(.invalidValue(field: "hour"), "hour \(hour) is not 0–23") }
        guard (0...59).contains(minute) else { throw GraphError(.invalidValue(field: "minute"), "minute \(minute) is not 0–59") }
        guard (0...59).contains(second) else { throw GraphError(.invalidValue(field: "second"), "second \(second) is not 0–59") }
        guard (0..<1_000_000_000).contains(nanosecond) else {
            throw GraphError(.invalidValue(field: "nanosecond"), "nanosecond \(nanosecond) is not 0–999999999")
        }
        nanosecondOfDay = (Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)) * nanosPerSecond + Int64(nanosecond)
    }

    /// Parses `HH:MM[:SS[.fffffffff]]`.
    public init(iso text: String) throws(GraphError) {
        var scanner = ISOScanner(text)
        self = try scanner.time()
        try scanner.expectEnd()
    }

    /// Hour, minute, second and nanosecond.
    public var components: (hour: Int, minute: Int, second: Int, nanosecond: Int) {
        let s = nanosecondOfDay / nanosPerSecond
        return (Int(s / 3600), Int(s / 60 % 60), Int(s % 60), Int(nanosecondOfDay % nanosPerSecond))
    }

    /// ISO 8601 `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (seconds only when non-zero, fraction trimmed).
    public var description: String {
        let (h, m, s, n) = components
        var text = pad(Int64(h), 2) + ":" + pad(Int64(m), 2)
        if s != 0 || n != 0 { text += ":" + pad(Int64(s), 2) }
        if n != 0 { text += "." + fraction(Int64(n)) }
        return text
    }

    /// Orders by time of day.
    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.nanosecondOfDay < b.nanosecondOfDay }
}

/// A time of day with a UTC offset.
public struct OffsetTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The local time of day.
    public var time: LocalTime
    /// Seconds east of UTC (−18 h … +18 h).
    public var offsetSeconds: Int32

    /// Creates a time with an offset, rejecting offsets beyond ±18 hours.
    public init(time: LocalTime, offsetSeconds: Int32) throws(GraphError) {
        try checkOffset(offsetSeconds)
        self.time = time
        self.offsetSeconds = offsetSeconds
    }

    /// Parses `HH:MM[:SS[.f]]` followed by `Z` or `±HH:MM[:SS]`.
    public init(iso text: String) throws(GraphError) {
        var scanner = ISOScanner(text)
        let t = try scanner.time()
        let offset = try scanner.offset() ?? 0
        try scanner.expectEnd()
        try self.init(time: t, offsetSeconds: offset)
    }

    /// The time of day in UTC, in nanoseconds (may fall outside one day), used for ordering.
    public var utcNanoseconds: Int64 { time.nanosecondOfDay - Int64(offsetSeconds) * nanosPerSecond }

    /// ISO 8601, e.g. `12:30+01:00` or `12:30:15.5Z`.
    public var description: String { time.description + offsetText(offsetSeconds) }

    /// Orders by UTC time, then by offset.
    public static func < (a: OffsetTime, b: OffsetTime) -> Bool {
        (a.utcNanoseconds, a.offsetSeconds) < (b.utcNanoseconds, b.offsetSeconds)
    }
}

/// A date and time without offset.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The date.
    public var date: LocalDate
    /// The time of day.
    public var time: LocalTime

    /// Creates a local date-time.
    public init(date: LocalDate, time: LocalTime) {
        self.date = date
        self.time = time
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.f]]`.
    public init(iso text: String) throws(GraphError) {
        var scanner = ISOScanner(text)
        let d = try scanner.date()
        try scanner.expect(UInt8(ascii: "T"))
        let t = try scanner.time()
        try scanner.expectEnd()
        self.init(date: d, time: t)
    }

    /// Seconds since 1970-01-01T00:00 in this local calendar.
    public var epochSecond: Int64 { date.epochDay * secondsPerDay + time.nanosecondOfDay / nanosPerSecond }

    /// ISO 8601 `YYYY-MM-DDTHH:MM[:SS[.f]]`.
    public var description: String { date.description + "T" + time.description }

    /// Orders by date, then time.
    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool { (a.date, a.time) < (b.date, b.time) }
}

/// An instant with its UTC offset and, optionally, the IANA zone name it was given in.
public struct ZonedDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00Z (the instant, in UTC).
    public var epochSecond: Int64
    /// Nanoseconds within the second, 0 ..< 10⁹.
    public var nanosecond: Int32
    /// Seconds east of UTC of the local rendering.
    public var offsetSeconds: Int32
    /// The IANA zone name (e.g. `Europe/Paris`) when one was given; kept as text, not resolved.
    public var zoneName: String?

    /// Creates an instant from its UTC epoch second, nanosecond, offset and optional zone name.
    public init(epochSecond: Int64, nanosecond: Int32 = 0, offsetSeconds: Int32 = 0, zoneName: String? = nil) throws(GraphError) {
        guard (0..<1_000_000_000).contains(nanosecond) else {
            throw GraphError(.invalidValue(field: "nanosecond"), "nanosecond \(nanosecond) is not 0–999999999")
        }
        try checkOffset(offsetSeconds)
        if let zoneName, zoneName.isEmpty || zoneName.utf8.count > 255 {
            throw GraphError(.invalidValue(field: "timezone"), "a zone name must be 1–255 bytes")
        }
        self.epochSecond = epochSecond
        self.nanosecond = nanosecond
        self.offsetSeconds = offsetSeconds
        self.zoneName = zoneName
    }

    /// Creates an instant from a local date-time and its offset.
    public init(local: LocalDateTime, offsetSeconds: Int32, zoneName: String? = nil) throws(GraphError) {
        try self.init(epochSecond: local.epochSecond - Int64(offsetSeconds),
                      nanosecond: Int32(local.time.nanosecondOfDay % nanosPerSecond),
                      offsetSeconds: offsetSeconds, zoneName: zoneName)
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.f]]` with `Z` or `±HH:MM`, then optionally `[Zone/Name]`.
    /// With no offset the time is taken as UTC; a zone name without an offset is rejected (no tz database).
    public init(iso text: String) throws(GraphError) {
        var scanner = ISOScanner(text)
        let d = try scanner.date()
        try scanner.expect(UInt8(ascii: "T"))
        let t = try scanner.time()
        let offset = try scanner.offset()
        let zone = try scanner.zone()
        try scanner.expectEnd()
        if offset == nil && zone != nil {
            throw GraphError(.malformedInput, "'\(text)': a zone name needs an explicit offset")
        }
        try self.init(local: LocalDateTime(date: d, time: t), offsetSeconds: offset ?? 0, zoneName: zone)
    }

    /// Parses ISO text given as UTF-8 bytes (the CSV importer's path, no String made).
    init(isoBytes: ArraySlice<UInt8>) throws(GraphError) {
        var scanner = ISOScanner(bytes: isoBytes)
        let d = try scanner.date()
        try scanner.expect(UInt8(ascii: "T"))
        let t = try scanner.time()
        let offset = try scanner.offset()
        let zone = try scanner.zone()
        try scanner.expectEnd()
        if offset == nil && zone != nil {
            throw GraphError(.malformedInput, "'\(scanner.text.prefix(80))': a zone name needs an explicit offset")
        }
        try self.init(local: LocalDateTime(date: d, time: t), offsetSeconds: offset ?? 0, zoneName: zone)
    }

    /// The date-time as seen at the offset.
    public var local: LocalDateTime {
        let localSecond = epochSecond + Int64(offsetSeconds)
        let day = floorDiv(localSecond, secondsPerDay)
        let secondOfDay = localSecond - day * secondsPerDay
        // Cannot fail: secondOfDay is within the day and nanosecond < 10⁹.
        let time = (try? LocalTime(nanosecondOfDay: secondOfDay * nanosPerSecond + Int64(nanosecond)))!
        return LocalDateTime(date: LocalDate(epochDay: day), time: time)
    }

    /// ISO 8601, e.g. `2024-06-01T12:30+02:00[Europe/Paris]`.
    public var description: String {
        local.description + offsetText(offsetSeconds) + (zoneName.map { "[\($0)]" } ?? "")
    }

    /// Orders by instant, then offset, then zone name.
    public static func < (a: ZonedDateTime, b: ZonedDateTime) -> Bool {
        (a.epochSecond, a.nanosecond, a.offsetSeconds, a.zoneName ?? "") < (b.epochSecond, b.nanosecond, b.offsetSeconds, b.zoneName ?? "")
    }
}

/// An amount of time kept in the four openCypher components (months, days, seconds, nanoseconds).
public struct TemporalDuration: Sendable, Hashable, CustomStringConvertible {
    /// Months (a year is 12).
    public var months: Int64
    /// Days.
    public var days: Int64
    /// Seconds.
    public var seconds: Int64
    /// Nanoseconds, normalised to 0 ..< 10⁹ (a negative fraction borrows from `seconds`).
    public var nanoseconds: Int32

    /// Creates a duration; `nanoseconds` may be any value and is carried into `seconds`.
    public init(months: Int64 = 0, days: Int64 = 0, seconds: Int64 = 0, nanoseconds: Int64 = 0) {
        self.months = months
        self.days = days
        let carry = floorDiv(nanoseconds, nanosPerSecond)
        self.seconds = seconds &+ carry
        self.nanoseconds = Int32(nanoseconds - carry * nanosPerSecond)
    }

    /// Parses ISO 8601 `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]` with signed components (`P-1Y2M`, `PT-1.5S`).
    public init(iso text: String) throws(GraphError) {
        var scanner = ISOScanner(text)
        self = try scanner.duration()
        try scanner.expectEnd()
    }

    /// ISO 8601 rendering that `init(iso:)` reads back to the same value; the zero duration is `PT0S`.
    public var description: String {
        var text = "P"
        let years = months / 12, restMonths = months % 12
        if years != 0 { text += "\(years)Y" }
        if restMonths != 0 { text += "\(restMonths)M" }
        if days != 0 { text += "\(days)D" }
        if seconds == 0 && nanoseconds == 0 {
            return text == "P" ? "PT0S" : text
        }
        text += "T"
        let negative = seconds < 0
        let wholeSeconds: UInt64 = negative ? (seconds.magnitude - (nanoseconds > 0 ? 1 : 0)) : seconds.magnitude
        let nanos = negative && nanoseconds > 0 ? nanosPerSecond - Int64(nanoseconds) : Int64(nanoseconds)
        let sign = negative ? "-" : ""
        let h = wholeSeconds / 3600, m = wholeSeconds / 60 % 60, s = wholeSeconds % 60
        if h != 0 { text += "\(sign)\(h)H" }
        if m != 0 { text += "\(sign)\(m)M" }
        if s != 0 || nanos != 0 {
            text += "\(sign)\(s)"
            if nanos != 0 { text += "." + fraction(nanos) }
            text += "S"
        }
        return text
    }
}

// MARK: - shared helpers

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

func pad<T: BinaryInteger>(_ n: T, _ width: Int) -> String {
    if width == 2 && n >= 0 && n < 100 {
        let v = Int(n)
        return String(decoding: [UInt8(48 + v / 10), UInt8(48 + v % 10)], as: UTF8.self)
    }
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Nanoseconds as a fraction of a second without trailing zeros (`500000000` → `5`).
func fraction(_ nanos: Int64) -> String {
    var s = pad(nanos, 9)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}

func offsetText(_ offset: Int32) -> String {
    if offset == 0 { return "Z" }
    let m = offset.magnitude
    var text = (offset < 0 ? "-" : "+") + pad(m / 3600, 2) + ":" + pad(m / 60 % 60, 2)
    if m % 60 != 0 { text += ":" + pad(m % 60, 2) }
    return text
}

func checkOffset(_ offset: Int32) throws(GraphError) {
    guard (-64_800...64_800).contains(offset) else {
        throw GraphError(.invalidValue(field: "offset"), "offset \(offset) s is beyond ±18 hours")
    }
}

/// A cursor over ISO 8601 text.
struct ISOScanner {
    let bytes: ArraySlice<UInt8>
    var i: Int

    init(_ text: String) { self.init(bytes: ArraySlice(text.utf8)) }

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        i = bytes.startIndex
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    func fail(_ what: String) -> GraphError {
        GraphError(.malformedInput, "'\(text.prefix(80))' is not a valid \(what)")
    }

    var peek: UInt8? { i < bytes.endIndex ? bytes[i] : nil }

    mutating func expect(_ c: UInt8) throws(GraphError) {
        guard peek == c else { throw fail("ISO 8601 value (expected '\(Character(Unicode.Scalar(c)))')") }
        i += 1
    }

    mutating func expectEnd() throws(GraphError) {
        if i != bytes.endIndex { throw fail("ISO 8601 value (unexpected trailing text)") }
    }

    mutating func digits(min: Int, max: Int, _ what: String) throws(GraphError) -> Int64 {
        var n: Int64 = 0, count = 0
        while let c = peek, c >= 48 && c <= 57, count < max {
            n = n * 10 + Int64(c - 48)
            count += 1
            i += 1
        }
        guard count >= min else { throw fail(what) }
        return n
    }

    mutating func date() throws(GraphError) -> LocalDate {
        var sign: Int64 = 1
        var signed = false
        if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") {
            sign = peek == UInt8(ascii: "-") ? -1 : 1
            signed = true
            i += 1
        }
        let year = try digits(min: 4, max: signed ? 9 : 4, "date")
        try expect(UInt8(ascii: "-"))
        let month = try digits(min: 2, max: 2, "date")
        try expect(UInt8(ascii: "-"))
        let day = try digits(min: 2, max: 2, "date")
        return try LocalDate(year: sign * year, month: Int(month), day: Int(day))
    }

    mutating func time() throws(GraphError) -> LocalTime {
        let h = try digits(min: 2, max: 2, "time")
        try expect(UInt8(ascii: ":"))
        let m = try digits(min: 2, max: 2, "time")
        var s: Int64 = 0, n: Int64 = 0
        if peek == UInt8(ascii: ":") {
            i += 1
            s = try digits(min: 2, max: 2, "time")
            if peek == UInt8(ascii: ".") || peek == UInt8(ascii: ",") {
                i += 1
                n = try nanosFraction()
            }
        }
        return try LocalTime(hour: Int(h), minute: Int(m), second: Int(s), nanosecond: Int(n))
    }

    mutating func nanosFraction() throws(GraphError) -> Int64 {
        let start = i
        let f = try digits(min: 1, max: 9, "fraction of a second")
        var n = f
        for _ in 0..<(9 - (i - start)) { n *= 10 }
        return n
    }

    mutating func offset() throws(GraphError) -> Int32? {
        guard let c = peek else { return nil }
        if c == UInt8(ascii: "Z") {
            i += 1
            return 0
        }
        guard c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else { return nil }
        i += 1
        let h = try digits(min: 2, max: 2, "UTC offset")
        var m: Int64 = 0, s: Int64 = 0
        if peek == UInt8(ascii: ":") {
            i += 1
            m = try digits(min: 2, max: 2, "UTC offset")
            if peek == UInt8(ascii: ":") {
                i += 1
                s = try digits(min: 2, max: 2, "UTC offset")
            }
        } else if let d = peek, d >= 48 && d <= 57 {
            m = try digits(min: 2, max: 2, "UTC offset")
        }
        guard m < 60 && s < 60 else { throw fail("UTC offset") }
        let total = Int32(h * 3600 + m * 60 + s) * (c == UInt8(ascii: "-") ? -1 : 1)
        try checkOffset(total)
        return total
    }

    mutating func zone() throws(GraphError) -> String? {
        guard peek == UInt8(ascii: "[") else { return nil }
        i += 1
        let start = i
        while let c = peek, c != UInt8(ascii: "]") { i += 1 }
        guard peek == UInt8(ascii: "]"), i > start else { throw fail("time zone name") }
        let name = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        return name
    }

    mutating func duration() throws(GraphError) -> TemporalDuration {
        try expect(UInt8(ascii: "P"))
        var months: Int64 = 0, days: Int64 = 0, seconds: Int64 = 0, nanos: Int64 = 0
        var inTime = false, any = false
        while let c = peek {
            if c == UInt8(ascii: "T") {
                guard !inTime else { throw fail("duration") }
                inTime = true
                i += 1
                continue
            }
            var negative = false
            if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
                negative = c == UInt8(ascii: "-")
                i += 1
            }
            let whole = try digits(min: 1, max: 18, "duration")
            var frac: Int64 = 0
            var hasFraction = false
            if peek == UInt8(ascii: ".") || peek == UInt8(ascii: ",") {
                i += 1
                frac = try nanosFraction()
                hasFraction = true
            }
            guard let unit = peek else { throw fail("duration (missing unit)") }
            i += 1
            let s: Int64 = negative ? -1 : 1
            switch (unit, inTime) {
            case (UInt8(ascii: "Y"), false) where !hasFraction: months &+= s * whole * 12
            case (UInt8(ascii: "M"), false) where !hasFraction: months &+= s * whole
            case (UInt8(ascii: "W"), false) where !hasFraction: days &+= s * whole * 7
            case (UInt8(ascii: "D"), false) where !hasFraction: days &+= s * whole
            case (UInt8(ascii: "H"), true) where !hasFraction: seconds &+= s * whole * 3600
            case (UInt8(ascii: "M"), true) where !hasFraction: seconds &+= s * whole * 60
            case (UInt8(ascii: "S"), true):
                seconds &+= s * whole
                nanos &+= s * frac
            default: throw fail("duration (unit '\(Character(Unicode.Scalar(unit)))')")
            }
            any = true
        }
        guard any else { throw fail("duration") }
        return TemporalDuration(months: months, days: days, seconds: seconds, nanoseconds: nanos)
    }
}
