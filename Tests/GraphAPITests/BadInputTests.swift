import Graph
import GraphAPI
import HTTP
import Testing

/// Each refused request is a 400 problem naming the field, and leaves the store as it was.
@Suite struct BadInputTests {
    static func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) }

    @Test(arguments: [
        (#"{"properties": {"meta": {"a": 1}}}"#, "properties.meta"),
        (#"{"properties": {"meta": {"$date": "2026-02-30"}}}"#, "properties.meta"),
        (#"{"properties": {"meta": {"$datetime": "yesterday"}}}"#, "properties.meta"),
        (#"{"properties": {"meta": {"$duration": 5}}}"#, "properties.meta"),
        (#"{"properties": {"meta": {"$bytes": "not base64!"}}}"#, "properties.meta"),
        (#"{"properties": {"meta": {"$colour": "red"}}}"#, "properties.meta"),
        (#"{"properties": {"meta": {"$date": "2026-01-01", "$time": "10:00"}}}"#, "properties.meta"),
        (#"{"properties": {"tags": ["a", null]}}"#, "properties.tags[1]"),
        (#"{"properties": {"tags": ["a", {"b": 1}]}}"#, "properties.tags[1]"),
        (#"{"properties": {"x": null}}"#, "properties.x"),
        (#"{"properties": {"": 1}}"#, "properties."),
        (#"{"properties": [1, 2]}"#, "properties"),
        (#"{"labels": "Creator"}"#, "labels"),
        (#"{"labels": [""]}"#, "labels[0]"),
        (#"{"labels": [12]}"#, "labels[0]"),
        (#"{"id": 5, "labels": ["Creator"]}"#, "id"),
        (#"{"lables": ["Creator"]}"#, "lables"),
        (#"["Creator"]"#, "(body)"),
    ] as [(String, String)])
    func badNodeBodiesAreRefusedNamingTheField(body: String, field: String) throws {
        let h = try GraphAPIHarness()
        let reply = h.call(.POST, "/api/v1/graph/nodes", body: body)
        #expect(reply.status == 400, "\(body): \(reply.text)")
        #expect(reply.isProblem)
        #expect(reply.errorFields.contains(field), "\(body) should name \(field): \(reply.errorFields)")
        #expect(h.totals() == (0, 0))
    }

    @Test func deepAndHugeListsAndLongNamesAreRefused() throws {
        let h = try GraphAPIHarness()
        let limit = h.configuration.maxListNesting
        #expect(h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"ok": \#(Self.nested(limit))}}"#).status == 201)
        let deep = h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"deep": \#(Self.nested(limit + 1))}}"#)
        #expect(deep.status == 400)
        #expect(deep.errorFields.first?.hasPrefix("properties.deep") == true)
        let deeper = h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"deep": \#(Self.nested(40))}}"#)
        #expect(deeper.status == 400)

        let items = (0..<10_001).map(String.init).joined(separator: ",")
        let huge = h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"many": [\#(items)]}}"#)
        #expect(huge.status == 400)
        #expect(huge.errorFields == ["properties.many"])
        let fits = (0..<10_000).map(String.init).joined(separator: ",")
        #expect(h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"many": [\#(fits)]}}"#).status == 201)

        let long = String(repeating: "k", count: 65_536)
        let longKey = h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"\#(long)": 1}}"#)
        #expect(longKey.status == 400)
        #expect(longKey.errorFields == ["properties." + long])
        let longLabel = h.call(.POST, "/api/v1/graph/nodes", body: #"{"labels": ["\#(long)"]}"#)
        #expect(longLabel.status == 400)
        #expect(longLabel.errorFields == ["labels[0]"])
        let longType = h.call(.POST, "/api/v1/graph/relationships", body: #"{"type": "\#(long)", "start": 1, "end": 1}"#)
        #expect(longType.errorFields == ["type"])
        #expect(h.totals() == (2, 0))
    }

    @Test func theStoresOwnNestingLimitStillAnswers400WhenTheConfigurationAllowsMore() throws {
        let h = try GraphAPIHarness(configuration: GraphAPIConfiguration(maxListNesting: 40))
        let reply = h.call(.POST, "/api/v1/graph/nodes", body: #"{"properties": {"deep": \#(Self.nested(PropertyValue.maxDepth + 1))}}"#)
        #expect(reply.status == 400, "\(reply.text)")
        #expect(reply.errorFields == ["properties.deep"])
        #expect(h.totals() == (0, 0))
    }

    @Test func nonFiniteNumbersAreNotJSON() throws {
        let h = try GraphAPIHarness()
        for body in [#"{"properties": {"x": NaN}}"#, #"{"properties": {"x": Infinity}}"#, #"{"properties": {"x": 1e999}}"#, #"{"properties": {"x": 1,}}"#] {
            let reply = h.call(.POST, "/api/v1/graph/nodes", body: body)
            #expect(reply.status == 400, "\(body)")
            #expect(reply["type"] == .string("/problems/invalid-json"))
        }
        #expect(h.call(.POST, "/api/v1/graph/nodes", body: "").status == 400)
        #expect(h.call(.POST, "/api/v1/graph/nodes").status == 415)
        #expect(h.totals() == (0, 0))
    }

    @Test func badRelationshipBodiesNameTheField() throws {
        let h = try GraphAPIHarness()
        let a = h.node()
        let cases: [(String, [String])] = [
            (#"{"start": \#(a), "end": \#(a)}"#, ["type"]),
            (#"{"type": "X", "start": "abc", "end": 1.5}"#, ["end", "start"]),
            (#"{"type": "X", "start": 0, "end": -1}"#, ["end", "start"]),
            (#"{"type": "", "start": \#(a), "end": \#(a)}"#, ["type"]),
            (#"{"type": "X", "start": \#(a), "end": \#(a), "properties": {"w": {"x": 1}}}"#, ["properties.w"]),
        ]
        for (body, fields) in cases {
            let reply = h.call(.POST, "/api/v1/graph/relationships", body: body)
            #expect(reply.status == 400, "\(body)")
            #expect(reply.errorFields.sorted() == fields, "\(body): \(reply.text)")
        }
        #expect(h.totals() == (1, 0))
    }

    @Test func aBadValueInAMultiPropertyPatchChangesNothing() throws {
        let h = try GraphAPIHarness()
        let id = h.node(["Creator"], #"{"a": 1, "b": 2}"#)
        let reply = h.call(.PATCH, "/api/v1/graph/nodes/\(id)", body: #"{"labels": ["Other"], "properties": {"a": 10, "b": {"$date": "nope"}}}"#)
        #expect(reply.status == 400)
        #expect(reply.errorFields == ["properties.b"])
        let node = h.call(.GET, "/api/v1/graph/nodes/\(id)")
        #expect(node["labels"] == .array([.string("Creator")]))
        #expect(node["properties"] == .object(["a": .int(1), "b": .int(2)]))
    }

    @Test func badQueryParametersNameTheParameter() throws {
        let h = try GraphAPIHarness()
        let a = h.node(["Creator"])
        let cases: [(String, [(String, String)], String)] = [
            ("/api/v1/graph/nodes", [("limit", "0")], "limit"),
            ("/api/v1/graph/nodes", [("limit", "1001")], "limit"),
            ("/api/v1/graph/nodes", [("limit", "ten")], "limit"),
            ("/api/v1/graph/nodes", [("after", "xyz")], "after"),
            ("/api/v1/graph/nodes", [("label", "")], "label"),
            ("/api/v1/graph/nodes", [("lable", "Creator")], "lable"),
            ("/api/v1/graph/relationships", [("after", "-1")], "after"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("depth", "4")], "depth"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("depth", "0")], "depth"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("direction", "sideways")], "direction"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("type", "A,,B")], "type"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("after", "garbage")], "after"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("depth", "2"), ("after", "o.1.2.3")], "after"),
            ("/api/v1/graph/nodes/\(a)/neighbors", [("limit", "5000")], "limit"),
        ]
        for (path, query, field) in cases {
            let reply = h.call(.GET, path, query: query)
            #expect(reply.status == 400, "\(path) \(query)")
            #expect(reply.errorFields == [field], "\(path) \(query): \(reply.text)")
        }
    }

    @Test func theDepthLimitFollowsTheConfiguration() throws {
        let h = try GraphAPIHarness(configuration: GraphAPIConfiguration(maxDepth: 5, maxPageSize: 50))
        let a = h.node()
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(a)/neighbors", query: [("depth", "5")]).status == 200)
        let deep = h.call(.GET, "/api/v1/graph/nodes/\(a)/neighbors", query: [("depth", "6")])
        #expect(deep.status == 400)
        #expect(deep.detail.contains("5"))
        #expect(h.call(.GET, "/api/v1/graph/nodes", query: [("limit", "51")]).errorFields == ["limit"])
    }
}
