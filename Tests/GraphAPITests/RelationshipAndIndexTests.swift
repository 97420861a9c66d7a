import Graph
import GraphAPI
import HTTP
import Testing

@Suite struct RelationshipRouteTests {
    @Test func relationshipLifecycleHasTheDocumentedShapes() throws {
        let h = try GraphAPIHarness()
        let a = h.node(["Creator"]), b = h.node(["Content"])
        let created = h.call(.POST, "/api/v1/graph/relationships", body: #"{"type": "CREATED", "start": \#(a), "end": \#(b), "properties": {"timestamp": {"$datetime": "2026-03-01T10:00:00Z"}}}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.int("id"))
        #expect(created.headers["Location"] == "/api/v1/graph/relationships/\(id)")
        #expect(created.json == .object(["id": .int(id), "type": .string("CREATED"), "start": .int(a), "end": .int(b),
                                         "properties": .object(["timestamp": .object(["$datetime": .string("2026-03-01T10:00:00Z")])])]))
        #expect(h.call(.GET, "/api/v1/graph/relationships/\(id)").json == created.json)

        let patched = h.call(.PATCH, "/api/v1/graph/relationships/\(id)", body: #"{"properties": {"timestamp": null, "weight": 0.5}}"#)
        #expect(patched.status == 200)
        #expect(patched["properties"] == .object(["weight": .double(0.5)]))

        let retype = h.call(.PATCH, "/api/v1/graph/relationships/\(id)", body: #"{"type": "OWNS", "end": \#(a)}"#)
        #expect(retype.status == 400)
        #expect(retype.errorFields == ["end", "type"])
        #expect(h.call(.GET, "/api/v1/graph/relationships/\(id)")["type"] == .string("CREATED"))

        #expect(h.call(.DELETE, "/api/v1/graph/relationships/\(id)").status == 204)
        #expect(h.call(.GET, "/api/v1/graph/relationships/\(id)").status == 404)
        #expect(h.totals() == (2, 0))
    }

    @Test func aRelationshipToAMissingNodeIs422NamingTheEnd() throws {
        let h = try GraphAPIHarness()
        let a = h.node(["Creator"])
        let badEnd = h.call(.POST, "/api/v1/graph/relationships", body: #"{"type": "CREATED", "start": \#(a), "end": 4242}"#)
        #expect(badEnd.status == 422)
        #expect(badEnd.errorFields == ["end"])
        #expect(badEnd.detail.contains("4242"))
        let both = h.call(.POST, "/api/v1/graph/relationships", body: #"{"type": "CREATED", "start": 77, "end": 78}"#)
        #expect(both.status == 422)
        #expect(both.errorFields == ["start", "end"])
        #expect(h.totals() == (1, 0))
        #expect(h.call(.GET, "/api/v1/graph/stats")["types"] == .object([:]))
    }
}

@Suite struct IndexRouteTests {
    @Test func indexesAreCreatedListedAndDropped() throws {
        let h = try GraphAPIHarness()
        let created = h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Creator", "property": "handle", "unique": true}"#)
        #expect(created.status == 201)
        #expect(created.json == .object(["label": .string("Creator"), "property": .string("handle"), "unique": .bool(true)]))
        #expect(h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Creator", "property": "handle", "unique": true}"#).status == 200)
        let otherKind = h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Creator", "property": "handle"}"#)
        #expect(otherKind.status == 409)
        #expect(otherKind.errorFields == ["unique"])
        #expect(h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Content", "property": "title"}"#).status == 201)

        let listed = h.call(.GET, "/api/v1/graph/indexes")
        #expect(listed.status == 200)
        #expect(listed.json == .object(["data": .array([
            .object(["label": .string("Content"), "property": .string("title"), "unique": .bool(false)]),
            .object(["label": .string("Creator"), "property": .string("handle"), "unique": .bool(true)]),
        ]), "next_cursor": .null]))

        #expect(h.call(.DELETE, "/api/v1/graph/indexes", query: [("label", "Content"), ("property", "title")]).status == 204)
        #expect(h.call(.DELETE, "/api/v1/graph/indexes", query: [("label", "Content"), ("property", "title")]).status == 404)
        #expect(h.call(.DELETE, "/api/v1/graph/indexes", body: #"{"label": "Creator", "property": "handle"}"#).status == 204)
        #expect(h.call(.GET, "/api/v1/graph/indexes").data.isEmpty)
        let incomplete = h.call(.DELETE, "/api/v1/graph/indexes", query: [("label", "Creator")])
        #expect(incomplete.status == 400)
        #expect(incomplete.errorFields == ["property"])
    }

    @Test func aDuplicateUnderAUniqueIndexIs409NamingTheIndexAndWritesNothing() throws {
        let h = try GraphAPIHarness()
        #expect(h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Creator", "property": "handle", "unique": true}"#).status == 201)
        let ada = h.node(["Creator"], #"{"handle": "ada", "followers": 10}"#)
        let bob = h.node(["Creator"], #"{"handle": "bob", "followers": 20}"#)

        let duplicate = h.call(.POST, "/api/v1/graph/nodes", body: #"{"labels": ["Creator"], "properties": {"handle": "ada"}}"#)
        #expect(duplicate.status == 409)
        #expect(duplicate.detail.contains(":Creator(handle)"), "\(duplicate.detail)")
        #expect(duplicate.errorFields == ["properties.handle"])
        #expect(h.totals().nodes == 2)

        // A multi-property PATCH is one transaction: the other property is not changed either.
        let patch = h.call(.PATCH, "/api/v1/graph/nodes/\(bob)", body: #"{"properties": {"followers": 99, "handle": "ada"}}"#)
        #expect(patch.status == 409)
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(bob)")["properties"] == .object(["handle": .string("bob"), "followers": .int(20)]))

        // Adding the label to a node that holds a taken value is a duplicate too.
        let other = h.node(["Person"], #"{"handle": "ada"}"#)
        #expect(h.call(.PATCH, "/api/v1/graph/nodes/\(other)", body: #"{"labels": ["Person", "Creator"]}"#).status == 409)
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(other)")["labels"] == .array([.string("Person")]))

        // A unique index cannot be declared over values that already repeat.
        _ = h.node(["Fan"], #"{"handle": "x"}"#)
        _ = h.node(["Fan"], #"{"handle": "x"}"#)
        let conflict = h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Fan", "property": "handle", "unique": true}"#)
        #expect(conflict.status == 409)
        #expect(conflict.detail.contains(":Fan(handle)"))
        #expect(h.call(.GET, "/api/v1/graph/indexes").data.count == 1)
        _ = ada
    }

    @Test func nodesAreFoundByIndexedPropertyValue() throws {
        let h = try GraphAPIHarness()
        #expect(h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Creator", "property": "id", "unique": true}"#).status == 201)
        let a = h.node(["Creator"], #"{"id": 42, "handle": "ada"}"#)
        _ = h.node(["Creator"], #"{"id": "42", "handle": "text-id"}"#)
        _ = h.node(["Content"], #"{"id": 42}"#)
        let byInt = h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Creator"), ("property", "id"), ("value", "42")])
        #expect(byInt.status == 200)
        #expect(byInt.data.map { $0["id"] } == [.int(a)])
        let byText = h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Creator"), ("property", "id"), ("value", "\"42\"")])
        #expect(byText.data.map { $0["properties"]?["handle"] } == [.string("text-id")])
        // Not JSON: taken as the text itself; works without an index (label scan).
        let unindexed = h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Creator"), ("property", "handle"), ("value", "ada")])
        #expect(unindexed.data.map { $0["id"] } == [.int(a)])
        #expect(h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Creator"), ("property", "id"), ("value", "43")]).data.isEmpty)

        let noLabel = h.call(.GET, "/api/v1/graph/nodes", query: [("property", "id"), ("value", "42")])
        #expect(noLabel.status == 400)
        #expect(noLabel.errorFields == ["label"])
        #expect(h.call(.GET, "/api/v1/graph/nodes", query: [("label", "Creator"), ("property", "id"), ("value", "null")]).errorFields == ["value"])
    }

    @Test func statsCountPerLabelAndType() throws {
        let h = try GraphAPIHarness()
        let c = h.node(["Creator"]), x = h.node(["Content"]), y = h.node(["Content", "Video"])
        _ = h.relationship("CREATED", c, x)
        _ = h.relationship("CREATED", c, y)
        _ = h.relationship("REPURPOSED_FROM", y, x)
        #expect(h.call(.POST, "/api/v1/graph/indexes", body: #"{"label": "Content", "property": "title"}"#).status == 201)
        let stats = h.call(.GET, "/api/v1/graph/stats")
        #expect(stats.status == 200)
        #expect(stats.json == .object([
            "nodes": .int(3), "relationships": .int(3),
            "labels": .object(["Creator": .int(1), "Content": .int(2), "Video": .int(1)]),
            "types": .object(["CREATED": .int(2), "REPURPOSED_FROM": .int(1)]),
            "indexes": .array([.object(["label": .string("Content"), "property": .string("title"), "unique": .bool(false)])]),
        ]))
    }
}
