/// Runs a checked statement clause by clause over materialised rows.
final class Executor {
    let ev: Evaluator
    let matcher: PatternMatcher
    var graph: any CypherGraph { ev.graph }
    var stats = QueryStats()
    let maxRows: Int
    var procedures: [String: Procedure] = [:]
    /// PROFILE: rows out of and time spent in each clause, in execution order.
    var profiling = false
    var profile: [ClauseProfile] = []

    struct ClauseProfile {
        var clause: String
        var rows: Int
        var time: Duration
    }

    init(ev: Evaluator, maxRows: Int) {
        self.ev = ev
        self.matcher = PatternMatcher(ev: ev)
        self.maxRows = maxRows
        ev.matcher = matcher
        ev.executor = self
    }

    func run(_ st: Statement) throws -> (columns: [String], rows: [Row]) {
        var columns: [String] = []
        var all: [Row] = []
        for (i, part) in st.parts.enumerated() {
            let (c, r) = try runSingle(part)
            if i == 0 { columns = c } else if c != columns {
                throw CypherError.syntax("DifferentColumnsInUnion", "all parts of a UNION must return the same columns")
            }
            all += r
        }
        if st.parts.count > 1 && st.unionAll.contains(false) {
            var seen = Set<[GroupKey]>()
            all = all.filter { row in seen.insert(columns.map { GroupKey(row[$0] ?? .null) }).inserted }
        }
        return (columns, all)
    }

