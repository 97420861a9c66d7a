import Graph
import GraphAPI
import HTTP
import Testing

@Suite struct NodeRouteTests {
    @Test func nodeLifecycleHasTheDocumentedShapesAndStatuses() throws {
        let h = try GraphAPIHarness()
        let created = h.call(.POST, "/api/v1/graph/nodes", body: #"{"labels": ["Creator", "Person"], "properties": {"name": "Ada", "followers": 12}}"#)
        #expect(created.status == 201)
        #expect(created.headers["Content-Type"] == "application/json")
        let id = try #require(created.int("id"))
        #expect(created.headers["Location"] == "/api/v1/graph/nodes/\(id)")
        #expect(created.json?.keys == ["id", "labels", "properties"])
        #expect(created["labels"] == .array([.string("Creator"), .string("Person")]))
        #expect(created["properties"] == .object(["name": .string("Ada"), "followers": .int(12)]))

        let fetched = h.call(.GET, "/api/v1/graph/nodes/\(id)")
        #expect(fetched.status == 200)
        #expect(fetched.json == created.json)

        // PATCH: labels replace the set, properties merge, null removes one.
        let patched = h.call(.PATCH, "/api/v1/graph/nodes/\(id)", body: #"{"labels": ["Creator", "Verified"], "properties": {"followers": 13, "name": null, "city": "Paris"}}"#)
        #expect(patched.status == 200, "\(patched.text)")
        #expect(patched["labels"] == .array([.string("Creator"), .string("Verified")]))
        #expect(patched["properties"] == .object(["followers": .int(13), "city": .string("Paris")]))
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(id)").json == patched.json)

        let deleted = h.call(.DELETE, "/api/v1/graph/nodes/\(id)")
        #expect(deleted.status == 204)
        #expect(deleted.text.isEmpty)
        let gone = h.call(.GET, "/api/v1/graph/nodes/\(id)")
        #expect(gone.status == 404)
        #expect(gone.isProblem)
        #expect(h.totals().nodes == 0)
    }

    @Test func unknownIdsAre404AndMalformedIdsAre400() throws {
        let h = try GraphAPIHarness()
        for (method, path, body) in [(HTTP.Method.GET, "/api/v1/graph/nodes/999", nil), (.PATCH, "/api/v1/graph/nodes/999", #"{"properties": {"a": 1}}"#),
                                     (.DELETE, "/api/v1/graph/nodes/999", nil), (.GET, "/api/v1/graph/nodes/999/neighbors", nil),
                                     (.GET, "/api/v1/graph/relationships/999", nil), (.PATCH, "/api/v1/graph/relationships/999", #"{"properties": {"a": 1}}"#),
                                     (.DELETE, "/api/v1/graph/relationships/999", nil)] as [(HTTP.Method, String, String?)] {
            let reply = h.call(method, path, body: body)
            #expect(reply.status == 404, "\(method) \(path): \(reply.text)")
            #expect(reply.detail.contains("999"), "\(method) \(path) should name the id: \(reply.detail)")
        }
        for path in ["/api/v1/graph/nodes/abc", "/api/v1/graph/nodes/0", "/api/v1/graph/nodes/-3", "/api/v1/graph/relationships/1.5"] {
            let reply = h.call(.GET, path)
            #expect(reply.status == 400, "\(path)")
            #expect(reply.errorFields == ["id"])
        }
    }

    @Test func deletingAConnectedNodeNeedsDetach() throws {
        let h = try GraphAPIHarness()
        let a = h.node(["Creator"]), b = h.node(["Content"])
        let rel = h.relationship("CREATED", a, b)
        let refused = h.call(.DELETE, "/api/v1/graph/nodes/\(a)")
        #expect(refused.status == 409)
        #expect(refused.detail.contains("?detach=true"), "the 409 should name the fix: \(refused.detail)")
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(a)").status == 200)
        #expect(h.call(.GET, "/api/v1/graph/relationships/\(rel)").status == 200)

        #expect(h.call(.DELETE, "/api/v1/graph/nodes/\(a)", query: [("detach", "maybe")]).errorFields == ["detach"])
        #expect(h.call(.DELETE, "/api/v1/graph/nodes/\(a)", query: [("detach", "true")]).status == 204)
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(a)").status == 404)
        #expect(h.call(.GET, "/api/v1/graph/relationships/\(rel)").status == 404)
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(b)").status == 200)
        #expect(h.totals() == (1, 0))
    }

    @Test func everyRouteIsAdminOnly() throws {
        let h = try GraphAPIHarness()
        #expect(h.router.routes.count == 15)
        for route in h.router.routes {
            #expect(route.info.access == "admin", "\(route.method) \(route.template)")
            #expect(route.info.acceptsJSON == (route.method == .POST || route.method == .PATCH || route.template.hasSuffix("/indexes") && route.method == .DELETE))
        }
        let reply = h.call(.POST, "/api/v1/graph/nodes", body: "labels=Creator", contentType: "application/x-www-form-urlencoded")
        #expect(reply.status == 415)
    }

    @Test func concurrentWritesAreAllCommittedWithDistinctIds() async throws {
        let h = try GraphAPIHarness()
        let router = h.router
        let ids = await withTaskGroup(of: [Int64].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var ids: [Int64] = []
                    for i in 0..<15 {
                        var headers = Headers()
                        headers["Content-Type"] = "application/json"
                        let body = #"{"labels": ["Load"], "properties": {"worker": \#(worker), "i": \#(i)}}"#
                        let reply = Reply(router.respond(Request(method: .POST, path: "/api/v1/graph/nodes", headers: headers, body: Array(body.utf8))))
                        if let id = reply.int("id") { ids.append(id) }
                    }
                    return ids
                }
            }
            var all: [Int64] = []
            for await batch in group { all += batch }
            return all
        }
        #expect(ids.count == 120)
        #expect(Set(ids).count == 120)
        #expect(h.call(.GET, "/api/v1/graph/stats")["labels"] == .object(["Load": .int(120)]))
    }
}
