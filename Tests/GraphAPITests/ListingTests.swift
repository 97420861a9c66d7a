import Graph
import GraphAPI
import HTTP
import Testing

@Suite struct PaginationTests {
    /// Follows `next_cursor` until it is null; returns every page's ids.
    static func pages(_ h: GraphAPIHarness, _ path: String, _ query: [(String, String)]) -> [[Int64]] {
        var pages: [[Int64]] = []
        var after: String? = nil
        while pages.count < 100 {
            let reply = h.call(.GET, path, query: query + (after.map { [("after", $0)] } ?? []))
            #expect(reply.status == 200, "\(reply.text)")
            pages.append(reply.data.compactMap { $0["id"]?.intValue })
            guard let next = reply.nextCursor else { break }
            after = next
        }
        return pages
    }

    @Test func labelListingsPageThroughEveryNodeOnce() throws {
        let h = try GraphAPIHarness()
        let creators = try h.store.writeSync { txn in try (0..<25).map { i in Int64(try txn.createNode(labels: ["Creator"], properties: ["n": .int(Int64(i))])) } }
        _ = try h.store.writeSync { txn in try (0..<5).map { _ in try txn.createNode(labels: ["Other"]) } }
        let pages = Self.pages(h, "/api/v1/graph/nodes", [("label", "Creator"), ("limit", "10")])
        #expect(pages.map(\.count) == [10, 10, 5])
        #expect(pages.flatMap { $0 } == creators)

        // Exactly a multiple of the page size: the last full page has no cursor.
        let even = Self.pages(h, "/api/v1/graph/nodes", [("label", "Other"), ("limit", "5")])
        #expect(even.map(\.count) == [5])
        // Default page size applies without limit.
        #expect(h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Creator")]).data.count == 25)
        #expect(h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Nobody")]).data.isEmpty)
    }

    @Test func unlabelledListingsCrossGapsLeftByDeletions() throws {
        let h = try GraphAPIHarness()
        let ids = try h.store.writeSync { txn in try (0..<600).map { i in try txn.createNode(labels: i % 2 == 0 ? ["Even"] : []) } }
        // Leave a wide gap (more than the probe budget for small pages) in the middle.
        try h.store.writeSync { txn in for id in ids[50..<550] { try txn.deleteNode(id) } }
        let expected = (ids[0..<50] + ids[550...]).map { Int64($0) }
        let pages = Self.pages(h, "/api/v1/graph/nodes", [("limit", "7")])
        #expect(pages.flatMap { $0 } == expected)
        #expect(pages.dropLast().allSatisfy { $0.count == 7 })
    }

    @Test func relationshipListingsPageByTypeAndOverall() throws {
        let h = try GraphAPIHarness()
        let (created, follows) = try h.store.writeSync { txn in
            let hub = try txn.createNode(labels: ["Creator"])
            var created: [Int64] = [], follows: [Int64] = []
            for i in 0..<12 {
                let other = try txn.createNode(labels: ["Content"])
                created.append(Int64(try txn.createRelationship(type: "CREATED", from: hub, to: other)))
                if i % 3 == 0 { follows.append(Int64(try txn.createRelationship(type: "FOLLOWS", from: other, to: hub))) }
            }
            return (created, follows)
        }
        let byType = Self.pages(h, "/api/v1/graph/relationships", [("type", "CREATED"), ("limit", "5")])
        #expect(byType.map(\.count) == [5, 5, 2])
        #expect(byType.flatMap { $0 } == created)
        let all = Self.pages(h, "/api/v1/graph/relationships", [("limit", "4")])
        #expect(all.flatMap { $0 } == (created + follows).sorted())
        let first = h.call(.GET, "/api/v1/graph/relationships", query: [("type", "FOLLOWS")])
        #expect(first.data.first?.keys == ["id", "type", "start", "end", "properties"])
    }
}

@Suite struct NeighbourTests {
    struct Graph {
        var creator: Int64 = 0, fan: Int64 = 0, friend: Int64 = 0
        var content: [Int64] = [], metrics: [Int64] = []
    }

