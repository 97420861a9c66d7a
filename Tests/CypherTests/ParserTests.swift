import Foundation
import Testing
@testable import Cypher

@Suite("Parser")
struct ParserTests {
    @Test func parsesClausesAndPatterns() throws {
        let st = try Parser.parse("MATCH (a:Person {name: 'x'})-[r:KNOWS*1..3]->(b) WHERE a.age > 3 RETURN b.name AS n ORDER BY n DESC SKIP 1 LIMIT 2")
        #expect(st.parts.count == 1)
        guard case .match(false, let patterns, let filter) = st.parts[0][0] else { Issue.record("not a MATCH"); return }
        #expect(filter != nil)
        #expect(patterns[0].nodes[0].labels == ["Person"])
        #expect(patterns[0].rels[0].types == ["KNOWS"])
        #expect(patterns[0].rels[0].range == VarLength(min: 1, max: 3))
        #expect(patterns[0].rels[0].direction == .outgoing)
        guard case .ret(let proj) = st.parts[0][1] else { Issue.record("not a RETURN"); return }
        #expect(proj.items.map(\.name) == ["n"])
        #expect(proj.orderBy.first?.descending == true)
    }

    @Test func unaliasedColumnKeepsSourceText() throws {
        let st = try Parser.parse("RETURN 1 + 2,  n.prop ,count(*)")
        guard case .ret(let proj) = st.parts[0][0] else { Issue.record("not a RETURN"); return }
        #expect(proj.items.map(\.name) == ["1 + 2", "n.prop", "count(*)"])
    }

    @Test func precedenceOfArithmeticAndBoolean() throws {
        let st = try Parser.parse("RETURN 1 + 2 * 3 = 7 AND NOT false")
        guard case .ret(let proj) = st.parts[0][0] else { Issue.record("not a RETURN"); return }
        guard case .binary(.and, .comparison(.binary(.add, _, .binary(.multiply, _, _)), _), .not) = proj.items[0].expr else {
            Issue.record("unexpected tree \(proj.items[0].expr)"); return
        }
    }

    @Test func relationshipDirections() throws {
        for (q, dir) in [("MATCH (a)-->(b) RETURN a", Direction.outgoing), ("MATCH (a)<--(b) RETURN a", .incoming),
                         ("MATCH (a)--(b) RETURN a", .both), ("MATCH (a)<-[:T]-(b) RETURN a", .incoming),
                         ("MATCH (a)-[:T]->(b) RETURN a", .outgoing), ("MATCH (a)<-->(b) RETURN a", .both)] {
            let st = try Parser.parse(q)
            guard case .match(_, let p, _) = st.parts[0][0] else { Issue.record("not a MATCH"); continue }
            #expect(p[0].rels[0].direction == dir, "\(q)")
        }
    }

