import Foundation
import Content
import ContentAPI
import Graph
import HTTP
import Testing
import Writing

/// Malformed and hostile requests: each gets a problem+json naming the field, never a 500, and writes nothing.
@Suite struct BadInputTests {
    @Test func malformedBodiesAreNamed() throws {
        let h = try ContentAPIHarness()
        let cases: [(String, Int, [String])] = [
            (#"{"kind": "poem", "title": "x"}"#, 400, ["kind"]),
            (#"{"title": "x"}"#, 400, ["kind"]),
            (#"{"kind": "title", "title": 5}"#, 400, ["title"]),
            (#"{"kind": "title", "title": "x", "status": "live"}"#, 400, ["status"]),
            (#"{"kind": "title", "title": "x", "tags": "a,b"}"#, 400, ["tags"]),
            (#"{"kind": "title", "title": "x", "tags": ["a", 3]}"#, 400, ["tags[1]"]),
            (#"{"kind": "title", "title": "x", "id": "mine"}"#, 400, ["id"]),
            (#"{"kind": "title", "title": "x", "generation": {}}"#, 400, ["generation"]),
            (#"{"kind": "title", "title": "x", "variant_of": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}"#, 422, ["variant_of"]),
            (#"{"kind": "title", "title": "x", "language": "<script>"}"#, 400, ["language"]),
            (#"{"kind": "title", "title": "\#(String(repeating: "a", count: 301))"}"#, 413, ["title"]),
            (#"{"kind": "title", "title": "x", "tags": [\#((0..<31).map { "\"t\($0)\"" }.joined(separator: ","))]}"#, 413, ["tags"]),
            ("[1, 2]", 400, ["(body)"]),
        ]
        for (body, status, fields) in cases {
            let r = h.call(.POST, "/api/v1/content", body: body)
            #expect(r.status == status, "\(body.prefix(60)): \(r.status) \(r.text)")
            #expect(r.fields == fields, "\(body.prefix(60)): \(r.text)")
            #expect(r.isProblem)
        }
        for body in ["", "{", #"{"kind": "title", "title": "x""#, "\u{0}\u{1}", String(repeating: "[", count: 10_000)] {
            let r = h.call(.POST, "/api/v1/content", body: body)
            #expect(r.status == 400, "\(body.prefix(20)): \(r.status)")
            #expect(r.isProblem)
        }
        #expect(h.call(.POST, "/api/v1/content", body: #"{"kind": "title", "title": "x"}"#, contentType: "text/plain").status == 415)
        let oversized = h.call(.POST, "/api/v1/content", body: #"{"kind": "article", "title": "t", "body": "\#(String(repeating: "a", count: (1 << 20) + 1))"}"#)
        #expect(oversized.status == 413)
        #expect(oversized.fields == ["body"])
        #expect(h.call(.GET, "/api/v1/content").ids.isEmpty)
    }

    @Test func badQueryStringsAreNamed() throws {
        let h = try ContentAPIHarness()
        let cases: [([(String, String)], String)] = [
            ([("status", "live")], "status"),
            ([("kind", "poem")], "kind"),
            ([("limit", "0")], "limit"),
            ([("limit", "101")], "limit"),
            ([("limit", "ten")], "limit"),
            ([("cursor", "abc")], "cursor"),
            ([("cursor", "c1z")], "cursor"),
            ([("from", "yesterday")], "from"),
            ([("to", "2026-13-01")], "to"),
            ([("from", "2026-02-30T00:00:00Z")], "from"),
            ([("from", "2026-06-02"), ("to", "2026-06-01")], "to"),
            ([("stauts", "draft")], "stauts"),
            ([("status", "draft"), ("status", "ready")], "status"),
            ([("q", "")], "q"),
            ([("q", String(repeating: "a", count: 201))], "q"),
        ]
        for (query, field) in cases {
            let r = h.call(.GET, "/api/v1/content", query: query)
            #expect(r.status == 400, "\(query): \(r.status)")
            #expect(r.fields == [field], "\(query): \(r.text)")
        }
    }

    @Test func badIdsAreNamedAndUnknownIdsAre404() throws {
        let h = try ContentAPIHarness()
        for id in ["42", "not-a-uuid", "%00", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5", String(repeating: "f", count: 5000)] {
            let r = h.call(.GET, "/api/v1/content/\(id)")
            #expect(r.status == 400, "\(id.prefix(20)): \(r.status)")
            #expect(r.fields == ["id"])
            if case .string(let detail)? = r.json?["detail"] { #expect(detail.count < 300) }  // hostile ids are not echoed in full
        }
        let unknown = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        #expect(h.call(.GET, "/api/v1/content/\(unknown)").status == 404)
        #expect(h.call(.PATCH, "/api/v1/content/\(unknown)", body: #"{"title": "x"}"#).status == 404)
        #expect(h.call(.DELETE, "/api/v1/content/\(unknown)").status == 404)
        #expect(h.call(.GET, "/api/v1/content/\(unknown)/metrics").status == 404)
        #expect(h.call(.GET, "/api/v1/content/\(unknown)", query: [("x", "1")]).fields == ["x"])
    }

    @Test func patchRefusesWhatCannotChange() throws {
        let h = try ContentAPIHarness()
        let id = h.create()
        #expect(h.call(.PATCH, "/api/v1/content/\(id)", body: #"{"kind": "article"}"#).fields == ["kind"])
        #expect(h.call(.PATCH, "/api/v1/content/\(id)", body: #"{"title": null}"#).fields == ["title"])
        #expect(h.call(.PATCH, "/api/v1/content/\(id)", body: #"{"status": "gone"}"#).fields == ["status"])
        #expect(h.call(.PATCH, "/api/v1/content/\(id)", body: #"{"title": "", "body": ""}"#).status == 400)
        #expect(h.call(.GET, "/api/v1/content/\(id)").string("title") == "Hello")
    }

    @Test func badSnapshotsRejectTheWholeBatchNamingTheItem() throws {
        let h = try ContentAPIHarness()
        let id = h.create()
        let theirs = h.create(as: bob)
        func snap(_ extra: String, id: String? = nil) -> String {
            #"{"content_id": "\#(id ?? "")", "platform": "x", "at": "2026-06-01T12:00:00Z", "views": 10\#(extra)}"#
        }
        let good = snap("", id: id)
        let cases: [(String, Int, String)] = [
            (#"{"snapshots": [\#(good), \#(snap(#", "likes": -1"#, id: id))]}"#, 400, "snapshots[1].likes"),
            (#"{"snapshots": [\#(good), \#(snap(#", "shares": 1.5"#, id: id))]}"#, 400, "snapshots[1].shares"),
            (#"{"snapshots": [\#(good), \#(snap(#", "saves": "3""#, id: id))]}"#, 400, "snapshots[1].saves"),
            (#"{"snapshots": [\#(good), \#(snap(#", "bogus": 1"#, id: id))]}"#, 400, "snapshots[1].bogus"),
            (#"{"snapshots": [\#(good.replacingOccurrences(of: "2026-06-01T12:00:00Z", with: "June 1st"))]}"#, 400, "snapshots[0].at"),
            (#"{"snapshots": [\#(good.replacingOccurrences(of: "\"views\": 10", with: "\"likes\": 1"))]}"#, 400, "snapshots[0].views"),
            (#"{"snapshots": [\#(good), \#(snap("", id: theirs))]}"#, 422, "snapshots[1].content_id"),
            (#"{"snapshots": [\#(good), \#(snap("", id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))]}"#, 422, "snapshots[1].content_id"),
            (#"[\#(good), \#(snap("", id: "nope"))]"#, 400, "[1].content_id"),
            (#"{"snapshots": []}"#, 400, "snapshots"),
            (#"{"snapshots": {}}"#, 400, "snapshots"),
            (#"{"items": []}"#, 400, "items"),
            ("42", 400, "(body)"),
            (#"{"snapshots": [\#(Array(repeating: good, count: 10_001).joined(separator: ","))]}"#, 413, "snapshots"),
        ]
        for (body, status, field) in cases {
            let r = h.call(.POST, "/api/v1/metrics", body: body)
            #expect(r.status == status, "\(field): \(r.status) \(r.text.prefix(300))")
            #expect(r.fields == [field], "\(field): \(r.text.prefix(300))")
        }
        #expect(try h.graph.read { txn in try txn.count(label: "Metric") } == 0)
        #expect(h.events.all.filter { $0.type == "metrics.changed" }.isEmpty)
    }
}
