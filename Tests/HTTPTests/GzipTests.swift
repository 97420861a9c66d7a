import HTTP
import Testing

@Suite struct GzipTests {
    @Test func roundTripAndNegotiation() throws {
        let body = Array(String(repeating: "{\"k\":\"value\"},", count: 5000).utf8)
        let compressed = try #require(Gzip.compress(body))
        #expect(compressed.count < body.count / 10)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(Gzip.decompress(compressed) == body)
        #expect(Gzip.decompress([1, 2, 3]) == nil)
        #expect(Gzip.accepted(by: "gzip, deflate"))
        #expect(Gzip.accepted(by: "*"))
        #expect(!Gzip.accepted(by: "br"))
        #expect(!Gzip.accepted(by: "gzip;q=0"))
        #expect(!Gzip.accepted(by: nil))
    }
}
