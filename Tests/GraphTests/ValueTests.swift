import Testing
@testable import Graph

@Suite struct ValueTests {
    static let samples: [PropertyValue] = [
        .null, .bool(false), .bool(true), .int(0), .int(-1), .int(Int64.max), .int(Int64.min), .int(9_007_199_254_740_993),
        .float(0.5), .float(-1e300), .float(.infinity), .string(""), .string("héllo\u{0}world"), .bytes([0, 1, 255]),
        .list([.int(1), .string("a"), .list([.bool(true)])]),
        .date(try! LocalDate(year: 2024, month: 2, day: 29)),
        .localTime(try! LocalTime(hour: 23, minute: 59, second: 59, nanosecond: 999_999_999)),
        .time(try! OffsetTime(iso: "12:30:15.25-05:30")),
        .localDateTime(try! LocalDateTime(iso: "1969-12-31T23:59:59.000000001")),
        .dateTime(try! ZonedDateTime(iso: "2024-06-01T12:30:00+02:00[Europe/Paris]")),
        .duration(TemporalDuration(months: 14, days: -3, seconds: -5, nanoseconds: 250_000_000)),
    ]

    @Test func recordEncodingRoundTrips() throws {
        for value in Self.samples {
            #expect(try PropertyValue(recordBytes: value.recordBytes()) == value)
        }
    }

    @Test func recordDecodingRejectsGarbage() {
        #expect(throws: GraphError.self) { try PropertyValue(recordBytes: [99]) }
        #expect(throws: GraphError.self) { try PropertyValue(recordBytes: [5, 10, 65]) }  // string longer than the buffer
        #expect(throws: GraphError.self) { try PropertyValue(recordBytes: PropertyValue.int(3).recordBytes() + [0]) }
    }

    @Test func orderedBytesFollowValueOrder() {
        let numbers: [PropertyValue] = [.float(-.infinity), .int(Int64.min), .float(-2.5), .int(-2), .int(0), .float(0.5), .int(1),
                                        .int(9_007_199_254_740_992), .int(9_007_199_254_740_993), .float(1e300)]
        let strings: [PropertyValue] = [.string(""), .string("a"), .string("a\u{0}"), .string("a\u{0}b"), .string("ab"), .string("b"), .string("é")]
        let dates: [PropertyValue] = [.date(LocalDate(epochDay: -1000)), .date(LocalDate(epochDay: 0)), .date(LocalDate(epochDay: 5))]
        let lists: [PropertyValue] = [.list([]), .list([.int(1)]), .list([.int(1), .int(2)]), .list([.int(2)])]
        for group in [numbers, strings, dates, lists] {
            for (a, b) in zip(group, group.dropFirst()) {
                #expect(a.orderedBytes().lexicographicallyPrecedes(b.orderedBytes()), "\(a) < \(b)")
            }
        }
        #expect(PropertyValue.int(2).orderedBytes() == PropertyValue.float(2.0).orderedBytes())
        #expect(PropertyValue.int(Int64.max).orderedBytes().lexicographicallyPrecedes(PropertyValue.float(1e19).orderedBytes()))
        let later = try! ZonedDateTime(iso: "2024-01-01T10:00:00+05:00")  // 05:00Z
        let earlier = try! ZonedDateTime(iso: "2024-01-01T06:00:00Z")
        #expect(PropertyValue.dateTime(later).orderedBytes().lexicographicallyPrecedes(PropertyValue.dateTime(earlier).orderedBytes()))
        let prefix = PropertyValue.orderedPrefix(ofString: "ab")
        #expect(PropertyValue.string("abc").orderedBytes().starts(with: prefix))
        #expect(!PropertyValue.string("a").orderedBytes().starts(with: prefix))
    }

    @Test func isoTextRoundTrips() throws {
        for text in ["2024-06-01T12:30+02:00", "2024-06-01T12:30:01.5Z", "-0044-03-15T00:00Z", "+12345-01-01T00:00:00.000000001-01:30[America/St_Johns]"] {
            #expect(try ZonedDateTime(iso: text).description == text)
        }
        #expect(try LocalDate(iso: "2024-02-29").description == "2024-02-29")
        #expect(throws: GraphError.self) { try LocalDate(iso: "2023-02-29") }
        #expect(throws: GraphError.self) { try ZonedDateTime(iso: "2024-06-01 12:30") }
        #expect(throws: GraphError.self) { try LocalTime(iso: "24:00") }
        for d in [TemporalDuration(months: 14, days: 3, seconds: 3723, nanoseconds: 5), TemporalDuration(seconds: -1, nanoseconds: -500_000_000),
                  TemporalDuration(), TemporalDuration(months: -1, days: 0, seconds: 59)] {
            #expect(try TemporalDuration(iso: d.description) == d, "\(d)")
        }
        #expect(try TemporalDuration(iso: "PT-1.5S") == TemporalDuration(seconds: -1, nanoseconds: -500_000_000))
        let zoned = try ZonedDateTime(iso: "2024-06-01T12:30:00+02:00")
        #expect(zoned.epochSecond == 1_717_237_800)
        #expect(zoned.local.description == "2024-06-01T12:30")
    }

    @Test func validationRejectsNaNAndDeepLists() {
        #expect(throws: GraphError.self) { try PropertyValue.float(.nan).validate(field: "x") }
        var deep = PropertyValue.int(1)
        for _ in 0...PropertyValue.maxDepth { deep = .list([deep]) }
        #expect(throws: GraphError.self) { try deep.validate(field: "x") }
        #expect(throws: Never.self) { try PropertyValue.list([.int(1)]).validate(field: "x") }
    }
}
