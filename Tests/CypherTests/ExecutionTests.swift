import Testing
@testable import Cypher

@Suite("Execution")
struct ExecutionTests {
    let engine = CypherEngine()

    @Test func createMatchAndReturnWithParameters() throws {
        let g = InMemoryGraph()
        let created = try engine.execute("CREATE (c:Creator {id: $id, name: 'Ada'})-[:CREATED {at: 1}]->(:Content {title: 'Hello'})",
                                         parameters: ["id": .int(7)], on: g)
        #expect(created.stats.nodesCreated == 2)
        #expect(created.stats.relationshipsCreated == 1)
        let r = try engine.execute("MATCH (c:Creator {id: $id})-[r:CREATED]->(x) RETURN c.name AS name, x.title AS title, r.at",
                                   parameters: ["id": .int(7)], on: g)
        #expect(r.columns == ["name", "title", "r.at"])
        #expect(r.rows == [[.string("Ada"), .string("Hello"), .int(1)]])
    }

    @Test func aggregationGroupsImplicitly() throws {
        let g = InMemoryGraph()
        let r = try engine.execute("UNWIND [1, 2, 3, 4, 5] AS x RETURN x % 2 AS odd, count(*) AS n, sum(x) AS s ORDER BY odd", on: g)
        #expect(r.rows == [[.int(0), .int(2), .int(6)], [.int(1), .int(3), .int(9)]])
    }

    @Test func nullSemantics() throws {
        let r = try engine.execute("RETURN null = null AS a, 1 < 'x' AS b, null OR true AS c, [1, null] = [1, null] AS d", on: InMemoryGraph())
        #expect(r.rows == [[.null, .null, .bool(true), .null]])
    }

    @Test func failingStatementWritesNothing() throws {
        let g = InMemoryGraph()
        _ = try engine.execute("CREATE (:A)", on: g)
        #expect(throws: CypherError.self) { _ = try engine.execute("CREATE (:B) WITH 1 AS x RETURN 1 / 0", on: g) }
        #expect(g.nodeCount == 1)
    }

    @Test func readOnlyRefusesWrites() {
        let g = InMemoryGraph()
        do {
            _ = try engine.execute("CREATE (:A)", on: g, readOnly: true)
            Issue.record("write allowed")
        } catch {
            #expect(error.detail == "ForbiddenWrite")
        }
        #expect(g.nodeCount == 0)
    }

    @Test func explainShowsIndexSeekWhenIndexExists() throws {
        let g = InMemoryGraph()
        let scan = try engine.execute("EXPLAIN MATCH (c:Creator {id: $id}) RETURN c", on: g)
        #expect(scan.plan?.first == "NodeByLabelScan(c:Creator)")
        g.indexes.insert(["Creator", "id"])
        let seek = try engine.execute("EXPLAIN MATCH (c:Creator {id: $id}) RETURN c", on: g)
        #expect(seek.plan?.first == "NodeIndexSeek(c:Creator {id})")
    }

    @Test func timeoutStopsRunawayQuery() {
        let g = InMemoryGraph()
        let start = ContinuousClock.now
        do {
            _ = try engine.execute("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*)", on: g,
                                   limits: .init(timeout: .milliseconds(300), maxRows: 100_000_000))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.detail == "Timeout" || error.detail == "RowLimit")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func variableLengthAndPaths() throws {
        let g = InMemoryGraph()
        _ = try engine.execute("CREATE (a:N {i: 1})-[:R]->(b:N {i: 2})-[:R]->(c:N {i: 3})", on: g)
        let r = try engine.execute("MATCH p = (a:N {i: 1})-[:R*]->(x) RETURN x.i AS i, length(p) AS len ORDER BY i", on: g)
        #expect(r.rows == [[.int(2), .int(1)], [.int(3), .int(2)]])
    }
}

@Suite("Execution (more)")
struct MoreExecutionTests {
    let engine = CypherEngine()

    @Test func semanticErrorNamesTheClause() {
        do {
            _ = try engine.execute("MATCH (a)\nRETURN b", on: InMemoryGraph())
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "SyntaxError.UndefinedVariable")
            #expect(error.compileTime)
            #expect(error.line == 2 && error.column == 1)
        }
    }

    @Test func registeredProcedureIsCallable() throws {
        let engine = CypherEngine()
        engine.register(Procedure(name: "studio.double", inputs: [.init(name: "x", type: "INTEGER?")],
                                  outputs: [.init(name: "y", type: "INTEGER?")]) { args in
            guard case .int(let x) = args[0] else { return [[.null]] }
            return [[.int(x * 2)]]
        })
        let r = try engine.execute("UNWIND [1, 2] AS i CALL studio.double(i) YIELD y RETURN i, y ORDER BY i", on: InMemoryGraph())
        #expect(r.rows == [[.int(1), .int(2)], [.int(2), .int(4)]])
        #expect(throws: CypherError.self) { _ = try engine.execute("CALL studio.double('x')", on: InMemoryGraph()) }
    }

