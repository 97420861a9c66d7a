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
