import Foundation

typealias Row = [String: Value]

/// Evaluates expressions against a row of bindings.
final class Evaluator {
    let graph: any CypherGraph
    let parameters: [String: Value]
    let deadline: ContinuousClock.Instant?
    var ticks = 0
    /// Entities deleted earlier in this statement: reading them is an error.
    var deletedNodes = Set<Int64>()
    var deletedRelationships = Set<Int64>()

    func checkNotDeleted(_ v: Value) throws {
        var deleted = false
        if case .node(let n) = v { deleted = deletedNodes.contains(n.id) }
        if case .relationship(let r) = v { deleted = deletedRelationships.contains(r.id) }
        if deleted { throw CypherError("EntityNotFound", "DeletedEntityAccess", "the entity was deleted earlier in this statement") }
    }
    /// Bumps per pattern-expression evaluation; used by nested pattern matching.
    weak var matcher: PatternMatcher?
    weak var executor: Executor?

    init(graph: any CypherGraph, parameters: [String: Value], deadline: ContinuousClock.Instant?) {
        self.graph = graph
        self.parameters = parameters
        self.deadline = deadline
    }

    /// Called from every loop of the executor: enforces the timeout and task cancellation.
    func checkCancelled() throws {
        ticks &+= 1
        if ticks & 1023 == 0 {
            if Task.isCancelled { throw CypherError("TransientError", "Cancelled", "query cancelled") }
            if let deadline, ContinuousClock.now > deadline {
                throw CypherError("TransientError", "Timeout", "query exceeded its time limit")
            }
        }
    }

    static func aggregateKey(_ id: Int) -> String { "\u{0}agg\(id)" }

    static let maxValueDepth = 512

    /// Nesting depth of lists/maps, stopping early once past `limit`.
    static func nestingDepth(_ v: Value, limit: Int) -> Int {
        var deepest = 0
        var stack: [(Value, Int)] = [(v, 0)]
        while let (x, d) = stack.popLast() {
            deepest = Swift.max(deepest, d)
            if deepest > limit { return deepest }
            switch x {
            case .list(let l): for e in l { if case .list = e { stack.append((e, d + 1)) } else if case .map = e { stack.append((e, d + 1)) } }
            case .map(let m): for e in m.values { if case .list = e { stack.append((e, d + 1)) } else if case .map = e { stack.append((e, d + 1)) } }
            default: break
            }
        }
        return deepest
    }

