import Cypher
import Foundation

/// Runs one (expanded) scenario and returns nil on success or a reason for failure.
final class ScenarioRunner {
    let engine = CypherEngine(limits: .init(timeout: .seconds(10), maxRows: 2_000_000))
    let graphsDir: String

    init(graphsDir: String) { self.graphsDir = graphsDir }

    struct Snapshot {
        var nodes: Set<Int64>
        var rels: Set<Int64>
        var properties: Set<String>
        var labels: Set<String>
    }

    func snapshot(_ g: InMemoryGraph) -> Snapshot {
        var props = Set<String>()
        var labels = Set<String>()
        let nodes = g.allNodes()
        for n in nodes {
            for (k, v) in g.nodeProperties(n) { props.insert("n\(n).\(k)=\(v)") }
            for l in g.labels(of: n) { labels.insert(l) }
        }
        var rels = Set<Int64>()
        for n in nodes {
            for r in g.expand(n, .outgoing, types: []) {
                rels.insert(r.id)
                for (k, v) in g.relationshipProperties(r.id) { props.insert("r\(r.id).\(k)=\(v)") }
            }
        }
        return Snapshot(nodes: Set(nodes), rels: rels, properties: props, labels: labels)
    }

    private func substitute(_ s: String, _ ex: [String: String]) -> String {
        guard !ex.isEmpty, s.contains("<") else { return s }
        var out = s
        for (k, v) in ex { out = out.replacingOccurrences(of: "<\(k)>", with: v) }
        return out
    }

    func run(feature: Feature, scenario: Scenario, example: [String: String]) -> String? {
        let graph = InMemoryGraph()
        var params: [String: Value] = [:]
        var procedures: [String: Procedure] = [:]
        var result: Result<QueryResult, CypherError>? = nil
        var before: Snapshot? = nil
        var after: Snapshot? = nil
        for rawStep in feature.background + scenario.steps {
            var step = rawStep
            step.text = substitute(step.text, example)
            step.docString = step.docString.map { substitute($0, example) }
            step.table = step.table.map { $0.map { $0.map { substitute($0, example) } } }
            let t = step.text
            if t == "an empty graph" || t == "any graph" { continue }
            if t.hasPrefix("the ") && t.hasSuffix(" graph") {
                let name = String(t.dropFirst(4).dropLast(6))
                guard let script = try? String(contentsOfFile: "\(graphsDir)/\(name)/\(name).cypher", encoding: .utf8) else {
                    return "named graph \(name) not available"
                }
                do { _ = try engine.execute(script, on: graph) } catch { return "named graph setup failed: \(error)" }
                continue
            }
            if t.hasPrefix("having executed") || t.hasPrefix("after having executed") {
                guard let q = step.docString else { return "missing setup query" }
                do { _ = try engine.execute(q, on: graph) } catch { return "setup failed: \(error)" }
                continue
            }
            if t.hasPrefix("parameters are") || t.hasPrefix("parameter values are") {
                for row in step.table ?? [] where row.count >= 2 {
                    guard let v = TCKValueParser.parse(row[1]) else { return "bad parameter \(row[1])" }
                    params[row[0]] = v.value
                }
                continue
            }
            if t.hasPrefix("there exists a procedure") {
                guard let proc = ScenarioRunner.procedure(from: t, table: step.table ?? []) else { return "cannot read procedure \(t)" }
                procedures[proc.name] = proc
                continue
            }
            if t.hasPrefix("executing query") || t.hasPrefix("executing control query") {
                guard let q = step.docString else { return "missing query" }
                before = snapshot(graph)
                do { result = .success(try engine.execute(q, parameters: params, on: graph, procedures: procedures)) } catch { result = .failure(error) }
                after = snapshot(graph)
                continue
            }
            if t.hasPrefix("the result should be empty") {
                switch result {
                case .success(let r)?: if !r.rows.isEmpty { return "expected empty result, got \(r.rows.count) rows" }
                case .failure(let e)?: return "unexpected error \(e)"
                case nil: return "no query"
                }
                continue
            }
            if t.hasPrefix("the result should be") {
                let ordered = t.contains("in order")
                let ilo = t.contains("ignoring element order")
                switch result {
                case .failure(let e)?: return "unexpected error \(e)"
                case nil: return "no query"
                case .success(let r)?:
                    if let why = compare(r, step.table ?? [], ordered: ordered, ignoreListOrder: ilo) { return why }
                }
                continue
            }
            if t == "no side effects" {
                guard case .success? = result, let before, let after else { continue }
                if let why = sideEffects(before, after, expected: [:]) { return why }
                continue
            }
            if t.hasPrefix("the side effects should be") {
                guard case .success? = result, let before, let after else { return "no successful query" }
                var exp: [String: Int] = [:]
                for row in step.table ?? [] where row.count >= 2 { exp[row[0]] = Int(row[1]) ?? 0 }
                if let why = sideEffects(before, after, expected: exp) { return why }
                continue
            }
            if t.hasPrefix("a ") || t.hasPrefix("an "), t.contains(" should be raised at ") {
                // "a TypeError should be raised at runtime: InvalidArgumentValue"
                let words = t.split(separator: " ", maxSplits: 2).map(String.init)
                let kind = words[1]
                let rest = t.components(separatedBy: " should be raised at ")[1]
                let phaseAndDetail = rest.components(separatedBy: ": ")
                let phase = phaseAndDetail[0]
                let detail = phaseAndDetail.count > 1 ? phaseAndDetail[1] : ""
                switch result {
                case .success?: return "expected \(kind).\(detail), query succeeded"
                case nil: return "no query"
                case .failure(let e)?:
                    if e.kind != kind || (e.detail != detail && detail != "*") { return "expected \(kind).\(detail) at \(phase), got \(e.kind).\(e.detail): \(e.message)" }
                    if phase == "compile time" && !e.compileTime { return "expected compile-time error, got runtime \(e.code)" }
                    if phase == "runtime" && e.compileTime { return "expected runtime error, got compile-time \(e.code)" }
                }
                if let before, let after, let why = sideEffects(before, after, expected: [:]) { return why }
                continue
            }
            return "unknown step: \(t)"
        }
        return nil
    }