    /// (:Creator)-[:CREATED]->(3 :Content); content 0 -[:PERFORMS]-> 2 metrics, content 1 -> 1 metric;
    /// creator -[:FOLLOWS]-> friend; fan -[:FOLLOWS]-> creator.
    static func build(_ h: GraphAPIHarness) -> Graph {
        var g = Graph()
        g.creator = h.node(["Creator"], #"{"handle": "ada"}"#)
        g.friend = h.node(["Creator"], #"{"handle": "bob"}"#)
        g.fan = h.node(["Creator"], #"{"handle": "cy"}"#)
        for i in 0..<3 {
            let c = h.node(["Content"], #"{"n": \#(i)}"#)
            g.content.append(c)
            _ = h.relationship("CREATED", g.creator, c, #"{"timestamp": {"$datetime": "2026-03-0\#(i + 1)T10:00:00+02:00"}}"#)
        }
        for (content, count) in [(g.content[0], 2), (g.content[1], 1)] {
            for v in 0..<count {
                let m = h.node(["Metric"], #"{"views": \#(100 * (v + 1))}"#)
                g.metrics.append(m)
                _ = h.relationship("PERFORMS", content, m, #"{"engagement": 0.5}"#)
            }
        }
        _ = h.relationship("FOLLOWS", g.creator, g.friend)
        _ = h.relationship("FOLLOWS", g.fan, g.creator)
        return g
    }

    static func nodeIDs(_ reply: Reply) -> [Int64] { reply.data.compactMap { $0["node"]?["id"]?.intValue } }

    @Test func directNeighboursFilterByDirectionAndType() throws {
        let h = try GraphAPIHarness()
        let g = Self.build(h)
        let path = "/api/v1/graph/nodes/\(g.creator)/neighbors"
        let created = h.call(.GET, path, query: [("direction", "out"), ("type", "CREATED")])
        #expect(created.status == 200)
        #expect(Set(Self.nodeIDs(created)) == Set(g.content))
        let item = try #require(created.data.first)
        #expect(item.keys == ["relationship", "node", "depth"])
        #expect(item["relationship"]?.keys == ["id", "type", "start", "end", "properties"])
        #expect(item["relationship"]?["start"] == .int(g.creator))
        #expect(item["relationship"]?["end"] == item["node"]?["id"])
        #expect(item["node"]?["labels"] == .array([.string("Content")]))
        #expect(created.json?["next_cursor"] == .null)

        #expect(Self.nodeIDs(h.call(.GET, path, query: [("direction", "in")])) == [g.fan])
        #expect(Set(Self.nodeIDs(h.call(.GET, path))) == Set(g.content + [g.friend, g.fan]))
        #expect(Set(Self.nodeIDs(h.call(.GET, path, query: [("direction", "out"), ("type", "CREATED,FOLLOWS")]))) == Set(g.content + [g.friend]))
        #expect(Set(Self.nodeIDs(h.call(.GET, path, query: [("type", "FOLLOWS"), ("type", "CREATED")])))
            == Set(g.content + [g.friend, g.fan]))
        #expect(h.call(.GET, path, query: [("type", "NEVER_SEEN")]).data.isEmpty)
    }

    @Test func depthTwoReachesMetricsThroughContent() throws {
        let h = try GraphAPIHarness()
        let g = Self.build(h)
        let reply = h.call(.GET, "/api/v1/graph/nodes/\(g.creator)/neighbors", query: [("direction", "out"), ("type", "CREATED,PERFORMS"), ("depth", "2")])
        #expect(reply.status == 200)
        #expect(Set(Self.nodeIDs(reply)) == Set(g.content + g.metrics))
        for item in reply.data {
            guard let node = item["node"]?["id"]?.intValue else { continue }
            #expect(item["depth"] == .int(g.metrics.contains(node) ? 2 : 1))
            #expect(item["relationship"]?["end"] == .int(node))
        }
        // Depth 1 with the same filter stops at the content.
        #expect(Set(Self.nodeIDs(h.call(.GET, "/api/v1/graph/nodes/\(g.creator)/neighbors", query: [("direction", "out"), ("type", "CREATED,PERFORMS")]))) == Set(g.content))
        // Incoming at depth 2 from a metric: its content, then the creator.
        let up = h.call(.GET, "/api/v1/graph/nodes/\(g.metrics[0])/neighbors", query: [("direction", "in"), ("depth", "2")])
        #expect(Self.nodeIDs(up) == [g.content[0], g.creator])
    }

    @Test func neighbourPagesFollowTheCursor() throws {
        let h = try GraphAPIHarness()
        let g = Self.build(h)
        var seen: [Int64] = []
        var after: String? = nil
        var sizes: [Int] = []
        repeat {
            let reply = h.call(.GET, "/api/v1/graph/nodes/\(g.creator)/neighbors", query: [("limit", "2")] + (after.map { [("after", $0)] } ?? []))
            #expect(reply.status == 200)
            sizes.append(reply.data.count)
            seen += Self.nodeIDs(reply)
            after = reply.nextCursor
        } while after != nil && sizes.count < 10
        #expect(sizes == [2, 2, 1])
        #expect(Set(seen) == Set(g.content + [g.friend, g.fan]))
        #expect(seen.count == 5)

        seen = []
        sizes = []
        after = nil
        repeat {
            let reply = h.call(.GET, "/api/v1/graph/nodes/\(g.creator)/neighbors",
                               query: [("direction", "out"), ("depth", "2"), ("limit", "4")] + (after.map { [("after", $0)] } ?? []))
            sizes.append(reply.data.count)
            seen += Self.nodeIDs(reply)
            after = reply.nextCursor
        } while after != nil && sizes.count < 10
        #expect(sizes == [4, 3])
        #expect(Set(seen) == Set(g.content + g.metrics + [g.friend]))
    }
}
