import Foundation
import Testing
@testable import Publishing

@Suite struct BenchmarkTests {
    /// A small run of the benchmark: every publication is posted exactly once through the background loop.
    @Test func smallRunPublishesEachOnce() async throws {
        let r = try await PublishingBenchmark.run(.init(count: 300, spreadSeconds: 0.5, concurrency: 16))
        #expect(r.count == 300 && r.posts == 300)
        #expect(r.worstLatenessMs >= 0 && r.overheadMsPerPublication > 0)
        #expect(r.summary.contains("300 publications"))
    }
}

@Suite struct StringArrayJSONTests {
    @Test func roundTripsAndReadsFoundationJSON() throws {
        let samples: [[String]] = [[], [""], ["a", "b"], ["quote \" back \\ slash", "line\nbreak\ttab\r", "\u{1}ctl", "café ☕ 👩🏽‍💻 日本語"]]
        for s in samples {
            #expect(StringArrayJSON.decode(StringArrayJSON.encode(s)) == s)
            let foundation = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
            #expect(StringArrayJSON.decode(foundation) == s)
            #expect(try JSONDecoder().decode([String].self, from: Data(StringArrayJSON.encode(s).utf8)) == s)
        }
        #expect(StringArrayJSON.decode(#" [ "a" , "\u00e9\ud83d\ude00" ] "#) == ["a", "é😀"])
        #expect(StringArrayJSON.decode("not json") == [] && StringArrayJSON.decode(#"["open"#) == [])
    }
}
