import Foundation
import GRDB
import Synchronization

/// The seller's details printed on invoices (from configuration).
public struct SellerDetails: Sendable, Equatable {
    /// Legal name.
    public var name: String
    /// Postal address lines.
    public var address: [String]
    /// ISO 3166-1 alpha-2 country (decides whether EU reverse charge applies).
    public var country: String
    /// The seller's own VAT id, printed on invoices.
    public var vatID: String?
    /// Contact e-mail.
    public var email: String

    /// Creates seller details.
    public init(name: String, address: [String] = [], country: String, vatID: String? = nil, email: String = "") {
        self.name = name
        self.address = address
        self.country = country
        self.vatID = vatID
        self.email = email
    }
}

/// What happens when dunning retries are exhausted.
public enum DunningFinalState: String, Sendable, Codable {
    /// The subscription stays on record, access is revoked, open invoices stay open.
    case unpaid
    /// The subscription ends.
    case canceled
}

/// The dunning schedule: retries on given days after the first failure, then a final state.
public struct DunningPolicy: Sendable, Equatable {
    /// Days after the first failed payment on which a retry is due (default 3, 5 and 7).
    public var retryDays: [Int]
    /// Where the subscription goes one day after the last retry if still unpaid.
    public var finalState: DunningFinalState

    /// Creates a policy; `retryDays` must be positive and increasing.
    public init(retryDays: [Int] = [3, 5, 7], finalState: DunningFinalState = .unpaid) throws {
        guard !retryDays.isEmpty, retryDays.first! > 0, zip(retryDays, retryDays.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw BillingError(.invalidInput, "dunning retry days must be positive and increasing, got \(retryDays)", field: "retry_days")
        }
        self.retryDays = retryDays
        self.finalState = finalState
    }

    /// 3, 5, 7 days, then `unpaid`.
    public static let standard = try! DunningPolicy()
}

/// Computes HMAC-SHA256; supplied by the app (the Crypto module) so Billing needs no crypto dependency.
public typealias HMACSHA256 = @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]

/// Everything the billing store is configured with. Defaults follow issue 8.
public struct BillingConfiguration: Sendable {
    /// Seller details for invoices; its country drives reverse charge.
    public var seller: SellerDetails
    /// Invoice number prefix (`INV` → `INV-2026-000123`).
    public var invoiceSeries: String = "INV"
    /// Credit note number prefix.
    public var creditNoteSeries: String = "CN"
    /// Days from finalisation to the due date.
    public var paymentTermsDays: Int = 14
    /// Dunning schedule.
    public var dunning: DunningPolicy = .standard
    /// Platform share of marketplace sales, basis points (3000 = 30 %).
    public var marketplaceCommissionBP: Int64 = 3000
    /// Platform share of sponsorship deals, basis points (2000 = 20 %).
    public var sponsorshipCommissionBP: Int64 = 2000
    /// How long after a referral click a new customer is still attributed to the affiliate.
    public var affiliateAttributionDays: Int = 30
    /// Invoices written per transaction by the billing run (each invoice is whole inside one).
    public var billingRunBatchSize: Int = 250
    /// Stripe endpoint secret (`whsec_…`); nil disables the Stripe webhook.
    public var stripeWebhookSecret: String?
    /// Webhook timestamp tolerance in seconds (Stripe's default is 300).
    public var stripeTolerance: Int64 = 300
    /// HMAC-SHA256 from the Crypto module; required for Stripe webhooks.
    public var hmacSHA256: HMACSHA256?

    /// Creates a configuration with defaults for everything but the seller.
    public init(seller: SellerDetails) { self.seller = seller }
}

/// The billing domain on one SQLite database (WAL): catalogue, customers, subscriptions, usage, invoices,
/// payments, dunning, commissions, the double-entry ledger and revenue analytics.
///
/// Every mutation runs in one write transaction, so a crash leaves either all of it or none of it. All
/// timestamps come from the injected ``BillingClock``.
///
/// ```swift
/// let store = try BillingStore.open(path: "/var/lib/studio/billing.sqlite", configuration: config,
///                                   taxTable: try TaxTable.load(path: "data/tax_rates.csv", sellerCountry: "DE"))
/// try await store.seedCatalogue(try CatalogueFile.load(path: "data/plans.json"))
/// let c = try await store.createCustomer(NewCustomer(name: "Ada", email: "ada@example.com", country: "FR", currency: "EUR"))
/// let s = try await store.subscribe(customerID: c.id, planCode: "pro_monthly")
/// ```
public final class BillingStore: Sendable {
    /// The database (a `DatabasePool` in the daemon, a `DatabaseQueue` in tests).
    public let writer: any DatabaseWriter
    /// The clock every timestamp comes from.
    public let clock: any BillingClock
    /// Configuration.
    public let configuration: BillingConfiguration
    /// Tax rates.
    public let taxTable: TaxTable
    /// Plans by code and price versions by id, read once: price versions never change, and plans change only
    /// through ``seedCatalogue(_:)``, which clears this.
    let catalogueCache = Mutex<(plans: [String: Plan], prices: [Int64: PriceVersion])>(([:], [:]))

