import Foundation

/// Temporal functions, accessors, arithmetic, comparison and ISO 8601 formatting/parsing.
enum TemporalOps {
    static let nanosPerSecond: Int64 = 1_000_000_000
    static let nanosPerDay: Int64 = 86_400 * 1_000_000_000

    static func err(_ msg: String) -> CypherError { CypherError.argument("InvalidArgumentValue", msg) }

    // MARK: calendar

    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era &* 146_097 &+ doe &- 719_468
    }

    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days &+ 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m { case 2: return isLeap(y) ? 29 : 28; case 4, 6, 9, 11: return 30; default: return 31 }
    }
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { let q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a &- floorDiv(a, b) &* b }

    /// ISO day of week, Monday = 1.
    static func dayOfWeek(_ days: Int64) -> Int64 { floorMod(days + 3, 7) + 1 }

    /// Monday of ISO week 1 of `weekYear`.
    static func weekOneMonday(_ weekYear: Int64) -> Int64 {
        let jan4 = daysFromCivil(weekYear, 1, 4)
        return jan4 - (dayOfWeek(jan4) - 1)
    }

    static func weekDate(_ days: Int64) -> (weekYear: Int64, week: Int64, dayOfWeek: Int64) {
        let y = civil(days).year
        var wy = y
        if days < weekOneMonday(y) { wy = y - 1 } else if days >= weekOneMonday(y + 1) { wy = y + 1 }
        return (wy, (days - weekOneMonday(wy)) / 7 + 1, dayOfWeek(days))
    }

    static func validDate(_ y: Int64, _ m: Int64, _ d: Int64) throws -> Int64 {
        guard (-999_999_999...999_999_999).contains(y) else { throw err("year \(y) out of range") }
        guard (1...12).contains(m) else { throw err("invalid month \(m)") }
        guard d >= 1 && d <= daysInMonth(y, m) else { throw err("invalid day \(d)") }
        return daysFromCivil(y, m, d)
    }

    // MARK: zones

    struct Zone: Equatable {
        var offset: Int32?       // fixed offset
        var name: String?        // IANA name

        /// Offset in effect at a local date-time.
        func offset(atLocal seconds: Int64) -> Int32 {
            if let offset { return offset }
            guard let name, let tz = TimeZone(identifier: name) else { return 0 }
            let guess = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
            let second = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds - guess))))
            return Int32(second)
        }
        /// Offset in effect at a UTC instant.
        func offset(atUTC seconds: Int64) -> Int32 {
            if let offset { return offset }
            guard let name, let tz = TimeZone(identifier: name) else { return 0 }
            return Int32(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        }
    }

    static func parseZone(_ s: String) throws -> Zone {
        if s == "Z" || s == "z" { return Zone(offset: 0, name: nil) }
        if let f = s.first, f == "+" || f == "-" {
            guard let o = parseOffset(s) else { throw err("invalid time zone offset \(s)") }
            return Zone(offset: o, name: nil)
        }
        guard TimeZone(identifier: s) != nil else { throw err("unknown time zone \(s)") }
        return Zone(offset: nil, name: s)
    }

    static func parseOffset(_ s: String) -> Int32? {
        let chars = Array(s)
        guard let sign = chars.first, sign == "+" || sign == "-" else { return nil }
        let digits = String(chars.dropFirst()).replacingOccurrences(of: ":", with: "")
        guard digits.allSatisfy(\.isASCIIDigit), [2, 4, 6].contains(digits.count) else { return nil }
        let d = Array(digits)
        let h = Int32(String(d[0..<2]))!, m = d.count >= 4 ? Int32(String(d[2..<4]))! : 0, sec = d.count == 6 ? Int32(String(d[4..<6]))! : 0
        guard h <= 18, m < 60, sec < 60 else { return nil }
        let v = h * 3600 + m * 60 + sec
        return sign == "-" ? -v : v
    }

    // MARK: formatting

    static func pad(_ v: Int64, _ n: Int) -> String {
        let s = String(v.magnitude)
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, n - s.count)) + s
    }
    static func yearText(_ y: Int64) -> String {
        if (0...9999).contains(y) { return pad(y, 4) }
        return (y < 0 ? "-" : "+") + pad(Int64(y.magnitude), 4)
    }
    static func dateText(_ days: Int64) -> String {
        let (y, m, d) = civil(days)
        return yearText(y) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }
    static func timeText(_ nanos: Int64) -> String {
        let s = nanos / nanosPerSecond, n = nanos % nanosPerSecond
        var t = pad(s / 3600, 2) + ":" + pad(s / 60 % 60, 2)
        if s % 60 != 0 || n != 0 { t += ":" + pad(s % 60, 2) }
        if n != 0 {
            var f = pad(n, 9)
            while f.hasSuffix("000") { f.removeLast(3) }
            t += "." + f
        }
        return t
    }
    static func offsetText(_ o: Int32) -> String {
        if o == 0 { return "Z" }
        let a = Int64(o.magnitude)
        var t = (o < 0 ? "-" : "+") + pad(a / 3600, 2) + ":" + pad(a / 60 % 60, 2)
        if a % 60 != 0 { t += ":" + pad(a % 60, 2) }
        return t
    }

    static func format(_ t: Temporal) -> String {
        switch t {
        case .date(let d): return dateText(d)
        case .localTime(let n): return timeText(n)
        case .time(let n, let o): return timeText(n) + offsetText(o)
        case .localDateTime(let s, let n):
            let day = floorDiv(s, 86_400)
            return dateText(day) + "T" + timeText((s - day * 86_400) * nanosPerSecond + Int64(n))
        case .dateTime(let s, let n, let o, let zone):
            let local = s + Int64(o)
            let day = floorDiv(local, 86_400)
            var text = dateText(day) + "T" + timeText((local - day * 86_400) * nanosPerSecond + Int64(n)) + offsetText(o)
            if let zone { text += "[\(zone)]" }
            return text
        case .duration(let mo, let d, let s, let n):
            return durationText(mo, d, s, Int64(n))
        }
    }

    static func durationText(_ months: Int64, _ days: Int64, _ seconds: Int64, _ nanos: Int64) -> String {
        var out = "P"
        let y = months / 12, m = months % 12
        if y != 0 { out += "\(y)Y" }
        if m != 0 { out += "\(m)M" }
        if days != 0 { out += "\(days)D" }
        // Normalise seconds/nanos to one sign.
        var s = seconds, n = nanos
        if s > 0 && n < 0 { s -= 1; n += nanosPerSecond } else if s < 0 && n > 0 { s += 1; n -= nanosPerSecond }
        if s != 0 || n != 0 {
            out += "T"
            let h = s / 3600, mi = (s % 3600) / 60, sec = s % 60
            if h != 0 { out += "\(h)H" }
            if mi != 0 { out += "\(mi)M" }
            if sec != 0 || n != 0 {
                if sec == 0 && n < 0 { out += "-0" } else { out += "\(sec)" }
                if n != 0 {
                    var f = pad(Int64(n.magnitude), 9)
                    while f.hasSuffix("0") { f.removeLast() }
                    out += "." + f
                }
                out += "S"
            }
        }
        if out == "P" { return "PT0S" }
        return out
    }

    // MARK: comparison

    static func equals(_ a: Temporal, _ b: Temporal) -> Bool? {
        switch (a, b) {
        case (.duration(let m1, let d1, let s1, let n1), .duration(let m2, let d2, let s2, let n2)):
            let x = normalizeSeconds(s1, Int64(n1)), y = normalizeSeconds(s2, Int64(n2))
            return m1 == m2 && d1 == d2 && x == y
        case (.dateTime(let s1, let n1, _, _), .dateTime(let s2, let n2, _, _)): return s1 == s2 && n1 == n2
        case (.time(let n1, let o1), .time(let n2, let o2)): return n1 == n2 && o1 == o2
        default:
            if let c = compare(a, b) { return c == 0 }
            return false
        }
    }

    static func normalizeSeconds(_ s: Int64, _ n: Int64) -> (Int64, Int64) {
        (s + floorDiv(n, nanosPerSecond), floorMod(n, nanosPerSecond))
    }

    static func compare(_ a: Temporal, _ b: Temporal) -> Int? {
        func c<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case (.date(let x), .date(let y)): return c(x, y)
        case (.localTime(let x), .localTime(let y)): return c(x, y)
        case (.time(let n1, let o1), .time(let n2, let o2)):
            return c(n1 - Int64(o1) * nanosPerSecond, n2 - Int64(o2) * nanosPerSecond)
        case (.localDateTime(let s1, let n1), .localDateTime(let s2, let n2)):
            return s1 != s2 ? c(s1, s2) : c(n1, n2)
        case (.dateTime(let s1, let n1, _, _), .dateTime(let s2, let n2, _, _)):
            return s1 != s2 ? c(s1, s2) : c(n1, n2)
        default: return nil
        }
    }

    static func order(_ a: Temporal, _ b: Temporal) -> Int {
        if let c = compare(a, b) { return c }
        if case .duration(let m1, let d1, let s1, let n1) = a, case .duration(let m2, let d2, let s2, let n2) = b {
            let x = [m1, d1, s1, Int64(n1)], y = [m2, d2, s2, Int64(n2)]
            return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        }
        return 0
    }

    // MARK: construction helpers

    /// Local date + time-of-day parts used while building values.
    struct Parts {
        var days: Int64? = nil
        var nanos: Int64? = nil
        var zone: Zone? = nil
    }

    static func parts(of t: Temporal) -> Parts {
        switch t {
        case .date(let d): return Parts(days: d)
        case .localTime(let n): return Parts(nanos: n)
        case .time(let n, let o): return Parts(nanos: n, zone: Zone(offset: o, name: nil))
        case .localDateTime(let s, let n):
            let day = floorDiv(s, 86_400)
            return Parts(days: day, nanos: (s - day * 86_400) * nanosPerSecond + Int64(n))
        case .dateTime(let s, let n, let o, let zone):
            let local = s + Int64(o)
            let day = floorDiv(local, 86_400)
            return Parts(days: day, nanos: (local - day * 86_400) * nanosPerSecond + Int64(n),
                         zone: zone != nil ? Zone(offset: nil, name: zone) : Zone(offset: o, name: nil))
        case .duration: return Parts()
        }
    }

    static func makeDateTime(days: Int64, nanos: Int64, zone: Zone) -> Temporal {
        let local = days * 86_400 + nanos / nanosPerSecond
        let o = zone.offset(atLocal: local)
        return .dateTime(seconds: local - Int64(o), nanos: Int32(nanos % nanosPerSecond), offset: o, zone: zone.name)
    }

    static func int(_ v: Value?, _ field: String) throws -> Int64? {
        guard let v else { return nil }
        switch v {
        case .int(let i): return i
        case .null: return nil
        case .float(let f) where f == f.rounded():
            guard f.magnitude < 9.2e18 else { throw err("\(field) is out of range") }
            return Int64(f)
        default: throw err("\(field) must be an integer")
        }
    }

    static let dateKeys: Set<String> = ["year", "month", "day", "week", "dayofweek", "quarter", "dayofquarter", "ordinalday"]
    static let timeKeys: Set<String> = ["hour", "minute", "second", "millisecond", "microsecond", "nanosecond"]

    static func datePart(_ m: [String: Value], base: Parts?) throws -> Int64? {
        let baseDays = base?.days
        let b = baseDays.map(civil)
        let year = try int(m["year"], "year")
        if let year, !(-999_999_999...999_999_999).contains(year) { throw err("year \(year) out of range") }
        for k in ["month", "day", "week", "dayOfWeek", "quarter", "dayOfQuarter", "ordinalDay"] {
            if let v = try int(m[k], k), v.magnitude > 1_000_000 { throw err("\(k) out of range") }
        }
        if let week = try int(m["week"], "week") {
            let bw = baseDays.map(weekDate)
            guard let wy = year ?? bw?.weekYear else { throw err("week needs a year") }
            let dow = try int(m["dayOfWeek"], "dayOfWeek") ?? bw?.dayOfWeek ?? 1
            guard (1...53).contains(week), (1...7).contains(dow) else { throw err("invalid week date") }
            return weekOneMonday(wy) + (week - 1) * 7 + (dow - 1)
        }
        if let ordinal = try int(m["ordinalDay"], "ordinalDay") {
            guard let y = year ?? b?.year else { throw err("ordinalDay needs a year") }
            guard ordinal >= 1 && ordinal <= (isLeap(y) ? 366 : 365) else { throw err("invalid ordinal day") }
            return daysFromCivil(y, 1, 1) + ordinal - 1
        }
        if m["quarter"] != nil || m["dayOfQuarter"] != nil {
            guard let y = year ?? b?.year else { throw err("quarter needs a year") }
            let bq: (Int64, Int64)? = baseDays.map { d in
                let c = civil(d)
                let q = (c.month - 1) / 3 + 1
                return (q, d - daysFromCivil(c.year, (q - 1) * 3 + 1, 1) + 1)
            }
            let q = try int(m["quarter"], "quarter") ?? bq?.0 ?? 1
            let dq = try int(m["dayOfQuarter"], "dayOfQuarter") ?? bq?.1 ?? 1
            guard (1...4).contains(q) else { throw err("invalid quarter") }
            let start = daysFromCivil(y, (q - 1) * 3 + 1, 1)
            let end = q == 4 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, q * 3 + 1, 1)
            guard dq >= 1 && start + dq - 1 < end else { throw err("invalid day of quarter") }
            return start + dq - 1
        }
        if year == nil && b == nil {
            if m["month"] != nil || m["day"] != nil || m["dayOfWeek"] != nil { throw err("a date needs a year") }
            return nil
        }
        let y = year ?? b!.year
        let mo = try int(m["month"], "month") ?? b?.month ?? 1
        let d = try int(m["day"], "day") ?? b?.day ?? 1
        if year != nil && b == nil && m["month"] == nil && m["day"] != nil { throw err("day needs a month") }
        return try validDate(y, mo, d)
    }

    static func timePart(_ m: [String: Value], base: Parts?, required: Bool) throws -> Int64? {
        let bn = base?.nanos
        let hour = try int(m["hour"], "hour"), minute = try int(m["minute"], "minute"), second = try int(m["second"], "second")
        let ms = try int(m["millisecond"], "millisecond"), us = try int(m["microsecond"], "microsecond"), ns = try int(m["nanosecond"], "nanosecond")
        if hour == nil && minute == nil && second == nil && ms == nil && us == nil && ns == nil { return bn ?? (required ? 0 : nil) }
        if bn == nil {
            if minute != nil && hour == nil { throw err("minute needs an hour") }
            if second != nil && minute == nil { throw err("second needs a minute") }
        }
        let bs = bn.map { $0 / nanosPerSecond }
        let h = hour ?? bs.map { $0 / 3600 } ?? 0
        let mi = minute ?? bs.map { $0 / 60 % 60 } ?? 0
        let s = second ?? bs.map { $0 % 60 } ?? 0
        var sub: Int64
        if let bn, ms != nil || us != nil || ns != nil {
            let bsub = bn % nanosPerSecond
            let m1 = ms ?? bsub / 1_000_000, u1 = us ?? bsub / 1000 % 1000, n1 = ns ?? bsub % 1000
            guard (0...999).contains(m1), (0...999).contains(u1), (0...999).contains(n1) else { throw err("invalid sub-second field") }
            sub = m1 * 1_000_000 + u1 * 1000 + n1
        } else if ms != nil || us != nil || ns != nil {
            guard (0...999).contains(ms ?? 0) else { throw err("invalid millisecond") }
            guard (0...(ms != nil ? 999 : 999_999)).contains(us ?? 0) else { throw err("invalid microsecond") }
            guard (0...(us != nil ? 999 : (ms != nil ? 999_999 : 999_999_999))).contains(ns ?? 0) else { throw err("invalid nanosecond") }
            sub = (ms ?? 0) * 1_000_000 + (us ?? 0) * 1000 + (ns ?? 0)
        } else {
            sub = bn.map { $0 % nanosPerSecond } ?? 0
        }
        guard (0...23).contains(h), (0...59).contains(mi), (0...59).contains(s) else { throw err("invalid time") }
        sub = max(0, sub)
        return (h * 3600 + mi * 60 + s) * nanosPerSecond + sub
    }

    // MARK: functions

    static let functionNames: Set<String> = [
        "date", "localtime", "time", "localdatetime", "datetime", "duration",
        "date.truncate", "localtime.truncate", "time.truncate", "localdatetime.truncate", "datetime.truncate",
        "datetime.fromepoch", "datetime.fromepochmillis", "duration.between", "duration.inmonths", "duration.indays", "duration.inseconds",
        "date.transaction", "date.statement", "date.realtime", "localtime.transaction", "localtime.statement", "localtime.realtime",
        "time.transaction", "time.statement", "time.realtime", "localdatetime.transaction", "localdatetime.statement", "localdatetime.realtime",
        "datetime.transaction", "datetime.statement", "datetime.realtime",
    ]

    static func isFunction(_ name: String) -> Bool { functionNames.contains(name) }

    /// The statement's clock: every call in one statement sees the same instant.
    @TaskLocal static var statementTime: Double? = nil

    static func now() -> (seconds: Int64, nanos: Int64) {
        let t = statementTime ?? Date().timeIntervalSince1970
        let s = Int64(t.rounded(.down))
        return (s, Int64((t - Double(s)) * 1e9))
    }

    static func call(_ name: String, _ args: [Value]) throws -> Value {
        let parts = name.split(separator: ".").map(String.init)
        let kind = parts[0]
        if parts.count == 2 {
            switch parts[1] {
            case "truncate": return try truncate(kind, args)
            case "fromepoch":
                guard args.count == 2 else { throw err("fromepoch takes two arguments") }
                if args.contains(where: \.isNull) { return .null }
                guard case .int(let s) = args[0], case .int(let n) = args[1] else { throw err("fromepoch needs integers") }
                let (ss, nn) = normalizeSeconds(s, n)
                return .temporal(.dateTime(seconds: ss, nanos: Int32(nn), offset: 0, zone: nil))
            case "fromepochmillis":
                guard case .int(let ms) = args.first ?? .null else { return .null }
                return .temporal(.dateTime(seconds: floorDiv(ms, 1000), nanos: Int32(floorMod(ms, 1000) * 1_000_000), offset: 0, zone: nil))
            case "between", "inmonths", "indays", "inseconds":
                guard args.count == 2 else { throw err("\(name) takes two arguments") }
                if args.contains(where: \.isNull) { return .null }
                guard case .temporal(let a) = args[0], case .temporal(let b) = args[1] else { throw err("\(name) needs temporal arguments") }
                return .temporal(try between(parts[1], a, b))
            default:
                if args.first?.isNull == true { return .null }
                return try construct(kind, args)
            }
        }
        return try construct(kind, args)
    }

    static func construct(_ kind: String, _ args: [Value]) throws -> Value {
        if args.isEmpty || (args.count == 1 && { if case .map(let m) = args[0] { return m.keys.allSatisfy { $0 == "timezone" } } else { return false } }()) {
            if kind == "duration" { throw err("duration() needs an argument") }
            var zone = Zone(offset: 0, name: nil)
            if case .map(let m)? = args.first, case .string(let z)? = m["timezone"] { zone = try parseZone(z) }
            let (s, n) = now()
            let o = zone.offset(atUTC: s)
            let local = s + Int64(o)
            let day = floorDiv(local, 86_400)
            let nod = (local - day * 86_400) * nanosPerSecond + n
            switch kind {
            case "date": return .temporal(.date(days: day))
            case "localtime": return .temporal(.localTime(nanos: nod))
            case "time": return .temporal(.time(nanos: nod, offset: o))
            case "localdatetime": return .temporal(.localDateTime(seconds: local, nanos: Int32(n)))
            default: return .temporal(.dateTime(seconds: s, nanos: Int32(n), offset: o, zone: zone.name))
            }
        }
        let a = args[0]
        switch a {
        case .null: return .null
        case .string(let s):
            return .temporal(try parse(kind, s))
        case .temporal(let t):
            if kind == "duration" { throw err("cannot convert \(t.typeName) to a duration") }
            return try construct(kind, [.map([kind == "date" ? "date" : (kind.hasSuffix("time") && !kind.hasSuffix("datetime") ? "time" : "datetime"): a])])
        case .map(let m):
            if kind == "duration" { return .temporal(try durationFromMap(m)) }
            return .temporal(try fromMap(kind, m))
        default:
            throw err("\(kind)() cannot take \(a.typeName)")
        }
    }

    static func fromMap(_ kind: String, _ m: [String: Value]) throws -> Temporal {
        var base: Parts? = nil
        var baseZone: Zone? = nil
        var baseOffset: Int32? = nil
        for key in ["datetime", "date", "time"] {
            guard let v = m[key] else { continue }
            guard case .temporal(let t) = v else { if v.isNull { continue }; throw err("\(key) must be a temporal value") }
            let p = parts(of: t)
            if base == nil { base = Parts() }
            if key != "date" {
                if case .time(_, let o) = t { baseOffset = o }
                if case .dateTime(_, _, let o, _) = t { baseOffset = o }
            }
            if key == "datetime" || key == "date" { base!.days = base!.days ?? p.days }
            if key == "datetime" || key == "time" {
                base!.nanos = p.nanos ?? base!.nanos
                if let z = p.zone { baseZone = z }
                if key == "time", p.nanos == nil { base!.nanos = 0 }
            }
            if key == "datetime", case .dateTime = t { baseZone = p.zone }
            if key == "datetime" || key == "date" { if base!.days == nil, p.days == nil, key == "date" { throw err("date needs a date") } }
        }
        var zone: Zone? = nil
        if let z = m["timezone"] {
            guard case .string(let s) = z else { throw err("timezone must be a string") }
            zone = try parseZone(s)
        }
        // Converting a zoned base into another zone keeps the instant.
        if let zone, let bz = baseZone, var b = base, let nanos = b.nanos {
            if let days = b.days {
                let local = days * 86_400 + nanos / nanosPerSecond
                // The base's zone offset is the one in effect on the date being built.
                let target = ((try? datePart(m, base: b)) ?? nil) ?? days
                let utc = local - Int64(bz.offset(atLocal: target * 86_400 + nanos / nanosPerSecond))
                let o = zone.offset(atUTC: utc)
                let nl = utc + Int64(o)
                let nd = floorDiv(nl, 86_400)
                b.days = nd
                b.nanos = (nl - nd * 86_400) * nanosPerSecond + nanos % nanosPerSecond
            } else {
                let utc = nanos - Int64(bz.offset ?? baseOffset ?? 0) * nanosPerSecond
                let targetDays = (try? datePart(m, base: nil)) ?? nil
                let targetOffset = zone.offset ?? zone.offset(atUTC: (targetDays ?? 0) * 86_400 + utc / nanosPerSecond)
                b.nanos = floorMod(utc + Int64(targetOffset) * nanosPerSecond, nanosPerDay)
            }
            base = b
        }
        switch kind {
        case "date":
            guard let d = try datePart(m, base: base) else { throw err("date needs a year") }
            return .date(days: d)
        case "localtime":
            guard let n = try timePart(m, base: base, required: false) else { throw err("localtime needs an hour") }
            return .localTime(nanos: n)
        case "time":
            guard let n = try timePart(m, base: base, required: false) else { throw err("time needs an hour") }
            let z = zone ?? baseZone ?? Zone(offset: 0, name: nil)
            return .time(nanos: n, offset: z.offset ?? z.offset(atUTC: now().seconds))
        case "localdatetime":
            guard let d = try datePart(m, base: base) else { throw err("localdatetime needs a year") }
            let n = try timePart(m, base: base, required: true) ?? 0
            return .localDateTime(seconds: d * 86_400 + n / nanosPerSecond, nanos: Int32(n % nanosPerSecond))
        default:
            if let epoch = m["epochSeconds"] ?? m["epochMillis"] {
                var s: Int64, n: Int64 = 0
                if m["epochMillis"] != nil { let ms = try int(epoch, "epochMillis") ?? 0; s = floorDiv(ms, 1000); n = floorMod(ms, 1000) * 1_000_000 }
                else { s = try int(epoch, "epochSeconds") ?? 0 }
                let ns = try int(m["nanosecond"], "nanosecond") ?? 0, us = try int(m["microsecond"], "microsecond") ?? 0
                let ms = try int(m["millisecond"], "millisecond") ?? 0
                guard ns.magnitude < 1_000_000_000, us.magnitude < 1_000_000, ms.magnitude < 1000 else { throw err("sub-second field out of range") }
                n += ns + us * 1000 + ms * 1_000_000
                (s, n) = normalizeSeconds(s, n)
                let z = zone ?? Zone(offset: 0, name: nil)
                return .dateTime(seconds: s, nanos: Int32(n), offset: z.offset(atUTC: s), zone: z.name)
            }
            guard let d = try datePart(m, base: base) else { throw err("datetime needs a year") }
            let n = try timePart(m, base: base, required: true) ?? 0
            return makeDateTime(days: d, nanos: n, zone: zone ?? baseZone ?? Zone(offset: 0, name: nil))
        }
    }

    static func checked(_ acc: Int64, _ v: Int64, _ factor: Int64) throws -> Int64 {
        let (p, o1) = v.multipliedReportingOverflow(by: factor)
        let (r, o2) = acc.addingReportingOverflow(p)
        if o1 || o2 { throw Arithmetic.overflow() }
        return r
    }

    static func durationFromMap(_ m: [String: Value]) throws -> Temporal {
        var months = 0.0, days = 0.0, seconds = 0.0
        var nanosExact: Int64 = 0
        var secondsExact: Int64 = 0
        for (k, v) in m {
            let x: Double
            switch v {
            case .int(let i): x = Double(i)
            case .float(let f): x = f
            case .null: continue
            default: throw err("duration field \(k) must be a number")
            }
            let isInt: Bool = { if case .int = v { return true } else { return false } }()
            switch k {
            case "years": months += x * 12
            case "quarters": months += x * 3
            case "months": months += x
            case "weeks": days += x * 7
            case "days": days += x
            case "hours": if isInt, case .int(let i) = v { secondsExact = try checked(secondsExact, i, 3600) } else { seconds += x * 3600 }
            case "minutes": if isInt, case .int(let i) = v { secondsExact = try checked(secondsExact, i, 60) } else { seconds += x * 60 }
            case "seconds": if isInt, case .int(let i) = v { secondsExact = try checked(secondsExact, i, 1) } else { seconds += x }
            case "milliseconds": if isInt, case .int(let i) = v { nanosExact = try checked(nanosExact, i, 1_000_000) } else { seconds += x / 1000 }
            case "microseconds": if isInt, case .int(let i) = v { nanosExact = try checked(nanosExact, i, 1000) } else { seconds += x / 1e6 }
            case "nanoseconds": if isInt, case .int(let i) = v { nanosExact = try checked(nanosExact, i, 1) } else { seconds += x / 1e9 }
            default: throw err("unknown duration field \(k)")
            }
        }
        return makeDuration(fractionalMonths: months, days: days, seconds: seconds, exactSeconds: secondsExact, exactNanos: nanosExact)
    }

    /// Cascades fractional months into days (30.436875 days a month, as in Neo4j) and fractional days into seconds.
    static func makeDuration(fractionalMonths: Double, days: Double, seconds: Double, exactSeconds: Int64 = 0, exactNanos: Int64 = 0) -> Temporal {
        let wholeMonths = fractionalMonths.rounded(.towardZero)
        var d = days + (fractionalMonths - wholeMonths) * 30.436875
        let wholeDays = d.rounded(.towardZero)
        d -= wholeDays
        var s = seconds + d * 86_400
        let wholeSeconds = s.rounded(.towardZero)
        s -= wholeSeconds
        // Truncate sub-nanosecond remainders (after absorbing binary rounding noise), as Neo4j does.
        let nanos = clamp(((s * 1e9 * 1000).rounded() / 1000).rounded(.towardZero)) &+ exactNanos
        return makeDuration(months: clamp(wholeMonths), days: clamp(wholeDays), seconds: clamp(wholeSeconds) &+ exactSeconds, nanos: nanos)
    }

    /// Double → Int64 without trapping on NaN or out-of-range values.
    static func clamp(_ d: Double) -> Int64 {
        if d.isNaN { return 0 }
        if d >= 9.2e18 { return 9_200_000_000_000_000_000 }
        if d <= -9.2e18 { return -9_200_000_000_000_000_000 }
        return Int64(d)
    }

    static func makeDuration(months: Int64, days: Int64, seconds: Int64, nanos: Int64) -> Temporal {
        let (s0, n) = normalizeSeconds(0, nanos)
        let s = seconds &+ s0
        return .duration(months: months, days: days, seconds: s, nanos: Int32(n))
    }

    // MARK: parsing

    static func parse(_ kind: String, _ text: String) throws -> Temporal {
        let s = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case "duration": return try parseDuration(s)
        case "date":
            return .date(days: try parseDate(s))
        case "localtime":
            return .localTime(nanos: try parseTime(s))
        case "time":
            let (t, z) = try splitZone(s)
            let n = try parseTime(t)
            return .time(nanos: n, offset: z?.offset ?? 0)
        case "localdatetime":
            let (d, t) = splitDateTime(s)
            let days = try parseDate(d)
            let n = try t.map(parseTime) ?? 0
            return .localDateTime(seconds: days * 86_400 + n / nanosPerSecond, nanos: Int32(n % nanosPerSecond))
        default:
            let (d, rest) = splitDateTime(s)
            let days: Int64
            var n: Int64 = 0
            var zone = Zone(offset: 0, name: nil)
            if let rest {
                let (t, z) = try splitZone(rest)
                n = try parseTime(t)
                if let z { zone = z }
                days = try parseDate(d)
            } else {
                let (dd, z) = try splitZone(d)
                days = try parseDate(dd)
                if let z { zone = z }
            }
            return makeDateTime(days: days, nanos: n, zone: zone)
        }
    }

    static func splitDateTime(_ s: String) -> (String, String?) {
        if let i = s.firstIndex(of: "T") { return (String(s[..<i]), String(s[s.index(after: i)...])) }
        return (s, nil)
    }

    /// Splits "HH:MM…+01:00[Europe/Stockholm]" into the time text and its zone.
    static func splitZone(_ s: String) throws -> (String, Zone?) {
        var text = s
        var name: String? = nil
        if let open = text.firstIndex(of: "["), text.hasSuffix("]") {
            name = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            text = String(text[..<open])
        }
        var offset: Int32? = nil
        if text.hasSuffix("Z") { offset = 0; text.removeLast() }
        else if let i = text.lastIndex(where: { $0 == "+" || $0 == "-" }), i != text.startIndex, !text[..<i].hasSuffix("-") || text.contains(":") {
            // A date part also contains '-', so only treat it as an offset after a time (":" present or digits-only time).
            let candidate = String(text[i...])
            if let o = parseOffset(candidate), text[..<i].contains(":") || text[..<i].allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
                offset = o
                text = String(text[..<i])
            }
        }
        if let name {
            guard TimeZone(identifier: name) != nil else { throw err("unknown time zone \(name)") }
            return (text, Zone(offset: nil, name: name))
        }
        return (text, offset.map { Zone(offset: $0, name: nil) })
    }

    static func parseDate(_ s: String) throws -> Int64 {
        var t = s
        var sign: Int64 = 1
        if t.hasPrefix("+") { t.removeFirst() } else if t.hasPrefix("-") { sign = -1; t.removeFirst() }
        let bad = err("invalid date \(s)")
        if t.contains("-") {
            let p = t.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard let y = Int64(p[0]) else { throw bad }
            let year = sign * y
            if p.count == 2 {
                if p[1].hasPrefix("W") {
                    guard let w = Int64(p[1].dropFirst()) else { throw bad }
                    return weekOneMonday(year) + (w - 1) * 7
                }
                if p[1].count == 3, let o = Int64(p[1]) { return daysFromCivil(year, 1, 1) + o - 1 }
                guard p[1].count == 2, let m = Int64(p[1]) else { throw bad }
                return try validDate(year, m, 1)
            }
            if p.count == 3 {
                if p[1].hasPrefix("W") {
                    guard let w = Int64(p[1].dropFirst()), let d = Int64(p[2]) else { throw bad }
                    return weekOneMonday(year) + (w - 1) * 7 + d - 1
                }
                guard p[1].count == 2, p[2].count == 2, let m = Int64(p[1]), let d = Int64(p[2]) else { throw bad }
                return try validDate(year, m, d)
            }
            throw bad
        }
        // Basic format: YYYY, YYYYMM, YYYYMMDD, YYYYDDD, YYYYWww, YYYYWwwD
        if let w = t.firstIndex(of: "W") {
            guard let y = Int64(t[..<w]) else { throw bad }
            let rest = Array(t[t.index(after: w)...])
            guard rest.count >= 2, let wk = Int64(String(rest[0..<2])) else { throw bad }
            let d = rest.count == 3 ? Int64(String(rest[2])) ?? 1 : 1
            return weekOneMonday(sign * y) + (wk - 1) * 7 + d - 1
        }
        guard t.allSatisfy(\.isASCIIDigit), t.count >= 4 else { throw bad }
        let c = Array(t)
        let y = sign * Int64(String(c[0..<4]))!
        switch c.count {
        case 4: return try validDate(y, 1, 1)
        case 6: return try validDate(y, Int64(String(c[4..<6]))!, 1)
        case 7: return daysFromCivil(y, 1, 1) + Int64(String(c[4..<7]))! - 1
        case 8: return try validDate(y, Int64(String(c[4..<6]))!, Int64(String(c[6..<8]))!)
        default: throw bad
        }
    }

    static func parseTime(_ s: String) throws -> Int64 {
        let bad = err("invalid time \(s)")
        var main = s
        var frac: Int64 = 0
        if let dot = s.firstIndex(where: { $0 == "." || $0 == "," }) {
            main = String(s[..<dot])
            var f = String(s[s.index(after: dot)...])
            guard !f.isEmpty, f.count <= 9, f.allSatisfy(\.isASCIIDigit) else { throw bad }
            while f.count < 9 { f += "0" }
            frac = Int64(f)!
        }
        let fields: [Int64]
        if main.contains(":") {
            let p = main.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(p.count), p.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }) else { throw bad }
            fields = p.map { Int64($0)! }
        } else {
            guard main.allSatisfy(\.isASCIIDigit), [2, 4, 6].contains(main.count) else { throw bad }
            let c = Array(main)
            fields = stride(from: 0, to: c.count, by: 2).map { Int64(String(c[$0..<$0 + 2]))! }
        }
        let h = fields[0], m = fields.count > 1 ? fields[1] : 0, sec = fields.count > 2 ? fields[2] : 0
        guard h < 24, m < 60, sec < 60 else { throw bad }
        return (h * 3600 + m * 60 + sec) * nanosPerSecond + frac
    }

    static func parseDuration(_ s: String) throws -> Temporal {
        let bad = err("invalid duration \(s)")
        var t = Substring(s)
        var negate = false
        if t.hasPrefix("-") { negate = true; t = t.dropFirst() }
        guard t.hasPrefix("P") else { throw bad }
        t = t.dropFirst()
        // Alternative format: P2012-02-02T14:37:21.545
        if t.first?.isASCIIDigit == true, !t.contains(where: { "YMWDHS".contains($0) }) {
            let (d, time) = splitDateTime(String(t))
            let dp = d.split(separator: "-").map { Int64($0) ?? 0 }
            let y = dp.count > 0 ? dp[0] : 0, mo = dp.count > 1 ? dp[1] : 0, dd = dp.count > 2 ? dp[2] : 0
            let n = try time.map(parseTime) ?? 0
            return makeDuration(months: y * 12 + mo, days: dd, seconds: n / nanosPerSecond, nanos: n % nanosPerSecond)
        }
        var months = 0.0, days = 0.0, seconds = 0.0
        var exactSeconds: Int64 = 0, exactNanos: Int64 = 0
        var inTime = false
        var num = ""
        var any = false
        for c in t {
            if c == "T" { inTime = true; continue }
            if c.isASCIIDigit || c == "." || c == "," || c == "-" || c == "+" { num.append(c == "," ? "." : c); continue }
            guard let v = Double(num) else { throw bad }
            let numText = num
            num = ""
            any = true
            switch (c, inTime) {
            case ("Y", false): months += v * 12
            case ("M", false): months += v
            case ("W", false): days += v * 7
            case ("D", false): days += v
            case ("H", true): if let i = Int64(numText) { exactSeconds = try checked(exactSeconds, i, 3600) } else { seconds += v * 3600 }
            case ("M", true): if let i = Int64(numText) { exactSeconds = try checked(exactSeconds, i, 60) } else { seconds += v * 60 }
            case ("S", true):
                // Exact: whole seconds and up to nine fraction digits.
                let bits = numText.split(separator: ".", omittingEmptySubsequences: false)
                if bits.count <= 2, let whole = Int64(bits[0].isEmpty || bits[0] == "-" ? bits[0] + "0" : bits[0]) {
                    let negative = numText.hasPrefix("-")
                    exactSeconds = try checked(exactSeconds, whole, 1)
                    if bits.count == 2 {
                        var frac = String(bits[1].prefix(9))
                        while frac.count < 9 { frac += "0" }
                        let n = Int64(frac) ?? 0
                        exactNanos += negative ? -n : n
                    }
                } else { seconds += v }
            default: throw bad
            }
        }
        guard num.isEmpty, any else { throw bad }
        let d = makeDuration(fractionalMonths: months, days: days, seconds: seconds, exactSeconds: exactSeconds, exactNanos: exactNanos)
        if negate, case .duration(let mo, let dd, let ss, let nn) = d { return makeDuration(months: -mo, days: -dd, seconds: -ss, nanos: -Int64(nn)) }
        return d
    }

    // MARK: accessors

    static func component(_ t: Temporal, _ key: String) -> Value? {
        if case .duration(let months, let days, let seconds, let nanos) = t {
            let n = Int64(nanos)
            switch key {
            case "years": return .int(months / 12)
            case "quarters": return .int(months / 3)
            case "months": return .int(months)
            case "weeks": return .int(days / 7)
            case "days": return .int(days)
            case "hours": return .int(seconds / 3600)
            case "minutes": return .int(seconds / 60)
            case "seconds": return .int(seconds)
            case "milliseconds": return .int(seconds * 1000 + n / 1_000_000)
            case "microseconds": return .int(seconds * 1_000_000 + n / 1000)
            case "nanoseconds": return .int(seconds * nanosPerSecond + n)
            case "quartersOfYear": return .int(months % 12 / 3)
            case "monthsOfQuarter": return .int(months % 3)
            case "monthsOfYear": return .int(months % 12)
            case "daysOfWeek": return .int(days % 7)
            case "minutesOfHour": return .int(seconds / 60 % 60)
            case "secondsOfMinute": return .int(seconds % 60)
            case "millisecondsOfSecond": return .int(n / 1_000_000)
            case "microsecondsOfSecond": return .int(n / 1000)
            case "nanosecondsOfSecond": return .int(n)
            default: return nil
            }
        }
        let p = parts(of: t)
        if let days = p.days {
            let (y, m, d) = civil(days)
            let w = weekDate(days)
            switch key {
            case "year": return .int(y)
            case "quarter": return .int((m - 1) / 3 + 1)
            case "month": return .int(m)
            case "week": return .int(w.week)
            case "weekYear": return .int(w.weekYear)
            case "day": return .int(d)
            case "ordinalDay": return .int(days - daysFromCivil(y, 1, 1) + 1)
            case "dayOfWeek", "weekDay": return .int(w.dayOfWeek)
            case "dayOfQuarter": return .int(days - daysFromCivil(y, (m - 1) / 3 * 3 + 1, 1) + 1)
            default: break
            }
        }
        if let n = p.nanos {
            let s = n / nanosPerSecond
            switch key {
            case "hour": return .int(s / 3600)
            case "minute": return .int(s / 60 % 60)
            case "second": return .int(s % 60)
            case "millisecond": return .int(n % nanosPerSecond / 1_000_000)
            case "microsecond": return .int(n % nanosPerSecond / 1000)
            case "nanosecond": return .int(n % nanosPerSecond)
            default: break
            }
        }
        var offset: Int32? = nil
        switch t {
        case .time(_, let o): offset = o
        case .dateTime(let s, let n, let o, let zone):
            offset = o
            switch key {
            case "timezone": return .string(zone ?? offsetText(o))
            case "epochSeconds": return .int(s)
            case "epochMillis": return .int(s * 1000 + Int64(n) / 1_000_000)
            default: break
            }
        default: break
        }
        if let o = offset {
            switch key {
            case "timezone": return .string(offsetText(o))
            case "offset": return .string(offsetText(o))
            case "offsetMinutes": return .int(Int64(o) / 60)
            case "offsetSeconds": return .int(Int64(o))
            default: break
            }
        }
        return nil
    }

    // MARK: arithmetic

    static func addMonthsClamped(_ days: Int64, _ months: Int64) -> Int64 {
        let (y, m, d) = civil(days)
        let total = y &* 12 &+ (m - 1) &+ months
        let ny = floorDiv(total, 12), nm = floorMod(total, 12) + 1
        return daysFromCivil(ny, nm, min(d, daysInMonth(ny, nm)))
    }

    static func plus(_ t: Temporal, _ months: Int64, _ days: Int64, _ seconds: Int64, _ nanos: Int64) -> Temporal {
        switch t {
        case .date(let d):
            let base = addMonthsClamped(d, months) &+ days
            // Only whole days of the time part apply to a date.
            return .date(days: base &+ seconds / 86_400 &+ (seconds % 86_400 * nanosPerSecond + nanos) / nanosPerDay)
        case .localTime(let n):
            return .localTime(nanos: floorMod(n + floorMod(seconds, 86_400) * nanosPerSecond + nanos, nanosPerDay))
        case .time(let n, let o):
            return .time(nanos: floorMod(n + floorMod(seconds, 86_400) * nanosPerSecond + nanos, nanosPerDay), offset: o)
        case .localDateTime, .dateTime:
            var p = parts(of: t)
            let d = addMonthsClamped(p.days!, months) &+ days
            var n = p.nanos! + nanos
            var s = seconds + floorDiv(n, nanosPerSecond)
            n = floorMod(n, nanosPerSecond)
            let nod = p.nanos! / nanosPerSecond
            _ = nod
            var localSeconds = d &* 86_400 &+ (p.nanos! / nanosPerSecond)
            n = floorMod(p.nanos! % nanosPerSecond + nanos, nanosPerSecond)
            s = seconds + floorDiv(p.nanos! % nanosPerSecond + nanos, nanosPerSecond)
            if case .dateTime(_, _, _, let zone) = t {
                // Calendar part moves local time; the exact part moves the instant.
                let z = p.zone!
                let o1 = z.offset(atLocal: localSeconds)
                let utc = localSeconds &- Int64(o1) &+ s
                let o2 = z.offset(atUTC: utc)
                return .dateTime(seconds: utc, nanos: Int32(n), offset: o2, zone: zone)
            }
            localSeconds = localSeconds &+ s
            p.days = nil
            return .localDateTime(seconds: localSeconds, nanos: Int32(n))
        case .duration(let mo, let d, let s, let n):
            return makeDuration(months: mo &+ months, days: d &+ days, seconds: s &+ seconds, nanos: Int64(n) &+ nanos)
        }
    }

    static func arithmetic(_ op: BinaryOp, _ a: Temporal, _ b: Value) throws -> Value? {
        switch (op, b) {
        case (.add, .temporal(.duration(let mo, let d, let s, let n))):
            return .temporal(plus(a, mo, d, s, Int64(n)))
        case (.subtract, .temporal(.duration(let mo, let d, let s, let n))):
            return .temporal(plus(a, -mo, -d, -s, -Int64(n)))
        case (.multiply, .int(let k)):
            guard case .duration(let mo, let d, let s, let n) = a else { return nil }
            let (mm, o1) = mo.multipliedReportingOverflow(by: k), (dd, o2) = d.multipliedReportingOverflow(by: k)
            let (ss, o3) = s.multipliedReportingOverflow(by: k), (nn, o4) = Int64(n).multipliedReportingOverflow(by: k)
            if o1 || o2 || o3 || o4 { throw Arithmetic.overflow() }
            return .temporal(makeDuration(months: mm, days: dd, seconds: ss, nanos: nn))
        case (.multiply, .float), (.divide, .int), (.divide, .float):
            guard case .duration(let mo, let d, let s, let n) = a else { return nil }
            var f = b.numeric!
            if op == .divide {
                if f == 0 { throw CypherError("ArithmeticError", "DivisionByZero", "division by zero") }
                f = 1 / f
            }
            // Seconds scale exactly in integer nanoseconds; months and days cascade their fractions down.
            let totalNanos = Double(s) * 1e9 + Double(n)
            let scaled = (totalNanos * f).rounded(.towardZero)
            guard scaled.magnitude < 9.2e18 else { throw Arithmetic.overflow() }
            return .temporal(makeDuration(fractionalMonths: Double(mo) * f, days: Double(d) * f, seconds: 0, exactNanos: Int64(scaled)))
        default: return nil
        }
    }

    static func arithmeticRight(_ op: BinaryOp, _ a: Value, _ b: Temporal) throws -> Value? {
        switch (op, a) {
        case (.add, .temporal(let t)): return try arithmetic(.add, b, .temporal(t))
        case (.multiply, .int), (.multiply, .float): return try arithmetic(.multiply, b, a)
        default: return nil
        }
    }

    // MARK: between

    static func between(_ mode: String, _ a: Temporal, _ b: Temporal) throws -> Temporal {
        if case .duration = a { throw err("cannot compute a duration between durations") }
        if case .duration = b { throw err("cannot compute a duration between durations") }
        var pa = parts(of: a), pb = parts(of: b)
        // A missing date or zone is taken from the other value; a missing time is midnight.
        if pa.days == nil && pb.days == nil { pa.days = 0; pb.days = 0 }
        pa.days = pa.days ?? pb.days
        pb.days = pb.days ?? pa.days
        pa.nanos = pa.nanos ?? 0
        pb.nanos = pb.nanos ?? 0
        let za = pa.zone ?? pb.zone, zb = pb.zone ?? pa.zone
        func toUTC(_ p: inout Parts, _ z: Zone) {
            let local = p.days! * 86_400 + p.nanos! / nanosPerSecond
            let utc = local - Int64(z.offset(atLocal: local))
            let d = floorDiv(utc, 86_400)
            p.nanos = (utc - d * 86_400) * nanosPerSecond + p.nanos! % nanosPerSecond
            p.days = d
        }
        if let za, let zb { toUTC(&pa, za); toUTC(&pb, zb) }
        let da = pa.days!, db = pb.days!
        let timeDiff = pb.nanos! - pa.nanos!
        switch mode {
        case "inseconds":
            return makeDuration(months: 0, days: 0, seconds: (db - da) * 86_400, nanos: timeDiff)
        case "indays":
            var days = db - da
            if days > 0 && timeDiff < 0 { days -= 1 } else if days < 0 && timeDiff > 0 { days += 1 }
            return makeDuration(months: 0, days: days, seconds: 0, nanos: 0)
        default:
            let (y1, m1, d1) = civil(da), (y2, m2, d2) = civil(db)
            var months = (y2 * 12 + m2) - (y1 * 12 + m1)
            if months > 0 && (d2 < d1 || (d2 == d1 && timeDiff < 0)) { months -= 1 }
            else if months < 0 && (d2 > d1 || (d2 == d1 && timeDiff > 0)) { months += 1 }
            if mode == "inmonths" { return makeDuration(months: months, days: 0, seconds: 0, nanos: 0) }
            let mid = addMonthsClamped(da, months)
            var days = db - mid
            if days > 0 && timeDiff < 0 { days -= 1 } else if days < 0 && timeDiff > 0 { days += 1 }
            let secs = (db - mid - days) * nanosPerDay + timeDiff
            return makeDuration(months: months, days: days, seconds: 0, nanos: secs)
        }
    }

    // MARK: truncate

    static func truncate(_ kind: String, _ args: [Value]) throws -> Value {
        guard args.count >= 2 else { throw err("truncate needs a unit and a value") }
        guard case .string(let unitRaw) = args[0] else { throw err("truncate unit must be a string") }
        if args[1].isNull { return .null }
        guard case .temporal(let t) = args[1] else { throw err("truncate needs a temporal value") }
        var overrides: [String: Value] = [:]
        if args.count > 2, case .map(let m) = args[2] { overrides = m }
        let unit = unitRaw.lowercased()
        var p = parts(of: t)
        var days = p.days
        var nanos = p.nanos
        if let d = days {
            let (y, m, _) = civil(d)
            switch unit {
            case "millennium": days = daysFromCivil(floorDiv(y, 1000) * 1000, 1, 1)
            case "century": days = daysFromCivil(floorDiv(y, 100) * 100, 1, 1)
            case "decade": days = daysFromCivil(floorDiv(y, 10) * 10, 1, 1)
            case "year": days = daysFromCivil(y, 1, 1)
            case "weekyear": days = weekOneMonday(weekDate(d).weekYear)
            case "quarter": days = daysFromCivil(y, (m - 1) / 3 * 3 + 1, 1)
            case "month": days = daysFromCivil(y, m, 1)
            case "week": days = d - (dayOfWeek(d) - 1)
            default: break
            }
        }
        let dateUnits: Set<String> = ["millennium", "century", "decade", "year", "weekyear", "quarter", "month", "week", "day"]
        if let n = nanos {
            switch unit {
            case _ where dateUnits.contains(unit): nanos = 0
            case "hour": nanos = n / (3600 * nanosPerSecond) * 3600 * nanosPerSecond
            case "minute": nanos = n / (60 * nanosPerSecond) * 60 * nanosPerSecond
            case "second": nanos = n / nanosPerSecond * nanosPerSecond
            case "millisecond": nanos = n / 1_000_000 * 1_000_000
            case "microsecond": nanos = n / 1000 * 1000
            default: throw err("unknown truncation unit \(unitRaw)")
            }
        } else if !dateUnits.contains(unit) {
            throw err("cannot truncate a date to \(unitRaw)")
        }
        var m: [String: Value] = [:]
        var baseT: Temporal
        if case .string(let tz)? = overrides["timezone"] {
            p.zone = try parseZone(tz)
            overrides["timezone"] = nil
        }
        switch kind {
        case "date": baseT = .date(days: days!)
        case "localtime": baseT = .localTime(nanos: nanos ?? 0)
        case "time": baseT = .time(nanos: nanos ?? 0, offset: p.zone.map { z in z.offset ?? z.offset(atLocal: (days ?? 0) * 86_400) } ?? 0)
        case "localdatetime": baseT = .localDateTime(seconds: days! * 86_400 + (nanos ?? 0) / nanosPerSecond, nanos: Int32((nanos ?? 0) % nanosPerSecond))
        default: baseT = makeDateTime(days: days!, nanos: nanos ?? 0, zone: p.zone ?? Zone(offset: 0, name: nil))
        }
        if overrides.isEmpty { return .temporal(baseT) }
        let key = kind == "date" ? "date" : (kind == "localtime" || kind == "time" ? "time" : "datetime")
        m[key] = .temporal(baseT)
        for (k, v) in overrides { m[k] = v }
        // Week truncation with a dayOfWeek override keeps the week.
        if unit == "week" || unit == "weekyear", overrides["dayOfWeek"] != nil, let d = days {
            let w = weekDate(d)
            m["week"] = .int(w.week)
            if m["year"] == nil { m["year"] = .int(w.weekYear) }
        }
        return .temporal(try fromMap(kind, m))
    }
}

extension Temporal: CustomStringConvertible {
    /// ISO 8601 text, as Cypher's `toString` renders it.
    public var description: String { TemporalOps.format(self) }
}

extension Character {
    /// 0–9 only (Character.isNumber also accepts other scripts' digits and fractions).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