    func runSingle(_ clauses: [Clause], initial: [Row] = [[:]], scope initialScope: [String] = [], anyRows: Bool = false) throws -> ([String], [Row]) {
        var rows: [Row] = initial
        var scope: [String] = initialScope
        var columns: [String] = []
        for clause in clauses {
            try ev.checkCancelled()
            let started = profiling ? ContinuousClock.now : nil
            defer {
                if let started { profile.append(ClauseProfile(clause: Planner.clauseName(clause), rows: rows.count, time: ContinuousClock.now - started)) }
            }
            switch clause {
            case .match(let optional, let patterns, let filter):
                var out: [Row] = []
                let newVars = patterns.flatMap(\.variables).filter { !scope.contains($0) }
                for row in rows {
                    try ev.checkCancelled()
                    var found = false
                    for m in try matcher.match(patterns, row) {
                        if let filter, try ev.eval(filter, m) != .bool(true) { continue }
                        out.append(m)
                        found = true
                        if out.count > maxRows { throw tooManyRows() }
                    }
                    if optional && !found {
                        var r = row
                        for v in newVars { r[v] = .null }
                        out.append(r)
                    }
                }
                rows = out
                for v in newVars where !scope.contains(v) { scope.append(v) }
            case .unwind(let e, let v):
                var out: [Row] = []
                for row in rows {
                    let l = try ev.eval(e, row)
                    switch l {
                    case .null: break
                    case .list(let items):
                        for item in items {
                            try ev.checkCancelled()
                            var r = row; r[v] = item; out.append(r)
                            if out.count > maxRows { throw tooManyRows() }
                        }
                    default:
                        var r = row; r[v] = l; out.append(r)
                    }
                }
                rows = out
                if !scope.contains(v) { scope.append(v) }
            case .with(let proj):
                (scope, rows) = try project(proj, scope, rows)
            case .ret(let proj):
                (columns, rows) = try project(proj, scope, rows)
                scope = columns
            case .create(let parts):
                var out: [Row] = []
                for row in rows {
                    var r = row
                    for part in parts { r = try create(part, r) }
                    out.append(r)
                }
                rows = out
                for v in parts.flatMap(\.variables) where !scope.contains(v) { scope.append(v) }
            case .merge(let part, let onCreate, let onMatch):
                var out: [Row] = []
                for row in rows {
                    let matches = try matcher.match([part], row)
                    if matches.isEmpty {
                        let r = try create(part, row, merging: true)
                        try applySet(onCreate, [r])
                        out.append(r)
                    } else {
                        try applySet(onMatch, matches)
                        out += matches
                    }
                }
                rows = out
                for v in part.variables where !scope.contains(v) { scope.append(v) }
            case .set(let items):
                try applySet(items, rows)
            case .remove(let items):
                for row in rows {
                    for item in items {
                        switch item {
                        case .property(let target, let key):
                            try setProperty(try ev.eval(target, row), key, .null)
                        case .labels(let v, let labels):
                            if case .node(let n) = row[v] ?? .null {
                                let have = try graph.labels(of: n.id)
                                let removing = labels.filter { have.contains($0) }
                                stats.labelsRemoved += removing.count
                                try graph.removeLabels(n.id, labels)
                            }
                        }
                    }
                }
            case .delete(let exprs, let detach):
                var nodes: [Int64] = []
                var rels = Set<Int64>()
                for row in rows {
                    for e in exprs {
                        try collectDeletes(try ev.eval(e, row), detach: detach, &nodes, &rels)
                    }
                }
                for r in rels.sorted() where try graph.relationship(r) != nil {
                    ev.deletedRelationships.insert(r)
                    try graph.deleteRelationship(r)
                    stats.relationshipsDeleted += 1
                }
                var seen = Set<Int64>()
                for n in nodes where seen.insert(n).inserted {
                    guard try graph.nodeExists(n) else { continue }
                    if detach {
                        for r in try graph.expand(n, .both, types: []) {
                            try graph.deleteRelationship(r.id)
                            ev.deletedRelationships.insert(r.id)
                            stats.relationshipsDeleted += 1
                        }
                    }
                    try graph.deleteNode(n)
                    ev.deletedNodes.insert(n)
                    stats.nodesDeleted += 1
                }
            case .call(let name, let args, let yields):
                guard let proc = procedures[name] else {
                    throw CypherError("ProcedureError", "ProcedureNotFound", "unknown procedure \(name)", compileTime: true)
                }
                let standalone = clauses.count == 1
                if let args, args.count != proc.inputs.count {
                    throw CypherError("SyntaxError", "InvalidNumberOfArguments", "\(name) takes \(proc.inputs.count) arguments", compileTime: true)
                }
                if args == nil && !standalone && !proc.inputs.isEmpty {
                    throw CypherError("SyntaxError", "InvalidArgumentPassingMode", "arguments must be given explicitly in a CALL inside a query", compileTime: true)
                }
                let items = (yields?.isEmpty ?? true) ? proc.outputs.map { YieldItem(output: $0.name, variable: $0.name) } : yields!
                for y in items where !proc.outputs.contains(where: { $0.name == y.output }) {
                    throw CypherError("SyntaxError", "UndefinedVariable", "\(name) has no output \(y.output)", compileTime: true)
                }
                var out: [Row] = []
                for row in rows {
                    var values: [Value] = []
                    if let args {
                        values = try args.map { try ev.eval($0, row) }
                    } else {
                        for input in proc.inputs {
                            guard let v = ev.parameters[input.name] else {
                                throw CypherError("ParameterMissing", "MissingParameter", "missing parameter $\(input.name)", compileTime: true)
                            }
                            values.append(v)
                        }
                    }
                    for (i, input) in proc.inputs.enumerated() {
                        guard let coerced = input.accept(values[i]) else {
                            throw CypherError("SyntaxError", "InvalidArgumentType", "\(input.name) of \(name) must be \(input.type)", compileTime: true)
                        }
                        values[i] = coerced
                    }
                    let results = try proc.body(values)
                    if proc.outputs.isEmpty || (yields == nil && !standalone) {
                        if proc.outputs.isEmpty || !results.isEmpty { out.append(row) }
                        continue
                    }
                    for result in results {
                        var r = row
                        for y in items {
                            let idx = proc.outputs.firstIndex { $0.name == y.output }!
                            r[y.variable] = idx < result.count ? result[idx] : .null
                        }
                        out.append(r)
                    }
                }
                rows = out
                if standalone { return (items.map(\.variable), proc.outputs.isEmpty ? [] : rows) }
                for y in yields ?? [] where !scope.contains(y.variable) { scope.append(y.variable) }
            }
        }
        if case .ret = clauses.last {} else { return ([], anyRows ? rows : []) }
        return (columns, rows)
    }

