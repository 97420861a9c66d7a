import ArgumentParser
import Graph
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `studio-bench graph`: the issue-3 graph benchmark on the Swift API.
///
/// Builds the demo graph, exports it to CSV (the files the reference engines load), times the import of those
/// CSVs into an empty store, then runs Q1–Q5 and writes the figures as one JSON object (`--json`).
/// Q1–Q3 are medians over the same random creators every engine uses (SplitMix64, seed 7): one warm-up pass,
/// then the median of `--passes` pass medians.
public struct GraphBench: AsyncParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(commandName: "graph", abstract: "Benchmark the graph store (import, Q1–Q5).")

    @Option(help: "Creators in the demo graph.") var users: Int = 10_000
    @Option(help: "Demo seed.") var seed: UInt64 = 20_240_601
    @Option(help: "Scratch directory (demo store, CSV files, imported store).") var work: String
    @Option(help: "Random creators for Q1–Q3.") var queries: Int = 1000
    @Option(help: "Timed passes for Q1–Q3.") var passes: Int = 3
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Flag(help: "Reuse the CSV files already in WORK/csv (skip building and exporting the demo).") var reuseCSV = false

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Runs the benchmark.
    public func run() async throws {
        let clock = ContinuousClock()
        var r: [(String, String)] = [("engine", "\"studio\"")]
        func record(_ key: String, _ value: Double) { r.append((key, String(value))) }
        func say(_ text: String) { print(text); fflush(nil) }

        let demoDir = work + "/demo-store", csvDir = work + "/csv", storeDir = work + "/store"
        for dir in reuseCSV ? [storeDir] : [demoDir, storeDir] { _ = system(dir) }
        var t0 = clock.now
        if !reuseCSV {
            let demo = try GraphStore(directory: demoDir, options: GraphStore.Options(initialMapSize: 1 << 30))
            let built = try DemoGraph.build(into: demo, users: users, seed: seed)
            record("demo_build_s", (clock.now - t0).secondsValue)
            say("demo: \(built.creators + built.content + built.metrics) nodes, \(built.relationships) relationships in \(fmt((clock.now - t0).secondsValue)) s")
            t0 = clock.now
            _ = try CSVExport.export(demo, to: csvDir)
            record("export_s", (clock.now - t0).secondsValue)
            demo.close()
        }

        t0 = clock.now
        let store = try GraphStore(directory: storeDir)
        defer { store.close() }
        let imported = try CSVImport.importDirectory(csvDir, into: store)
        let importSeconds = (clock.now - t0).secondsValue
        record("import_s", importSeconds)
        record("import_entities_per_s", Double(imported.nodes + imported.relationships) / importSeconds)
        say("import: \(imported.nodes) nodes + \(imported.relationships) relationships in \(fmt(importSeconds)) s")

        var rng = GraphBenchRandom(seed: 7)
        let creators = (0..<queries).map { _ in Int64(rng.next() % UInt64(users)) + 1 }

        // Q1: creator by indexed id, all properties.
        var q1Found = 0
        let q1 = try timed(creators, passes: passes) { id in
            try store.read { txn in
                guard let nid = try txn.findNodes(label: "Creator", property: "id", equals: .int(id), limit: 1).first,
                      let node = try txn.node(nid) else { return 0 }
                return node.properties.isEmpty ? 0 : 1
            }
        } check: { q1Found = $0 }
        record("q1_us", q1)
        // Q2: the creator's content, all properties.
        var q2Rows = 0
        let q2 = try timed(creators, passes: passes) { id in
            try store.read { txn in
                guard let nid = try txn.findNodes(label: "Creator", property: "id", equals: .int(id), limit: 1).first else { return 0 }
                var rows = 0
                try txn.forEachAdjacent(of: nid, direction: .outgoing, type: "CREATED") { (_, content) throws(GraphError) -> Bool in
                    if try txn.node(content) != nil { rows += 1 }
                    return true
                }
                return rows
            }
        } check: { q2Rows = $0 }
        record("q2_us", q2)
        // Q3: metrics of the creator's content, count and sum of views.
        var q3Metrics = 0
        var q3Views: Int64 = 0
        let q3 = try timed(creators, passes: passes) { id in
            try store.read { txn in
                guard let nid = try txn.findNodes(label: "Creator", property: "id", equals: .int(id), limit: 1).first,
                      let views = try txn.propertyKey("views") else { return 0 }
                var count = 0
                var sum: Int64 = 0
                try txn.forEachAdjacent(of: nid, direction: .outgoing, type: "CREATED") { (_, content) throws(GraphError) -> Bool in
                    try txn.forEachAdjacent(of: content, direction: .outgoing, type: "PERFORMS") { (_, metric) throws(GraphError) -> Bool in
                        if case .int(let v)? = try txn.property(views, ofNode: metric) { sum += v }
                        count += 1
                        return true
                    }
                    return true
                }
                q3Views &+= sum
                return count
            }
        } check: { q3Metrics = $0 }
        q3Views /= Int64(passes + 1)
        record("q3_us", q3)
        say("Q1 \(fmt(q1)) µs, Q2 \(fmt(q2)) µs, Q3 \(fmt(q3)) µs (found \(q1Found), Q2 rows \(q2Rows), Q3 metrics \(q3Metrics), Σviews \(q3Views))")

        // Q4: per creator, distinct content count and average engagement; top 100.
        var q4Times: [Double] = []
        var top: [(Int64, Int, Double)] = []
        for _ in 0..<3 {
            let start = clock.now
            top = try store.read { txn in try creatorEngagement(txn) }
            q4Times.append((clock.now - start).secondsValue)
        }
        record("q4_s", median(q4Times))
        say("Q4 \(fmt(median(q4Times))) s (top: creator \(top.first?.0 ?? 0), \(top.first?.1 ?? 0) content, avg \(top.first?.2 ?? 0); Σcontent top100 \(top.reduce(0) { $0 + $1.1 }))")

        // Q5: 10,000 metric nodes with PERFORMS from random content, 100 per durable transaction.
        let contentIDs = try store.read { txn in try txn.nodes(withLabel: "Content") }
        let q5Sequential = try q5(store, contentIDs, clients: 1, rng: &rng)
        let q5Group = try await q5Concurrent(store, contentIDs, clients: 8, seed: 11)
        record("q5_nodes_per_s", q5Sequential)
        record("q5_group_nodes_per_s", q5Group)
        say("Q5 \(Int(q5Sequential)) nodes/s one client, \(Int(q5Group)) nodes/s with 8 clients (group commit)")

        r += [("q1_found", "\(q1Found)"), ("q2_rows", "\(q2Rows)"), ("q3_metrics", "\(q3Metrics)"), ("q3_views", "\(q3Views)"),
              ("q4_top_creator", "\(top.first?.0 ?? 0)"), ("q4_top100_content", "\(top.reduce(0) { $0 + $1.1 })")]
        let report = try store.check()
        r.append(("check_clean", report.isClean ? "true" : "false"))
        let text = "{" + r.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
        if let json {
            guard let f = fopen(json, "w") else { throw GraphError(.io, "cannot write \(json)") }
            fputs(text, f)
            fclose(f)
        }
        print(text, terminator: "")
    }

    /// Times `body` for each creator: one warm-up pass, then `passes` timed ones; returns the median of pass medians in µs.
    /// `check` receives the summed result of the last pass (rows found), for cross-engine comparison.
    private func timed(_ creators: [Int64], passes: Int, _ body: (Int64) throws -> Int, check: (Int) -> Void) throws -> Double {
        let clock = ContinuousClock()
        var medians: [Double] = []
        var total = 0
        for pass in 0...passes {
            var samples: [Double] = []
            samples.reserveCapacity(creators.count)
            total = 0
            for id in creators {
                let start = clock.now
                total += try body(id)
                samples.append((clock.now - start).secondsValue * 1e6)
            }
            if pass > 0 { medians.append(median(samples)) }
        }
        check(total)
        return median(medians)
    }

    private func q5(_ store: GraphStore, _ content: [NodeID], clients: Int, rng: inout GraphBenchRandom) throws -> Double {
        let clock = ContinuousClock()
        var batches: [[(NodeID, Int64)]] = []
        for b in 0..<100 {
            batches.append((0..<100).map { i in (content[Int(rng.next() % UInt64(content.count))], Int64(b * 100 + i)) })
        }
        let start = clock.now
        for batch in batches { try store.writeSync { txn in try insertMetrics(txn, batch) } }
        return 10_000 / (clock.now - start).secondsValue
    }

    private func q5Concurrent(_ store: GraphStore, _ content: [NodeID], clients: Int, seed: UInt64) async throws -> Double {
        var rng = GraphBenchRandom(seed: seed)
        var batches: [[(NodeID, Int64)]] = []
        for b in 0..<100 {
            batches.append((0..<100).map { i in (content[Int(rng.next() % UInt64(content.count))], Int64(1_000_000 + b * 100 + i)) })
        }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<clients {
                let mine = stride(from: c, to: batches.count, by: clients).map { batches[$0] }
                group.addTask {
                    for batch in mine { try await store.write { txn in try insertMetrics(txn, batch) } }
                }
            }
            try await group.waitForAll()
        }
        return 10_000 / (clock.now - start).secondsValue
    }
}

