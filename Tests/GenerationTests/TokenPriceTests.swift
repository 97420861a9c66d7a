import Generation
import Testing

@Suite struct TokenPriceTests {
    @Test(arguments: [
        ("0.0002", Int64(200)), ("0.03", 30_000), ("0", 0), ("0.000001", 1), ("2e-4", 200), ("1.5E-3", 1_500),
        ("0.30", 300_000), ("12", 12_000_000), ("0.0000010", 1), ("+0.5", 500_000), ("1e3", 1_000_000_000),
    ])
    func parsesExactDecimals(text: String, micros: Int64) throws {
        #expect(try TokenPrice.parse(text).microsPer1K == micros)
    }

    @Test func decimalsThatBinaryFloatingPointGetWrongStayExact() throws {
        // 0.1 + 0.2 != 0.3 in Double; here three prices of 0.1 add up to exactly 0.3.
        let tenth = try TokenPrice.parse("0.1")
        #expect(tenth.microsPer1K * 3 == (try TokenPrice.parse("0.3")).microsPer1K)
        // 0.0002 as a Double is 0.000200000000000000009…; the parsed price is exactly 200 micros.
        #expect(try TokenPrice.parse("0.0002").decimalString == "0.0002")
        #expect(TokenPrice(microsPer1K: 30_000).description == "0.03 USD/1k tokens")
    }

    @Test(arguments: ["-0.01", "abc", "", "0.0000001", "1.2.3", "1e", "1e-", "0x10", "1001", "NaN", "inf", " 0.1", "1e9999"])
    func refusesWhatIsNotAPlainPrice(text: String) {
        #expect(throws: TokenPriceError.self) { try TokenPrice.parse(text) }
    }

    @Test func refusalsSayWhy() {
        #expect(throws: TokenPriceError(reason: "must not be negative")) { try TokenPrice.parse("-1") }
        #expect(throws: TokenPriceError(reason: "is finer than one micro-dollar (0.000001) per 1k tokens")) { try TokenPrice.parse("0.0000005") }
    }

    @Test func callCostIsRoundedUpPerCall() {
        let deepseek = TokenPrice(microsPer1K: 200)
        // One token at 0.2 micros is billed 1 micro, never 0.
        #expect(TokenPrice.cost(inputTokens: 1, outputTokens: 0, input: deepseek, output: deepseek) == 1)
        #expect(TokenPrice.cost(inputTokens: 1000, outputTokens: 0, input: deepseek, output: deepseek) == 200)
        #expect(TokenPrice.cost(inputTokens: 1500, outputTokens: 500, input: deepseek, output: deepseek) == 400)
        #expect(TokenPrice.cost(inputTokens: 1234, outputTokens: 567, input: TokenPrice(microsPer1K: 30_000), output: TokenPrice(microsPer1K: 60_000)) == 71_040)
        #expect(TokenPrice.cost(inputTokens: 10, outputTokens: 10, input: .zero, output: .zero) == 0)
    }

    @Test func hugeTokenCountsSaturateInsteadOfOverflowing() {
        let price = TokenPrice(microsPer1K: TokenPrice.maximumMicrosPer1K)
        #expect(TokenPrice.cost(inputTokens: Int.max, outputTokens: Int.max, input: price, output: price) == Int64.max)
    }

    @Test func formatsMicrosAsDollars() {
        #expect(TokenPrice.format(micros: 1_234) == "$0.001234")
        #expect(TokenPrice.format(micros: 2_500_000) == "$2.500000")
    }
}