    /// Wraps an open database and runs the billing migrations.
    public init(writer: any DatabaseWriter, configuration: BillingConfiguration, taxTable: TaxTable,
                clock: any BillingClock = SystemBillingClock()) throws {
        self.writer = writer
        self.clock = clock
        self.configuration = configuration
        self.taxTable = taxTable
        try BillingSchema.migrator.migrate(writer)
    }

    /// Opens (or creates) a WAL database file at `path` with synchronous=FULL (an acknowledged write survives
    /// power loss) and runs the migrations.
    public static func open(path: String, configuration: BillingConfiguration, taxTable: TaxTable,
                            clock: any BillingClock = SystemBillingClock()) throws -> BillingStore {
        var c = Configuration()
        c.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        c.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: c)
        return try BillingStore(writer: pool, configuration: configuration, taxTable: taxTable, clock: clock)
    }

    /// The same database and configuration seen through another clock (the demo seeder replays history).
    public func with(clock: any BillingClock) throws -> BillingStore {
        try BillingStore(writer: writer, configuration: configuration, taxTable: taxTable, clock: clock)
    }

    var now: Int64 { clock.now().unixSeconds }

    // MARK: Catalogue

    /// Loads plans and prices from a catalogue file. Plans are upserted; a price that differs from the current
    /// version of its (plan, currency) becomes a new version. Existing subscriptions keep their version.
    /// - Returns: the number of new price versions created (0 when the file is unchanged).
    @discardableResult
    public func seedCatalogue(_ file: CatalogueFile) async throws -> Int {
        let at = now
        let result = try await writer.write { db in
            var created = 0
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            for p in file.plans {
                let ent = String(decoding: try encoder.encode(p.entitlements), as: UTF8.self)
                try db.exec("""
                    INSERT INTO billing_plans(code, name, tier, interval, kind, metric, entitlements_json) VALUES (?,?,?,?,?,?,?)
                    ON CONFLICT(code) DO UPDATE SET name=excluded.name, tier=excluded.tier, entitlements_json=excluded.entitlements_json
                    """, [p.code, p.name, p.tier, p.interval.rawValue, p.kind.rawValue, p.metric, ent])
                let row = try db.row("SELECT interval, kind FROM billing_plans WHERE code = ?", [p.code])!
                if row["interval"] as String != p.interval.rawValue || row["kind"] as String != p.kind.rawValue {
                    throw BillingError(.badDataFile, "plan '\(p.code)' cannot change interval or kind; add a new plan code instead")
                }
                for price in p.prices {
                    if try Self.insertPriceIfChanged(db, plan: p.code, currency: price.currency, amount: price.amountMinor ?? 0,
                                                     unit: price.unitAmountMicros ?? 0, inclusive: price.taxInclusive ?? false, at: at) {
                        created += 1
                    }
                }
            }
            return created
        }
        catalogueCache.withLock { $0 = ([:], [:]) }
        return result
    }

    /// Changes a plan's price in one currency by creating a new price version; subscriptions already on the
    /// plan keep paying their version. Returns the new version.
    public func changePrice(planCode: String, amount: Money? = nil, unitAmount: MicroAmount? = nil, taxInclusive: Bool = false) async throws -> PriceVersion {
        let at = now
        if let a = amount, a.minor < 0 { throw BillingError(.negativeAmount, "price must not be negative", field: "amount") }
        if let u = unitAmount, u.micros < 0 { throw BillingError(.negativeAmount, "unit price must not be negative", field: "unit_amount") }
        guard let currency = amount?.currency ?? unitAmount?.currency else {
            throw BillingError(.invalidInput, "give an amount or a unit amount", field: "amount")
        }
        return try await writer.write { db in
            let plan = try Self.plan(db, code: planCode)
            if plan.kind == .licensed && amount == nil || plan.kind == .metered && unitAmount == nil {
                throw BillingError(.invalidInput, "plan '\(planCode)' is \(plan.kind.rawValue); give \(plan.kind == .licensed ? "an amount" : "a unit amount")", field: "amount")
            }
            _ = try Self.insertPriceIfChanged(db, plan: planCode, currency: currency, amount: amount?.minor ?? 0,
                                              unit: unitAmount?.micros ?? 0, inclusive: taxInclusive, at: at)
            return try Self.currentPrice(db, plan: planCode, currency: currency)
        }
    }

    /// All plans in the catalogue.
    public func plans() async throws -> [Plan] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM billing_plans ORDER BY tier, code").map(Self.plan(row:)) }
    }

    /// The current price version of a plan in a currency.
    public func currentPrice(planCode: String, currency: Currency) async throws -> PriceVersion {
        try await writer.read { db in try Self.currentPrice(db, plan: planCode, currency: currency) }
    }

    /// Every price version of a plan, oldest first.
    public func priceHistory(planCode: String) async throws -> [PriceVersion] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_prices WHERE plan_code = ? ORDER BY currency, version", [planCode]).map(Self.price(row:))
        }
    }

    static func insertPriceIfChanged(_ db: Database, plan: String, currency: Currency, amount: Int64, unit: Int64, inclusive: Bool, at: Int64) throws -> Bool {
        let last = try db.row("SELECT * FROM billing_prices WHERE plan_code = ? AND currency = ? ORDER BY version DESC LIMIT 1",
                                    [plan, currency.code])
        if let last, last["amount_minor"] as Int64 == amount, last["unit_amount_micros"] as Int64 == unit, last["tax_inclusive"] as Bool == inclusive {
            return false
        }
        let version = (last?["version"] as Int? ?? 0) + 1
        try db.exec("INSERT INTO billing_prices(plan_code, currency, version, amount_minor, unit_amount_micros, tax_inclusive, created_at) VALUES (?,?,?,?,?,?,?)",
                       [plan, currency.code, version, amount, unit, inclusive, at])
        return true
    }

    func cachedPlan(_ db: Database, code: String) throws -> Plan {
        if let p = catalogueCache.withLock({ $0.plans[code] }) { return p }
        let p = try Self.plan(db, code: code)
        catalogueCache.withLock { $0.plans[code] = p }
        return p
    }

    func cachedPrice(_ db: Database, id: Int64) throws -> PriceVersion {
        if let p = catalogueCache.withLock({ $0.prices[id] }) { return p }
        let p = try Self.price(db, id: id)
        catalogueCache.withLock { $0.prices[id] = p }
        return p
    }

    static func plan(_ db: Database, code: String) throws -> Plan {
        guard let row = try db.row("SELECT * FROM billing_plans WHERE code = ?", [code]) else {
            throw BillingError(.notFound, "no plan with code '\(code)'", field: "plan")
        }
        return try plan(row: row)
    }

    static func plan(row: Row) throws -> Plan {
        let ent = try JSONDecoder().decode(Entitlements.self, from: Data((row["entitlements_json"] as String).utf8))
        return Plan(code: row["code"], name: row["name"], tier: row["tier"],
                    interval: BillingInterval(rawValue: row["interval"])!, kind: PlanKind(rawValue: row["kind"])!,
                    metric: row["metric"], entitlements: ent)
    }

    static func currentPrice(_ db: Database, plan: String, currency: Currency) throws -> PriceVersion {
        guard let row = try db.row("SELECT * FROM billing_prices WHERE plan_code = ? AND currency = ? ORDER BY version DESC LIMIT 1",
                                         [plan, currency.code]) else {
            if try db.row("SELECT 1 FROM billing_plans WHERE code = ?", [plan]) == nil {
                throw BillingError(.notFound, "no plan with code '\(plan)'", field: "plan")
            }
            throw BillingError(.currencyMismatch, "plan '\(plan)' has no price in \(currency.code)", field: "currency")
        }
        return try price(row: row)
    }

    static func price(_ db: Database, id: Int64) throws -> PriceVersion {
        guard let row = try db.row("SELECT * FROM billing_prices WHERE id = ?", [id]) else {
            throw BillingError(.notFound, "no price version \(id)")
        }
        return try price(row: row)
    }

    static func price(row: Row) throws -> PriceVersion {
        let currency = try Currency(code: row["currency"])
        return PriceVersion(id: row["id"], planCode: row["plan_code"], version: row["version"],
                            amount: Money(minor: row["amount_minor"], currency: currency),
                            unitAmount: MicroAmount(micros: row["unit_amount_micros"], currency: currency),
                            taxInclusive: row["tax_inclusive"], createdAt: Date(unixSeconds: row["created_at"]))
    }
}
