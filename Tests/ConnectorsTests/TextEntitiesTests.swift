@testable import Connectors
import Testing

@Suite struct TextEntitiesTests {
    func sliced(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return TextEntities(text).entities.map { String(decoding: bytes[$0.byteStart..<$0.byteEnd], as: UTF8.self) }
    }

    @Test func offsetsAreUTF8Bytes() {
        let text = "東京 👩🏽‍💻 #タグ (see https://example.com/path_(x)), then #end!"
        #expect(sliced(text) == ["#タグ", "https://example.com/path_(x)", "#end"])
        let entities = TextEntities(text).entities
        #expect(entities[0].byteStart == "東京 👩🏽‍💻 ".utf8.count)
        #expect(entities[0].kind == .tag("タグ"))
    }

    @Test func whatIsNotATag() {
        #expect(sliced("issue #42, a#b, # alone, ##").isEmpty)
        #expect(sliced("https://example.com/#anchor") == ["https://example.com/#anchor"])
        #expect(sliced("(https://example.com/a).") == ["https://example.com/a"])
        #expect(sliced("#" + String(repeating: "a", count: 65)).isEmpty)
        #expect(sliced("#" + String(repeating: "a", count: 64)).count == 1)
        #expect(TextEntities("#Swift #swift #Go").tags == ["Swift", "Go"])
    }

    @Test func recordKeysAreDeterministicTIDs() {
        let a = RecordKey.tid(for: "pub-1-key-0")
        #expect(a == RecordKey.tid(for: "pub-1-key-0"))
        #expect(a != RecordKey.tid(for: "pub-1-key-1"))
        for seed in ["", "x", "pub-1-key-0", "ünïcödé", String(repeating: "z", count: 500)] {
            #expect(FakeBluesky.isTID(RecordKey.tid(for: seed)))
        }
    }

    @Test func timestamps() {
        #expect(Timestamps.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamps.format(milliseconds: 1_735_732_800_123) == "2025-01-01T12:00:00.123Z")
        #expect(Timestamps.format(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamps.parse("2025-01-01T12:00:00.123Z") == 1_735_732_800)
        #expect(Timestamps.parse("2025-01-01T14:00:00+02:00") == 1_735_732_800)
        #expect(Timestamps.parse("2025-01-01") == nil)
        #expect(Timestamps.parse("2025-13-01T00:00:00Z") == nil)
    }

    @Test func mastodonHTMLToText() {
        let html = #"<p>Café &amp; &lt;b&gt; &#39;q&#39;<br />line <a href="https://x.y/a" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">x.y/a</span><span class="invisible"></span></a></p><p><a href="https://x.y/tags/t" class="mention hashtag" rel="tag">#<span>t</span></a></p>"#
        #expect(MastodonHTML.plainText(html) == "Café & <b> 'q'\nline https://x.y/a\n\n#t")
    }
}
