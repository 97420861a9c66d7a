import Graph
import GraphAPI
import HTTP
import Testing

@Suite struct ValueRoundTripTests {
    /// Every value type, as a client would send it.
    static let properties = #"""
    {"big": 9007199254740993, "min": -9223372036854775808, "max": 9223372036854775807, "one": 1, "onePointZero": 1.0,
     "ratio": 0.1, "huge": 1.5e300, "flag": false, "name": "Ada \"A\" Lovelace ✓", "tags": ["a", "b"], "grid": [[1, 2], [3]],
     "at": {"$datetime": "2026-03-01T10:00:00+02:00"}, "atUTC": {"$datetime": "2026-03-01T08:00:00.25Z"},
     "zoned": {"$datetime": "2026-03-01T10:00:00+01:00[Europe/Paris]"}, "nanos": {"$datetime": "1969-12-31T23:59:59.000000001-03:30"},
     "far": {"$datetime": "+12345-01-01T00:00:00Z"}, "early": {"$datetime": "0001-01-01T00:00:00+14:00"},
     "day": {"$date": "2026-03-01"}, "span": {"$duration": "P1DT2H"}, "alarm": {"$localtime": "07:30:00"},
     "meeting": {"$time": "10:15:30-05:00"}, "wall": {"$localdatetime": "2026-03-01T10:00:00.123456789"},
     "blob": {"$bytes": "AAEC/w=="}, "dates": [{"$date": "2026-01-01"}, {"$date": "2026-12-31"}]}
    """#

    @Test func typedValuesComeBackExactly() throws {
        let h = try GraphAPIHarness()
        let sent = try JSONValue.parse(Self.properties)
        let created = h.call(.POST, "/api/v1/graph/nodes", body: #"{"labels": ["Metric"], "properties": \#(Self.properties)}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect(created["properties"] == sent)
        let id = try #require(created.int("id"))

        let fetched = h.call(.GET, "/api/v1/graph/nodes/\(id)")
        #expect(fetched["properties"] == sent)
        // The wire text itself: the integer is not rounded to a double, the float keeps its point, the datetime its offset.
        #expect(fetched.text.contains(#""big":9007199254740993"#))
        #expect(fetched.text.contains(#""onePointZero":1.0"#))
        #expect(fetched.text.contains(#""one":1,"#))
        #expect(fetched.text.contains(#""at":{"$datetime":"2026-03-01T10:00:00+02:00"}"#))

        // Stored natively, not as text: the engine sees an int64 and a datetime with its offset, and so does a restart.
        try h.reopen()
        let node = try #require(try h.store.read { txn in try txn.node(NodeID(id)) })
        #expect(node.properties["big"] == .int(9_007_199_254_740_993))
        #expect(node.properties["onePointZero"] == .float(1.0))
        #expect(node.properties["at"] == .dateTime(try ZonedDateTime(iso: "2026-03-01T10:00:00+02:00")))
        if case .dateTime(let at)? = node.properties["at"] { #expect(at.offsetSeconds == 7200) }
        #expect(node.properties["span"] == .duration(TemporalDuration(days: 1, seconds: 7200)))
        #expect(node.properties["blob"] == .bytes([0, 1, 2, 255]))
        #expect(h.call(.GET, "/api/v1/graph/nodes/\(id)")["properties"] == sent)
    }

    @Test func relationshipPropertiesRoundTripToo() throws {
        let h = try GraphAPIHarness()
        let a = h.node(["Content"]), b = h.node(["Metric"])
        let reply = h.call(.POST, "/api/v1/graph/relationships",
                           body: #"{"type": "PERFORMS", "start": \#(a), "end": \#(b), "properties": {"engagement": 9007199254740993, "at": {"$datetime": "2026-03-01T10:00:00-07:30"}}}"#)
        #expect(reply.status == 201)
        let id = try #require(reply.int("id"))
        let fetched = h.call(.GET, "/api/v1/graph/relationships/\(id)")
        #expect(fetched["properties"] == .object(["engagement": .int(9_007_199_254_740_993), "at": .object(["$datetime": .string("2026-03-01T10:00:00-07:30")])]))
    }

    @Test func valuesWrittenByOtherToolsRenderInTheTaggedForm() throws {
        let h = try GraphAPIHarness()
        let id = try h.store.writeSync { txn in
            try txn.createNode(labels: ["Raw"], properties: [
                "inf": .float(.infinity), "neg": .float(-.infinity), "time": .localTime(try LocalTime(hour: 9, minute: 5)),
                "dt": .dateTime(try ZonedDateTime(iso: "2026-03-01T10:00+02:00")),
            ])
        }
        let reply = h.call(.GET, "/api/v1/graph/nodes/\(id)")
        #expect(reply["properties"] == .object([
            "inf": .object(["$float": .string("Infinity")]), "neg": .object(["$float": .string("-Infinity")]),
            "time": .object(["$localtime": .string("09:05:00")]), "dt": .object(["$datetime": .string("2026-03-01T10:00:00+02:00")]),
        ]))
        // And the server refuses to take $float back: non-finite numbers are not storable input.
        let refused = h.call(.PATCH, "/api/v1/graph/nodes/\(id)", body: #"{"properties": {"x": {"$float": "NaN"}}}"#)
        #expect(refused.status == 400)
        #expect(refused.errorFields == ["properties.x"])
    }

    @Test func directWritersProduceTheSameTextAsTheValueTree() throws {
        let h = try GraphAPIHarness()
        let created = h.call(.POST, "/api/v1/graph/nodes", body: #"{"labels": ["B", "A"], "properties": \#(Self.properties)}"#)
        let id = try #require(created.int("id"))
        var node = try #require(try h.store.read { txn in try txn.node(NodeID(id)) })
        node.properties["nan"] = .float(.nan)
        node.properties["neg0"] = .float(-0.0)
        var direct: [UInt8] = []
        GraphJSON.write(node, into: &direct)
        #expect(String(decoding: direct, as: UTF8.self) == GraphJSON.node(node).text)
        let relationship = Relationship(id: 7, type: "R \"quoted\"", start: 1, end: 2, properties: node.properties)
        direct = []
        GraphJSON.write(relationship, into: &direct)
        #expect(String(decoding: direct, as: UTF8.self) == GraphJSON.relationship(relationship).text)
        // And a listing answers with exactly those bytes.
        let listed = h.call(.GET, "/api/v1/graph/nodes", query: [("label", "A")])
        let single = h.call(.GET, "/api/v1/graph/nodes/\(id)").text
        #expect(listed.text == #"{"data":[\#(single)],"next_cursor":null}"#)
    }
}