    private func tooManyRows() -> CypherError {
        CypherError("TransientError", "RowLimit", "query produced more than \(maxRows) intermediate rows")
    }

    private func collectDeletes(_ v: Value, detach: Bool, _ nodes: inout [Int64], _ rels: inout Set<Int64>) throws {
        switch v {
        case .null: return
        case .node(let n): nodes.append(n.id)
        case .relationship(let r): rels.insert(r.id)
        case .path(let p):
            for r in p.relationships { rels.insert(r.id) }
            for n in p.nodes { nodes.append(n.id) }
        case .list(let l): for x in l { try collectDeletes(x, detach: detach, &nodes, &rels) }
        default: throw CypherError.type("InvalidArgumentType", "DELETE needs a node, relationship or path, got \(v.typeName)")
        }
    }

    // MARK: writes

    private func storable(_ v: Value) throws -> Value {
        switch v {
        case .null, .bool, .int, .float, .string, .temporal: return v
        case .list(let l):
            for x in l {
                switch x {
                case .bool, .int, .float, .string, .temporal, .null: continue
                default: throw CypherError.type("InvalidPropertyType", "a property list may only hold primitive values")
                }
            }
            return v
        default: throw CypherError.type("InvalidPropertyType", "\(v.typeName) cannot be stored as a property")
        }
    }

    private func propertyMap(_ e: Expr?, _ row: Row) throws -> [String: Value] {
        guard let e else { return [:] }
        let v = try ev.eval(e, row)
        guard case .map(let m) = v else {
            if v.isNull { return [:] }
            throw CypherError.type("InvalidArgumentType", "properties must be a map")
        }
        var out: [String: Value] = [:]
        for (k, x) in m where !x.isNull { out[k] = try storable(x) }
        return out
    }

    private func create(_ part: PatternPart, _ row: Row, merging: Bool = false) throws -> Row {
        var r = row
        var nodeIds: [Int64] = []
        for np in part.nodes {
            if let v = np.variable, let b = r[v] {
                guard case .node(let n) = b else {
                    throw CypherError.type("InvalidArgumentType", "variable \(v) is not a node")
                }
                nodeIds.append(n.id)
                continue
            }
            if merging, case .map(let entries)? = np.properties {
                for e in entries where try ev.eval(e.value, r).isNull {
                    throw CypherError("SemanticError", "MergeReadOwnWrites", "cannot MERGE a node with a null property value")
                }
            }
            let props = try propertyMap(np.properties, r)
            let id = try graph.createNode(labels: np.labels, properties: props)
            stats.nodesCreated += 1
            stats.propertiesSet += props.count
            stats.labelsAdded += Set(np.labels).count
            nodeIds.append(id)
            if let v = np.variable { r[v] = .node(NodeRef(id: id)) }
        }
        var rels: [RelRef] = []
        for (i, rp) in part.rels.enumerated() {
            if let v = rp.variable, let b = r[v], case .relationship(let existing) = b {
                rels.append(existing)
                continue
            }
            if merging, case .map(let entries)? = rp.properties {
                for e in entries where try ev.eval(e.value, r).isNull {
                    throw CypherError("SemanticError", "MergeReadOwnWrites", "cannot MERGE a relationship with a null property value")
                }
            }
            let props = try propertyMap(rp.properties, r)
            let (s, e) = rp.direction == .incoming ? (nodeIds[i + 1], nodeIds[i]) : (nodeIds[i], nodeIds[i + 1])
            guard let type = rp.types.first else {
                throw CypherError.syntax("NoSingleRelationshipType", "a created relationship needs exactly one type")
            }
            let rel = try graph.createRelationship(type: type, start: s, end: e, properties: props)
            stats.relationshipsCreated += 1
            stats.propertiesSet += props.count
            rels.append(rel)
            if let v = rp.variable { r[v] = .relationship(rel) }
        }
        if let pv = part.pathVariable {
            r[pv] = .path(PathValue(nodes: nodeIds.map { NodeRef(id: $0) }, relationships: rels))
        }
        return r
    }

