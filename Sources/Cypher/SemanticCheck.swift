/// Compile-time checks: scoping, variable kinds, aggregation placement, argument types — raised with the
/// TCK's error names before anything runs.
struct SemanticCheck {
    let st: Statement

    init(_ st: Statement) { self.st = st }

    /// What is statically known about a variable or expression.
    enum Kind: Equatable {
        case node, relationship, relationshipList, path
        case int, float, string, bool, list, map, null
        case any

        var isEntity: Bool { self == .node || self == .relationship || self == .path || self == .relationshipList }
    }

    typealias Scope = [String: Kind]

    private func fail(_ detail: String, _ message: String) -> CypherError { .syntax(detail, message) }

    func run() throws(CypherError) {
        if st.unionAll.count > 1 && Set(st.unionAll).count > 1 {
            throw fail("InvalidClauseComposition", "cannot mix UNION and UNION ALL")
        }
        var columns: [[String]] = []
        for (k, part) in st.parts.enumerated() {
            do {
                columns.append(try checkQuery(part, positions: st.clausePositions[k]))
            } catch {
                throw error
            }
        }
        if columns.count > 1 {
            for c in columns.dropFirst() where c != columns[0] {
                throw fail("DifferentColumnsInUnion", "all parts of a UNION must return the same column names")
            }
        }
    }

    private func checkQuery(_ clauses: [Clause], initial: Scope = [:], subquery: Bool = false, positions: [SourcePos] = []) throws(CypherError) -> [String] {
        var scope: Scope = initial
        var columns: [String] = []
        for (i, clause) in clauses.enumerated() {
            do {
                try checkClause(i, clause, clauses, &scope, &columns, subquery: subquery)
            } catch {
                // Semantic errors point at the clause they were found in.
                var e = error
                if e.line == nil, i < positions.count { e.line = positions[i].line; e.column = positions[i].column }
                throw e
            }
        }
        return columns
    }

    private func checkClause(_ i: Int, _ clause: Clause, _ clauses: [Clause], _ scope: inout Scope, _ columns: inout [String],
                             subquery: Bool) throws(CypherError) {
        do {
            let isLast = i == clauses.count - 1
            switch clause {
            case .ret where !isLast:
                throw fail("UnexpectedSyntax", "RETURN must be the last clause")
            default: break
            }
            if subquery && clause.isUpdating {
                throw fail("InvalidClauseComposition", "EXISTS subqueries cannot update the graph")
            }
            if isLast && !subquery {
                switch clause {
                case .match, .unwind, .with:
                    throw fail("UnexpectedSyntax", "a query cannot end with \(clauseName(clause)); add RETURN")
                default: break
                }
            }
            switch clause {
            case .match(_, let patterns, let filter):
                var relsInClause = Set<String>()
                for p in patterns {
                    try checkPattern(p, &scope, context: .match, relsInClause: &relsInClause)
                }
                if let filter {
                    if case .variable(let v) = filter, let k = scope[v], k.isEntity {
                        throw fail("InvalidArgumentType", "WHERE needs a boolean, \(v) is a \(k)")
                    }
                    try check(filter, scope, allowAggregates: false, patternOK: true)
                }
            case .unwind(let e, let v):
                try check(e, scope, allowAggregates: false)
                if scope[v] != nil { throw fail("VariableAlreadyBound", "variable \(v) is already defined") }
                scope[v] = elementKind(e, scope)
            case .with(let proj):
                scope = try checkProjection(proj, scope, isReturn: false)
            case .ret(let proj):
                let out = try checkProjection(proj, scope, isReturn: true)
                columns = proj.star ? out.keys.sorted() : []
                if !proj.star { columns = proj.items.map(\.name) } else {
                    columns = scope.keys.filter { !proj.items.map(\.name).contains($0) }.sorted() + proj.items.map(\.name)
                }
                scope = out
            case .create(let parts):
                var relsInClause = Set<String>()
                var createdHere = Set<String>()
                for p in parts {
                    try checkCreatePattern(p, &scope, &createdHere, merge: false)
                    for r in p.rels { if let v = r.variable { relsInClause.insert(v) } }
                }
            case .merge(let p, let onCreate, let onMatch):
                var createdHere = Set<String>()
                try checkCreatePattern(p, &scope, &createdHere, merge: true)
                try checkSetItems(onCreate + onMatch, scope)
            case .set(let items):
                try checkSetItems(items, scope)
            case .remove(let items):
                for item in items {
                    switch item {
                    case .property(let t, _): try check(t, scope, allowAggregates: false)
                    case .labels(let v, _): if scope[v] == nil { throw fail("UndefinedVariable", "variable \(v) is not defined") }
                    }
                }
            case .delete(let exprs, _):
                for e in exprs {
                    if case .hasLabels = e { throw fail("InvalidDelete", "DELETE removes nodes, relationships or paths; use REMOVE for labels") }
                    try check(e, scope, allowAggregates: false)
                    let k = kind(e, scope)
                    if ![.node, .relationship, .path, .relationshipList, .any, .null, .list].contains(k) {
                        throw fail("InvalidArgumentType", "DELETE needs a node, relationship or path")
                    }
                }
            case .call(_, let args, let yields):
                for a in args ?? [] {
                    if a.containsAggregate { throw fail("InvalidAggregation", "aggregation is not allowed in procedure arguments") }
                    try check(a, scope, allowAggregates: false)
                }
                let standalone = clauses.count == 1
                if let yields {
                    if yields.isEmpty && !standalone { throw fail("UnexpectedSyntax", "YIELD * is only allowed in a standalone CALL") }
                    var seen = Set<String>()
                    for y in yields {
                        if scope[y.variable] != nil || !seen.insert(y.variable).inserted {
                            throw fail("VariableAlreadyBound", "variable \(y.variable) is already defined")
                        }
                        scope[y.variable] = .any
                    }
                }
            }
        }
    }