    func eval(_ e: Expr, _ row: Row) throws -> Value {
        switch e {
        case .literal(let v): return v
        case .param(let name):
            guard let v = parameters[name] else { throw CypherError("ParameterMissing", "MissingParameter", "missing parameter $\(name)") }
            return v
        case .variable(let name):
            return row[name] ?? .null
        case .property(let base, let key):
            return try property(try eval(base, row), key)
        case .index(let base, let idx):
            return try index(try eval(base, row), try eval(idx, row))
        case .slice(let base, let lo, let hi):
            let b = try eval(base, row)
            let l = try lo.map { try eval($0, row) }
            let h = try hi.map { try eval($0, row) }
            return try slice(b, l, h)
        case .hasLabels(let base, let labels):
            let b = try eval(base, row)
            switch b {
            case .null: return .null
            case .node(let n):
                let have = try graph.labels(of: n.id)
                return .bool(labels.allSatisfy { have.contains($0) })
            case .relationship(let r):
                return .bool(labels.allSatisfy { $0 == r.type })
            default: throw CypherError.type("InvalidArgumentType", "label test needs a node, got \(b.typeName)")
            }
        case .list(let items):
            return .list(try items.map { try eval($0, row) })
        case .map(let entries):
            var m: [String: Value] = [:]
            for entry in entries { m[entry.key] = try eval(entry.value, row) }
            return .map(m)
        case .not(let x):
            switch try eval(x, row) {
            case .null: return .null
            case .bool(let b): return .bool(!b)
            case let v: throw CypherError.type("InvalidArgumentType", "NOT needs a boolean, got \(v.typeName)")
            }
        case .negate(let x):
            switch try eval(x, row) {
            case .null: return .null
            case .int(let i):
                if i == Int64.min { throw CypherError("ArithmeticError", "IntegerOverflow", "integer overflow") }
                return .int(-i)
            case .float(let f): return .float(-f)
            case .temporal(.duration(let mo, let d, let s, let n)): return .temporal(TemporalOps.makeDuration(months: -mo, days: -d, seconds: -s, nanos: -Int64(n)))
            case let v: throw CypherError.type("InvalidArgumentType", "cannot negate \(v.typeName)")
            }
        case .binary(let op, let l, let r):
            return try binary(op, l, r, row)
        case .comparison(let first, let steps):
            var result: Value = .bool(true)
            var lhs = try eval(first, row)
            for step in steps {
                let rhs = try eval(step.rhs, row)
                let v = comparison(step.op, lhs, rhs)
                result = and(result, v)
                lhs = rhs
            }
            return result
        case .isNull(let x, let negated):
            let v = try eval(x, row)
            return .bool(v.isNull != negated)
        case .function(let name, let distinct, let args):
            return try Functions.call(name, distinct: distinct, args: args, row: row, evaluator: self)
        case .aggregate(let a):
            if let v = row[Evaluator.aggregateKey(a.id)] { return v }
            throw CypherError.syntax("InvalidAggregation", "aggregation is not allowed here")
        case .caseExpr(let subject, let whens, let otherwise):
            if let subject {
                let s = try eval(subject, row)
                for w in whens where ValueOps.equals(s, try eval(w.when, row)) == true { return try eval(w.then, row) }
            } else {
                for w in whens where try eval(w.when, row) == .bool(true) { return try eval(w.then, row) }
            }
            return try otherwise.map { try eval($0, row) } ?? .null
        case .listComprehension(let v, let listExpr, let filter, let map):
            let l = try eval(listExpr, row)
            guard case .list(let items) = l else {
                if l.isNull { return .null }
                throw CypherError.type("InvalidArgumentType", "list comprehension needs a list, got \(l.typeName)")
            }
            var inner = row
            var out: [Value] = []
            for item in items {
                try checkCancelled()
                inner[v] = item
                if let filter, try eval(filter, inner) != .bool(true) { continue }
                out.append(try map.map { try eval($0, inner) } ?? item)
            }
            return .list(out)
        case .quantifier(let q, let v, let listExpr, let pred):
            let l = try eval(listExpr, row)
            guard case .list(let items) = l else {
                if l.isNull { return .null }
                throw CypherError.type("InvalidArgumentType", "quantifier needs a list, got \(l.typeName)")
            }
            var inner = row
            var trues = 0, nulls = 0
            for item in items {
                try checkCancelled()
                inner[v] = item
                let r = try pred.map { try eval($0, inner) } ?? item
                switch r {
                case .bool(true): trues += 1
                case .bool(false): break
                case .null: nulls += 1
                default: throw CypherError.type("InvalidArgumentType", "quantifier predicate must be boolean")
                }
            }
            let falses = items.count - trues - nulls
            switch q {
            case .all: return falses > 0 ? .bool(false) : (nulls > 0 ? .null : .bool(true))
            case .any: return trues > 0 ? .bool(true) : (nulls > 0 ? .null : .bool(false))
            case .none: return trues > 0 ? .bool(false) : (nulls > 0 ? .null : .bool(true))
            case .single:
                if trues > 1 { return .bool(false) }
                if nulls > 0 { return .null }
                return .bool(trues == 1)
            }
        case .reduce(let acc, let initial, let v, let listExpr, let body):
            let l = try eval(listExpr, row)
            guard case .list(let items) = l else {
                if l.isNull { return .null }
                throw CypherError.type("InvalidArgumentType", "reduce needs a list, got \(l.typeName)")
            }
            var inner = row
            inner[acc] = try eval(initial, row)
            for (k, item) in items.enumerated() {
                try checkCancelled()
                inner[v] = item
                inner[acc] = try eval(body, inner)
                // reduce() is the one way to build values of unbounded depth; keep them shallow enough
                // for the recursive comparisons and encoders.
                if k & 15 == 15, Evaluator.nestingDepth(inner[acc]!, limit: Evaluator.maxValueDepth) > Evaluator.maxValueDepth {
                    throw CypherError.argument("NumberOutOfRange", "values may nest at most \(Evaluator.maxValueDepth) levels")
                }
            }
            return inner[acc] ?? .null
        case .patternComprehension(let pathVar, let pattern, let filter, let map):
            guard let matcher else { return .null }
            var part = pattern
            part.pathVariable = pathVar
            var out: [Value] = []
            for m in try matcher.match([part], row) {
                if let filter, try eval(filter, m) != .bool(true) { continue }
                out.append(try eval(map, m))
            }
            return .list(out)
        case .patternPredicate(let pattern):
            guard let matcher else { return .null }
            return .bool(try !matcher.match([pattern], row, limit: 1).isEmpty)
        case .exists(let patterns, let filter):
            guard let matcher else { return .null }
            for m in try matcher.match(patterns, row) {
                if let filter { if try eval(filter, m) == .bool(true) { return .bool(true) } } else { return .bool(true) }
            }
            return .bool(false)
        case .subquery(let clauses):
            guard let executor else { return .null }
            return .bool(!(try executor.runSingle(clauses, initial: [row], scope: Array(row.keys), anyRows: true).1.isEmpty))
        case .mapProjection(let base, let items):
            let b = try eval(base, row)
            if b.isNull { return .null }
            var m: [String: Value] = [:]
            for item in items {
                switch item {
                case .property(let k): m[k] = try property(b, k)
                case .literal(let k, let x): m[k] = try eval(x, row)
                case .variable(let name): m[name] = row[name] ?? .null
                case .allProperties:
                    switch b {
                    case .node(let n): for (k, v) in try graph.nodeProperties(n.id) { m[k] = v }
                    case .relationship(let r): for (k, v) in try graph.relationshipProperties(r.id) { m[k] = v }
                    case .map(let mm): for (k, v) in mm { m[k] = v }
                    default: throw CypherError.type("InvalidArgumentType", "map projection needs a node, relationship or map")
                    }
                }
            }
            return .map(m)
        }
    }

