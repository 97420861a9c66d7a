import CivilDate
import Foundation
import Content
import ContentAPI
import Graph
import HTTP
import Testing
import Writing

@Suite struct ContentRouteTests {
    @Test func createReadPatchDeleteRoundTrip() throws {
        let h = try ContentAPIHarness()
        let created = h.call(.POST, "/api/v1/content", body: #"{"kind": "article", "title": "Bread", "body": "Knead.", "tags": ["baking"], "language": "en"}"#)
        #expect(created.status == 201)
        let id = try #require(created.string("id"))
        #expect(created.headers["Location"] == "/api/v1/content/\(id)")
        #expect(created.string("status") == "draft")
        #expect(created.string("creator_id") == alice.userID)
        #expect(created.json?["generation"] == .null)

        let read = h.call(.GET, "/api/v1/content/\(id)")
        #expect(read.status == 200)
        #expect(read.string("body") == "Knead.")

        let patched = h.call(.PATCH, "/api/v1/content/\(id)", body: #"{"status": "ready", "title": "Better bread"}"#)
        #expect(patched.status == 200)
        #expect(patched.string("title") == "Better bread")
        #expect(patched.string("status") == "ready")

        #expect(h.call(.DELETE, "/api/v1/content/\(id)").status == 204)
        #expect(h.call(.GET, "/api/v1/content/\(id)").status == 404)
        #expect(h.events.all.map(\.type) == ["content.created", "content.updated", "content.deleted"])
        #expect(h.events.all.allSatisfy { $0.audience == alice.userID })
    }

    @Test func creatorsSeeOnlyTheirOwnAndOthersAre404() throws {
        let h = try ContentAPIHarness()
        let mine = h.create(as: alice)
        let theirs = h.create(as: bob)
        #expect(h.call(.GET, "/api/v1/content").ids == [mine])
        #expect(h.call(.GET, "/api/v1/content", as: bob).ids == [theirs])
        #expect(Set(h.call(.GET, "/api/v1/content", as: admin).ids) == [mine, theirs])
        #expect(h.call(.GET, "/api/v1/content", as: admin, query: [("creator_id", bob.userID)]).ids == [theirs])
        for (method, body) in [(HTTP.Method.GET, nil), (.PATCH, #"{"title": "x"}"#), (.DELETE, nil)] as [(HTTP.Method, String?)] {
            let r = h.call(method, "/api/v1/content/\(theirs)", body: body)
            #expect(r.status == 404, "\(method) someone else's content: \(r.status)")
        }
        #expect(h.call(.GET, "/api/v1/content/\(theirs)/metrics").status == 404)
        #expect(h.call(.GET, "/api/v1/content/\(theirs)", as: admin).status == 200)
        #expect(h.call(.GET, "/api/v1/content", query: [("creator_id", bob.userID)]).status == 400)
    }

    @Test func noPrincipalIs401AndReadOnlyKeysCannotWrite() throws {
        let h = try ContentAPIHarness()
        #expect(h.call(.GET, "/api/v1/content", as: nil).status == 401)
        let refused = h.call(.POST, "/api/v1/content", as: readOnlyKey, body: #"{"kind": "title", "title": "x"}"#)
        #expect(refused.status == 403)
        #expect(h.call(.GET, "/api/v1/content", as: readOnlyKey).status == 200)
    }

    @Test func listingFiltersAndPagesThroughTheAPI() throws {
        let h = try ContentAPIHarness()
        var ids: [String] = []
        for i in 0..<7 {
            ids.append(h.create(#"{"kind": "social_post", "title": "Post \#(i)", "body": "\#(i % 2 == 0 ? "Sourdough" : "Pasta") day", "tags": ["t\#(i % 3)"], "status": "\#(i < 3 ? "draft" : "ready")"}"#))
        }
        let newest = Array(ids.reversed())
        let first = h.call(.GET, "/api/v1/content", query: [("limit", "3")])
        #expect(first.ids == Array(newest[0..<3]))
        let cursor = try #require(first.string("next_cursor"))
        let second = h.call(.GET, "/api/v1/content", query: [("limit", "3"), ("cursor", cursor)])
        #expect(second.ids == Array(newest[3..<6]))
        #expect(h.call(.GET, "/api/v1/content", query: [("q", "SOURDOUGH")]).ids == [ids[6], ids[4], ids[2], ids[0]])
        #expect(h.call(.GET, "/api/v1/content", query: [("status", "draft"), ("tag", "t0")]).ids == [ids[0]])
        #expect(h.call(.GET, "/api/v1/content", query: [("kind", "article")]).ids == [])
        let today = String(Timestamp.format(milliseconds: WallClock.epochMilliseconds()).prefix(10))
        #expect(h.call(.GET, "/api/v1/content", query: [("from", today), ("to", today)]).ids.count == 7)
        #expect(h.call(.GET, "/api/v1/content", query: [("to", "2001-01-01")]).ids == [])
        // List items carry an excerpt, not the body.
        guard case .array(let items)? = first.json?["data"] else { Issue.record("no data"); return }
        #expect(items[0]["body"] == nil)
        #expect(items[0]["excerpt"] != nil)
    }

    @Test func statusTransitionRefusalIs409NamingStatus() throws {
        let h = try ContentAPIHarness()
        let id = h.create(#"{"kind": "title", "title": "T", "status": "published"}"#)
        let r = h.call(.PATCH, "/api/v1/content/\(id)", body: #"{"status": "draft"}"#)
        #expect(r.status == 409)
        #expect(r.fields == ["status"])
        #expect(r.text.contains("archived"))
    }

    @Test func creatorMetricsForMeAndAdminRecount() throws {
        let h = try ContentAPIHarness()
        let id = h.create()
        let ingest = h.call(.POST, "/api/v1/metrics", body: #"{"snapshots": [{"content_id": "\#(id)", "platform": "youtube", "at": "2026-06-01T12:00:00Z", "views": 100, "likes": 7, "comments": 2, "shares": 1}]}"#)
        #expect(ingest.status == 200, "\(ingest.text)")
        #expect(ingest.int("created") == 1)
        let me = h.call(.GET, "/api/v1/creators/me/metrics")
        #expect(me.status == 200)
        #expect(me.int("content_count") == 1)
        #expect(me.json?["average_engagement"] == .double(0.1))
        #expect(me.json?["total_revenue"] == .object(["amount": .int(4_200), "currency": .string("USD")]))
        #expect(h.call(.GET, "/api/v1/creators/\(alice.userID)/metrics").json == me.json)
        #expect(h.call(.GET, "/api/v1/creators/\(alice.userID)/metrics", as: bob).status == 404)
        #expect(h.call(.GET, "/api/v1/creators/me/metrics", query: [("recount", "true")]).status == 403)
        let checked = h.call(.GET, "/api/v1/creators/\(alice.userID)/metrics", as: admin, query: [("recount", "true")])
        #expect(checked.json?["consistent"] == .bool(true))
        #expect(h.call(.GET, "/api/v1/creators/nobody/metrics").fields == ["id"])
        let changed = h.events.all.filter { $0.type == "metrics.changed" }
        #expect(changed.count == 1)
        #expect(changed.first?.payload["content_ids"] == .array([.string(id)]))
        #expect(changed.first?.audience == alice.userID)
    }

    @Test func anAdminBatchTellsEachCreatorOnlyOfTheirOwnContent() throws {
        let h = try ContentAPIHarness()
        let a = h.create(as: alice)
        let b = h.create(as: bob)
        let body = #"[{"content_id": "\#(a)", "platform": "x", "at": "2026-06-01T12:00:00Z", "views": 10}, {"content_id": "\#(b)", "platform": "x", "at": "2026-06-01T12:00:00Z", "views": 10}]"#
        #expect(h.call(.POST, "/api/v1/metrics", as: admin, body: body).int("created") == 2)
        let changed = h.events.all.filter { $0.type == "metrics.changed" }
        #expect(changed.count == 2)
        for event in changed {
            let own = event.audience == alice.userID ? a : b
            #expect(event.payload["content_ids"] == .array([.string(own)]))
            #expect(event.payload["creator_id"] == event.audience.map(JSONValue.string))
        }
        // A creator cannot post for someone else's content.
        #expect(h.call(.POST, "/api/v1/metrics", as: alice, body: body).status == 422)
    }

    @Test func repostingASnapshotDoesNotDoubleIt() throws {
        let h = try ContentAPIHarness()
        let id = h.create()
        let body = #"[{"content_id": "\#(id)", "platform": "x", "at": "2026-06-01T12:00:00+02:00", "views": 10, "likes": 1}]"#
        #expect(h.call(.POST, "/api/v1/metrics", body: body).int("created") == 1)
        let again = h.call(.POST, "/api/v1/metrics", body: body)
        #expect(again.int("created") == 0)
        #expect(again.int("unchanged") == 1)
        let series = h.call(.GET, "/api/v1/content/\(id)/metrics")
        guard case .array(let list)? = series.json?["series"], case .array(let points)? = list.first?["points"] else {
            Issue.record("no series: \(series.text)")
            return
        }
        #expect(points.count == 1)
        #expect(points[0]["at"] == .string("2026-06-01T10:00:00.000Z"))
        #expect(h.events.all.filter { $0.type == "metrics.changed" }.count == 1)  // a re-post changes nothing
    }
}
