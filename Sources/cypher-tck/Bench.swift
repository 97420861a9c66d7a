import Cypher
import Foundation
import Graph

/// `cypher-tck --bench`: in-process timings of parse+check and of Q1–Q3 through the engine on the LMDB store.
enum Bench {
    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    static func time(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
        }
        return median(samples)
    }

    static func run() throws {
        let q1 = "MATCH (c:Creator {id: $id}) RETURN c"
        let q2 = "MATCH (c:Creator {id: $id})-[:CREATED]->(x:Content) RETURN x.title AS title"
        let q3 = "MATCH (c:Creator {id: $id})-[:CREATED]->(:Content)-[p:PERFORMS]->(m:Metric) RETURN sum(m.views) AS views"
        let parse = try time(2000) { _ = try CypherEngine().prepare(q3) }
        print(String(format: "parse+check (Q3 text, uncached): %.1f µs median", parse))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cypher-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try GraphStore(directory: dir, options: .init(durable: false))
        defer { store.close() }
        let engine = CypherEngine()
        _ = try store.writeSync { tx in try tx.createIndex(label: "Creator", property: "id") }
        for batch in 0..<10 {
            _ = try store.writeSync { tx in
                try engine.execute("""
                    UNWIND range($from, $from + 99) AS i
                    CREATE (c:Creator {id: i, name: 'creator ' + toString(i)})
                    WITH c, i UNWIND range(1, 10) AS k
                    CREATE (c)-[:CREATED {timestamp: k}]->(x:Content {title: 'post ' + toString(k)})
                    WITH x, k UNWIND range(1, 3) AS j
                    CREATE (x)-[:PERFORMS]->(:Metric {views: j * k})
                    """, parameters: ["from": .int(Int64(batch * 100))], on: StoreGraph(tx)).stats.nodesCreated
            }
        }
        for (name, q) in [("Q1", q1), ("Q2", q2), ("Q3", q3)] {
            let prepared = try engine.prepare(q)
            var id: Int64 = 0
            let t = try time(1000) {
                id = (id &* 7 &+ 13) % 1000
                _ = try store.read { tx in try engine.execute(prepared, parameters: ["id": .int(id)], on: StoreGraph(tx)) }
            }
            print(String(format: "%@ end to end (cached plan, LMDB, 1,000 creators): %.1f µs median", name, t))
        }
    }
}
