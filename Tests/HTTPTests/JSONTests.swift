import HTTP
import Testing

@Suite struct JSONTests {
    @Test func integersStayExactAboveTwoToThe53() throws {
        let value = try JSONValue.parse(#"{"big": 9007199254740993, "neg": -9223372036854775808, "f": 1.5}"#)
        #expect(value["big"] == .int(9_007_199_254_740_993))
        #expect(value["neg"] == .int(Int64.min))
        #expect(value["f"] == .double(1.5))
        #expect(JSONValue.int(9_007_199_254_740_993).text == "9007199254740993")
    }

    @Test func stringsDecodeEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#"["a\"b\\c\/\n", "\u00e9\ud83d\ude00", "日本語"]"#)
        #expect(value == .array([.string("a\"b\\c/\n"), .string("é😀"), .string("日本語")]))
        #expect(JSONValue.string("a\"\n\u{1}").text == #""a\"\n\u0001""#)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9, "expected a string key"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("[1, 2", 1, 6, "end of input"),
        ("\n\n  tru", 3, 3, "invalid literal"),
        ("\"abc", 1, 1, "unterminated string"),
        ("01", 1, 1, "leading zero"),
        ("{\"a\":1}x", 1, 8, "after the JSON value"),
        ("\"\\ud800\"", 1, 8, "lone surrogate"),
        ("{\"a\":1,\"a\":2}", 1, 8, "duplicate key"),
        ("", 1, 1, "end of input"),
        ("NaN", 1, 1, "unexpected character"),
        ("1e999", 1, 1, "out of range"),
    ])
    func syntaxErrorsNameTheirPosition(input: String, line: Int, column: Int, reason: String) {
        do {
            _ = try JSONValue.parse(input)
            Issue.record("parsed invalid JSON \(input)")
        } catch {
            #expect(error.line == line, "\(input): \(error)")
            #expect(error.column == column, "\(input): \(error)")
            #expect(error.reason.contains(reason), "\(input): \(error)")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect((try? JSONValue.parse(ok)) != nil)
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse([0x22, 0x61, 0x00, 0x22]) }
    }

    @Test func roundTripIsStable() throws {
        let text = #"{"a":[1,2.5,true,null,"x"],"b":{"c":-3}}"#
        let value = try JSONValue.parse(text)
        #expect(value.text == text)
        #expect(try JSONValue.parse(value.serialized()) == value)
    }
}
