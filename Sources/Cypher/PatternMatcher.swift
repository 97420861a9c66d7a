/// Finds the bindings of pattern parts in the graph (relationship-unique within one MATCH).
final class PatternMatcher {
    let ev: Evaluator
    var graph: any CypherGraph { ev.graph }
    /// Upper bound on hops of an unbounded variable-length step, so `*` on a dense graph stays finite.
    var maxUnboundedHops = 64

    init(ev: Evaluator) { self.ev = ev }

    func match(_ parts: [PatternPart], _ row: Row, limit: Int = Int.max) throws -> [Row] {
        var out: [Row] = []
        var used = Set<Int64>()
        // Relationships already bound by earlier clauses still take part in uniqueness for this MATCH
        // only when they are re-used in it, which the bound-variable check handles.
        let planned = parts.map { plan($0, row) }
        try matchPart(0, planned, row, &used, &out, limit)
        return out
    }

    /// A pattern part, possibly reversed so matching starts at the more selective end.
    struct Planned {
        var part: PatternPart
        var reversed: Bool
    }

    private func isBound(_ v: String?, _ row: Row) -> Bool {
        guard let v, let val = row[v] else { return false }
        if case .node = val { return true }
        return false
    }

    func plan(_ part: PatternPart, _ row: Row) -> Planned {
        guard !part.rels.isEmpty, part.shortest == nil else { return Planned(part: part, reversed: false) }
        let first = part.nodes.first!, last = part.nodes.last!
        func score(_ n: NodePattern) -> Int {
            if isBound(n.variable, row) { return 3 }
            if !n.labels.isEmpty && n.properties != nil { return 2 }
            if !n.labels.isEmpty { return 1 }
            return 0
        }
        if score(last) > score(first) {
            var r = part
            r.nodes.reverse()
            r.rels.reverse()
            for i in r.rels.indices {
                switch r.rels[i].direction {
                case .outgoing: r.rels[i].direction = .incoming
                case .incoming: r.rels[i].direction = .outgoing
                case .both: break
                }
            }
            return Planned(part: r, reversed: true)
        }
        return Planned(part: part, reversed: false)
    }

    private func matchPart(_ idx: Int, _ parts: [Planned], _ row: Row, _ used: inout Set<Int64>, _ out: inout [Row], _ limit: Int) throws {
        if out.count >= limit { return }
        if idx == parts.count { out.append(row); return }
        let planned = parts[idx]
        let part = planned.part
        for n in try candidates(part.nodes[0], row) {
            try ev.checkCancelled()
            var r = row
            if let v = part.nodes[0].variable { r[v] = .node(NodeRef(id: n)) }
            try extend(idx, parts, 0, n, r, &used, [n], [], &out, limit)
            if out.count >= limit { return }
        }
    }