private func insertMetrics(_ txn: WriteTransaction, _ batch: [(NodeID, Int64)]) throws {
    for (content, n) in batch {
        let m = try txn.createNode(labels: ["Metric"], properties: [
            "id": .int(2_000_000_000 + n), "views": .int(n % 1000), "likes": .int(n % 100), "comments": 1, "shares": 0,
        ])
        try txn.createRelationship(type: "PERFORMS", from: content, to: m, properties: ["engagement": .float(Double(n % 100) / 1000)])
    }
}

/// Q4 through the Swift API: one pass over CREATED to map content to creator, one over PERFORMS reading only
/// `engagement` from each relationship record (no metric node is decoded). Node ids index dense arrays.
private func creatorEngagement(_ txn: ReadTransaction) throws -> [(Int64, Int, Double)] {
    guard let engagementKey = try txn.propertyKey("engagement"), let idKey = try txn.propertyKey("id") else { return [] }
    let limit = Int(try txn.nodeIDLimit())
    guard limit < 1 << 28 else { throw GraphError(.invalidValue(field: "nodes"), "node ids too sparse for this aggregation") }
    var owner = [UInt32](repeating: 0, count: limit)
    try txn.forEachRelationship(type: "CREATED") { (r) throws(GraphError) -> Bool in
        owner[Int(r.end)] = UInt32(r.start)
        return true
    }
    var sum = [Double](repeating: 0, count: limit)
    var metrics = [Int32](repeating: 0, count: limit)
    var content = [Int32](repeating: 0, count: limit)
    var seen = [Bool](repeating: false, count: limit)
    try txn.forEachRelationship(type: "PERFORMS") { (r) throws(GraphError) -> Bool in
        let creator = Int(owner[Int(r.start)])
        guard creator != 0, case .float(let e) = try r.property(engagementKey) else { return true }
        sum[creator] += e
        metrics[creator] += 1
        if !seen[Int(r.start)] {
            seen[Int(r.start)] = true
            content[creator] += 1
        }
        return true
    }
    var rows: [(Int64, Int, Double)] = []
    for creator in 0..<limit where metrics[creator] > 0 {
        guard case .int(let id)? = try txn.property(idKey, ofNode: NodeID(creator)) else { continue }
        rows.append((id, Int(content[creator]), sum[creator] / Double(metrics[creator])))
    }
    rows.sort { $0.2 != $1.2 ? $0.2 > $1.2 : $0.0 < $1.0 }
    return Array(rows.prefix(100))
}

/// SplitMix64, identical in the Python and C reference scripts, so every engine queries the same creators.
private struct GraphBenchRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

private func fmt(_ v: Double) -> String {
    let scaled = Int((v * 100).rounded())
    return "\(scaled / 100).\(scaled % 100 < 10 ? "0" : "")\(scaled % 100)"
}

/// Removes a scratch directory tree (only ones this benchmark created under --work).
private func system(_ directory: String) -> Int32 {
    var argv: [UnsafeMutablePointer<CChar>?] = [strdup("rm"), strdup("-rf"), strdup(directory), nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, "rm", nil, nil, &argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return status
}

private extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