    private func setProperty(_ target: Value, _ key: String, _ value: Value) throws {
        let v = try storable(value)
        switch target {
        case .null: return
        case .node(let n):
            guard try graph.nodeExists(n.id) else { return }
            try graph.setNodeProperty(n.id, key, v)
        case .relationship(let r): try graph.setRelationshipProperty(r.id, key, v)
        default: throw CypherError.type("InvalidArgumentType", "cannot set a property on \(target.typeName)")
        }
        stats.propertiesSet += 1
    }

    private func applySet(_ items: [SetItem], _ rows: [Row]) throws {
        for row in rows {
            for item in items {
                switch item {
                case .property(let target, let key, let value):
                    let t = try ev.eval(target, row)
                    try setProperty(t, key, try ev.eval(value, row))
                case .replace(let v, let value), .merge(let v, let value):
                    let target = row[v] ?? .null
                    if target.isNull { continue }
                    let src = try ev.eval(value, row)
                    var props: [String: Value]
                    switch src {
                    case .map(let m): props = m
                    case .node(let n): props = try graph.nodeProperties(n.id)
                    case .relationship(let r): props = try graph.relationshipProperties(r.id)
                    case .null: props = [:]
                    default: throw CypherError.type("InvalidArgumentType", "SET needs a map, got \(src.typeName)")
                    }
                    if case .replace = item {
                        let existing: [String: Value]
                        switch target {
                        case .node(let n): existing = try graph.nodeProperties(n.id)
                        case .relationship(let r): existing = try graph.relationshipProperties(r.id)
                        default: throw CypherError.type("InvalidArgumentType", "cannot set properties on \(target.typeName)")
                        }
                        for k in existing.keys where props[k] == nil { try setProperty(target, k, .null) }
                    }
                    for (k, x) in props { try setProperty(target, k, x) }
                case .labels(let v, let labels):
                    let target = row[v] ?? .null
                    if target.isNull { continue }
                    guard case .node(let n) = target else { throw CypherError.type("InvalidArgumentType", "labels can only be set on nodes") }
                    let have = try graph.labels(of: n.id)
                    stats.labelsAdded += Set(labels.filter { !have.contains($0) }).count
                    try graph.addLabels(n.id, labels)
                }
            }
        }
    }

    // MARK: projection

