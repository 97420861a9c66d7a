/// An ISO 4217 currency: its alphabetic code and its exponent (number of minor-unit digits).
///
/// Only currencies in ``Currency/known`` are accepted, so a typo (`"USDD"`) is an error at the edge rather than
/// a silently wrong number later.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three-letter ISO 4217 code, upper case (`"USD"`).
    public let code: String
    /// Digits after the decimal point: 2 for USD/EUR, 0 for JPY, 3 for KWD.
    public let exponent: Int

    /// Looks a code up (case-insensitive) in the ISO 4217 table.
    /// - Throws: ``BillingError`` `unknown_currency` for anything not in the table.
    public init(code: String) throws {
        let upper = code.uppercased()
        guard let exponent = Currency.known[upper] else {
            throw BillingError(.unknownCurrency, "'\(code)' is not an ISO 4217 currency this system knows", field: "currency")
        }
        self.code = upper
        self.exponent = exponent
    }

    /// Decodes from a bare code string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(code: try container.decode(String.self))
    }

    /// Encodes as the bare code string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    /// The code.
    public var description: String { code }

    /// 10^exponent: how many minor units make one major unit.
    public var minorPerMajor: Int64 { pow10(exponent) }

    /// How many micro-units (10⁻⁶ of a major unit) make one minor unit: 10 000 for USD, 1 000 000 for JPY.
    public var microPerMinor: Int64 { pow10(6 - exponent) }

    /// US dollar.
    public static let usd = try! Currency(code: "USD")
    /// Euro.
    public static let eur = try! Currency(code: "EUR")
    /// Pound sterling.
    public static let gbp = try! Currency(code: "GBP")

    /// ISO 4217 codes in use with their exponents (currencies with exponent 4 are left out: micro-units assume ≤ 3).
    public static let known: [String: Int] = [
        "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
        "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BRL": 2,
        "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHF": 2, "CLP": 0, "CNY": 2,
        "COP": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2,
        "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2,
        "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
        "IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0,
        "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2,
        "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2,
        "MVR": 2, "MWK": 2, "MXN": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2,
        "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2,
        "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2,
        "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2,
        "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0, "USD": 2,
        "UYU": 2, "UZS": 2, "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XOF": 0, "XPF": 0,
        "YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2,
    ]
}

/// An amount of money: a signed count of minor units (cents) and its currency. Never a floating-point number.
///
/// Arithmetic is checked: overflow and mixing currencies throw ``BillingError`` instead of trapping or
/// producing a wrong figure.
///
/// ```swift
/// let price = try Money.parse("29.00", currency: "USD")   // 2900 USD cents
/// let total = try price.adding(Money(minor: 500, currency: .usd))
/// ```
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in minor units of ``currency`` (cents for USD).
    public let minor: Int64
    /// The currency.
    public let currency: Currency

    /// Wraps a count of minor units.
    public init(minor: Int64, currency: Currency) {
        self.minor = minor
        self.currency = currency
    }

    /// Zero in a currency.
    public static func zero(_ currency: Currency) -> Money { Money(minor: 0, currency: currency) }

    /// Parses a decimal string such as `"29"`, `"29.9"` or `"1234.56"` without going through floating point.
    ///
    /// - Throws: `invalid_amount` for text that is not a plain decimal or has more decimals than the currency
    ///   allows (`"1.234"` in USD is a fractional cent), `negative_amount` for a leading minus unless
    ///   `allowNegative`, `unknown_currency`, `overflow`.
    public static func parse(_ text: String, currency code: String, allowNegative: Bool = false) throws -> Money {
        let currency = try Currency(code: code)
        return try parse(text, currency: currency, allowNegative: allowNegative)
    }

    /// Parses a decimal string in a known currency (see ``parse(_:currency:allowNegative:)-(String,String,_)``).
    public static func parse(_ text: String, currency: Currency, allowNegative: Bool = false) throws -> Money {
        var s = Substring(text.trimmingCharactersASCIIWhitespace())
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        if negative && !allowNegative {
            throw BillingError(.negativeAmount, "amount '\(text)' is negative; only positive amounts are accepted", field: "amount")
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty || parts.count == 2,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy({ $0.isASCII && $0.isNumber }))
        else {
            throw BillingError(.invalidAmount, "amount '\(text)' is not a decimal number like 29.99", field: "amount")
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        if fraction.count > currency.exponent {
            throw BillingError(.invalidAmount, "amount '\(text)' has \(fraction.count) decimals; \(currency.code) allows \(currency.exponent)", field: "amount")
        }
        let padded = String(fraction) + String(repeating: "0", count: currency.exponent - fraction.count)
        guard let w = Int64(whole.isEmpty ? "0" : String(whole)), let f = Int64(padded.isEmpty ? "0" : padded) else {
            throw BillingError(.overflow, "amount '\(text)' is too large", field: "amount")
        }
        let (m, o1) = w.multipliedReportingOverflow(by: currency.minorPerMajor)
        let (sum, o2) = m.addingReportingOverflow(f)
        if o1 || o2 { throw BillingError(.overflow, "amount '\(text)' is too large", field: "amount") }
        return Money(minor: negative ? -sum : sum, currency: currency)
    }

    /// Validates an amount given in minor units by a caller: it must be ≥ 0 (or > 0 when `positive`).
    public static func validated(minor: Int64, currency code: String, positive: Bool = false) throws -> Money {
        let currency = try Currency(code: code)
        if minor < 0 || (positive && minor == 0) {
            throw BillingError(.negativeAmount, "amount \(minor) must be \(positive ? "greater than" : "at least") zero", field: "amount")
        }
        return Money(minor: minor, currency: currency)
    }

    /// The sum; throws on mixed currencies or overflow.
    public func adding(_ other: Money) throws -> Money {
        try requireSameCurrency(other)
        let (r, o) = minor.addingReportingOverflow(other.minor)
        if o { throw BillingError(.overflow, "sum of \(self) and \(other) overflows") }
        return Money(minor: r, currency: currency)
    }

    /// The difference; throws on mixed currencies or overflow.
    public func subtracting(_ other: Money) throws -> Money {
        try requireSameCurrency(other)
        let (r, o) = minor.subtractingReportingOverflow(other.minor)
        if o { throw BillingError(.overflow, "difference of \(self) and \(other) overflows") }
        return Money(minor: r, currency: currency)
    }

    /// Throws `currency_mismatch` unless `other` is in the same currency.
    public func requireSameCurrency(_ other: Money) throws {
        if other.currency != currency {
            throw BillingError(.currencyMismatch, "cannot combine \(currency.code) and \(other.currency.code) amounts", field: "currency")
        }
    }

    /// The amount times `numerator / denominator`, rounded half-even to a minor unit (proration, percentages).
    public func scaled(by numerator: Int64, over denominator: Int64) throws -> Money {
        Money(minor: try Rounding.mulDivHalfEven(minor, numerator, denominator), currency: currency)
    }

    /// Plain decimal text with the currency's exponent, e.g. `"29.00"`, `"-5.10"`, `"1000"` for JPY.
    public var decimalString: String {
        let scale = currency.minorPerMajor
        let magnitude = minor.magnitude
        let sign = minor < 0 ? "-" : ""
        if currency.exponent == 0 { return sign + String(magnitude) }
        let whole = magnitude / UInt64(scale)
        let frac = String(magnitude % UInt64(scale))
        return sign + String(whole) + "." + String(repeating: "0", count: currency.exponent - frac.count) + frac
    }

    /// `"29.00 USD"`.
    public var description: String { "\(decimalString) \(currency.code)" }
}