    private func clauseName(_ c: Clause) -> String {
        switch c {
        case .match: return "MATCH"
        case .unwind: return "UNWIND"
        case .with: return "WITH"
        default: return "this clause"
        }
    }

    private func checkSetItems(_ items: [SetItem], _ scope: Scope) throws(CypherError) {
        for item in items {
            switch item {
            case .property(let t, _, let v):
                try check(t, scope, allowAggregates: false)
                try check(v, scope, allowAggregates: false)
            case .replace(let name, let v), .merge(let name, let v):
                if scope[name] == nil { throw fail("UndefinedVariable", "variable \(name) is not defined") }
                try check(v, scope, allowAggregates: false)
            case .labels(let name, _):
                if scope[name] == nil { throw fail("UndefinedVariable", "variable \(name) is not defined") }
            }
        }
    }

    enum PatternContext { case match, expression }

    private func checkPattern(_ p: PatternPart, _ scope: inout Scope, context: PatternContext, relsInClause: inout Set<String>) throws(CypherError) {
        var local = Set<String>()
        if let pv = p.pathVariable {
            if scope[pv] != nil { throw fail("VariableAlreadyBound", "variable \(pv) is already defined") }
        }
        for (i, n) in p.nodes.enumerated() {
            if case .param? = n.properties { throw fail("InvalidParameterUse", "a parameter cannot be used as a property map in MATCH") }
            if let props = n.properties { try check(props, scope, allowAggregates: false) }
            if let v = n.variable {
                if v == p.pathVariable { throw fail("VariableAlreadyBound", "variable \(v) is already the path") }
                if let k = scope[v], k != .node && k != .any && k != .null {
                    throw fail("VariableTypeConflict", "variable \(v) is a \(k), not a node")
                }
                scope[v] = .node
                local.insert(v)
            }
            if i < p.rels.count {
                let r = p.rels[i]
                if case .param? = r.properties { throw fail("InvalidParameterUse", "a parameter cannot be used as a property map in MATCH") }
                if let props = r.properties { try check(props, scope, allowAggregates: false) }
                if let v = r.variable {
                    if v == p.pathVariable { throw fail("VariableAlreadyBound", "variable \(v) is already the path") }
                    if relsInClause.contains(v) {
                        throw fail("RelationshipUniquenessViolation", "relationship \(v) is used twice in one pattern")
                    }
                    let want: Kind = r.range == nil ? .relationship : .relationshipList
                    if let k = scope[v] {
                        if k != want && k != .any && k != .null && !(k == .list && want == .relationshipList) {
                            throw fail("VariableTypeConflict", "variable \(v) is a \(k), not a relationship")
                        }
                    }
                    scope[v] = want
                    relsInClause.insert(v)
                }
            }
        }
        if let pv = p.pathVariable { scope[pv] = .path }
    }