    private func project(_ proj: Projection, _ scope: [String], _ rows: [Row]) throws -> ([String], [Row]) {
        var items = proj.items
        if proj.star {
            let explicit = Set(items.map(\.name))
            items = scope.filter { !$0.hasPrefix("\u{0}") && !explicit.contains($0) }.sorted()
                .map { ProjectionItem(expr: .variable($0), name: $0, aliased: true) } + items
        }
        let names = items.map(\.name)
        let aggregating = items.contains { $0.expr.containsAggregate }
        var rows = rows
        var proj = proj
        if !aggregating && !proj.distinct && proj.orderBy.isEmpty && proj.filter == nil {
            // Plain projection: cut SKIP/LIMIT first so only the surviving rows are evaluated.
            let skip = try proj.skip.map { try count($0, "SKIP") } ?? 0
            let limit = try proj.limit.map { try count($0, "LIMIT") } ?? Int.max
            if skip > 0 || limit != Int.max {
                rows = Array(rows.dropFirst(skip).prefix(limit))
                proj.skip = nil
                proj.limit = nil
            }
        }
        // Each output row keeps the input bindings (under their own names) for ORDER BY, unless the
        // projection aggregates or is DISTINCT, where only projected names remain visible.
        var out: [(row: Row, scopeRow: Row)] = []
        if aggregating {
            var groups: [[GroupKey]: Int] = [:]
            var groupRows: [(keys: [Value], first: Row, members: [Row])] = []
            let keyItems = items.enumerated().filter { !$0.element.expr.containsAggregate }
            for row in rows {
                try ev.checkCancelled()
                let keys = try keyItems.map { try ev.eval($0.element.expr, row) }
                let gk = keys.map(GroupKey.init)
                if let g = groups[gk] { groupRows[g].members.append(row) } else {
                    groups[gk] = groupRows.count
                    groupRows.append((keys, row, [row]))
                }
            }
            if groupRows.isEmpty && keyItems.isEmpty { groupRows.append(([], [:], [])) }
            let aggs = items.flatMap { $0.expr.aggregates }
            for g in groupRows {
                var scopeRow = g.first
                for a in aggs { scopeRow[Evaluator.aggregateKey(a.id)] = try aggregate(a, g.members) }
                var r: Row = [:]
                var ki = 0
                for item in items {
                    if item.expr.containsAggregate { r[item.name] = try ev.eval(item.expr, scopeRow) } else { r[item.name] = g.keys[ki]; ki += 1 }
                }
                var sr = r
                for a in aggs { sr[Evaluator.aggregateKey(a.id)] = scopeRow[Evaluator.aggregateKey(a.id)] }
                out.append((r, sr))
            }
        } else {
            for row in rows {
                try ev.checkCancelled()
                var r: Row = [:]
                for item in items { r[item.name] = try ev.eval(item.expr, row) }
                var sr = row
                for (k, v) in r { sr[k] = v }
                out.append((r, sr))
            }
        }
        if proj.distinct {
            var seen = Set<[GroupKey]>()
            out = out.filter { o in seen.insert(names.map { n in GroupKey(o.row[n] ?? .null) }).inserted }
        }
        if !proj.orderBy.isEmpty {
            let sortExprs = proj.orderBy.map { s in
                s.expr.rewrite { e in
                    if case .variable = e { return nil }
                    if let item = items.first(where: { $0.expr == e }) { return .variable(item.name) }
                    return nil
                }
            }
            var keyed: [(keys: [Value], i: Int)] = []
            for (i, o) in out.enumerated() {
                keyed.append((try sortExprs.map { try ev.eval($0, o.scopeRow) }, i))
            }
            keyed.sort { a, b in
                for (k, s) in proj.orderBy.enumerated() {
                    let c = ValueOps.order(a.keys[k], b.keys[k])
                    if c != 0 { return s.descending ? c > 0 : c < 0 }
                }
                return a.i < b.i
            }
            out = keyed.map { out[$0.i] }
        }
        if let skip = proj.skip {
            let n = try count(skip, "SKIP")
            out = Array(out.dropFirst(n))
        }
        if let limit = proj.limit {
            let n = try count(limit, "LIMIT")
            out = Array(out.prefix(n))
        }
        var result = out.map(\.row)
        if let filter = proj.filter {
            var kept: [Row] = []
            for (r, sr) in out where try ev.eval(filter, sr) == .bool(true) { kept.append(r) }
            result = kept
        }
        return (names, result)
    }

    private func count(_ e: Expr, _ what: String) throws -> Int {
        let v = try ev.eval(e, [:])
        switch v {
        case .int(let i):
            if i < 0 { throw CypherError("SyntaxError", "NegativeIntegerArgument", "\(what) must not be negative") }
            return Int(clamping: i)
        default:
            throw CypherError("SyntaxError", "InvalidArgumentType", "\(what) must be an integer, got \(v.typeName)")
        }
    }

