import Foundation
import Graph
import Testing
@testable import Cypher

@Suite("Cypher on the LMDB store")
struct StoreGraphTests {
    let engine = CypherEngine()

    private func withStore(_ body: (GraphStore) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cypher-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try GraphStore(directory: dir)
        defer { store.close() }
        try body(store)
    }

    @Test func writeThenReadThroughTransactions() throws {
        try withStore { store in
            let engine = self.engine
            let create = try engine.prepare("CREATE (c:Creator {id: $id, name: 'Ada'})-[:CREATED {timestamp: 5}]->(:Content {title: 'Hi', tags: ['a', 'b']})")
            #expect(create.isWrite)
            let stats = try store.writeSync { tx in try engine.execute(create, parameters: ["id": .int(1)], on: StoreGraph(tx)).stats }
            #expect(stats.nodesCreated == 2 && stats.relationshipsCreated == 1)
            let r = try store.read { tx in
                try engine.execute("MATCH (c:Creator {id: 1})-[r:CREATED]->(x) RETURN c.name, r.timestamp, x.tags, labels(x)", on: StoreGraph(tx))
            }
            #expect(r.rows == [[.string("Ada"), .int(5), .list([.string("a"), .string("b")]), .list([.string("Content")])]])
        }
    }

    @Test func failedStatementLeavesStoreUnchanged() throws {
        try withStore { store in
            let engine = self.engine
            #expect(throws: (any Error).self) {
                _ = try store.writeSync { tx in
                    try engine.execute("CREATE (:A {v: 1}) WITH 1 AS x RETURN x / 0", on: StoreGraph(tx)).rows.count
                }
            }
            let count = try store.read { tx in try engine.execute("MATCH (n) RETURN count(n) AS c", on: StoreGraph(tx)).rows }
            #expect(count == [[.int(0)]])
        }
    }

    @Test func readTransactionRefusesWrites() throws {
        try withStore { store in
            let engine = self.engine
            #expect(throws: CypherError.self) {
                _ = try store.read { tx in try engine.execute("CREATE (:A)", on: StoreGraph(tx)) }
            }
        }
    }

    @Test func explainUsesDeclaredIndex() throws {
        try withStore { store in
            let engine = self.engine
            _ = try store.writeSync { tx in try tx.createIndex(label: "Creator", property: "id") }
            _ = try store.writeSync { tx in try engine.execute("UNWIND range(1, 50) AS i CREATE (:Creator {id: i})", on: StoreGraph(tx)).stats.nodesCreated }
            let plan = try store.read { tx in try engine.execute("EXPLAIN MATCH (c:Creator {id: $id}) RETURN c", on: StoreGraph(tx)).plan }
            #expect(plan?.first == "NodeIndexSeek(c:Creator {id})")
            let r = try store.read { tx in
                try engine.execute("MATCH (c:Creator {id: $id}) RETURN c.id AS id", parameters: ["id": .int(42)], on: StoreGraph(tx)).rows
            }
            #expect(r == [[.int(42)]])
        }
    }

    @Test func temporalAndDeleteRoundTrip() throws {
        try withStore { store in
            let engine = self.engine
            _ = try store.writeSync { tx in
                try engine.execute("CREATE (a:M {d: $d})-[:R]->(b:M) ", parameters: ["d": .temporal(.date(days: 19000))], on: StoreGraph(tx)).stats.nodesCreated
            }
            let d = try store.read { tx in try engine.execute("MATCH (a:M) WHERE a.d IS NOT NULL RETURN a.d", on: StoreGraph(tx)).rows }
            #expect(d == [[.temporal(.date(days: 19000))]])
            #expect(throws: CypherError.self) {
                _ = try store.writeSync { tx in try engine.execute("MATCH (a:M) DELETE a", on: StoreGraph(tx)).stats.nodesDeleted }
            }
            let deleted = try store.writeSync { tx in try engine.execute("MATCH (a:M) DETACH DELETE a", on: StoreGraph(tx)).stats.nodesDeleted }
            #expect(deleted == 2)
        }
    }
}

@Suite("App-shaped queries on the store")
struct AppQueryTests {
    @Test func creatorContentMetricsFlow() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cypher-app-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try GraphStore(directory: dir)
        defer { store.close() }
        let engine = CypherEngine()
        let write = """
            MERGE (u:User {id: $userId}) ON CREATE SET u.created = datetime($now)
            CREATE (c:Content {id: $contentId, title: $title})
            CREATE (u)-[:CREATED {timestamp: datetime($now)}]->(c)
            WITH c UNWIND $metrics AS m
            CREATE (c)-[:PERFORMS {engagement: m.engagement}]->(:Metric {views: m.views, at: date(m.day)})
            """
        for (i, title) in ["a", "b"].enumerated() {
            let params: [String: Value] = [
                "userId": .int(1), "contentId": .int(Int64(10 + i)), "title": .string(title), "now": .string("2026-01-0\(i + 1)T10:00:00Z"),
                "metrics": .list([.map(["views": .int(100), "engagement": .float(0.5), "day": .string("2026-01-01")]),
                                  .map(["views": .int(Int64(50 * (i + 1))), "engagement": .float(0.25), "day": .string("2026-01-02")])]),
            ]
            _ = try store.writeSync { tx in try engine.execute(write, parameters: params, on: StoreGraph(tx)).stats.nodesCreated }
        }
        let r = try store.read { tx in
            try engine.execute("""
                MATCH (u:User {id: $id})-[:CREATED]->(c:Content)
                OPTIONAL MATCH (c)-[p:PERFORMS]->(m:Metric) WHERE m.at >= date('2026-01-02')
                RETURN c.title AS title, sum(m.views) AS views, count(DISTINCT m) AS metrics
                ORDER BY views DESC
                """, parameters: ["id": .int(1)], on: StoreGraph(tx))
        }
        #expect(r.columns == ["title", "views", "metrics"])
        #expect(r.rows == [[.string("b"), .int(100), .int(1)], [.string("a"), .int(50), .int(1)]])
        let users = try store.read { tx in try engine.execute("MATCH (u:User) RETURN count(u) AS n, u.created.year AS y", on: StoreGraph(tx)).rows }
        #expect(users == [[.int(1), .int(2026)]])
    }
}