    private func checkCreatePattern(_ p: PatternPart, _ scope: inout Scope, _ createdHere: inout Set<String>, merge: Bool) throws(CypherError) {
        if let pv = p.pathVariable, scope[pv] != nil { throw fail("VariableAlreadyBound", "variable \(pv) is already defined") }
        for (i, n) in p.nodes.enumerated() {
            if merge, case .param? = n.properties { throw fail("InvalidParameterUse", "a parameter cannot be used as a property map in MERGE") }
            if let props = n.properties { try check(props, scope, allowAggregates: false) }
            if let v = n.variable {
                if let k = scope[v] {
                    if k != .node && k != .any { throw fail("VariableTypeConflict", "variable \(v) is a \(k), not a node") }
                    if !n.labels.isEmpty || n.properties != nil || (p.nodes.count == 1) {
                        throw fail("VariableAlreadyBound", "variable \(v) is already defined")
                    }
                } else {
                    scope[v] = .node
                    createdHere.insert(v)
                }
            }
            if i < p.rels.count {
                let r = p.rels[i]
                if let v = r.variable, scope[v] != nil { throw fail("VariableAlreadyBound", "variable \(v) is already defined") }
                if r.range != nil { throw fail("CreatingVarLength", "cannot create a variable-length relationship") }
                if r.types.count != 1 { throw fail("NoSingleRelationshipType", "a created relationship needs exactly one type") }
                if !merge && r.direction == .both { throw fail("RequiresDirectedRelationship", "a created relationship needs a direction") }
                if merge, case .param? = r.properties { throw fail("InvalidParameterUse", "a parameter cannot be used as a property map in MERGE") }
                if let props = r.properties { try check(props, scope, allowAggregates: false) }
                if let v = r.variable {
                    if scope[v] != nil { throw fail("VariableAlreadyBound", "variable \(v) is already defined") }
                    scope[v] = .relationship
                }
            }
        }
        if let pv = p.pathVariable { scope[pv] = .path }
    }

    private func checkProjection(_ proj: Projection, _ scope: Scope, isReturn: Bool) throws(CypherError) -> Scope {
        if isReturn && proj.star && scope.isEmpty && proj.items.isEmpty {
            throw fail("NoVariablesInScope", "RETURN * needs variables in scope")
        }
        var names = Set<String>()
        var out: Scope = [:]
        if proj.star { for (k, v) in scope { out[k] = v; names.insert(k) } }
        let aggregating = proj.items.contains { $0.expr.containsAggregate }
        let groupingVars = Set(proj.items.compactMap { item -> String? in
            if case .variable(let v) = item.expr { return v } else { return nil }
        })
        for item in proj.items {
            if !names.insert(item.name).inserted && !(proj.star && scope[item.name] != nil) {
                throw fail("ColumnNameConflict", "column \(item.name) is defined twice")
            }
            try check(item.expr, scope, allowAggregates: true)
            if item.expr.containsAggregate {
                try checkAggregateItem(item.expr, groupingVars, scope,
                                       groupingExprs: proj.items.filter { !$0.expr.containsAggregate }.map(\.expr))
            }
            out[item.name] = kind(item.expr, scope)
        }
        // ORDER BY sees the projected names; without aggregation or DISTINCT also the incoming ones.
        var orderScope = out
        if !aggregating && !proj.distinct { for (k, v) in scope where orderScope[k] == nil { orderScope[k] = v } }
        for s in proj.orderBy {
            let rewritten = s.expr.rewrite { e in
                if case .variable = e { return nil }
                if let item = proj.items.first(where: { $0.expr == e }) { return .variable(item.name) }
                return nil
            }
            if s.expr.containsAggregate && !aggregating {
                throw fail("InvalidAggregation", "aggregation in ORDER BY needs an aggregating projection")
            }
            try check(rewritten, orderScope, allowAggregates: aggregating)
            if s.expr.containsAggregate {
                try checkAggregateItem(s.expr, groupingVars, scope,
                                       groupingExprs: proj.items.filter { !$0.expr.containsAggregate }.map(\.expr))
            }
        }
        for item in proj.items where !isReturn && !item.aliased {
            if case .variable = item.expr {} else { throw fail("NoExpressionAlias", "expression in WITH must be aliased (use AS)") }
        }
        for e in [proj.skip, proj.limit].compactMap({ $0 }) {
            if !freeVariables(e).isEmpty || e.containsAggregate {
                throw fail("NonConstantExpression", "SKIP and LIMIT must be constant")
            }
            try check(e, [:], allowAggregates: false)
            switch e {
            case .literal(.int(let i)) where i < 0: throw fail("NegativeIntegerArgument", "SKIP and LIMIT must not be negative")
            case .literal(.float): throw fail("InvalidArgumentType", "SKIP and LIMIT must be integers")
            default: break
            }
        }
        if let filter = proj.filter {
            var whereScope = out
            if !aggregating { for (k, v) in scope where whereScope[k] == nil { whereScope[k] = v } }
            try check(filter, whereScope, allowAggregates: false, patternOK: true)
        }
        return out
    }

