import Foundation

/// One row of `data/tax_rates.csv`.
public struct TaxRate: Sendable, Equatable {
    /// ISO 3166-1 alpha-2 country code, or `"DEFAULT"`.
    public let country: String
    /// Rate in basis points (1900 = 19 %).
    public let basisPoints: Int64
    /// Local name of the tax (VAT, USt, TVA …).
    public let name: String
    /// Whether the country is an EU member state (reverse charge rules apply).
    public let eu: Bool
}

/// What tax applies to one customer, and why: the rate plus the legal mention printed on the invoice.
public struct TaxDecision: Sendable, Equatable {
    /// Rate in basis points.
    public let basisPoints: Int64
    /// Country whose rate applied.
    public let country: String
    /// True when the EU reverse-charge mechanism applies (rate 0, customer self-accounts).
    public let reverseCharge: Bool
    /// Text for the invoice: the tax name and rate, the reverse-charge mention, or the exemption.
    public let note: String
}

/// Tax rates by customer country with EU reverse charge, loaded from `data/tax_rates.csv`.
///
/// Rules, in order: a tax-exempt customer pays 0 %; an EU business customer with a VAT id in a member state
/// other than the seller's pays 0 % under reverse charge (Article 196 of Council Directive 2006/112/EC, printed
/// on the invoice); everyone else pays their country's rate, or the default rate for unlisted countries.
public struct TaxTable: Sendable {
    /// Rates by upper-case country code.
    public let rates: [String: TaxRate]
    /// Rate for countries not listed (from the `DEFAULT` row unless overridden).
    public let defaultRate: TaxRate
    /// The seller's country (reverse charge only applies across borders).
    public let sellerCountry: String

    /// The legal mention printed on reverse-charge invoices.
    public static let reverseChargeNote =
        "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)"

    /// Builds a table from rows.
    /// - Parameter defaultBasisPoints: overrides the `DEFAULT` row (configuration).
    public init(rates: [TaxRate], sellerCountry: String, defaultBasisPoints: Int64? = nil) {
        var map: [String: TaxRate] = [:]
        for r in rates { map[r.country.uppercased()] = r }
        let fileDefault = map.removeValue(forKey: "DEFAULT") ?? TaxRate(country: "DEFAULT", basisPoints: 0, name: "No tax", eu: false)
        self.rates = map
        self.defaultRate = defaultBasisPoints.map { TaxRate(country: "DEFAULT", basisPoints: $0, name: "Tax", eu: false) } ?? fileDefault
        self.sellerCountry = sellerCountry.uppercased()
    }

    /// Loads `tax_rates.csv` (`country,rate_bp,name,eu`, `#` comments).
    /// - Throws: `bad_data_file` naming the line that is wrong.
    public static func load(path: String, sellerCountry: String, defaultBasisPoints: Int64? = nil) throws -> TaxTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw BillingError(.badDataFile, "cannot read tax rates at \(path)")
        }
        return try parse(csv: text, sellerCountry: sellerCountry, defaultBasisPoints: defaultBasisPoints)
    }

    /// Parses the CSV text of a tax table.
    public static func parse(csv: String, sellerCountry: String, defaultBasisPoints: Int64? = nil) throws -> TaxTable {
        var rows: [TaxRate] = []
        var sawHeader = false
        for (i, raw) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !sawHeader { sawHeader = true; if line.hasPrefix("country") { continue } }
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 4, let bp = Int64(f[1]), (0...10_000).contains(bp), !f[0].isEmpty, f[3] == "0" || f[3] == "1" else {
                throw BillingError(.badDataFile, "tax_rates.csv line \(i + 1): expected country,rate_bp,name,eu with 0 ≤ rate_bp ≤ 10000")
            }
            rows.append(TaxRate(country: f[0].uppercased(), basisPoints: bp, name: f[2], eu: f[3] == "1"))
        }
        return TaxTable(rates: rows, sellerCountry: sellerCountry, defaultBasisPoints: defaultBasisPoints)
    }

    /// The tax that applies to a customer.
    public func decide(country: String, vatID: String?, taxExempt: Bool) -> TaxDecision {
        let c = country.uppercased()
        if taxExempt {
            return TaxDecision(basisPoints: 0, country: c, reverseCharge: false, note: "Tax exempt customer")
        }
        let rate = rates[c]
        if let rate, rate.eu, let vat = vatID, !vat.isEmpty, c != sellerCountry, rates[sellerCountry]?.eu ?? false {
            return TaxDecision(basisPoints: 0, country: c, reverseCharge: true, note: TaxTable.reverseChargeNote)
        }
        let applied = rate ?? defaultRate
        return TaxDecision(basisPoints: applied.basisPoints, country: c, reverseCharge: false,
                           note: "\(applied.name) \(percentString(applied.basisPoints))")
    }

    /// Splits a line amount into net and tax. Exclusive: tax = net × rate, half-even. Inclusive: the amount is
    /// gross and net = gross ÷ (1 + rate), half-even, tax = gross − net (so net + tax is exactly the price paid).
    public static func split(amount: Int64, basisPoints: Int64, inclusive: Bool) throws -> (net: Int64, tax: Int64) {
        if basisPoints == 0 { return (amount, 0) }
        if inclusive {
            let net = try Rounding.mulDivHalfEven(amount, 10_000, 10_000 + basisPoints)
            return (net, amount - net)
        }
        return (amount, try Rounding.mulDivHalfEven(amount, basisPoints, 10_000))
    }
}

/// `"19 %"`, `"25.5 %"`.
func percentString(_ bp: Int64) -> String {
    let whole = bp / 100, frac = bp % 100
    if frac == 0 { return "\(whole) %" }
    let f = frac % 10 == 0 ? "\(frac / 10)" : (frac < 10 ? "0\(frac)" : "\(frac)")
    return "\(whole).\(f) %"
}
