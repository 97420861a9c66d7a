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