    /// In an aggregating item, variables outside aggregate calls must be grouping keys (a projected
    /// variable, or a variable/property access that is itself projected).
    private func checkAggregateItem(_ e: Expr, _ grouping: Set<String>, _ scope: Scope, groupingExprs: [Expr] = []) throws(CypherError) {
        func walk(_ e: Expr, _ locals: Set<String>) throws(CypherError) {
            switch e {
            case .aggregate(let a):
                for arg in a.args where arg.containsAggregate { throw fail("NestedAggregation", "aggregations cannot be nested") }
                for arg in a.args where arg.containsNonDeterministic {
                    throw fail("NonConstantExpression", "aggregating a non-deterministic expression")
                }
                return
            case .variable(let v):
                if !locals.contains(v) && !grouping.contains(v) && scope[v] != nil {
                    throw fail("AmbiguousAggregationExpression", "\(v) is neither aggregated nor a grouping key")
                }
            case .property:
                if groupingExprs.contains(e) { return }
                for c in e.children { try walk(c, locals) }
            case .listComprehension(let v, let l, let f, let m):
                try walk(l, locals)
                for x in [f, m].compactMap({ $0 }) { try walk(x, locals.union([v])) }
            case .quantifier(_, let v, let l, let p):
                try walk(l, locals)
                if let p { try walk(p, locals.union([v])) }
            case .reduce(let acc, let i, let v, let l, let b):
                try walk(i, locals); try walk(l, locals)
                try walk(b, locals.union([acc, v]))
            default:
                for c in e.children { try walk(c, locals) }
            }
        }
        try walk(e, [])
    }

    /// Variables an expression reads from its surrounding scope.
    func freeVariables(_ e: Expr) -> Set<String> {
        switch e {
        case .variable(let v): return [v]
        case .listComprehension(let v, let l, let f, let m):
            var inner = Set<String>()
            for x in [f, m].compactMap({ $0 }) { inner.formUnion(freeVariables(x)) }
            inner.remove(v)
            return freeVariables(l).union(inner)
        case .quantifier(_, let v, let l, let p):
            var inner = p.map(freeVariables) ?? []
            inner.remove(v)
            return freeVariables(l).union(inner)
        case .reduce(let acc, let i, let v, let l, let b):
            var inner = freeVariables(b)
            inner.remove(acc); inner.remove(v)
            return freeVariables(i).union(freeVariables(l)).union(inner)
        case .patternPredicate(let p):
            return Set(p.variables).union(p.propertyExprs.flatMap(freeVariables))
        default:
            var out = Set<String>()
            for c in e.children { out.formUnion(freeVariables(c)) }
            return out
        }
    }