/// An amount in micro-units (10⁻⁶ of a major unit) used to accumulate usage charges such as $0.001 a request.
///
/// Usage is summed in micro-units and converted to minor units exactly once, on the invoice line, with
/// banker's rounding (half-even), so a million requests at $0.001 are exactly $1 000.00 and no per-event
/// rounding error builds up.
public struct MicroAmount: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Micro-units of ``currency`` (1 000 = $0.001).
    public let micros: Int64
    /// The currency.
    public let currency: Currency

    /// Wraps a count of micro-units.
    public init(micros: Int64, currency: Currency) {
        self.micros = micros
        self.currency = currency
    }

    /// `unit × quantity` in micro-units; throws on overflow.
    public func times(_ quantity: Int64) throws -> MicroAmount {
        let (r, o) = micros.multipliedReportingOverflow(by: quantity)
        if o { throw BillingError(.overflow, "usage charge \(self) × \(quantity) overflows") }
        return MicroAmount(micros: r, currency: currency)
    }

    /// Rounds to minor units half-even (the single rounding step of a usage line).
    public var roundedHalfEven: Money {
        Money(minor: Rounding.divHalfEven(micros, currency.microPerMinor), currency: currency)
    }

    /// `"0.001000 USD"`.
    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let m = micros.magnitude
        let frac = String(m % 1_000_000)
        return "\(sign)\(m / 1_000_000).\(String(repeating: "0", count: 6 - frac.count))\(frac) \(currency.code)"
    }
}

/// Integer rounding used for every amount: banker's rounding (round half to even).
public enum Rounding {
    /// `value / divisor` rounded half-even; `divisor` must be positive.
    public static func divHalfEven(_ value: Int64, _ divisor: Int64) -> Int64 {
        precondition(divisor > 0, "divisor must be positive")
        var q = value / divisor
        let r = value % divisor
        if r == 0 { return q }
        let twice = r.magnitude * 2
        let d = divisor.magnitude
        if twice > d || (twice == d && q % 2 != 0) {
            q += value < 0 ? -1 : 1
        }
        return q
    }

    /// `value × numerator / denominator` rounded half-even, computed in 128 bits so the product cannot overflow.
    /// - Throws: `overflow` when the result does not fit in 64 bits; `invalid_input` for a non-positive denominator.
    public static func mulDivHalfEven(_ value: Int64, _ numerator: Int64, _ denominator: Int64) throws -> Int64 {
        guard denominator > 0 else { throw BillingError(.invalidInput, "denominator must be positive") }
        let product = Int128(value) * Int128(numerator)
        let d = Int128(denominator)
        var q = product / d
        let r = product % d
        if r != 0 {
            let twice = r.magnitude * 2
            if twice > d.magnitude || (twice == d.magnitude && q % 2 != 0) {
                q += product < 0 ? -1 : 1
            }
        }
        guard let result = Int64(exactly: q) else { throw BillingError(.overflow, "amount overflows 64 bits") }
        return result
    }
}

func pow10(_ n: Int) -> Int64 {
    var r: Int64 = 1
    for _ in 0..<max(0, n) { r *= 10 }
    return r
}

extension String {
    func trimmingCharactersASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