    private func extend(_ idx: Int, _ parts: [Planned], _ step: Int, _ current: Int64, _ row: Row, _ used: inout Set<Int64>,
                        _ pathNodes: [Int64], _ pathRels: [RelRef], _ out: inout [Row], _ limit: Int) throws {
        let planned = parts[idx]
        let part = planned.part
        if step == part.rels.count {
            var r = row
            if let pv = part.pathVariable {
                var nodes = pathNodes.map { NodeRef(id: $0) }
                var rels = pathRels
                if planned.reversed { nodes.reverse(); rels.reverse() }
                r[pv] = .path(PathValue(nodes: nodes, relationships: rels))
            }
            try matchPart(idx + 1, parts, r, &used, &out, limit)
            return
        }
        let rel = part.rels[step]
        let nextNode = part.nodes[step + 1]
        if let range = rel.range {
            let minHops = range.min ?? 1
            let maxHops = range.max ?? maxUnboundedHops
            var boundList: [Int64]? = nil
            if let v = rel.variable, let b = row[v] {
                guard case .list(let l) = b else { return }
                boundList = l.compactMap { if case .relationship(let r) = $0 { return r.id } else { return nil } }
            }
            var chain: [RelRef] = []
            var nodesOnChain: [Int64] = [current]
            func dfs(_ node: Int64, _ used: inout Set<Int64>, _ out: inout [Row]) throws {
                try ev.checkCancelled()
                if out.count >= limit { return }
                let depth = chain.count
                if depth >= minHops, try nodeMatches(nextNode, node, row) {
                    if boundList == nil || boundList! == chain.map(\.id) {
                        var r = row
                        if let v = rel.variable, boundList == nil {
                            let ordered = planned.reversed ? chain.reversed() : chain
                            r[v] = .list(ordered.map { .relationship($0) })
                        }
                        if let nv = nextNode.variable { r[nv] = .node(NodeRef(id: node)) }
                        try extend(idx, parts, step + 1, node, r, &used, pathNodes + nodesOnChain.dropFirst(), pathRels + chain, &out, limit)
                    }
                }
                if depth >= maxHops { return }
                for r in try graph.expand(node, rel.direction, types: rel.types) {
                    if used.contains(r.id) { continue }
                    if let props = rel.properties, !(try propertiesMatch(props, row, relationship: r.id)) { continue }
                    let other = otherEnd(r, node, rel.direction)
                    used.insert(r.id)
                    chain.append(r)
                    nodesOnChain.append(other)
                    try dfs(other, &used, &out)
                    chain.removeLast()
                    nodesOnChain.removeLast()
                    used.remove(r.id)
                }
            }
            try dfs(current, &used, &out)
            return
        }
        for r in try graph.expand(current, rel.direction, types: rel.types) {
            try ev.checkCancelled()
            if used.contains(r.id) { continue }
            if let v = rel.variable, let b = row[v] {
                guard case .relationship(let br) = b, br.id == r.id else { continue }
            }
            if let props = rel.properties, !(try propertiesMatch(props, row, relationship: r.id)) { continue }
            let other = otherEnd(r, current, rel.direction)
            guard try nodeMatches(nextNode, other, row) else { continue }
            var nr = row
            if let v = rel.variable { nr[v] = .relationship(r) }
            if let nv = nextNode.variable { nr[nv] = .node(NodeRef(id: other)) }
            used.insert(r.id)
            try extend(idx, parts, step + 1, other, nr, &used, pathNodes + [other], pathRels + [r], &out, limit)
            used.remove(r.id)
            if out.count >= limit { return }
        }
    }

    private func otherEnd(_ r: RelRef, _ from: Int64, _ dir: Direction) -> Int64 {
        switch dir {
        case .outgoing: return r.end
        case .incoming: return r.start
        case .both: return r.start == from ? r.end : r.start
        }
    }

    func candidates(_ np: NodePattern, _ row: Row) throws -> [Int64] {
        if let v = np.variable, let b = row[v] {
            guard case .node(let n) = b else { return [] }
            return try nodeMatches(np, n.id, row) ? [n.id] : []
        }
        var base: [Int64]? = nil
        if let first = np.labels.first {
            if case .map(let entries)? = np.properties {
                for entry in entries {
                    let v = try ev.eval(entry.value, row)
                    if let hits = try graph.indexSeek(label: first, key: entry.key, value: v) { base = hits; break }
                }
            }
            if base == nil { base = try graph.nodes(withLabel: first) }
        }
        let all = try base ?? graph.allNodes()
        var out: [Int64] = []
        for id in all where try nodeMatches(np, id, row, skipBinding: true) { out.append(id) }
        return out
    }

    func nodeMatches(_ np: NodePattern, _ id: Int64, _ row: Row, skipBinding: Bool = false) throws -> Bool {
        if !skipBinding, let v = np.variable, let b = row[v] {
            guard case .node(let n) = b, n.id == id else { return false }
        }
        if !np.labels.isEmpty {
            let have = try graph.labels(of: id)
            for l in np.labels where !have.contains(l) { return false }
        }
        if let props = np.properties { return try propertiesMatch(props, row, node: id) }
        return true
    }

    private func propertiesMatch(_ props: Expr, _ row: Row, node: Int64? = nil, relationship: Int64? = nil) throws -> Bool {
        let m = try ev.eval(props, row)
        guard case .map(let map) = m else {
            if m.isNull { return false }
            throw CypherError.type("InvalidArgumentType", "pattern properties must be a map")
        }
        for (k, v) in map {
            let actual = node != nil ? try graph.nodeProperty(node!, k) : try graph.relationshipProperty(relationship!, k)
            if ValueOps.equals(actual, v) != true { return false }
        }
        return true
    }
}
