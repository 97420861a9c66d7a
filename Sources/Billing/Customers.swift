import Foundation
import GRDB

/// A customer of the creator's business.
public struct Customer: Sendable, Equatable, Identifiable {
    /// Row id.
    public let id: Int64
    /// Name (person or company).
    public let name: String
    /// Billing e-mail.
    public let email: String
    /// ISO 3166-1 alpha-2 country, upper case.
    public let country: String
    /// VAT id for business customers (enables EU reverse charge).
    public let vatID: String?
    /// Whether no tax is charged (e.g. a charity with an exemption certificate).
    public let taxExempt: Bool
    /// The currency the customer is billed in.
    public let currency: Currency
    /// The affiliate the customer is attributed to, if any.
    public let affiliateID: Int64?
    /// When the customer was created.
    public let createdAt: Date
    /// True for demo data.
    public let demo: Bool
}

/// A referral click that may attribute a new customer to an affiliate.
public struct ReferralClick: Sendable, Equatable {
    /// The affiliate's referral code.
    public let code: String
    /// When the visitor followed the referral link.
    public let clickedAt: Date
    /// Creates a click.
    public init(code: String, clickedAt: Date) {
        self.code = code
        self.clickedAt = clickedAt
    }
}

/// Input for ``BillingStore/createCustomer(_:)``.
public struct NewCustomer: Sendable {
    /// Name.
    public var name: String
    /// E-mail.
    public var email: String
    /// Country code.
    public var country: String
    /// ISO 4217 code.
    public var currency: String
    /// VAT id, optional.
    public var vatID: String?
    /// Tax-exempt flag.
    public var taxExempt: Bool
    /// The referral click that brought the customer, if any.
    public var referral: ReferralClick?

    /// Creates the input.
    public init(name: String, email: String, country: String, currency: String, vatID: String? = nil,
                taxExempt: Bool = false, referral: ReferralClick? = nil) {
        self.name = name
        self.email = email
        self.country = country
        self.currency = currency
        self.vatID = vatID
        self.taxExempt = taxExempt
        self.referral = referral
    }
}

extension BillingStore {
    /// Creates a customer. A referral click no older than the attribution window (30 days by default) links
    /// the customer to that affiliate.
    /// - Throws: `invalid_input` for an empty name, an e-mail without `@`, a country that is not two letters or a
    ///   malformed VAT id; `unknown_currency`; `not_found` for an unknown referral code.
    public func createCustomer(_ input: NewCustomer) async throws -> Customer {
        try await createCustomer(input, demo: false)
    }

