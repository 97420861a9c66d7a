import CivilDate
import Content
import Testing

@Suite struct IdentifierAndTimeTests {
    @Test func uuidv7IdsAreCanonicalVersion7AndIncreasing() {
        var previous = ""
        for _ in 0..<5000 {
            let id = UUIDv7.make(milliseconds: 1_780_000_000_000)  // a clock standing still
            #expect(UUIDv7.isCanonical(id))
            #expect(Array(id)[14] == "7")
            #expect("89ab".contains(Array(id)[19]))
            #expect(id > previous)
            previous = id
        }
        #expect(UUIDv7.milliseconds(of: UUIDv7.make(milliseconds: 1_780_000_123_456)) ?? 0 >= 1_780_000_123_456)
        #expect(!UUIDv7.isCanonical("0193a1b2c3d47e5f8a9b0c1d2e3f4a5b"))
        #expect(!UUIDv7.isCanonical("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g"))
    }

    @Test func rfc3339ParsesOffsetsFractionsAndRefusesNonsense() {
        #expect(Timestamp.parse("2026-12-01T18:59:58Z") == 1_796_151_598_000)
        #expect(Timestamp.parse("2026-12-01T19:59:58.5+01:00") == 1_796_151_598_500)
        #expect(Timestamp.parse("2026-12-01t18:59:58.123456z") == 1_796_151_598_123)
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") != nil)
        for bad in ["2026-02-29T00:00:00Z", "2026-12-01 18:59:58", "2026-12-01T18:59Z", "2026-12-01T18:59:58", "2026-12-01T24:00:00Z",
                    "1969-12-31T23:59:59Z", "2026-12-01T18:59:58.Z", "2026-12-01T18:59:58+0100", "yesterday", ""] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        #expect(Timestamp.format(milliseconds: 1_796_151_598_123) == "2026-12-01T18:59:58.123Z")
        #expect(Timestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        for ms: Int64 in [0, 951_782_400_000, 1_796_151_598_123, 253_402_300_799_999] {
            #expect(Timestamp.parse(Timestamp.format(milliseconds: ms)) == ms)
        }
    }
}