    func property(_ b: Value, _ key: String) throws -> Value {
        switch b {
        case .null: return .null
        case .node(let n): try checkNotDeleted(b); return try graph.nodeProperty(n.id, key)
        case .relationship(let r): try checkNotDeleted(b); return try graph.relationshipProperty(r.id, key)
        case .map(let m): return m[key] ?? .null
        case .temporal(let t):
            guard let v = TemporalOps.component(t, key) else {
                throw CypherError.type("InvalidArgumentType", "\(t.typeName) has no component \(key)")
            }
            return v
        default: throw CypherError.type("InvalidArgumentType", "cannot read property \(key) of \(b.typeName)")
        }
    }

    func index(_ b: Value, _ i: Value) throws -> Value {
        switch (b, i) {
        case (.null, _), (_, .null): return .null
        case (.list(let l), .int(let k)):
            let n = Int64(l.count)
            let j = k < 0 ? n + k : k
            return j >= 0 && j < n ? l[Int(j)] : .null
        case (.list, _): throw CypherError.type("ListElementAccessByNonInteger", "list index must be an integer, got \(i.typeName)")
        case (.map(let m), .string(let k)): return m[k] ?? .null
        case (.node, .string(let k)), (.relationship, .string(let k)): return try property(b, k)
        case (.map, _), (.node, _), (.relationship, _):
            throw CypherError.type("MapElementAccessByNonString", "map key must be a string, got \(i.typeName)")
        default: throw CypherError.type("InvalidArgumentType", "cannot index into \(b.typeName)")
        }
    }

    func slice(_ b: Value, _ lo: Value?, _ hi: Value?) throws -> Value {
        if b.isNull || lo?.isNull == true || hi?.isNull == true { return .null }
        guard case .list(let l) = b else { throw CypherError.type("InvalidArgumentType", "cannot slice \(b.typeName)") }
        let n = Int64(l.count)
        func norm(_ v: Value?, _ def: Int64) throws -> Int64 {
            guard let v else { return def }
            guard case .int(let k) = v else { throw CypherError.type("InvalidArgumentType", "slice bounds must be integers") }
            let j = k < 0 ? n + k : k
            return Swift.max(0, Swift.min(n, j))
        }
        let a = try norm(lo, 0), z = try norm(hi, n)
        if a >= z { return .list([]) }
        return .list(Array(l[Int(a)..<Int(z)]))
    }

    func and(_ a: Value, _ b: Value) -> Value {
        if a == .bool(false) || b == .bool(false) { return .bool(false) }
        if a.isNull || b.isNull { return .null }
        return .bool(true)
    }

    func comparison(_ op: ComparisonOp, _ a: Value, _ b: Value) -> Value {
        switch op {
        case .eq: return ValueOps.equals(a, b).map { .bool($0) } ?? .null
        case .ne: return ValueOps.equals(a, b).map { .bool(!$0) } ?? .null
        default:
            if case .float(let x) = a, x.isNaN, b.numeric != nil { return .bool(false) }
            if case .float(let y) = b, y.isNaN, a.numeric != nil { return .bool(false) }
            guard let c = ValueOps.compare(a, b) else { return .null }
            switch op {
            case .lt: return .bool(c < 0)
            case .gt: return .bool(c > 0)
            case .le: return .bool(c <= 0)
            default: return .bool(c >= 0)
            }
        }
    }

    private func boolOperand(_ v: Value) throws -> Bool? {
        switch v {
        case .null: return nil
        case .bool(let b): return b
        default: throw CypherError.type("InvalidArgumentType", "boolean operator needs booleans, got \(v.typeName)")
        }
    }