    /// Reads "there exists a procedure test.my.proc(in :: INTEGER?) :: (out :: STRING?):" and its table.
    static func procedure(from text: String, table: [[String]]) -> Procedure? {
        var rest = Substring(text.dropFirst("there exists a procedure ".count))
        guard let open = rest.firstIndex(of: "(") else { return nil }
        let name = String(rest[..<open]).trimmingCharacters(in: .whitespaces)
        rest = rest[rest.index(after: open)...]
        func fields(_ s: Substring) -> [Procedure.Field] {
            s.split(separator: ",").compactMap { part in
                let bits = part.components(separatedBy: "::")
                guard bits.count == 2 else { return nil }
                return Procedure.Field(name: bits[0].trimmingCharacters(in: .whitespaces), type: bits[1].trimmingCharacters(in: .whitespaces))
            }
        }
        guard let close = rest.firstIndex(of: ")") else { return nil }
        let inputs = fields(rest[..<close])
        rest = rest[rest.index(after: close)...]
        guard let open2 = rest.firstIndex(of: "("), let close2 = rest.lastIndex(of: ")") else { return nil }
        let outputs = fields(rest[rest.index(after: open2)..<close2])
        guard let header = table.first else {
            return Procedure(name: name, inputs: inputs, outputs: outputs) { _ in [] }
        }
        var rows: [[String: Value]] = []
        for r in table.dropFirst() {
            var m: [String: Value] = [:]
            for (k, h) in header.enumerated() where k < r.count { m[h] = TCKValueParser.parse(r[k])?.value ?? .null }
            rows.append(m)
        }
        let inNames = inputs.map(\.name), outNames = outputs.map(\.name)
        let table = rows
        return Procedure(name: name, inputs: inputs, outputs: outputs) { args in
            table.filter { row in
                zip(inNames, args).allSatisfy { n, a in
                    let v = row[n] ?? .null
                    if v.isNull || a.isNull { return v.isNull && a.isNull }
                    return CypherEngine.equivalent(v, a)
                }
            }.map { row in outNames.map { row[$0] ?? .null } }
        }
    }

    private func sideEffects(_ b: Snapshot, _ a: Snapshot, expected: [String: Int]) -> String? {
        let actual: [String: Int] = [
            "+nodes": a.nodes.subtracting(b.nodes).count, "-nodes": b.nodes.subtracting(a.nodes).count,
            "+relationships": a.rels.subtracting(b.rels).count, "-relationships": b.rels.subtracting(a.rels).count,
            "+properties": a.properties.subtracting(b.properties).count, "-properties": b.properties.subtracting(a.properties).count,
            "+labels": a.labels.subtracting(b.labels).count, "-labels": b.labels.subtracting(a.labels).count,
        ]
        for (k, v) in actual where v != (expected[k] ?? 0) {
            return "side effect \(k): expected \(expected[k] ?? 0), got \(v)"
        }
        return nil
    }

    private func compare(_ r: QueryResult, _ table: [[String]], ordered: Bool, ignoreListOrder: Bool) -> String? {
        guard let header = table.first else { return "missing table" }
        guard Set(header) == Set(r.columns), header.count == r.columns.count else {
            return "columns differ: expected \(header), got \(r.columns)"
        }
        let idx = header.map { h in r.columns.firstIndex(of: h)! }
        var expected: [[TCKValue]] = []
        for row in table.dropFirst() {
            var vals: [TCKValue] = []
            for cell in row {
                guard let v = TCKValueParser.parse(cell) else { return "cannot parse expected value \(cell)" }
                vals.append(v)
            }
            expected.append(vals)
        }
        let actual = r.rows.map { row in idx.map { row[$0] } }
        guard actual.count == expected.count else {
            return "expected \(expected.count) rows, got \(actual.count): \(actual.prefix(5))"
        }
        func rowMatch(_ a: [Value], _ e: [TCKValue]) -> Bool {
            a.count == e.count && zip(a, e).allSatisfy { TCKCompare.matches($0, $1, ignoreListOrder: ignoreListOrder) }
        }
        if ordered {
            for (k, (a, e)) in zip(actual, expected).enumerated() where !rowMatch(a, e) {
                return "row \(k) differs: got \(a)"
            }
            return nil
        }
        var used = [Bool](repeating: false, count: actual.count)
        outer: for e in expected {
            for (k, a) in actual.enumerated() where !used[k] && rowMatch(a, e) {
                used[k] = true
                continue outer
            }
            return "no row matches expected \(e); got \(actual.prefix(6))"
        }
        return nil
    }
}
