import Foundation

/// Built-in scalar functions.
enum Functions {
    /// Known functions and their (min, max) argument counts; used by the semantic check.
    static let arity: [String: (Int, Int)] = [
        "coalesce": (1, Int.max), "head": (1, 1), "last": (1, 1), "tail": (1, 1), "size": (1, 1), "length": (1, 1),
        "type": (1, 1), "id": (1, 1), "elementid": (1, 1), "labels": (1, 1), "keys": (1, 1), "properties": (1, 1),
        "startnode": (1, 1), "endnode": (1, 1), "nodes": (1, 1), "relationships": (1, 1), "range": (2, 3),
        "reverse": (1, 1), "tostring": (1, 1), "tointeger": (1, 1), "tofloat": (1, 1), "toboolean": (1, 1),
        "tostringornull": (1, 1), "tointegerornull": (1, 1), "tofloatornull": (1, 1), "tobooleanornull": (1, 1),
        "abs": (1, 1), "ceil": (1, 1), "floor": (1, 1), "round": (1, 3), "sign": (1, 1), "sqrt": (1, 1), "rand": (0, 0),
        "exp": (1, 1), "log": (1, 1), "log10": (1, 1), "sin": (1, 1), "cos": (1, 1), "tan": (1, 1), "cot": (1, 1),
        "asin": (1, 1), "acos": (1, 1), "atan": (1, 1), "atan2": (2, 2), "pi": (0, 0), "e": (0, 0),
        "degrees": (1, 1), "radians": (1, 1), "haversin": (1, 1),
        "left": (2, 2), "right": (2, 2), "substring": (2, 3), "tolower": (1, 1), "toupper": (1, 1), "lower": (1, 1), "upper": (1, 1),
        "trim": (1, 1), "ltrim": (1, 1), "rtrim": (1, 1), "replace": (3, 3), "split": (2, 2), "exists": (1, 1),
        "isempty": (1, 1), "timestamp": (0, 0), "randomuuid": (0, 0), "char_length": (1, 1), "character_length": (1, 1),
        "tobooleanlist": (1, 1), "tointegerlist": (1, 1), "tofloatlist": (1, 1), "tostringlist": (1, 1),
    ]

    static func isKnown(_ name: String) -> Bool { arity[name] != nil || TemporalOps.isFunction(name) }