    @Test func syntaxErrorCarriesLineAndColumn() {
        do {
            _ = try Parser.parse("MATCH (n)\nRETURN n +")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == "SyntaxError")
            #expect(error.line == 2)
            #expect(error.column == 11)
        }
        do {
            _ = try Parser.parse("RETURN 'abc")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 1)
            #expect(error.column == 8)
            #expect(error.message.contains("unterminated"))
        }
    }

    @Test func integerLiteralLimits() throws {
        _ = try Parser.parse("RETURN -9223372036854775808, 9223372036854775807, 0x7FFFFFFFFFFFFFFF, 0o17")
        #expect(throws: CypherError.self) { _ = try Parser.parse("RETURN 9223372036854775808") }
        do { _ = try Parser.parse("RETURN 9223372036854775808") } catch { #expect(error.detail == "IntegerOverflow") }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        for open in ["(", "[", "{a:", "-", "NOT "] {
            let depth = 1_000_000 / open.count
            let q = "RETURN " + String(repeating: open, count: depth) + "1"
            do {
                _ = try Parser.parse(q)
                Issue.record("expected an error for \(open)")
            } catch {
                #expect(error.kind == "SyntaxError")
                #expect(error.detail == "NestingTooDeep" || error.detail == "UnexpectedSyntax")
            }
        }
        // Nesting within the limit still parses.
        let ok = "RETURN " + String(repeating: "[", count: 50) + "1" + String(repeating: "]", count: 50)
        #expect(throws: Never.self) { _ = try Parser.parse(ok) }
    }

    /// Random byte edits of valid queries must always give a statement or a CypherError, never a crash.
    @Test func mutationFuzz() {
        let seeds = [
            "MATCH (a:A {x: 1})-[r:T*1..2]->(b) WHERE a.y IN [1, 2.5, 'x'] RETURN a, count(*) AS c ORDER BY c DESC LIMIT 3",
            "UNWIND range(1, 10) AS i WITH i WHERE i % 2 = 0 RETURN collect(DISTINCT i) AS l",
            "MERGE (n:N {id: $id}) ON CREATE SET n.created = 1 ON MATCH SET n += {seen: true} RETURN n",
            "RETURN [x IN [1,2,3] WHERE x > 1 | x * 2], {a: 1, b: [null]}, CASE WHEN true THEN 'y' ELSE \"n\" END",
            "MATCH p = (a)-->(b) OPTIONAL MATCH (b)<-[:R]-(c) DETACH DELETE a RETURN nodes(p), any(x IN [] WHERE x)",
            "CREATE (a:X {s: 'it\\'s'})-[:R {w: 0x1F}]->(b:Y) /* c */ RETURN a.s // end",
            "RETURN date({year: 2024, week: 3}) + duration('P1Y2M3DT4H5.5S'), datetime('2024-01-01T10:00+01:00[Europe/Stockholm]').epochMillis",
            "RETURN range(-9223372036854775807, 10, 3)[-2..], toInteger('12'), split('a,b', ','), reduce(s = 0, x IN [1,2] | s + x)",
            "WITH localtime('12:31:14.645') AS t RETURN localtime.truncate('second', t, {nanosecond: 2}), duration.between(date('2020-02-29'), date('2021-02-28'))",
        ]
        var rng = SplitMix(seed: 0x5eed)
        let engine = CypherEngine()
        let graph = InMemoryGraph()
        _ = try? engine.execute("CREATE (:A {x: 1, y: 2})-[:T]->(:B {x: 2})-[:R]->(:A {x: 3})", on: graph)
        let alphabet = Array("()[]{}<>-:.,;|*+/%^=~'\"`$\\ 0123456789abcXYZ\n\u{0}é".unicodeScalars)
        let clock = ContinuousClock()
        // CYPHER_FUZZ_SECONDS lengthens the run for a deeper search; make test uses the 2 s default.
        let seconds = Int(ProcessInfo.processInfo.environment["CYPHER_FUZZ_SECONDS"] ?? "") ?? 2
        let end = clock.now + .seconds(seconds)
        var iterations = 0
        while clock.now < end {
            var s = Array(seeds[Int(rng.next() % UInt64(seeds.count))].unicodeScalars)
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let pos = s.isEmpty ? 0 : Int(rng.next() % UInt64(s.count))
                switch rng.next() % 3 {
                case 0 where !s.isEmpty: s.remove(at: pos)
                case 1: s.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: pos)
                default: if !s.isEmpty { s[pos] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                }
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: s)
            let query = String(text)
            do {
                let st = try Parser.parse(query)
                #expect(!st.parts.isEmpty)
                // What parses must also run (or fail cleanly) on a small graph.
                do {
                    _ = try engine.execute(query, parameters: ["id": .int(1)], on: graph,
                                           limits: .init(timeout: .milliseconds(200), maxRows: 10_000))
                } catch {
                    #expect(!error.kind.isEmpty)
                }
            } catch {
                #expect(!error.kind.isEmpty)
                #expect(error.line != nil)
            }
            iterations += 1
        }
        #expect(iterations > 100)
    }
}

/// Small deterministic PRNG so fuzz failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
