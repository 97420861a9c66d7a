import Foundation
import Testing
@testable import Graph

@Suite struct CSVTests {
    private func write(_ dir: TempDir, _ name: String, _ text: String) -> String {
        let path = dir.path + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    private func files(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            out[name] = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
        }
        return out
    }

    @Test func demoGraphRoundTripsThroughCSV() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let first = try GraphStore(directory: dir.path + "/a/graph")
        let built = try DemoGraph.build(into: first, users: 300, seed: 7)
        #expect(built.content == 6000 && built.metrics == 30_000)
        try first.writeSync { txn in
            // Typed values the demo lacks: big ints, offsets and zones, durations, lists, odd strings.
            try txn.createNode(labels: ["Extra", "Second"], properties: [
                "big": .int(9_007_199_254_740_993), "at": .dateTime(try ZonedDateTime(iso: "2024-06-01T12:30:05.5+05:45[Asia/Kathmandu]")),
                "span": .duration(TemporalDuration(months: 14, days: -2, seconds: 5, nanoseconds: 7)), "tags": ["a", "b c", ""],
                "text": "comma, \"quote\"\nnewline", "empty": "", "pad": " x ", "n": [1, 2, 3], "none": .list([]),
                "day": .date(try LocalDate(iso: "1969-07-20")), "t": .time(try OffsetTime(iso: "23:59:59.999-03:00")),
                "lt": .localTime(try LocalTime(iso: "00:00:01")), "ldt": .localDateTime(try LocalDateTime(iso: "2000-01-01T00:00")),
                "raw": .bytes([0, 1, 254]), "f": .float(-0.1), "inf": .float(.infinity), "yes": true,
            ])
        }
        let firstExport = try CSVExport.export(first, to: dir.path + "/csv1")
        first.close()
        #expect(firstExport.nodes == 36_301)

        let second = try GraphStore(directory: dir.path + "/b/graph")
        defer { second.close() }
        let summary = try CSVImport.importDirectory(dir.path + "/csv1", into: second)
        #expect(summary.nodes == 36_301 && summary.relationships == 36_000 && summary.indexes == 2)
        #expect(try second.check().isClean)
        _ = try CSVExport.export(second, to: dir.path + "/csv2")
        let a = try files(dir.path + "/csv1"), b = try files(dir.path + "/csv2")
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, text) in a {
            #expect(text.split(separator: "\n").sorted() == b[name]?.split(separator: "\n").sorted(), "\(name) differs")
        }
        // Typed values came back as values, not strings.
        let extra = try second.read { txn throws in try txn.node(txn.nodes(withLabel: "Extra")[0]) }
        #expect(extra?.properties["big"] == .int(9_007_199_254_740_993))
        #expect(extra?.properties["tags"] == ["a", "b c", ""])
        #expect(extra?.properties["empty"] == "")
        #expect(extra?.properties["none"] == .list([]))
        if case .dateTime(let dt)? = extra?.properties["at"] { #expect(dt.offsetSeconds == 20_700 && dt.zoneName == "Asia/Kathmandu") }
        else { Issue.record("datetime lost its type") }
    }

    @Test func demoIsDeterministic() throws {
        let a = DemoGraph.Plan(users: 50, seed: 1), b = DemoGraph.Plan(users: 50, seed: 1), c = DemoGraph.Plan(users: 50, seed: 2)
        #expect(a.contentOwner == b.contentOwner && a.metricContent == b.metricContent)
        #expect(a.contentOwner != c.contentOwner)
        #expect(a.contentCount == 1000 && a.metricCount == 5000)
        #expect(Set(a.contentOwner).count == 50)  // every creator owns at least one item
    }

    @Test(arguments: [
        ("relationships.csv", ":START_ID,:TYPE\n1,KNOWS\n", "needs :START_ID and :END_ID"),
        ("nodes.csv", ":ID,views:bigint\n1,5\n", "unknown type 'bigint'"),
        ("nodes.csv", ":ID,name\n101,a\n102,b,c\n", "expected 2 fields as in the header, found 3"),
        ("nodes.csv", ":ID,name\n1,\"open\n", "quoted field is not closed"),
        ("nodes.csv", ":ID,n:int\n1,x1\n", "is not an integer"),
        ("nodes.csv", ":ID,at:datetime\n1,yesterday\n", "not a valid"),
        ("nodes.csv", ":ID\n1\n1\n", "appears twice"),
        ("nodes.csv", ":ID,a,a\n1,x,y\n", "appears in two columns"),
        ("relationships.csv", ":START_ID,:END_ID,:TYPE\n1,99,KNOWS\n", "is not the id of any imported node"),
        ("relationships.csv", ":START_ID,:END_ID\n1,2\n", "has no type"),
    ])
    func malformedInputFailsClearlyAndImportsNothing(file: String, text: String, expected: String) throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        // A valid node file alongside, so a failure must roll it back too.
        _ = write(dir, "nodes-ok.csv", ":ID,:LABEL,name\n1,Person,Ada\n2,Person,Bob\n")
        _ = write(dir, file, text)
        let store = try GraphStore(directory: dir.path + "/graph")
        defer { store.close() }
        do {
            _ = try CSVImport.importDirectory(dir.path, into: store)
            Issue.record("import of bad \(file) succeeded")
        } catch let error as GraphError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains(file), "the message names the file: \(error.message)")
        }
        #expect(try store.read { txn throws in try txn.nodeCount() } == 0)
        #expect(try store.read { txn throws in try txn.stats().labels }.isEmpty)
    }

    @Test func hugeFieldIsRefused() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        _ = write(dir, "nodes.csv", ":ID,blob\n1," + String(repeating: "x", count: CSVFormat.maxFieldBytes + 1) + "\n")
        let store = try GraphStore(directory: dir.path + "/graph")
        defer { store.close() }
        #expect(throws: GraphError.self) { try CSVImport.importDirectory(dir.path, into: store) }
        #expect(try store.read { txn throws in try txn.nodeCount() } == 0)
    }

    @Test func neo4jStyleFilesWithIDSpacesAndLabelPrefixes() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let people = write(dir, "people.csv", "personId:ID(People),name,born:int,:LABEL\nada,Ada,1815,Person;Scientist\nbob,\"Bob, Jr\",1990,\n")
        let films = write(dir, "films.csv", "filmId:ID(Films),title\nf1,Film One\n")
        let acted = write(dir, "acted.csv", ":START_ID(People),:END_ID(Films),role,since:date\nada,f1,Lead,2001-02-03\nbob,f1,,2002-01-01\n")
        let store = try GraphStore(directory: dir.path + "/graph")
        defer { store.close() }
        let s = try CSVImport.importFiles(nodes: [.init(path: people, labels: ["Human"]), .init(path: films, labels: ["Film"])],
                                          relationships: [.init(path: acted, type: "ACTED_IN")], into: store)
        #expect(s.nodes == 3 && s.relationships == 2)
        try store.read { txn throws in
            let ada = try #require(try txn.node(txn.findNodes(label: "Person", property: "personId", equals: "ada")[0]))
            #expect(ada.labels == ["Human", "Person", "Scientist"])
            #expect(ada.properties["born"] == 1815)
            let acted = try txn.neighbours(of: ada.id, direction: .outgoing, types: ["ACTED_IN"]).items
            #expect(acted.first?.node.properties["title"] == "Film One")
            #expect(acted.first?.relationship.properties["since"] == .date(try LocalDate(iso: "2001-02-03")))
            let bob = try #require(try txn.node(txn.findNodes(label: "Human", property: "name", equals: "Bob, Jr")[0]))
            #expect(bob.labels == ["Human"])
        }
    }
}