    static func call(_ name: String, distinct: Bool, args argExprs: [Expr], row: Row, evaluator ev: Evaluator) throws -> Value {
        if name == "exists" {
            if case .patternPredicate = argExprs.first { return try ev.eval(argExprs[0], row) }
            return .bool(!(try ev.eval(argExprs[0], row)).isNull)
        }
        let args = try argExprs.map { try ev.eval($0, row) }
        if ["labels", "keys", "properties"].contains(name), let first = args.first { try ev.checkNotDeleted(first) }
        if TemporalOps.isFunction(name) { return try TemporalOps.call(name, args) }
        guard let (lo, hi) = arity[name] else { throw CypherError.syntax("UnknownFunction", "unknown function \(name)") }
        guard args.count >= lo && args.count <= hi else {
            throw CypherError.syntax("InvalidNumberOfArguments", "\(name) takes \(lo)…\(hi) arguments")
        }
        let a0 = args.first ?? .null
        func bad() -> CypherError { CypherError.argument("InvalidArgumentType", "\(name)() cannot take \(a0.typeName)") }
        func badType() -> CypherError { CypherError.type("InvalidArgumentType", "\(name)() cannot take \(a0.typeName)") }
        func badValue() -> CypherError { CypherError.type("InvalidArgumentValue", "\(name)() cannot take \(a0.typeName)") }
        switch name {
        case "coalesce": return args.first { !$0.isNull } ?? .null
        case "head":
            switch a0 { case .null: return .null; case .list(let l): return l.first ?? .null; default: throw badType() }
        case "last":
            switch a0 { case .null: return .null; case .list(let l): return l.last ?? .null; default: throw badType() }
        case "tail":
            switch a0 { case .null: return .null; case .list(let l): return .list(Array(l.dropFirst())); default: throw badType() }
        case "size", "char_length", "character_length":
            switch a0 {
            case .null: return .null
            case .list(let l): return .int(Int64(l.count))
            case .string(let s): return .int(Int64(s.unicodeScalars.count))
            case .map(let m): return .int(Int64(m.count))
            default: throw badType()
            }
        case "isempty":
            switch a0 {
            case .null: return .null
            case .list(let l): return .bool(l.isEmpty)
            case .string(let s): return .bool(s.isEmpty)
            case .map(let m): return .bool(m.isEmpty)
            default: throw badType()
            }
        case "length":
            switch a0 {
            case .null: return .null
            case .path(let p): return .int(Int64(p.relationships.count))
            case .string(let s): return .int(Int64(s.unicodeScalars.count))
            case .list(let l): return .int(Int64(l.count))
            default: throw badType()
            }
        case "type":
            switch a0 { case .null: return .null; case .relationship(let r): return .string(r.type); default: throw badValue() }
        case "id":
            switch a0 {
            case .null: return .null
            case .node(let n): return .int(n.id)
            case .relationship(let r): return .int(r.id)
            default: throw badType()
            }
        case "elementid":
            switch a0 {
            case .null: return .null
            case .node(let n): return .string("n\(n.id)")
            case .relationship(let r): return .string("r\(r.id)")
            default: throw badType()
            }
        case "labels":
            switch a0 {
            case .null: return .null
            case .node(let n): return .list(try ev.graph.labels(of: n.id).map { .string($0) })
            default: throw badValue()
            }
        case "keys":
            switch a0 {
            case .null: return .null
            case .node(let n): return .list(try ev.graph.nodeProperties(n.id).keys.sorted().map { .string($0) })
            case .relationship(let r): return .list(try ev.graph.relationshipProperties(r.id).keys.sorted().map { .string($0) })
            case .map(let m): return .list(m.keys.sorted().map { .string($0) })
            default: throw badType()
            }
        case "properties":
            switch a0 {
            case .null: return .null
            case .node(let n): return .map(try ev.graph.nodeProperties(n.id))
            case .relationship(let r): return .map(try ev.graph.relationshipProperties(r.id))
            case .map: return a0
            default: throw badType()
            }
        case "startnode":
            switch a0 { case .null: return .null; case .relationship(let r): return .node(NodeRef(id: r.start)); default: throw badType() }
        case "endnode":
            switch a0 { case .null: return .null; case .relationship(let r): return .node(NodeRef(id: r.end)); default: throw badType() }
        case "nodes":
            switch a0 { case .null: return .null; case .path(let p): return .list(p.nodes.map { .node($0) }); default: throw badType() }
        case "relationships":
            switch a0 { case .null: return .null; case .path(let p): return .list(p.relationships.map { .relationship($0) }); default: throw badType() }
        case "range":
            for a in args { if a.isNull { return .null } }
            guard case .int(let start) = args[0], case .int(let end) = args[1] else { throw bad() }
            var step: Int64 = 1
            if args.count == 3 {
                guard case .int(let s) = args[2] else { throw bad() }
                step = s
            }
            if step == 0 { throw CypherError.argument("NumberOutOfRange", "range() step must not be zero") }
            var out: [Value] = []
            var i = start
            let span = step > 0 ? end.subtractingReportingOverflow(start) : start.subtractingReportingOverflow(end)
            if span.overflow { throw CypherError.argument("NumberOutOfRange", "range() would produce too many elements") }
            let count = span.partialValue < 0 ? 0 : span.partialValue / (step == Int64.min ? Int64.max : Swift.abs(step)) + 1
            if count > 10_000_000 { throw CypherError.argument("NumberOutOfRange", "range() would produce too many elements") }
            out.reserveCapacity(Int(count))
            for _ in 0..<count { out.append(.int(i)); i &+= step; if out.count & 4095 == 0 { try ev.checkCancelled() } }
            return .list(out)
        case "reverse":
            switch a0 {
            case .null: return .null
            case .list(let l): return .list(l.reversed())
            case .string(let s): return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed())))
            default: throw badType()
            }
        case "tostring", "tostringornull":
            switch a0 {
            case .null: return .null
            case .string, .int, .float, .bool, .temporal: return .string(string(a0))
            default: if name == "tostringornull" { return .null }; throw badValue()
            }
        case "tointeger", "tointegerornull":
            switch a0 {
            case .null: return .null
            case .int: return a0
            case .float(let f):
                guard f.isFinite, f < 9.2233720368547758e18, f >= -9.2233720368547758e18 else { return .null }
                return .int(Int64(f.rounded(.towardZero)))
            case .string(let s): return parseInteger(s).map { .int($0) } ?? .null
            case .bool(let b): return .int(b ? 1 : 0)
            default: if name == "tointegerornull" { return .null }; throw badValue()
            }
        case "tofloat", "tofloatornull":
            switch a0 {
            case .null: return .null
            case .float: return a0
            case .int(let i): return .float(Double(i))
            case .string(let s): return parseFloat(s).map { .float($0) } ?? .null
            default: if name == "tofloatornull" { return .null }; throw badValue()
            }
        case "toboolean", "tobooleanornull":
            switch a0 {
            case .null: return .null
            case .bool: return a0
            case .string(let s):
                switch s.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                default: return .null
                }
            case .int(let i): return .bool(i != 0)
            default: if name == "tobooleanornull" { return .null }; throw badValue()
            }
        case "tobooleanlist", "tointegerlist", "tofloatlist", "tostringlist":
            switch a0 {
            case .null: return .null
            case .list(let l):
                let inner = name.replacingOccurrences(of: "list", with: "") + "ornull"
                return .list(try l.map { try call(inner, distinct: false, args: [.literal($0)], row: [:], evaluator: ev) })
            default: throw bad()
            }
        case "abs":
            switch a0 {
            case .null: return .null
            case .int(let i): if i == Int64.min { throw Arithmetic.overflow() }; return .int(Swift.abs(i))
            case .float(let f): return .float(Swift.abs(f))
            default: throw bad()
            }
        case "sign":
            switch a0 {
            case .null: return .null
            case .int(let i): return .int(i.signum())
            case .float(let f): return .int(f > 0 ? 1 : (f < 0 ? -1 : 0))
            default: throw bad()
            }
        case "ceil", "floor", "round", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "cot", "asin", "acos", "atan",
             "degrees", "radians", "haversin":
            if a0.isNull { return .null }
            guard let x = a0.numeric else { throw bad() }
            switch name {
            case "ceil": return .float(x.rounded(.up))
            case "floor": return .float(x.rounded(.down))
            case "round":
                if args.count >= 2 {
                    guard case .int(let precision) = args[1] else { throw bad() }
                    let m = Foundation.pow(10.0, Double(precision))
                    return .float((x * m).rounded(.toNearestOrAwayFromZero) / m)
                }
                return .float(x < 0 && x - x.rounded(.down) == 0.5 ? x.rounded(.up) : x.rounded(.toNearestOrAwayFromZero))
            case "sqrt": return .float(x.squareRoot())
            case "exp": return .float(Foundation.exp(x))
            case "log": return .float(Foundation.log(x))
            case "log10": return .float(Foundation.log10(x))
            case "sin": return .float(Foundation.sin(x))
            case "cos": return .float(Foundation.cos(x))
            case "tan": return .float(Foundation.tan(x))
            case "cot": return .float(1 / Foundation.tan(x))
            case "asin": return .float(Foundation.asin(x))
            case "acos": return .float(Foundation.acos(x))
            case "atan": return .float(Foundation.atan(x))
            case "degrees": return .float(x * 180 / Double.pi)
            case "radians": return .float(x * Double.pi / 180)
            default: return .float((1 - Foundation.cos(x)) / 2)
            }
        case "atan2":
            if args[0].isNull || args[1].isNull { return .null }
            guard let y = args[0].numeric, let x = args[1].numeric else { throw bad() }
            return .float(Foundation.atan2(y, x))
        case "rand": return .float(Double.random(in: 0..<1))
        case "pi": return .float(Double.pi)
        case "e": return .float(M_E)
        case "timestamp": return .int(Int64(Date().timeIntervalSince1970 * 1000))
        case "randomuuid": return .string(UUID().uuidString.lowercased())
        case "left", "right":
            if a0.isNull { return .null }
            guard case .string(let s) = a0 else { throw bad() }
            guard case .int(let n) = args[1] else {
                if args[1].isNull { throw CypherError.argument("InvalidArgumentType", "length must not be null") }
                throw bad()
            }
            if n < 0 { throw CypherError.argument("NumberOutOfRange", "negative length") }
            let scalars = Array(s.unicodeScalars)
            let k = Int(Swift.min(Int64(scalars.count), n))
            let part = name == "left" ? scalars[0..<k] : scalars[(scalars.count - k)...]
            return .string(String(String.UnicodeScalarView(part)))
        case "substring":
            if a0.isNull { return .null }
            guard case .string(let s) = a0, case .int(let start) = args[1] else { throw bad() }
            let scalars = Array(s.unicodeScalars)
            if start < 0 { throw CypherError.argument("NumberOutOfRange", "negative start") }
            let a = Int(Swift.min(Int64(scalars.count), start))
            var z = scalars.count
            if args.count == 3 {
                guard case .int(let len) = args[2] else { throw bad() }
                if len < 0 { throw CypherError.argument("NumberOutOfRange", "negative length") }
                z = Int(Swift.min(Int64(scalars.count), Int64(a) + len))
            }
            return .string(String(String.UnicodeScalarView(scalars[a..<z])))
        case "tolower", "toupper", "lower", "upper", "trim", "ltrim", "rtrim":
            if a0.isNull { return .null }
            guard case .string(let s) = a0 else { throw bad() }
            switch name {
            case "tolower", "lower": return .string(s.lowercased())
            case "toupper", "upper": return .string(s.uppercased())
            case "trim": return .string(s.trimmingCharacters(in: .whitespaces))
            case "ltrim": return .string(String(s.drop { $0 == " " || $0 == "\t" }))
            default:
                var t = Substring(s)
                while let l = t.last, l == " " || l == "\t" { t = t.dropLast() }
                return .string(String(t))
            }
        case "replace":
            if args.contains(where: \.isNull) { return .null }
            guard case .string(let s) = args[0], case .string(let f) = args[1], case .string(let t) = args[2] else { throw bad() }
            if f.isEmpty { return .string(s) }
            return .string(s.replacingOccurrences(of: f, with: t))
        case "split":
            if args.contains(where: \.isNull) { return .null }
            guard case .string(let s) = args[0], case .string(let sep) = args[1] else { throw bad() }
            if sep.isEmpty { return .list(s.map { .string(String($0)) }) }
            return .list(s.components(separatedBy: sep).map { .string($0) })
        default:
            throw CypherError.syntax("UnknownFunction", "unknown function \(name)")
        }
    }

    static func parseInteger(_ s: String) -> Int64? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if let i = Int64(t) { return i }
        if let d = parseFloat(t), d.isFinite, d < 9.2233720368547758e18, d >= -9.2233720368547758e18 { return Int64(d.rounded(.towardZero)) }
        return nil
    }

    static func parseFloat(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        let allowed = Set("0123456789+-.eE")
        guard !t.isEmpty, t.allSatisfy({ allowed.contains($0) }) else {
            switch t { case "NaN": return .nan; case "Infinity", "Inf": return .infinity; case "-Infinity", "-Inf": return -.infinity; default: return nil }
        }
        return Double(t)
    }

    /// `toString` rendering of a scalar.
    static func string(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let f): return formatFloat(f)
        case .string(let s): return s
        case .temporal(let t): return TemporalOps.format(t)
        default: return "\(v)"
        }
    }

    /// Floats print with a decimal point or exponent, like Java's `Double.toString`.
    static func formatFloat(_ f: Double) -> String {
        if f.isNaN { return "NaN" }
        if f.isInfinite { return f > 0 ? "Infinity" : "-Infinity" }
        if f == f.rounded() && Swift.abs(f) < 1e16 {
            return String(format: "%.1f", f)
        }
        let s = "\(f)"
        return s
    }
}
