/// Cypher equality, comparison and the global sort order.
enum ValueOps {
    /// Ternary equality (`=`): nil means null.
    static func equals(_ a: Value, _ b: Value) -> Bool? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.int(let x), .int(let y)): return x == y
        case (.int(let x), .float(let y)): return intEqualsDouble(x, y)
        case (.float(let x), .int(let y)): return intEqualsDouble(y, x)
        case (.float(let x), .float(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)):
            if x.count != y.count { return false }
            var sawNull = false
            for (u, v) in zip(x, y) {
                guard let e = equals(u, v) else { sawNull = true; continue }
                if !e { return false }
            }
            return sawNull ? nil : true
        case (.map(let x), .map(let y)):
            if Set(x.keys) != Set(y.keys) { return false }
            var sawNull = false
            for (k, u) in x {
                guard let e = equals(u, y[k]!) else { sawNull = true; continue }
                if !e { return false }
            }
            return sawNull ? nil : true
        case (.node(let x), .node(let y)): return x.id == y.id
        case (.relationship(let x), .relationship(let y)): return x.id == y.id
        case (.path(let x), .path(let y)): return x.nodes.map(\.id) == y.nodes.map(\.id) && x.relationships.map(\.id) == y.relationships.map(\.id)
        case (.temporal(let x), .temporal(let y)): return TemporalOps.equals(x, y)
        default: return false
        }
    }

    static func intEqualsDouble(_ i: Int64, _ d: Double) -> Bool {
        guard d.isFinite, d.rounded() == d else { return false }
        if d >= 9.2233720368547758e18 || d < -9.2233720368547758e18 { return false }
        return Int64(d) == i
    }

    /// Ternary ordering comparison for `<`, `>`…: nil when the values are not comparable.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.int, .float), (.float, .int), (.float, .float):
            if case .int(let x) = a, case .float(let y) = b { return compareIntDouble(x, y) }
            if case .float(let x) = a, case .int(let y) = b { return compareIntDouble(y, x).map { -$0 } }
            let x = a.numeric!, y = b.numeric!
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.list(let x), .list(let y)):
            for (u, v) in zip(x, y) {
                guard let c = compare(u, v) else { return nil }
                if c != 0 { return c }
            }
            return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
        case (.temporal(let x), .temporal(let y)): return TemporalOps.compare(x, y)
        default: return nil
        }
    }

    static func compareIntDouble(_ i: Int64, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        let di = Double(i)
        if di < d { return -1 }
        if di > d { return 1 }
        // Same as a double: compare exactly through the integer when the double is integral and in range.
        if d >= 9.2233720368547758e18 { return -1 }
        if d < -9.2233720368547758e18 { return 1 }
        let t = Int64(d)
        return i < t ? -1 : (i == t ? 0 : 1)
    }

    /// Rank of a value's type in the global ORDER BY order.
    private static func rank(_ v: Value) -> Int {
        switch v {
        case .map: return 0
        case .node: return 1
        case .relationship: return 2
        case .list: return 3
        case .path: return 4
        case .temporal(let t):
            switch t {
            case .dateTime: return 5
            case .localDateTime: return 6
            case .date: return 7
            case .time: return 8
            case .localTime: return 9
            case .duration: return 10
            }
        case .string: return 11
        case .bool: return 12
        case .int, .float: return 13
        case .null: return 15
        }
    }

    /// Total order used by ORDER BY, DISTINCT-stable sorting, min/max.
    static func order(_ a: Value, _ b: Value) -> Int {
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.int, _), (.float, _):
            let an = a.numeric!, bn = b.numeric!
            if an.isNaN || bn.isNaN {
                if an.isNaN && bn.isNaN { return 0 }
                return an.isNaN ? 1 : -1
            }
            return compare(a, b) ?? 0
        case (.string, _), (.bool, _): return compare(a, b) ?? 0
        case (.list(let x), .list(let y)):
            for (u, v) in zip(x, y) {
                let c = order(u, v)
                if c != 0 { return c }
            }
            return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
        case (.map(let x), .map(let y)):
            let kx = x.keys.sorted(), ky = y.keys.sorted()
            for (u, v) in zip(kx, ky) {
                if u != v { return u < v ? -1 : 1 }
                let c = order(x[u]!, y[v]!)
                if c != 0 { return c }
            }
            return kx.count < ky.count ? -1 : (kx.count == ky.count ? 0 : 1)
        case (.node(let x), .node(let y)): return x.id < y.id ? -1 : (x.id == y.id ? 0 : 1)
        case (.relationship(let x), .relationship(let y)): return x.id < y.id ? -1 : (x.id == y.id ? 0 : 1)
        case (.path(let x), .path(let y)):
            var l: [Value] = [], r: [Value] = []
            for (i, n) in x.nodes.enumerated() { l.append(.node(n)); if i < x.relationships.count { l.append(.relationship(x.relationships[i])) } }
            for (i, n) in y.nodes.enumerated() { r.append(.node(n)); if i < y.relationships.count { r.append(.relationship(y.relationships[i])) } }
            return order(.list(l), .list(r))
        case (.temporal(let x), .temporal(let y)): return TemporalOps.order(x, y)
        default: return 0
        }
    }

    /// A hashable key under which equivalent values (DISTINCT, grouping) collide: 1 and 1.0 are distinct,
    /// nulls are equal to each other, NaN equals NaN.
    static func groupKey(_ v: Value) -> GroupKey { GroupKey(v) }
}

/// Hashable wrapper implementing Cypher equivalence.
struct GroupKey: Hashable {
    let value: Value
    init(_ v: Value) { value = v }
    static func == (a: GroupKey, b: GroupKey) -> Bool { equivalent(a.value, b.value) }
    func hash(into h: inout Hasher) { GroupKey.hashValue(value, &h) }

    static func equivalent(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.float(let x), .float(let y)) where x.isNaN && y.isNaN: return true
        case (.int, .float), (.float, .int): return ValueOps.equals(a, b) ?? false
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
        case (.map(let x), .map(let y)): return Set(x.keys) == Set(y.keys) && x.allSatisfy { equivalent($0.value, y[$0.key]!) }
        default: return ValueOps.equals(a, b) ?? false
        }
    }
    static func hashValue(_ v: Value, _ h: inout Hasher) {
        switch v {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .int(let i): h.combine(Double(i).bitPattern)
        case .float(let f): h.combine(f.isNaN ? Double.nan.bitPattern : (f == 0 ? 0 : f.bitPattern))
        case .string(let s): h.combine(s)
        case .list(let l): h.combine(l.count); for x in l { hashValue(x, &h) }
        case .map(let m): h.combine(m.count); for k in m.keys.sorted() { h.combine(k); hashValue(m[k]!, &h) }
        case .node(let n): h.combine(n.id)
        case .relationship(let r): h.combine(r.id)
        case .path(let p): h.combine(p.nodes.map(\.id)); h.combine(p.relationships.map(\.id))
        case .temporal(let t): h.combine(t)
        }
    }
}