    /// Checks an expression in `scope`.
    private func check(_ e: Expr, _ scope: Scope, allowAggregates: Bool, patternOK: Bool = false) throws(CypherError) {
        switch e {
        case .variable(let v):
            if scope[v] == nil { throw fail("UndefinedVariable", "variable \(v) is not defined") }
        case .aggregate(let a):
            if !allowAggregates { throw fail("InvalidAggregation", "aggregation \(a.name)() is not allowed here") }
            for arg in a.args {
                if arg.containsAggregate { throw fail("NestedAggregation", "aggregations cannot be nested") }
                try check(arg, scope, allowAggregates: false)
            }
            if a.name == "count" && a.args.count > 1 { throw fail("InvalidNumberOfArguments", "count() takes one argument") }
        case .function(let name, _, let args):
            guard Functions.isKnown(name) else { throw fail("UnknownFunction", "unknown function \(name)()") }
            if let (lo, hi) = Functions.arity[name], args.count < lo || args.count > hi {
                throw fail("InvalidNumberOfArguments", "\(name)() takes \(lo == hi ? "\(lo)" : "\(lo)…\(hi)") argument(s)")
            }
            for a in args { try check(a, scope, allowAggregates: allowAggregates, patternOK: name == "exists") }
            if let first = args.first {
                let k = kind(first, scope)
                let bad: Bool
                switch name {
                case "length": bad = [.node, .relationship, .int, .float, .bool, .map].contains(k)
                case "type": bad = [.node, .path, .int, .float, .string, .bool, .list, .map].contains(k)
                case "labels": bad = [.path, .relationship, .int, .float, .string, .bool, .list, .map].contains(k)
                case "size": bad = [.path, .node, .relationship, .int, .float, .bool].contains(k)
                case "properties": bad = [.int, .float, .string, .bool, .list, .path].contains(k)
                case "nodes", "relationships": bad = [.node, .relationship, .int, .float, .string, .bool, .list, .map].contains(k)
                default: bad = false
                }
                if bad { throw fail("InvalidArgumentType", "\(name)() cannot take a \(k)") }
            }
        case .binary(let op, let l, let r):
            try check(l, scope, allowAggregates: allowAggregates, patternOK: [.and, .or, .xor].contains(op) && patternOK)
            try check(r, scope, allowAggregates: allowAggregates, patternOK: [.and, .or, .xor].contains(op) && patternOK)
            let kl = kind(l, scope), kr = kind(r, scope)
            switch op {
            case .and, .or, .xor:
                for k in [kl, kr] where ![.bool, .null, .any].contains(k) {
                    throw fail("InvalidArgumentType", "\(op.rawValue) needs boolean operands, got \(k)")
                }
            case .inList:
                if ![.list, .null, .any].contains(kr) && kr != .relationshipList { throw fail("InvalidArgumentType", "IN needs a list") }
            case .subtract, .multiply, .divide, .modulo, .power:
                for k in [kl, kr] where [.string, .bool, .list, .map, .node, .relationship, .path].contains(k) {
                    throw fail("InvalidArgumentType", "\(op.rawValue) cannot take a \(k)")
                }
            case .add:
                if kl != .list && kr != .list {
                    for k in [kl, kr] where [.bool, .map, .node, .relationship, .path].contains(k) {
                        throw fail("InvalidArgumentType", "+ cannot take a \(k)")
                    }
                }
            default: break
            }
        case .not(let x):
            try check(x, scope, allowAggregates: allowAggregates, patternOK: patternOK)
            let k = kind(x, scope)
            if ![.bool, .null, .any].contains(k) { throw fail("InvalidArgumentType", "NOT needs a boolean, got \(k)") }
        case .property(let b, _):
            try check(b, scope, allowAggregates: allowAggregates)
            let k = kind(b, scope)
            if k == .path || k == .relationshipList { throw fail("InvalidArgumentType", "cannot read a property of a \(k)") }
            if [.int, .float, .string, .bool, .list].contains(k) {
                throw CypherError("TypeError", "InvalidArgumentType", "cannot read a property of a \(k)", compileTime: true)
            }
        case .listComprehension(let v, let l, let f, let m):
            try check(l, scope, allowAggregates: allowAggregates)
            var inner = scope
            inner[v] = elementKind(l, scope)
            if let f { try check(f, inner, allowAggregates: false, patternOK: true) }
            if let m { try check(m, inner, allowAggregates: false) }
        case .quantifier(_, let v, let l, let p):
            try check(l, scope, allowAggregates: allowAggregates)
            let kl = kind(l, scope)
            if ![.list, .null, .any, .relationshipList].contains(kl) { throw fail("InvalidArgumentType", "quantifier needs a list") }
            var inner = scope
            inner[v] = elementKind(l, scope)
            if let p { try check(p, inner, allowAggregates: false, patternOK: true) }
        case .reduce(let acc, let i, let v, let l, let b):
            try check(i, scope, allowAggregates: allowAggregates)
            try check(l, scope, allowAggregates: allowAggregates)
            var inner = scope
            inner[acc] = .any
            inner[v] = elementKind(l, scope)
            try check(b, inner, allowAggregates: false)
        case .patternPredicate(let p):
            if !patternOK { throw fail("UnexpectedSyntax", "a pattern can only be used as a predicate here") }
            for v in p.variables where scope[v] == nil {
                throw fail("UndefinedVariable", "variable \(v) in a pattern predicate is not defined")
            }
            for x in p.propertyExprs { try check(x, scope, allowAggregates: false) }
        case .patternComprehension(let pv, let p, let f, let m):
            var inner = scope
            var rels = Set<String>()
            var part = p
            part.pathVariable = pv
            try checkPattern(part, &inner, context: .expression, relsInClause: &rels)
            if let f { try check(f, inner, allowAggregates: false, patternOK: true) }
            try check(m, inner, allowAggregates: false)
        case .subquery(let clauses):
            _ = try checkQuery(clauses, initial: scope, subquery: true)
        case .exists(let patterns, let f):
            var inner = scope
            var rels = Set<String>()
            for p in patterns { try checkPattern(p, &inner, context: .expression, relsInClause: &rels) }
            if let f { try check(f, inner, allowAggregates: false, patternOK: true) }
        case .caseExpr(let s, let whens, let o):
            if let s { try check(s, scope, allowAggregates: allowAggregates) }
            for w in whens {
                try check(w.when, scope, allowAggregates: allowAggregates, patternOK: true)
                try check(w.then, scope, allowAggregates: allowAggregates)
            }
            if let o { try check(o, scope, allowAggregates: allowAggregates) }
        case .mapProjection(let b, let items):
            try check(b, scope, allowAggregates: allowAggregates)
            for item in items {
                switch item {
                case .literal(_, let x): try check(x, scope, allowAggregates: allowAggregates)
                case .variable(let v): if scope[v] == nil { throw fail("UndefinedVariable", "variable \(v) is not defined") }
                default: break
                }
            }
        default:
            for c in e.children { try check(c, scope, allowAggregates: allowAggregates) }
        }
    }