    func createCustomer(_ input: NewCustomer, demo: Bool) async throws -> Customer {
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw BillingError(.invalidInput, "name must be 1–200 characters", field: "name") }
        let email = input.email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard email.count <= 254, let at = email.firstIndex(of: "@"), at != email.startIndex, email.index(after: at) != email.endIndex else {
            throw BillingError(.invalidInput, "'\(input.email)' is not an e-mail address", field: "email")
        }
        let country = input.country.uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw BillingError(.invalidInput, "country must be an ISO 3166-1 alpha-2 code such as FR, got '\(input.country)'", field: "country")
        }
        let currency = try Currency(code: input.currency)
        var vat = input.vatID?.replacingOccurrences(of: " ", with: "").uppercased()
        if vat?.isEmpty == true { vat = nil }
        if let v = vat {
            guard (4...16).contains(v.count), v.prefix(2).allSatisfy({ $0.isASCII && $0.isLetter }),
                  v.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw BillingError(.invalidInput, "VAT id '\(input.vatID ?? "")' must be a country prefix and 2–14 letters or digits", field: "vat_id")
            }
        }
        let vatID = vat
        let created = now
        let window = Int64(configuration.affiliateAttributionDays) * 86_400
        return try await writer.write { db in
            var affiliateID: Int64?
            if let ref = input.referral {
                guard let aff = try db.int("SELECT id FROM billing_affiliates WHERE code = ?", [ref.code]) else {
                    throw BillingError(.notFound, "no affiliate with referral code '\(ref.code)'", field: "referral_code")
                }
                let clicked = ref.clickedAt.unixSeconds
                if clicked <= created && created - clicked <= window { affiliateID = aff }
            }
            try db.exec("""
                INSERT INTO billing_customers(name, email, country, vat_id, tax_exempt, currency, affiliate_id, created_at, demo)
                VALUES (?,?,?,?,?,?,?,?,?)
                """, [name, email, country, vatID, input.taxExempt, currency.code, affiliateID, created, demo])
            let id = db.lastInsertedRowID
            if let affiliateID, let ref = input.referral {
                try db.exec("INSERT INTO billing_referrals(affiliate_id, customer_id, clicked_at, attributed_at) VALUES (?,?,?,?)",
                               [affiliateID, id, ref.clickedAt.unixSeconds, created])
            }
            try Self.event(db, at: created, type: "customer.created", customer: id, detail: email, demo: demo)
            return try Self.customer(db, id: id)
        }
    }

    /// One customer.
    public func customer(id: Int64) async throws -> Customer {
        try await writer.read { db in try Self.customer(db, id: id) }
    }

    /// Customers in id order, cursor-paginated (`after` is the last id seen).
    public func customers(limit: Int = 100, after: Int64 = 0) async throws -> [Customer] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_customers WHERE id > ? ORDER BY id LIMIT ?",
                             [after, max(1, min(limit, 1000))]).map(Self.customer(row:))
        }
    }

    static func customer(_ db: Database, id: Int64) throws -> Customer {
        guard let row = try db.row("SELECT * FROM billing_customers WHERE id = ?", [id]) else {
            throw BillingError(.notFound, "no customer \(id)", field: "customer_id")
        }
        return try customer(row: row)
    }

    static func customer(row: Row) throws -> Customer {
        Customer(id: row["id"], name: row["name"], email: row["email"], country: row["country"], vatID: row["vat_id"],
                 taxExempt: row["tax_exempt"], currency: try Currency(code: row["currency"]), affiliateID: row["affiliate_id"],
                 createdAt: Date(unixSeconds: row["created_at"]), demo: row["demo"])
    }

    static func event(_ db: Database, at: Int64, type: String, customer: Int64? = nil, subscription: Int64? = nil,
                      invoice: Int64? = nil, detail: String = "", demo: Bool = false) throws {
        try db.exec("INSERT INTO billing_events(at, type, customer_id, subscription_id, invoice_id, detail, demo) VALUES (?,?,?,?,?,?,?)",
                       [at, type, customer, subscription, invoice, detail, demo])
    }
}

/// Something that happened in billing (subscription created, invoice finalised, payment failed, dunning retry …),
/// kept in order so the app can publish it on its event bus.
public struct BillingEvent: Sendable, Equatable {
    /// Monotonic id (use as the cursor for ``BillingStore/events(after:limit:)``).
    public let id: Int64
    /// When.
    public let at: Date
    /// Dotted type, e.g. `"invoice.finalized"`, `"dunning.retry"`.
    public let type: String
    /// Customer concerned.
    public let customerID: Int64?
    /// Subscription concerned.
    public let subscriptionID: Int64?
    /// Invoice concerned.
    public let invoiceID: Int64?
    /// Short free text (never secrets).
    public let detail: String
}

extension BillingStore {
    /// Billing events after a cursor, oldest first.
    public func events(after: Int64 = 0, limit: Int = 100) async throws -> [BillingEvent] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_events WHERE id > ? ORDER BY id LIMIT ?", [after, max(1, min(limit, 10_000))]).map { r in
                BillingEvent(id: r["id"], at: Date(unixSeconds: r["at"]), type: r["type"], customerID: r["customer_id"],
                             subscriptionID: r["subscription_id"], invoiceID: r["invoice_id"], detail: r["detail"])
            }
        }
    }
}
