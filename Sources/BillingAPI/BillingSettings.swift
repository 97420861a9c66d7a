import Billing
import Foundation
import HTTP

/// Where billing lives and how it is configured, read from the same layers as the rest of the daemon
/// (environment `STUDIO_BILLING_*` over the config file's `billing` object over defaults), shared by the
/// daemon and the `studio billing` / `studio demo` commands.
///
/// Keys: `billing.seller.name`, `billing.seller.address` (array of lines or text with newlines),
/// `billing.seller.country` (ISO 3166 alpha-2, default `US`), `billing.seller.vat_id`, `billing.seller.email`,
/// `billing.stripe_webhook_secret`, `billing.default_tax_bp`, `billing.dunning.retry_days` (`[3,5,7]` or `"3,5,7"`),
/// `billing.dunning.final_state` (`unpaid`|`canceled`), `billing.run_interval_seconds` (default 3600),
/// `billing.invoice_series` (default `INV`), `billing.payment_terms_days` (default 14).
public struct BillingSettings: Sendable {
    /// `DIR/billing.sqlite3`.
    public let databasePath: String
    /// The store configuration (seller, dunning, webhook secret).
    public let configuration: BillingConfiguration
    /// The webhook secret, if configured (never logged).
    public let stripeWebhookSecret: String?
    /// `data/tax_rates.csv`.
    public let taxRatesPath: String
    /// `data/plans.json`.
    public let plansPath: String
    /// Overrides the DEFAULT tax row.
    public let defaultTaxBP: Int64?
    /// How often the daemon should run billing and dunning.
    public let runIntervalSeconds: Int

    /// The database file inside a data directory.
    public static func databasePath(dataDirectory: String) -> String { dataDirectory + "/billing.sqlite3" }

    /// Reads the settings. `value` answers a dotted key (environment first, then config file).
    /// - Throws: `BillingError` naming the key that is malformed.
    public static func make(dataDirectory: String, dataFilesDirectory: String? = nil, value: (String) -> JSONValue?) throws -> BillingSettings {
        func string(_ key: String) -> String? {
            switch value(key) {
            case .string(let s)?: return s.isEmpty ? nil : s
            case .int(let n)?: return String(n)
            default: return nil
            }
        }
        func int(_ key: String) throws -> Int64? {
            switch value(key) {
            case nil, .null?: return nil
            case .int(let n)?: return n
            case .string(let s)?:
                guard let n = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw BillingError(.invalidInput, "\(key) must be an integer", field: key) }
                return n
            default: throw BillingError(.invalidInput, "\(key) must be an integer", field: key)
            }
        }
        var address: [String] = []
        switch value("billing.seller.address") {
        case .array(let lines)?: address = lines.compactMap { if case .string(let s) = $0 { s } else { nil } }
        case .string(let s)?: address = s.split(separator: "\n").map(String.init)
        default: break
        }
        let country = (string("billing.seller.country") ?? "US").uppercased()
        guard country.count == 2 else { throw BillingError(.invalidInput, "billing.seller.country must be a two-letter country code", field: "billing.seller.country") }
        var configuration = BillingConfiguration(seller: SellerDetails(name: string("billing.seller.name") ?? "Creator Studio", address: address,
                                                                       country: country, vatID: string("billing.seller.vat_id"),
                                                                       email: string("billing.seller.email") ?? ""))
        if let series = string("billing.invoice_series") { configuration.invoiceSeries = series }
        if let terms = try int("billing.payment_terms_days") {
            guard (0...365).contains(terms) else { throw BillingError(.invalidInput, "billing.payment_terms_days must be 0–365", field: "billing.payment_terms_days") }
            configuration.paymentTermsDays = Int(terms)
        }
        var retry: [Int]?
        switch value("billing.dunning.retry_days") {
        case .array(let items)?: retry = items.compactMap { if case .int(let n) = $0 { Int(n) } else { nil } }
        case .string(let s)?: retry = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        default: break
        }
        let finalState = string("billing.dunning.final_state").map { DunningFinalState(rawValue: $0) }
        if case .some(.none) = finalState {
            throw BillingError(.invalidInput, "billing.dunning.final_state must be unpaid or canceled", field: "billing.dunning.final_state")
        }
        if retry != nil || finalState != nil {
            configuration.dunning = try DunningPolicy(retryDays: retry ?? [3, 5, 7], finalState: (finalState ?? nil) ?? .unpaid)
        }
        let secret = string("billing.stripe_webhook_secret")
        configuration.stripeWebhookSecret = secret
        let interval = try int("billing.run_interval_seconds") ?? 3600
        guard (60...86_400).contains(interval) else { throw BillingError(.invalidInput, "billing.run_interval_seconds must be 60–86400", field: "billing.run_interval_seconds") }
        let data = dataFilesDirectory ?? locateDataFiles() ?? "data"
        return BillingSettings(databasePath: databasePath(dataDirectory: dataDirectory), configuration: configuration, stripeWebhookSecret: secret,
                               taxRatesPath: data + "/tax_rates.csv", plansPath: data + "/plans.json",
                               defaultTaxBP: try int("billing.default_tax_bp"), runIntervalSeconds: Int(interval))
    }

    /// `./data` when it has the catalogue, else `<prefix>/share/studio/data` next to the executable.
    public static func locateDataFiles() -> String? {
        if FileManager.default.fileExists(atPath: "data/plans.json") { return "data" }
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var parts = exe.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count > 2 else { return nil }
        parts.removeLast(2)
        let candidate = parts.joined(separator: "/") + "/share/studio/data"
        return FileManager.default.fileExists(atPath: candidate + "/plans.json") ? candidate : nil
    }

    /// Opens (or creates) the store and loads the catalogue (a changed price becomes a new price version).
    public func openStore(clock: any BillingClock = SystemBillingClock()) async throws -> BillingStore {
        let taxes = try TaxTable.load(path: taxRatesPath, sellerCountry: configuration.seller.country, defaultBasisPoints: defaultTaxBP)
        let store = try BillingStore.open(path: databasePath, configuration: configuration, taxTable: taxes, clock: clock)
        try await store.seedCatalogue(try CatalogueFile.load(path: plansPath))
        return store
    }
}
