/// A model's price for 1,000 tokens, in micro-units (10⁻⁶) of US dollars: never a floating-point number.
///
/// Prices per 1k tokens are fractions of a cent (`0.0002` dollars is 200 micro-dollars), so cents cannot hold
/// them; micro-units can, exactly. ``parse(_:)`` reads the decimal text digit by digit, so `0.0002` becomes
/// exactly 200 and never the nearest binary fraction.
public struct TokenPrice: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Micro-dollars per 1,000 tokens.
    public let microsPer1K: Int64

    /// The currency every price and cost in this module is in (the registry accepts only this one).
    public static let currency = "USD"

    /// The highest accepted price: 1,000 dollars per 1k tokens (anything above is a typo in the registry).
    public static let maximumMicrosPer1K: Int64 = 1_000_000_000

    /// Wraps a count of micro-dollars per 1k tokens.
    public init(microsPer1K: Int64) { self.microsPer1K = microsPer1K }

    /// Free: local models that are configured at no cost.
    public static let zero = TokenPrice(microsPer1K: 0)

    /// Orders by price.
    public static func < (lhs: TokenPrice, rhs: TokenPrice) -> Bool { lhs.microsPer1K < rhs.microsPer1K }

    /// Parses a non-negative decimal in dollars per 1k tokens: `"0.0002"`, `"0.03"`, `"2e-4"`, `"0"`.
    ///
    /// - Throws: a message (without the caller's field name) when the text is not a plain non-negative decimal,
    ///   has a digit below one micro-dollar (`"0.0000001"`), or is above ``maximumMicrosPer1K``.
    public static func parse(_ text: String) throws(TokenPriceError) -> TokenPrice {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { throw TokenPriceError(reason: "must be a decimal number such as 0.0002") }
        var i = 0
        if bytes[0] == UInt8(ascii: "-") { throw TokenPriceError(reason: "must not be negative") }
        if bytes[0] == UInt8(ascii: "+") { i += 1 }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var sawPoint = false
        var sawDigit = false
        while i < bytes.count {
            let b = bytes[i]
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                digits.append(b - UInt8(ascii: "0"))
                sawDigit = true
                if sawPoint { fractionDigits += 1 }
            } else if b == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { throw TokenPriceError(reason: "must be a decimal number such as 0.0002") }
        var exponent = 0
        if i < bytes.count {
            guard bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") else {
                throw TokenPriceError(reason: "must be a decimal number such as 0.0002")
            }
            i += 1
            var negative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { negative = bytes[i] == UInt8(ascii: "-"); i += 1 }
            guard i < bytes.count, bytes.count - i <= 3 else { throw TokenPriceError(reason: "has an invalid exponent") }
            while i < bytes.count {
                let b = bytes[i]
                guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { throw TokenPriceError(reason: "has an invalid exponent") }
                exponent = exponent * 10 + Int(b - UInt8(ascii: "0"))
                i += 1
            }
            if negative { exponent = -exponent }
        }
        // value = digits × 10^(exponent − fractionDigits); in micros: digits × 10^(exponent − fractionDigits + 6).
        let shift = exponent - fractionDigits + 6
        var kept = digits
        if shift < 0 {
            let drop = min(-shift, kept.count)
            if kept.suffix(drop).contains(where: { $0 != 0 }) {
                throw TokenPriceError(reason: "is finer than one micro-dollar (0.000001) per 1k tokens")
            }
            kept.removeLast(drop)
        }
        var value: Int64 = 0
        for d in kept {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 || s > maximumMicrosPer1K { throw TokenPriceError(reason: "is above the maximum of 1000 dollars per 1k tokens") }
            value = s
        }
        if shift > 0, value != 0 {
            for _ in 0..<shift {
                let (m, o) = value.multipliedReportingOverflow(by: 10)
                if o || m > maximumMicrosPer1K { throw TokenPriceError(reason: "is above the maximum of 1000 dollars per 1k tokens") }
                value = m
            }
        }
        return TokenPrice(microsPer1K: value)
    }

    /// The price as dollars per 1k tokens, e.g. `"0.0002"` (exact; trailing zeros dropped).
    public var decimalString: String {
        let whole = microsPer1K / 1_000_000
        var fraction = String(microsPer1K % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }

    /// `"0.0002 USD/1k tokens"`.
    public var description: String { "\(decimalString) \(TokenPrice.currency)/1k tokens" }

    /// The cost of a call in micro-dollars: ⌈(input × inputPrice + output × outputPrice) / 1000⌉.
    ///
    /// Rounded up so that many tiny calls never add up to less than they cost; computed in 128 bits and
    /// saturated at `Int64.max`, so no token count can overflow it.
    public static func cost(inputTokens: Int, outputTokens: Int, input: TokenPrice, output: TokenPrice) -> Int64 {
        let total = Int128(max(0, inputTokens)) * Int128(input.microsPer1K) + Int128(max(0, outputTokens)) * Int128(output.microsPer1K)
        let micros = (total + 999) / 1000
        return micros > Int128(Int64.max) ? Int64.max : Int64(micros)
    }
}

/// Why a price text was refused (the registry adds the entry and field name).
public struct TokenPriceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, phrased to follow a field name: "must not be negative".
    public let reason: String
    /// Creates an error.
    public init(reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
}

extension TokenPrice {
    /// Formats an amount of micro-dollars for people: `1234` → `"$0.001234"`.
    public static func format(micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let m = micros.magnitude
        let fraction = String(m % 1_000_000)
        return "\(sign)$\(m / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }
}