    @Test func profileReportsRowsAndPlan() throws {
        let g = InMemoryGraph()
        _ = try engine.execute("UNWIND range(1, 3) AS i CREATE (:N {i: i})", on: g)
        let r = try engine.execute("PROFILE MATCH (n:N) WHERE n.i > 1 RETURN n.i AS i", on: g)
        #expect(r.rows.count == 2)
        #expect(r.plan?.first == "NodeByLabelScan(n:N)")
        #expect(r.plan?.last?.hasPrefix("rows: 2") == true)
        #expect(r.plan?.contains { $0.hasPrefix("profile Match: rows 2") } == true)
        #expect(r.plan?.contains { $0.hasPrefix("profile Return(i): rows 2") } == true)
    }

    @Test func mergeIsIdempotentAcrossRows() throws {
        let g = InMemoryGraph()
        let r = try engine.execute("UNWIND [1, 1, 2] AS id MERGE (c:Creator {id: id}) ON CREATE SET c.new = true RETURN count(*) AS n", on: g)
        #expect(r.rows == [[.int(3)]])
        #expect(g.nodeCount == 2)
    }

    @Test func temporalValuesRenderAsISO() throws {
        let r = try engine.execute("RETURN toString(date('2024-02-29') + duration('P1Y')) AS d, datetime('2024-03-10T12:00+01:00').epochSeconds AS s", on: InMemoryGraph())
        #expect(r.rows == [[.string("2025-02-28"), .int(1_710_068_400)]])
    }
}

@Suite("Hostile input")
struct HostileInputTests {
    /// Each query must end in a result or a CypherError: no trap on overflow, odd digits or huge values.
    @Test func extremeArgumentsNeverCrash() {
        let engine = CypherEngine()
        let queries = [
            "RETURN range(-9223372036854775807, 9223372036854775807, 9223372036854775807)",
            "RETURN range(0, 10, -9223372036854775808)",
            "RETURN date({year: 1e300})", "RETURN date({year: 9223372036854775807, week: 3})",
            "RETURN date('٢٠٢٤-01-01')", "RETURN localtime('1٢:00')", "RETURN datetime('2024-01-01T10:00+0٢:00')",
            "RETURN duration({hours: 9223372036854775807})", "RETURN duration({days: 1e300})",
            "RETURN date('2024-01-01') + duration({days: 9223372036854775807})",
            "RETURN datetime({epochSeconds: 1, nanosecond: 999999999999})",
            "RETURN duration('P1e400D')", "RETURN duration('PT9223372036854775807H')",
            "RETURN -9223372036854775808 / -1", "RETURN abs(-9223372036854775808)", "RETURN 9223372036854775807 * 2",
            "RETURN toInteger(1e300)", "RETURN [1,2,3][-9223372036854775808]", "RETURN [1,2,3][0..9223372036854775807]",
            "RETURN substring('abc', 9223372036854775807)", "RETURN left('abc', 9223372036854775807)",
            "RETURN round(1.5, 9223372036854775807)", "UNWIND range(1, 3) AS x RETURN x SKIP 9223372036854775807",
            "MATCH (n)-[*0..9223372036854775807]->(m) RETURN count(*)", "RETURN duration.between(date('-999999999-01-01'), date('+999999999-12-31'))",
            "RETURN duration({months: 9.2e18}) * 10", "RETURN datetime.fromepochmillis(-9223372036854775808)",
        ]
        let g = InMemoryGraph()
        _ = try? engine.execute("CREATE (:A)-[:R]->(:B)", on: g)
        for q in queries {
            do {
                _ = try engine.execute(q, on: g, limits: .init(timeout: .seconds(2), maxRows: 100_000))
            } catch {
                #expect(!error.kind.isEmpty, "\(q)")
            }
        }
    }
}

@Suite("Value depth")
struct ValueDepthTests {
    @Test func reduceCannotBuildUnboundedDepth() {
        do {
            _ = try CypherEngine().execute("RETURN reduce(l = [], x IN range(1, 200000) | [l]) AS deep", on: InMemoryGraph())
            Issue.record("expected an error")
        } catch {
            #expect(error.detail == "NumberOutOfRange")
        }
    }

    @Test func wideReduceStillWorks() throws {
        let r = try CypherEngine().execute("RETURN size(reduce(l = [], x IN range(1, 2000) | l + [x])) AS n", on: InMemoryGraph())
        #expect(r.rows == [[.int(2000)]])
    }
}
