import Cypher

/// A value written in the TCK's result syntax.
indirect enum TCKValue {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case list([TCKValue])
    case map([String: TCKValue])
    case node(labels: Set<String>, properties: [String: TCKValue])
    case relationship(type: String, properties: [String: TCKValue])
    case path(start: TCKValue, steps: [(rel: TCKValue, forward: Bool, node: TCKValue)])

    /// Converts to an engine value (parameters); graph entities are not allowed there.
    var value: Value {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .list(let l): return .list(l.map(\.value))
        case .map(let m): return .map(m.mapValues(\.value))
        default: return .null
        }
    }
}

struct TCKValueParser {
    let chars: [Character]
    var i = 0

    init(_ s: String) { chars = Array(s) }

    static func parse(_ s: String) -> TCKValue? {
        var p = TCKValueParser(s)
        guard let v = p.value() else { return nil }
        p.space()
        return p.i == p.chars.count ? v : nil
    }

    mutating func space() { while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" { i += 1 } }
    mutating func accept(_ c: Character) -> Bool {
        space()
        if i < chars.count, chars[i] == c { i += 1; return true }
        return false
    }
    mutating func acceptWord(_ w: String) -> Bool {
        space()
        let a = Array(w)
        guard i + a.count <= chars.count, Array(chars[i..<i + a.count]) == a else { return false }
        if i + a.count < chars.count, chars[i + a.count].isLetter || chars[i + a.count].isNumber || chars[i + a.count] == "_" { return false }
        i += a.count
        return true
    }

    mutating func name() -> String? {
        space()
        if i < chars.count, chars[i] == "`" {
            i += 1
            var s = ""
            while i < chars.count, chars[i] != "`" { s.append(chars[i]); i += 1 }
            i += 1
            return s
        }
        var s = ""
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { s.append(chars[i]); i += 1 }
        return s.isEmpty ? nil : s
    }

    mutating func value() -> TCKValue? {
        space()
        guard i < chars.count else { return nil }
        let c = chars[i]
        if c == "'" {
            i += 1
            var s = ""
            while i < chars.count, chars[i] != "'" {
                if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "'" || chars[i + 1] == "\\" { s.append(chars[i + 1]); i += 2; continue }
                s.append(chars[i]); i += 1
            }
            guard i < chars.count else { return nil }
            i += 1
            return .string(s)
        }
        if c == "[" {
            i += 1
            // A relationship "[:T {...}]" or a list.
            space()
            if i < chars.count, chars[i] == ":" { return relBody() }
            var items: [TCKValue] = []
            if accept("]") { return .list([]) }
            repeat {
                guard let v = value() else { return nil }
                items.append(v)
            } while accept(",")
            guard accept("]") else { return nil }
            return .list(items)
        }
        if c == "{" {
            guard let m = mapBody() else { return nil }
            return .map(m)
        }
        if c == "(" { return nodeBody() }
        if c == "<" {
            i += 1
            guard let start = nodeBody() else { return nil }
            var steps: [(rel: TCKValue, forward: Bool, node: TCKValue)] = []
            while !accept(">") {
                var forward = true
                if accept("<") { forward = false }
                guard accept("-"), accept("[") else { return nil }
                guard let rel = relBody() else { return nil }
                guard accept("-") else { return nil }
                if forward { guard accept(">") else { return nil } }
                guard let n = nodeBody() else { return nil }
                steps.append((rel, forward, n))
            }
            return .path(start: start, steps: steps)
        }
        if acceptWord("null") { return .null }
        if acceptWord("true") { return .bool(true) }
        if acceptWord("false") { return .bool(false) }
        if acceptWord("NaN") { return .float(.nan) }
        if acceptWord("Inf") { return .float(.infinity) }
        if acceptWord("-Inf") { return .float(-.infinity) }
        var s = ""
        while i < chars.count, "+-0123456789.eE".contains(chars[i]) { s.append(chars[i]); i += 1 }
        if s.isEmpty { return nil }
        if let v = Int64(s) { return .int(v) }
        if let d = Double(s) { return .float(d) }
        return nil
    }

    mutating func mapBody() -> [String: TCKValue]? {
        guard accept("{") else { return nil }
        var m: [String: TCKValue] = [:]
        if accept("}") { return m }
        repeat {
            guard let k = name(), accept(":"), let v = value() else { return nil }
            m[k] = v
        } while accept(",")
        guard accept("}") else { return nil }
        return m
    }

    mutating func nodeBody() -> TCKValue? {
        guard accept("(") else { return nil }
        var labels = Set<String>()
        while accept(":") {
            guard let l = name() else { return nil }
            labels.insert(l)
        }
        var props: [String: TCKValue] = [:]
        space()
        if i < chars.count, chars[i] == "{" {
            guard let m = mapBody() else { return nil }
            props = m
        }
        guard accept(")") else { return nil }
        return .node(labels: labels, properties: props)
    }

    /// After "[" : ":T {props}]".
    mutating func relBody() -> TCKValue? {
        guard accept(":"), let t = name() else { return nil }
        var props: [String: TCKValue] = [:]
        space()
        if i < chars.count, chars[i] == "{" {
            guard let m = mapBody() else { return nil }
            props = m
        }
        guard accept("]") else { return nil }
        return .relationship(type: t, properties: props)
    }
}

enum TCKCompare {
    static func matches(_ a: Value, _ e: TCKValue, ignoreListOrder: Bool) -> Bool {
        switch (a, e) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)):
            if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
            if x == y { return true }
            return Swift.abs(x - y) <= 1e-12 * Swift.max(Swift.abs(x), Swift.abs(y))
        case (.string(let x), .string(let y)): return x == y
        case (.temporal(let t), .string(let y)): return temporalString(t) == y
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            if ignoreListOrder { return bagMatch(x, y, ignoreListOrder: true) }
            return zip(x, y).allSatisfy { matches($0, $1, ignoreListOrder: ignoreListOrder) }
        case (.map(let x), .map(let y)):
            return propsMatch(x, y, ignoreListOrder)
        case (.node(let n), .node(let labels, let props)):
            return Set(n.labels) == labels && propsMatch(n.properties, props, ignoreListOrder)
        case (.relationship(let r), .relationship(let type, let props)):
            return r.type == type && propsMatch(r.properties, props, ignoreListOrder)
        case (.path(let p), .path(let start, let steps)):
            guard p.relationships.count == steps.count, matches(.node(p.nodes[0]), start, ignoreListOrder: false) else { return false }
            for (k, s) in steps.enumerated() {
                let r = p.relationships[k]
                guard matches(.relationship(r), s.rel, ignoreListOrder: false) else { return false }
                let from = p.nodes[k], to = p.nodes[k + 1]
                if s.forward { guard r.start == from.id && r.end == to.id else { return false } }
                else { guard r.end == from.id && r.start == to.id else { return false } }
                guard matches(.node(to), s.node, ignoreListOrder: false) else { return false }
            }
            return true
        default: return false
        }
    }

    static func temporalString(_ t: Temporal) -> String { t.description }

    static func propsMatch(_ x: [String: Value], _ y: [String: TCKValue], _ ilo: Bool) -> Bool {
        guard Set(x.keys) == Set(y.keys) else { return false }
        return x.allSatisfy { matches($0.value, y[$0.key]!, ignoreListOrder: ilo) }
    }

    static func bagMatch(_ actual: [Value], _ expected: [TCKValue], ignoreListOrder: Bool) -> Bool {
        var used = [Bool](repeating: false, count: actual.count)
        outer: for e in expected {
            for (k, a) in actual.enumerated() where !used[k] && matches(a, e, ignoreListOrder: ignoreListOrder) {
                used[k] = true
                continue outer
            }
            return false
        }
        return true
    }
}