    private func binary(_ op: BinaryOp, _ l: Expr, _ r: Expr, _ row: Row) throws -> Value {
        switch op {
        case .and:
            let a = try boolOperand(try eval(l, row))
            let b = try boolOperand(try eval(r, row))
            if a == false || b == false { return .bool(false) }
            if a == nil || b == nil { return .null }
            return .bool(true)
        case .or:
            let a = try boolOperand(try eval(l, row))
            let b = try boolOperand(try eval(r, row))
            if a == true || b == true { return .bool(true) }
            if a == nil || b == nil { return .null }
            return .bool(false)
        case .xor:
            let a = try boolOperand(try eval(l, row))
            let b = try boolOperand(try eval(r, row))
            guard let a, let b else { return .null }
            return .bool(a != b)
        default: break
        }
        let a = try eval(l, row), b = try eval(r, row)
        switch op {
        case .inList:
            if case .list(let items) = b {
                if a.isNull { return items.isEmpty ? .bool(false) : .null }
                var sawNull = false
                for x in items {
                    switch ValueOps.equals(a, x) {
                    case true?: return .bool(true)
                    case nil: sawNull = true
                    default: break
                    }
                }
                return sawNull ? .null : .bool(false)
            }
            if b.isNull { return .null }
            throw CypherError.type("InvalidArgumentType", "IN needs a list, got \(b.typeName)")
        case .startsWith, .endsWith, .contains:
            guard case .string(let x) = a, case .string(let y) = b else { return .null }
            switch op {
            case .startsWith: return .bool(x.unicodeScalars.starts(with: y.unicodeScalars))
            case .endsWith: return .bool(x.unicodeScalars.reversed().starts(with: y.unicodeScalars.reversed()))
            default: return .bool(y.isEmpty || x.contains(y))
            }
        case .regex:
            guard case .string(let x) = a, case .string(let pattern) = b else { return .null }
            guard let re = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$", options: [.dotMatchesLineSeparators]) else {
                throw CypherError.argument("InvalidArgumentValue", "invalid regular expression")
            }
            let range = NSRange(x.startIndex..<x.endIndex, in: x)
            return .bool(re.firstMatch(in: x, options: [], range: range) != nil)
        default:
            return try Arithmetic.apply(op, a, b)
        }
    }
}

/// Arithmetic on numbers, strings, lists and temporal values.
enum Arithmetic {
    static func overflow() -> CypherError { CypherError("ArithmeticError", "IntegerOverflow", "integer overflow") }

    static func apply(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        if a.isNull || b.isNull { return .null }
        switch (op, a, b) {
        case (.add, .list(let x), .list(let y)): return .list(x + y)
        case (.add, .list(let x), _): return .list(x + [b])
        case (.add, _, .list(let y)): return .list([a] + y)
        case (.add, .string(let x), .string(let y)): return .string(x + y)
        case (.add, .string(let x), .int), (.add, .string(let x), .float): return .string(x + Functions.string(b))
        case (.add, .int, .string(let y)), (.add, .float, .string(let y)): return .string(Functions.string(a) + y)
        case (_, .temporal(let x), _):
            if let v = try TemporalOps.arithmetic(op, x, b) { return v }
        case (_, _, .temporal(let y)):
            if let v = try TemporalOps.arithmeticRight(op, a, y) { return v }
        default: break
        }
        switch (a, b) {
        case (.int(let x), .int(let y)):
            switch op {
            case .add: let (r, o) = x.addingReportingOverflow(y); if o { throw overflow() }; return .int(r)
            case .subtract: let (r, o) = x.subtractingReportingOverflow(y); if o { throw overflow() }; return .int(r)
            case .multiply: let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw overflow() }; return .int(r)
            case .divide:
                if y == 0 { throw CypherError("ArithmeticError", "DivisionByZero", "division by zero") }
                let (r, o) = x.dividedReportingOverflow(by: y); if o { throw overflow() }; return .int(r)
            case .modulo:
                if y == 0 { throw CypherError("ArithmeticError", "DivisionByZero", "division by zero") }
                let (r, o) = x.remainderReportingOverflow(dividingBy: y); if o { throw overflow() }; return .int(r)
            case .power: return .float(Foundation.pow(Double(x), Double(y)))
            default: break
            }
        case (.int, .float), (.float, .int), (.float, .float):
            let x = a.numeric!, y = b.numeric!
            switch op {
            case .add: return .float(x + y)
            case .subtract: return .float(x - y)
            case .multiply: return .float(x * y)
            case .divide: return .float(x / y)
            case .modulo: return .float(fmod(x, y))
            case .power: return .float(Foundation.pow(x, y))
            default: break
            }
        default: break
        }
        throw CypherError.type("InvalidArgumentType", "cannot apply \(op.rawValue) to \(a.typeName) and \(b.typeName)")
    }
}
