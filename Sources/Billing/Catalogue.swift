import Foundation

/// How often a plan bills.
public enum BillingInterval: String, Sendable, Codable, CaseIterable {
    /// Every calendar month from the subscription's anchor date.
    case month
    /// Every twelve calendar months; counts as price ÷ 12 in MRR.
    case year

    /// Months in one period.
    public var months: Int { self == .month ? 1 : 12 }
}

/// Whether a plan charges a fixed fee per period or by metered usage.
public enum PlanKind: String, Sendable, Codable {
    /// A fixed price per period (counts in MRR, prorated on upgrades).
    case licensed
    /// A unit price per usage event, billed in arrears (excluded from MRR, never prorated).
    case metered
}

/// What a plan grants: features and rate limits. Read by the API's rate limiter, independent of billing status.
public struct Entitlements: Sendable, Codable, Equatable {
    /// Feature flags, e.g. `"analytics"`, `"white_label"`.
    public var features: [String]
    /// API requests allowed per minute.
    public var apiRequestsPerMinute: Int
    /// AI generations allowed per month.
    public var generationsPerMonth: Int
    /// How many publishing platforms may be connected.
    public var platforms: Int

    /// Creates an entitlement set.
    public init(features: [String], apiRequestsPerMinute: Int, generationsPerMonth: Int, platforms: Int) {
        self.features = features
        self.apiRequestsPerMinute = apiRequestsPerMinute
        self.generationsPerMonth = generationsPerMonth
        self.platforms = platforms
    }

    /// Nothing granted (no active subscription).
    public static let none = Entitlements(features: [], apiRequestsPerMinute: 0, generationsPerMonth: 0, platforms: 0)

    /// The union of two sets: every feature, the larger of each limit.
    public func union(_ other: Entitlements) -> Entitlements {
        Entitlements(
            features: Array(Set(features).union(other.features)).sorted(),
            apiRequestsPerMinute: max(apiRequestsPerMinute, other.apiRequestsPerMinute),
            generationsPerMonth: max(generationsPerMonth, other.generationsPerMonth),
            platforms: max(platforms, other.platforms))
    }

    enum CodingKeys: String, CodingKey {
        case features
        case apiRequestsPerMinute = "api_requests_per_minute"
        case generationsPerMonth = "generations_per_month"
        case platforms
    }
}

/// A plan in the catalogue (the thing a customer subscribes to). Its prices are versioned separately.
public struct Plan: Sendable, Equatable {
    /// Stable code, e.g. `"pro_monthly"`.
    public let code: String
    /// Display name.
    public let name: String
    /// Rank used to tell an upgrade from a downgrade when prices tie (0 = metered add-on).
    public let tier: Int
    /// Billing interval.
    public let interval: BillingInterval
    /// Licensed (fixed fee) or metered.
    public let kind: PlanKind
    /// For metered plans, the usage metric billed (e.g. `"api_requests"`).
    public let metric: String?
    /// What the plan grants.
    public let entitlements: Entitlements
}

/// One version of a plan's price in one currency. A price change inserts a new version; subscriptions keep
/// the version they point at, so existing customers' prices never change behind their backs.
public struct PriceVersion: Sendable, Equatable {
    /// Row id (what subscriptions reference).
    public let id: Int64
    /// The plan.
    public let planCode: String
    /// 1, 2, 3 … per (plan, currency).
    public let version: Int
    /// Fixed fee per period (licensed plans); zero for metered.
    public let amount: Money
    /// Price per unit in micro-units (metered plans); zero for licensed.
    public let unitAmount: MicroAmount
    /// Whether `amount` already includes tax (EU-style consumer pricing) or tax is added on top.
    public let taxInclusive: Bool
    /// When this version became the current one.
    public let createdAt: Date
}

/// The catalogue file `data/plans.json`, decoded. Amounts are integers, so no floating point is involved.
public struct CatalogueFile: Sendable, Decodable {
    /// One plan entry.
    public struct PlanEntry: Sendable, Decodable {
        /// One price entry.
        public struct PriceEntry: Sendable, Decodable {
            /// ISO 4217 code.
            public let currency: Currency
            /// Fixed fee in minor units (licensed).
            public let amountMinor: Int64?
            /// Unit price in micro-units (metered).
            public let unitAmountMicros: Int64?
            /// Tax-inclusive price (default false).
            public let taxInclusive: Bool?
            enum CodingKeys: String, CodingKey {
                case currency, amountMinor = "amount_minor", unitAmountMicros = "unit_amount_micros", taxInclusive = "tax_inclusive"
            }
        }
        /// Plan code.
        public let code: String
        /// Display name.
        public let name: String
        /// Tier rank.
        public let tier: Int
        /// Interval.
        public let interval: BillingInterval
        /// Kind.
        public let kind: PlanKind
        /// Metric for metered plans.
        public let metric: String?
        /// Prices per currency.
        public let prices: [PriceEntry]
        /// Entitlements.
        public let entitlements: Entitlements
    }
    /// All plans.
    public let plans: [PlanEntry]

    /// Reads and validates a catalogue file.
    /// - Throws: `bad_data_file` with the reason (unreadable, bad JSON, negative price, metered plan without metric).
    public static func load(path: String) throws -> CatalogueFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BillingError(.badDataFile, "cannot read plan catalogue at \(path)")
        }
        return try decode(data, source: path)
    }

    /// Decodes and validates catalogue JSON.
    public static func decode(_ data: Data, source: String = "plans.json") throws -> CatalogueFile {
        let file: CatalogueFile
        do {
            file = try JSONDecoder().decode(CatalogueFile.self, from: data)
        } catch let e as BillingError {
            throw BillingError(.badDataFile, "\(source): \(e.message)")
        } catch {
            throw BillingError(.badDataFile, "\(source) is not a valid plan catalogue: \(error)")
        }
        var seen = Set<String>()
        for plan in file.plans {
            guard !plan.code.isEmpty, seen.insert(plan.code).inserted else {
                throw BillingError(.badDataFile, "\(source): plan code '\(plan.code)' is empty or repeated")
            }
            if plan.kind == .metered && (plan.metric ?? "").isEmpty {
                throw BillingError(.badDataFile, "\(source): metered plan '\(plan.code)' needs a metric")
            }
            for p in plan.prices {
                let amount = p.amountMinor ?? 0, unit = p.unitAmountMicros ?? 0
                if amount < 0 || unit < 0 {
                    throw BillingError(.badDataFile, "\(source): plan '\(plan.code)' has a negative price")
                }
                if plan.kind == .licensed && p.amountMinor == nil || plan.kind == .metered && p.unitAmountMicros == nil {
                    throw BillingError(.badDataFile, "\(source): plan '\(plan.code)' price in \(p.currency) lacks \(plan.kind == .licensed ? "amount_minor" : "unit_amount_micros")")
                }
            }
        }
        return file
    }
}
