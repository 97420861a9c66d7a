/// Generic traversal helpers over expressions.
extension Expr {
    /// Direct sub-expressions (not descending into nested patterns' property maps).
    var children: [Expr] {
        switch self {
        case .literal, .param, .variable: return []
        case .property(let b, _): return [b]
        case .index(let a, let b): return [a, b]
        case .slice(let a, let b, let c): return [a] + [b, c].compactMap { $0 }
        case .hasLabels(let b, _): return [b]
        case .list(let l): return l
        case .map(let m): return m.map(\.value)
        case .not(let x), .negate(let x): return [x]
        case .binary(_, let a, let b): return [a, b]
        case .comparison(let a, let steps): return [a] + steps.map(\.rhs)
        case .isNull(let x, _): return [x]
        case .function(_, _, let args): return args
        case .aggregate(let a): return a.args
        case .caseExpr(let s, let w, let o): return [s].compactMap { $0 } + w.flatMap { [$0.when, $0.then] } + [o].compactMap { $0 }
        case .listComprehension(_, let l, let f, let m): return [l] + [f, m].compactMap { $0 }
        case .quantifier(_, _, let l, let p): return [l] + [p].compactMap { $0 }
        case .reduce(_, let i, _, let l, let b): return [i, l, b]
        case .patternComprehension(_, let p, let f, let m): return p.propertyExprs + [f].compactMap { $0 } + [m]
        case .patternPredicate(let p): return p.propertyExprs
        case .exists(let ps, let f): return ps.flatMap(\.propertyExprs) + [f].compactMap { $0 }
        case .mapProjection(let b, let items):
            return [b] + items.compactMap { if case .literal(_, let e) = $0 { return e } else { return nil } }
        case .subquery: return []
        }
    }

    /// Rebuilds the expression bottom-up, letting `f` replace any node first (top-down).
    func rewrite(_ f: (Expr) -> Expr?) -> Expr {
        if let r = f(self) { return r }
        func g(_ e: Expr) -> Expr { e.rewrite(f) }
        switch self {
        case .literal, .param, .variable: return self
        case .property(let b, let k): return .property(g(b), k)
        case .index(let a, let b): return .index(g(a), g(b))
        case .slice(let a, let b, let c): return .slice(g(a), b.map(g), c.map(g))
        case .hasLabels(let b, let l): return .hasLabels(g(b), l)
        case .list(let l): return .list(l.map(g))
        case .map(let m): return .map(m.map { MapEntry(key: $0.key, value: g($0.value)) })
        case .not(let x): return .not(g(x))
        case .negate(let x): return .negate(g(x))
        case .binary(let op, let a, let b): return .binary(op, g(a), g(b))
        case .comparison(let a, let steps): return .comparison(g(a), steps.map { ComparisonStep(op: $0.op, rhs: g($0.rhs)) })
        case .isNull(let x, let n): return .isNull(g(x), negated: n)
        case .function(let n, let d, let args): return .function(n, distinct: d, args: args.map(g))
        case .aggregate(var a): a.args = a.args.map(g); return .aggregate(a)
        case .caseExpr(let s, let w, let o):
            return .caseExpr(subject: s.map(g), whens: w.map { CaseWhen(when: g($0.when), then: g($0.then)) }, otherwise: o.map(g))
        case .listComprehension(let v, let l, let fl, let m): return .listComprehension(variable: v, list: g(l), filter: fl.map(g), map: m.map(g))
        case .quantifier(let q, let v, let l, let p): return .quantifier(q, variable: v, list: g(l), predicate: p.map(g))
        case .reduce(let a, let i, let v, let l, let b): return .reduce(accumulator: a, initial: g(i), variable: v, list: g(l), body: g(b))
        case .patternComprehension(let pv, let p, let fl, let m): return .patternComprehension(pathVariable: pv, pattern: p, filter: fl.map(g), map: g(m))
        case .patternPredicate, .exists, .subquery: return self
        case .mapProjection(let b, let items):
            return .mapProjection(g(b), items.map { if case .literal(let k, let e) = $0 { return .literal(k, g(e)) } else { return $0 } })
        }
    }

    /// True when an aggregate call occurs in this expression (outside nested scopes' own aggregates).
    var containsAggregate: Bool {
        if case .aggregate = self { return true }
        return children.contains { $0.containsAggregate }
    }

    /// Aggregate calls, outermost only.
    var aggregates: [AggregateCall] {
        if case .aggregate(let a) = self { return [a] }
        return children.flatMap(\.aggregates)
    }
}

extension PatternPart {
    var propertyExprs: [Expr] {
        nodes.compactMap(\.properties) + rels.compactMap(\.properties)
    }
    /// Variables named in the pattern (path, nodes, relationships).
    var variables: [String] {
        var out: [String] = []
        if let p = pathVariable { out.append(p) }
        for (i, n) in nodes.enumerated() {
            if let v = n.variable { out.append(v) }
            if i < rels.count, let v = rels[i].variable { out.append(v) }
        }
        return out
    }
}