    /// The static kind of an expression, `.any` when unknown.
    func kind(_ e: Expr, _ scope: Scope) -> Kind {
        switch e {
        case .literal(let v):
            switch v {
            case .null: return .null
            case .bool: return .bool
            case .int: return .int
            case .float: return .float
            case .string: return .string
            case .list: return .list
            case .map: return .map
            default: return .any
            }
        case .variable(let v): return scope[v] ?? .any
        case .list, .listComprehension, .patternComprehension: return .list
        case .map, .mapProjection: return .map
        case .not, .comparison, .isNull, .quantifier, .patternPredicate, .exists, .hasLabels: return .bool
        case .binary(let op, let l, let r):
            switch op {
            case .and, .or, .xor, .inList, .startsWith, .endsWith, .contains, .regex: return .bool
            case .add:
                let a = kind(l, scope), b = kind(r, scope)
                if a == .int && b == .int { return .int }
                if a == .string && b == .string { return .string }
                if a == .list || b == .list { return .list }
                return .any
            default:
                let a = kind(l, scope), b = kind(r, scope)
                if a == .int && b == .int && op != .power { return .int }
                return .any
            }
        case .function(let name, _, _):
            switch name {
            case "tostring", "type", "left", "right", "substring", "tolower", "toupper", "trim", "ltrim", "rtrim", "replace": return .string
            case "nodes", "relationships", "labels", "keys", "range", "tail", "split": return .list
            case "properties": return .map
            case "startnode", "endnode": return .node
            default: return .any
            }
        default: return .any
        }
    }

    /// Kind of the elements of a list expression, when all literal elements agree.
    func elementKind(_ e: Expr, _ scope: Scope) -> Kind {
        if case .variable(let v) = e, scope[v] == .relationshipList { return .relationship }
        guard case .list(let items) = e, !items.isEmpty else {
            if case .literal(.list(let vals)) = e, !vals.isEmpty {
                let kinds = Set(vals.map { kind(.literal($0), scope) })
                return kinds.count == 1 ? kinds.first! : .any
            }
            return .any
        }
        let kinds = items.map { kind($0, scope) }
        let first = kinds[0]
        return kinds.allSatisfy { $0 == first } && first != .null ? first : .any
    }
}

extension Expr {
    /// True when the expression calls rand() or another non-deterministic function.
    var containsNonDeterministic: Bool {
        if case .function(let n, _, _) = self, n == "rand" || n == "randomuuid" { return true }
        return children.contains { $0.containsNonDeterministic }
    }
}