    private func aggregate(_ a: AggregateCall, _ rows: [Row]) throws -> Value {
        if a.star { return .int(Int64(rows.count)) }
        guard !a.args.isEmpty else { throw CypherError.syntax("InvalidNumberOfArguments", "\(a.name)() needs an argument") }
        var values: [Value] = []
        values.reserveCapacity(rows.count)
        for row in rows {
            let v = try ev.eval(a.args[0], row)
            if !v.isNull { values.append(v) }
        }
        if a.distinct {
            var seen = Set<GroupKey>()
            values = values.filter { seen.insert(GroupKey($0)).inserted }
        }
        switch a.name {
        case "count": return .int(Int64(values.count))
        case "collect": return .list(values)
        case "sum":
            var isInt = true
            var si: Int64 = 0
            var sf = 0.0
            var durations: [Temporal] = []
            for v in values {
                switch v {
                case .int(let i):
                    if isInt { let (r, o) = si.addingReportingOverflow(i); if o { throw Arithmetic.overflow() }; si = r }
                    sf += Double(i)
                case .float(let f): isInt = false; sf += f
                case .temporal(let t): durations.append(t)
                default: throw CypherError.type("InvalidArgumentType", "sum() needs numbers, got \(v.typeName)")
                }
            }
            if !durations.isEmpty {
                var acc: Value = .temporal(.duration(months: 0, days: 0, seconds: 0, nanos: 0))
                for d in durations { acc = try Arithmetic.apply(.add, acc, .temporal(d)) }
                return acc
            }
            return isInt ? .int(si) : .float(sf)
        case "avg":
            if values.isEmpty { return .null }
            var s = 0.0
            var durations: [Temporal] = []
            for v in values {
                switch v {
                case .int, .float: s += v.numeric!
                case .temporal(let t): durations.append(t)
                default: throw CypherError.type("InvalidArgumentType", "avg() needs numbers, got \(v.typeName)")
                }
            }
            if !durations.isEmpty {
                var acc: Value = .temporal(.duration(months: 0, days: 0, seconds: 0, nanos: 0))
                for d in durations { acc = try Arithmetic.apply(.add, acc, .temporal(d)) }
                return try Arithmetic.apply(.divide, acc, .int(Int64(durations.count)))
            }
            return .float(s / Double(values.count))
        case "min", "max":
            guard var best = values.first else { return .null }
            for v in values.dropFirst() {
                let c = ValueOps.order(v, best)
                if a.name == "min" ? c < 0 : c > 0 { best = v }
            }
            return best
        case "stdev", "stdevp":
            let xs = try values.map { v -> Double in
                guard let d = v.numeric else { throw CypherError.type("InvalidArgumentType", "\(a.name)() needs numbers") }
                return d
            }
            let n = Double(xs.count)
            if xs.count < (a.name == "stdev" ? 2 : 1) { return .float(0) }
            let mean = xs.reduce(0, +) / n
            let ss = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return .float((ss / (a.name == "stdev" ? n - 1 : n)).squareRoot())
        case "percentilecont", "percentiledisc":
            guard a.args.count == 2 else { throw CypherError.syntax("InvalidNumberOfArguments", "\(a.name)() needs two arguments") }
            let pv = try ev.eval(a.args[1], rows.first ?? [:])
            guard let p = pv.numeric else { throw CypherError.argument("InvalidArgumentType", "percentile must be a number") }
            if p < 0 || p > 1 { throw CypherError.argument("NumberOutOfRange", "percentile must be between 0 and 1") }
            let xs = try values.map { v -> Value in
                guard v.numeric != nil else { throw CypherError.type("InvalidArgumentType", "\(a.name)() needs numbers") }
                return v
            }.sorted { ValueOps.order($0, $1) < 0 }
            if xs.isEmpty { return .null }
            if a.name == "percentiledisc" {
                let idx = p == 0 ? 0 : Int((p * Double(xs.count)).rounded(.up)) - 1
                return xs[Swift.max(0, Swift.min(xs.count - 1, idx))]
            }
            let pos = p * Double(xs.count - 1)
            let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
            let f = pos - Double(lo)
            return .float(xs[lo].numeric! + (xs[hi].numeric! - xs[lo].numeric!) * f)
        default:
            throw CypherError.syntax("UnknownFunction", "unknown aggregate \(a.name)")
        }
    }
}

/// Counters of what a statement changed.
public struct QueryStats: Sendable, Equatable {
    /// Nodes created.
    public var nodesCreated = 0
    /// Nodes deleted.
    public var nodesDeleted = 0
    /// Relationships created.
    public var relationshipsCreated = 0
    /// Relationships deleted.
    public var relationshipsDeleted = 0
    /// Property writes (including removals).
    public var propertiesSet = 0
    /// Labels added to nodes.
    public var labelsAdded = 0
    /// Labels removed from nodes.
    public var labelsRemoved = 0
    /// Creates zeroed counters.
    public init() {}
    /// True when the statement wrote anything.
    public var containsUpdates: Bool {
        nodesCreated + nodesDeleted + relationshipsCreated + relationshipsDeleted + propertiesSet + labelsAdded + labelsRemoved > 0
    }
}
