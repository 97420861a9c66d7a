/// Describes how the executor will run a statement (the EXPLAIN output).
///
/// The executor plans each pattern part at run time the same way: it starts from the most selective end
/// (a bound variable, then a label with an indexed property, then a label scan, then all nodes) and pushes
/// inline property maps into the scan/expand; `describe` reports that choice.
enum Planner {
    static func describe(_ st: Statement, graph: any CypherGraph) -> [String] {
        var lines: [String] = []
        for (pi, part) in st.parts.enumerated() {
            if pi > 0 { lines.append(st.unionAll[pi - 1] ? "UnionAll" : "Union (distinct)") }
            var bound = Set<String>()
            for clause in part {
                switch clause {
                case .match(let optional, let patterns, let filter):
                    if optional { lines.append("Optional") }
                    for p in patterns { lines += describePattern(p, bound, graph) }
                    if filter != nil { lines.append("  Filter(WHERE)") }
                    bound.formUnion(patterns.flatMap(\.variables))
                case .unwind(_, let v): lines.append("Unwind(\(v))"); bound.insert(v)
                case .with(let p):
                    lines.append(projectionLine("Projection", p))
                    bound = Set(p.items.map(\.name))
                case .ret(let p): lines.append(projectionLine("ProduceResults", p))
                case .create(let ps): lines.append("Create(\(ps.count) pattern part\(ps.count == 1 ? "" : "s"))"); bound.formUnion(ps.flatMap(\.variables))
                case .merge(let p, _, _):
                    lines.append("Merge")
                    lines += describePattern(p, bound, graph).map { "  " + $0 }
                    bound.formUnion(p.variables)
                case .set(let items): lines.append("SetProperties(\(items.count))")
                case .remove(let items): lines.append("Remove(\(items.count))")
                case .delete(_, let detach): lines.append(detach ? "DetachDelete" : "Delete")
                case .call(let name, _, _): lines.append("ProcedureCall(\(name))")
                }
            }
        }
        return lines
    }

    /// A short operator name for a clause (PROFILE rows).
    static func clauseName(_ c: Clause) -> String {
        switch c {
        case .match(let optional, _, _): return optional ? "OptionalMatch" : "Match"
        case .unwind(_, let v): return "Unwind(\(v))"
        case .with(let p): return "With(" + p.items.map(\.name).joined(separator: ", ") + ")"
        case .ret(let p): return "Return(" + p.items.map(\.name).joined(separator: ", ") + ")"
        case .create: return "Create"
        case .merge: return "Merge"
        case .set: return "Set"
        case .remove: return "Remove"
        case .delete(_, let detach): return detach ? "DetachDelete" : "Delete"
        case .call(let name, _, _): return "ProcedureCall(\(name))"
        }
    }

    private static func projectionLine(_ name: String, _ p: Projection) -> String {
        var s = name + "(" + p.items.map(\.name).joined(separator: ", ") + ")"
        if p.items.contains(where: { $0.expr.containsAggregate }) { s = "EagerAggregation → " + s }
        if p.distinct { s = "Distinct → " + s }
        if !p.orderBy.isEmpty { s += " → Sort" }
        if p.skip != nil { s += " → Skip" }
        if p.limit != nil { s += " → Limit" }
        if p.filter != nil { s += " → Filter" }
        return s
    }

    private static func describePattern(_ p: PatternPart, _ bound: Set<String>, _ graph: any CypherGraph) -> [String] {
        var nodes = p.nodes
        var rels = p.rels
        func score(_ n: NodePattern) -> Int {
            if let v = n.variable, bound.contains(v) { return 3 }
            if !n.labels.isEmpty && n.properties != nil { return 2 }
            return n.labels.isEmpty ? 0 : 1
        }
        if !rels.isEmpty && score(nodes.last!) > score(nodes.first!) {
            nodes.reverse(); rels.reverse()
        }
        var lines: [String] = []
        let first = nodes[0]
        let name = first.variable ?? "anon"
        if let v = first.variable, bound.contains(v) {
            lines.append("Argument(\(v))")
        } else if let label = first.labels.first {
            var seek: String? = nil
            if case .map(let entries)? = first.properties {
                for e in entries where graph.hasIndex(label: label, key: e.key) { seek = e.key; break }
            }
            if let seek { lines.append("NodeIndexSeek(\(name):\(label) {\(seek)})") } else { lines.append("NodeByLabelScan(\(name):\(label))") }
        } else {
            lines.append("AllNodesScan(\(name))")
        }
        for (i, r) in rels.enumerated() {
            let to = nodes[i + 1].variable ?? "anon"
            let types = r.types.isEmpty ? "" : ":" + r.types.joined(separator: "|")
            let kind = r.range != nil ? "VarLengthExpand" : "Expand"
            lines.append("\(kind)(\(nodes[i].variable ?? "anon"))-[\(r.variable ?? "")\(types)]-(\(to))")
        }
        if let pv = p.pathVariable { lines.append("NamedPath(\(pv))") }
        return lines
    }
}
