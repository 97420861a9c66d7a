import Testing
@testable import Graph

@Suite struct StoreTests {
    @Test func createReadUpdateDelete() async throws {
        try await withStore { store, _ in
            let (a, b, r) = try await store.write { txn in
                let a = try txn.createNode(labels: ["Creator", "Person"], properties: ["name": "Ada", "age": 36, "gone": .null])
                let b = try txn.createNode(labels: ["Content"], properties: ["title": "Hello"])
                let r = try txn.createRelationship(type: "CREATED", from: a, to: b, properties: ["at": 5])
                return (a, b, r)
            }
            try store.read { txn throws in
                let node = try #require(try txn.node(a))
                #expect(node.labels == ["Creator", "Person"])
                #expect(node.properties == ["name": "Ada", "age": 36])
                let rel = try #require(try txn.relationship(r))
                #expect(rel == Relationship(id: r, type: "CREATED", start: a, end: b, properties: ["at": 5]))
                #expect(try txn.node(999) == nil)
            }
            try await store.write { txn in
                try txn.setProperties(["age": 37, "name": .null, "city": "London"], ofNode: a)
                try txn.removeLabels(["Person"], from: a)
                try txn.addLabels(["Admin"], to: a)
                try txn.setProperties(["at": .null, "weight": 0.5], ofRelationship: r)
            }
            try store.read { txn throws in
                let node = try #require(try txn.node(a))
                #expect(node.labels == ["Admin", "Creator"])
                #expect(node.properties == ["age": 37, "city": "London"])
                #expect(try txn.relationship(r)?.properties == ["weight": 0.5])
                #expect(try txn.count(label: "Person") == 0)
                #expect(try txn.count(label: "Admin") == 1)
                #expect(try txn.nodes(withLabel: "Admin") == [a])
            }
            try await store.write { txn in try txn.deleteRelationship(r) }
            try store.read { txn throws in
                #expect(try txn.relationship(r) == nil)
                #expect(try txn.degree(of: a) == 0)
                #expect(try txn.relationshipCount() == 0)
            }
            await #expect(throws: GraphError.self) { try await store.write { txn in try txn.deleteRelationship(r) } }
            await #expect(throws: GraphError(.missingEndpoint, "end node 777 does not exist")) {
                try await store.write { txn in try txn.createRelationship(type: "X", from: a, to: 777) }
            }
            #expect(try store.check().isClean)
        }
    }

    @Test func typedValuesRoundTrip() async throws {
        try await withStore { store, _ in
            let props: [String: PropertyValue] = [
                "big": .int(9_007_199_254_740_993),
                "min": .int(Int64.min),
                "at": .dateTime(try ZonedDateTime(iso: "2024-06-01T12:30:05.123456789+05:45[Asia/Kathmandu]")),
                "day": .date(try LocalDate(iso: "1999-12-31")),
                "span": .duration(TemporalDuration(months: 13, days: 2, seconds: -7, nanoseconds: 1)),
                "tags": ["a", "b"],
                "raw": .bytes([0, 255, 7]),
                "ratio": 0.1,
                "flag": true,
            ]
            let id = try await store.write { txn in try txn.createNode(labels: ["T"], properties: props) }
            let back = try store.read { txn in try txn.node(id)?.properties }
            #expect(back == props)
            if case .dateTime(let dt)? = back?["at"] {
                #expect(dt.offsetSeconds == 5 * 3600 + 45 * 60)
                #expect(dt.description == "2024-06-01T12:30:05.123456789+05:45[Asia/Kathmandu]")
            } else {
                Issue.record("datetime did not come back as a datetime")
            }
        }
    }

    @Test func badValuesAreRefusedWithTheField() async throws {
        try await withStore { store, _ in
            await #expect(throws: GraphError.self) { try await store.write { txn in try txn.createNode(properties: ["x": .float(.nan)]) } }
            await #expect(throws: GraphError.self) {
                try await store.write { txn in try txn.createNode(labels: [String(repeating: "L", count: 70_000)]) }
            }
            do {
                _ = try await store.write { txn in try txn.createNode(properties: ["score": .float(.nan)]) }
                Issue.record("NaN was stored")
            } catch let error as GraphError {
                #expect(error.code == .invalidValue(field: "score"))
            }
            // A long (but allowed) key and a long label still work.
            let longKey = String(repeating: "k", count: 1000)
            let id = try await store.write { txn in try txn.createNode(labels: [String(repeating: "L", count: 600)], properties: [longKey: 1]) }
            #expect(try store.read { txn in try txn.node(id)?.properties[longKey] } == 1)
            #expect(try store.read { txn in try txn.nodeCount() } == 1)
        }
    }

    @Test func uniqueIndexRefusesDuplicatesAndNamesTheIndex() async throws {
        try await withStore { store, _ in
            try await store.write { txn in
                try txn.createIndex(label: "Creator", property: "id", unique: true)
                try txn.createNode(labels: ["Creator"], properties: ["id": 1])
            }
            do {
                _ = try await store.write { txn in try txn.createNode(labels: ["Creator"], properties: ["id": 1, "name": "dup"]) }
                Issue.record("duplicate accepted")
            } catch let error as GraphError {
                #expect(error.code == .constraintViolation(index: "Creator.id"))
            }
            // Changing a property or adding a label into a clash is refused too, and nothing is half-written.
            let other = try await store.write { txn in try txn.createNode(labels: ["Person"], properties: ["id": 1]) }
            await #expect(throws: GraphError.self) { try await store.write { txn in try txn.addLabels(["Creator"], to: other) } }
            try store.read { txn throws in
                #expect(try txn.count(label: "Creator") == 1)
                #expect(try txn.findNodes(label: "Creator", property: "id", equals: 1).count == 1)
                #expect(try txn.node(other)?.labels == ["Person"])
            }
            // Long values are hashed in the key but still compared exactly.
            let long = String(repeating: "x", count: 5000)
            try await store.write { txn in try txn.createNode(labels: ["Creator"], properties: ["id": .string(long)]) }
            await #expect(throws: GraphError.self) {
                try await store.write { txn in try txn.createNode(labels: ["Creator"], properties: ["id": .string(long)]) }
            }
            _ = try await store.write { txn in try txn.createNode(labels: ["Creator"], properties: ["id": .string(long + "y")]) }
            #expect(try store.read { txn in try txn.findNodes(label: "Creator", property: "id", equals: .string(long)) }.count == 1)
            await #expect(throws: GraphError.self) {
                try await store.write { txn in try txn.createIndex(label: "Person", property: "id", unique: true)
                    try txn.createNode(labels: ["Person"], properties: ["id": 1]) }
            }
            #expect(try store.check().isClean)
        }
    }

    @Test func detachDelete() async throws {
        try await withStore { store, _ in
            let (hub, leaves) = try await store.write { txn in
                let hub = try txn.createNode(labels: ["Hub"])
                var leaves: [NodeID] = []
                for i in 0..<5 {
                    let leaf = try txn.createNode(labels: ["Leaf"], properties: ["i": .int(Int64(i))])
                    try txn.createRelationship(type: i % 2 == 0 ? "OUT" : "IN", from: i % 2 == 0 ? hub : leaf, to: i % 2 == 0 ? leaf : hub)
                    leaves.append(leaf)
                }
                try txn.createRelationship(type: "SELF", from: hub, to: hub)
                return (hub, leaves)
            }
            do {
                try await store.write { txn in try txn.deleteNode(hub) }
                Issue.record("deleted a connected node without detach")
            } catch let error as GraphError {
                #expect(error.code == .stillConnected)
            }
            try await store.write { txn in try txn.deleteNode(hub, detach: true) }
            try store.read { txn throws in
                #expect(try txn.node(hub) == nil)
                #expect(try txn.relationshipCount() == 0)
                for leaf in leaves { #expect(try txn.degree(of: leaf) == 0) }
                #expect(try txn.stats().labels == ["Leaf": 5])
            }
            #expect(try store.check().isClean)
        }
    }

    @Test func indexRangeAndPrefixScans() async throws {
        try await withStore { store, _ in
            try await store.write { txn in
                try txn.createIndex(label: "M", property: "v")
                for i in 1...100 { try txn.createNode(labels: ["M"], properties: ["v": .int(Int64(i))]) }
                try txn.createNode(labels: ["M"], properties: ["v": 10.5])
                try txn.createNode(labels: ["M"], properties: ["v": "ten"])
                for s in ["apple", "apricot", "banana", "ap"] { try txn.createNode(labels: ["M"], properties: ["v": .string(s)]) }
                try txn.createNode(labels: ["M"], properties: ["v": .string("ap" + String(repeating: "z", count: 600))])
            }
            try store.read { txn throws in
                func values(_ ids: [NodeID]) throws -> [PropertyValue] { try ids.map { try txn.property("v", ofNode: $0)! } }
                let r = try txn.findNodes(label: "M", property: "v", from: .inclusive(10), to: .exclusive(13))
                #expect(try values(r) == [10, 10.5, 11, 12])
                let above = try txn.findNodes(label: "M", property: "v", from: .exclusive(98), to: nil)
                #expect(try values(above) == [99, 100])
                let below = try txn.findNodes(label: "M", property: "v", from: nil, to: .inclusive(2.0))
                #expect(try values(below) == [1, 2])
                let ap = try txn.findNodes(label: "M", property: "v", prefix: "ap")
                #expect(try values(ap).count == 4)
                #expect(try values(ap).prefix(3) == ["ap", "apple", "apricot"])
                #expect(try txn.findNodes(label: "M", property: "v", prefix: "apq").count == 0)
                #expect(try values(txn.findNodes(label: "M", property: "v", prefix: "b")) == ["banana"])
                #expect(try txn.findNodes(label: "M", property: "v", equals: 42).count == 1)
                #expect(try txn.findNodes(label: "M", property: "v", from: .inclusive(1), to: nil, limit: 3).count == 3)
                #expect(throws: GraphError.self) { try txn.findNodes(label: "M", property: "w", prefix: "a") }
            }
            // The index follows updates and deletes.
            try await store.write { txn in
                let id = try txn.findNodes(label: "M", property: "v", equals: 50)[0]
                try txn.setProperties(["v": 5000], ofNode: id)
                try txn.deleteNode(try txn.findNodes(label: "M", property: "v", equals: 51)[0])
            }
            try store.read { txn throws in
                #expect(try txn.findNodes(label: "M", property: "v", equals: 50).isEmpty)
                #expect(try txn.findNodes(label: "M", property: "v", equals: 51).isEmpty)
                #expect(try txn.findNodes(label: "M", property: "v", from: .inclusive(4000), to: nil).count == 1)
            }
            #expect(try store.check().isClean)
        }
    }

    @Test func traversal() async throws {
        try await withStore { store, _ in
            // a -> b -> c -> d, a -> c (LIKES), e -> a
            let ids = try await store.write { txn in
                let n = try (0..<5).map { i in try txn.createNode(labels: ["N"], properties: ["i": .int(Int64(i))]) }
                try txn.createRelationship(type: "NEXT", from: n[0], to: n[1], properties: ["w": 1])
                try txn.createRelationship(type: "NEXT", from: n[1], to: n[2], properties: ["w": 2])
                try txn.createRelationship(type: "NEXT", from: n[2], to: n[3], properties: ["w": 3])
                try txn.createRelationship(type: "LIKES", from: n[0], to: n[2])
                try txn.createRelationship(type: "NEXT", from: n[4], to: n[0])
                return n
            }
            try store.read { txn throws in
                #expect(try txn.degree(of: ids[0]) == 3)
                #expect(try txn.degree(of: ids[0], direction: .outgoing, type: "NEXT") == 1)
                #expect(try txn.degree(of: ids[0], direction: .incoming) == 1)
                let out = try txn.neighbours(of: ids[0], direction: .outgoing).items.map(\.node.id)
                #expect(Set(out) == [ids[1], ids[2]])
                let typed = try txn.neighbours(of: ids[0], direction: .both, types: ["NEXT"]).items.map(\.node.id)
                #expect(typed == [ids[1], ids[4]])
                let filtered = try txn.neighbours(of: ids[1], direction: .both, where: { $0.relationship.properties["w"] == 2 }).items
                #expect(filtered.map(\.node.id) == [ids[2]])
                let page1 = try txn.neighbours(of: ids[0], limit: 2)
                #expect(page1.items.count == 2)
                let page2 = try txn.neighbours(of: ids[0], limit: 2, after: AdjacencyCursor(page1.next!.description)!)
                #expect(Set(page1.items.map(\.relationship.id)).isDisjoint(with: page2.items.map(\.relationship.id)))
                #expect(page1.items.count + page2.items.count == 3)
                let reached = try txn.expand(from: ids[0], direction: .outgoing, types: ["NEXT"], maxDepth: 2)
                #expect(reached.map(\.node) == [ids[1], ids[2]])
                #expect(reached.map(\.depth) == [1, 2])
                let all = try txn.expand(from: ids[0], direction: .both, maxDepth: 5)
                #expect(Set(all.map(\.node)) == Set(ids[1...]))
                #expect(try txn.expand(from: ids[0], direction: .both, maxDepth: 5, limit: 2).count == 2)
                var viaAdjacent: [NodeID] = []
                try txn.forEachAdjacent(of: ids[0], direction: .outgoing, type: "NEXT") { _, other in
                    viaAdjacent.append(other)
                    return true
                }
                #expect(viaAdjacent == [ids[1]])
                let stats = try txn.stats()
                #expect(stats.nodes == 5 && stats.relationships == 5)
                #expect(stats.types == ["NEXT": 4, "LIKES": 1])
                #expect(stats.labels == ["N": 5])
            }
        }
    }

    @Test func checkFindsCorruptedAdjacency() async throws {
        try await withStore { store, _ in
            let (a, b, r) = try await store.write { txn in
                let a = try txn.createNode(labels: ["A"])
                let b = try txn.createNode(labels: ["B"])
                return (a, b, try txn.createRelationship(type: "T", from: a, to: b))
            }
            #expect(try store.check().isClean)
            // Corrupt: remove the out-adjacency entry behind the engine's back, and add a stray in-entry.
            try await store.write { txn in
                let t = try #require(try txn.tokenID(.type, "T"))
                try txn.deleteAdjacency(incoming: false, a, t, b, r)
                try txn.putAdjacency(incoming: true, a, t, b, 99)
            }
            let report = try store.check()
            #expect(!report.isClean)
            #expect(report.problems.contains { $0.contains("relationship \(r) is missing from the out-adjacency of node \(a)") })
            #expect(report.problems.contains { $0.contains("lists relationship 99 which does not exist") })
        }
    }

    @Test func groupCommitFailsOnlyTheFailingRequest() async throws {
        try await withStore { store, _ in
            try await store.write { txn in
                try txn.createIndex(label: "U", property: "k", unique: true)
                try txn.createNode(labels: ["U"], properties: ["k": 0])
            }
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for i in 1...60 {
                    group.addTask {
                        do {
                            try await store.write { txn in
                                try txn.createNode(labels: ["U"], properties: ["k": .int(i % 20 == 0 ? 0 : Int64(i))])
                                if i % 15 == 0 { throw GraphError(.invalidValue(field: "test"), "request \(i) fails on purpose") }
                            }
                            return (i, true)
                        } catch {
                            return (i, false)
                        }
                    }
                }
                var out: [Int: Bool] = [:]
                for await (i, ok) in group { out[i] = ok }
                return out
            }
            let failed = Set(outcomes.filter { !$0.value }.keys)
            #expect(failed == [15, 20, 30, 40, 45, 60])
            try store.read { txn throws in
                #expect(try txn.count(label: "U") == 1 + 60 - failed.count)
                for i in 1...60 where !failed.contains(i) {
                    #expect(try txn.findNodes(label: "U", property: "k", equals: .int(Int64(i))).count == 1)
                }
                #expect(try txn.findNodes(label: "U", property: "k", equals: 15).isEmpty)
            }
            #expect(try store.check().isClean)
        }
    }

    @Test func mapGrowsFromOneMiBThrough200MiB() async throws {
        var options = GraphStore.Options(initialMapSize: 1 << 20)
        options.maxBatch = 16
        try await withStore(options) { store, dir in
            let blob = PropertyValue.bytes([UInt8](repeating: 7, count: 1 << 20))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for i in 0..<50 {
                            try await store.write { txn in
                                try txn.createNode(labels: ["Blob"], properties: ["data": blob, "w": .int(Int64(worker)), "i": .int(Int64(i))])
                                for j in 0..<200 { try txn.createNode(labels: ["Small"], properties: ["j": .int(Int64(j)), "s": "some text"]) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let usage = store.mapUsage
            #expect(usage.used > 200 << 20)
            #expect(try store.read { txn in try txn.count(label: "Blob") } == 200)
            #expect(try store.read { txn in try txn.count(label: "Small") } == 40_000)
            _ = dir
        }
    }

    @Test func backupDuringWritesOpensAndChecksClean() async throws {
        try await withStore { store, dir in
            try await store.write { txn in try txn.createIndex(label: "W", property: "n", unique: true) }
            let writer = Task {
                var n: Int64 = 0
                while n < 2000 {
                    try await store.write { [n] txn in
                        for m in n..<(n + 10) {
                            let a = try txn.createNode(labels: ["W"], properties: ["n": .int(m)])
                            if m > 0 {
                                let prev = try txn.findNodes(label: "W", property: "n", equals: .int(m - 1))[0]
                                try txn.createRelationship(type: "AFTER", from: a, to: prev)
                            }
                        }
                    }
                    n += 10
                }
                return n
            }
            try await Task.sleep(for: .milliseconds(100))
            try store.backup(to: dir.path + "/copy")
            let written = try await writer.value
            let copy = try GraphStore(directory: dir.path + "/copy")
            defer { copy.close() }
            let report = try copy.check()
            #expect(report.isClean, "\(report.problems)")
            let copied = try copy.read { txn in try txn.count(label: "W") }
            #expect(copied > 0 && copied <= Int(written))
            #expect(try copy.read { txn in try txn.count(type: "AFTER") } == copied - 1)
            // The copy is a working store: it takes writes and keeps its unique index.
            await #expect(throws: GraphError.self) {
                try await copy.write { txn in try txn.createNode(labels: ["W"], properties: ["n": 0]) }
            }
            #expect(throws: GraphError.self) { try store.backup(to: dir.path + "/copy") }
        }
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() async throws {
        try await withStore { store, dir in
            #expect(throws: GraphError.self) { try GraphStore(directory: store.directory) }
            let ro = try GraphStore(directory: store.directory, options: GraphStore.Options(readOnly: true, exclusive: false))
            defer { ro.close() }
            #expect(try ro.read { txn in try txn.nodeCount() } == 0)
            _ = dir
        }
    }
}
