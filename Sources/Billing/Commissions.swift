import Foundation
import GRDB

/// Someone the platform pays out to: a marketplace seller or a sponsored creator.
public struct Payee: Sendable, Equatable, Identifiable {
    /// Seller (marketplace) or creator (sponsorship).
    public enum Kind: String, Sendable { case seller, creator }
    /// Row id.
    public let id: Int64
    /// Name.
    public let name: String
    /// Kind.
    public let kind: Kind
}

/// An affiliate with a referral code and a commission rate on the revenue of the customers they bring.
public struct Affiliate: Sendable, Equatable, Identifiable {
    /// Row id.
    public let id: Int64
    /// Name.
    public let name: String
    /// Referral code (unique).
    public let code: String
    /// Commission on attributed customers' paid invoices (net of tax), basis points.
    public let rateBP: Int64
}

/// A marketplace sale or sponsorship deal with the platform's commission.
public struct CommissionSale: Sendable, Equatable, Identifiable {
    /// Row id.
    public let id: Int64
    /// `.marketplace` or `.sponsorship`.
    public let stream: RevenueStream
    /// The seller or creator.
    public let payeeID: Int64
    /// Gross amount paid by the buyer or sponsor.
    public let gross: Money
    /// The platform's commission (revenue).
    public let commission: Money
    /// The payee's share (owed until paid out).
    public var payeeShare: Money { Money(minor: gross.minor - commission.minor, currency: gross.currency) }
    /// When.
    public let occurredAt: Date
}

/// Who a payout goes to.
public enum PayoutParty: Sendable, Equatable, Hashable {
    /// A marketplace seller or sponsored creator.
    case payee(Int64)
    /// An affiliate.
    case affiliate(Int64)

    var key: String {
        switch self {
        case .payee(let id): "payee:\(id)"
        case .affiliate(let id): "affiliate:\(id)"
        }
    }
    var account: String {
        switch self {
        case .payee: Account.sellersPayable
        case .affiliate: Account.affiliatesPayable
        }
    }
}

/// An amount owed to a party and not yet paid out.
public struct PayoutOwed: Sendable, Equatable {
    /// The party.
    public let party: PayoutParty
    /// Display name.
    public let name: String
    /// Amount owed.
    public let amount: Money
}

extension BillingStore {
    /// Registers a marketplace seller or sponsored creator.
    public func createPayee(name: String, kind: Payee.Kind) async throws -> Payee {
        try await createPayee(name: name, kind: kind, demo: false)
    }

    func createPayee(name: String, kind: Payee.Kind, demo: Bool) async throws -> Payee {
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !n.isEmpty else { throw BillingError(.invalidInput, "payee name must not be empty", field: "name") }
        let at = now
        return try await writer.write { db in
            try db.exec("INSERT INTO billing_payees(name, kind, created_at, demo) VALUES (?,?,?,?)", [n, kind.rawValue, at, demo])
            return Payee(id: db.lastInsertedRowID, name: n, kind: kind)
        }
    }

    /// Creates an affiliate with a unique referral code and commission rate.
    /// - Throws: `duplicate` for a code in use, `invalid_input` for a bad code or rate.
    public func createAffiliate(name: String, code: String, rateBP: Int64) async throws -> Affiliate {
        try await createAffiliate(name: name, code: code, rateBP: rateBP, demo: false)
    }

    func createAffiliate(name: String, code: String, rateBP: Int64, demo: Bool) async throws -> Affiliate {
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !n.isEmpty else { throw BillingError(.invalidInput, "affiliate name must not be empty", field: "name") }
        guard (3...32).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw BillingError(.invalidInput, "referral code must be 3–32 letters, digits, '-' or '_'", field: "code")
        }
        guard (0...10_000).contains(rateBP) else { throw BillingError(.invalidInput, "rate must be 0–10000 basis points", field: "rate_bp") }
        let at = now
        return try await writer.write { db in
            if try db.int("SELECT id FROM billing_affiliates WHERE code = ?", [code]) != nil {
                throw BillingError(.duplicate, "referral code '\(code)' is taken", field: "code")
            }
            try db.exec("INSERT INTO billing_affiliates(name, code, rate_bp, created_at, demo) VALUES (?,?,?,?,?)", [n, code, rateBP, at, demo])
            return Affiliate(id: db.lastInsertedRowID, name: n, code: code, rateBP: rateBP)
        }
    }

    /// Records a marketplace sale: the buyer paid `gross`, the platform keeps the marketplace commission (30 %
    /// by default, half-even), the seller is owed the rest. Ledger: cash ↑ gross; revenue:marketplace ↑
    /// commission; payable:sellers ↑ share.
    public func recordMarketplaceSale(payeeID: Int64, gross: Money, description: String, externalID: String? = nil) async throws -> CommissionSale {
        try await recordCommissionSale(stream: .marketplace, rateBP: configuration.marketplaceCommissionBP, payeeID: payeeID, gross: gross,
                                       description: description, externalID: externalID, demo: false)
    }

    /// Records a sponsorship deal matched by the platform: 20 % commission by default, the creator is owed the rest.
    public func recordSponsorshipDeal(payeeID: Int64, gross: Money, description: String, externalID: String? = nil) async throws -> CommissionSale {
        try await recordCommissionSale(stream: .sponsorship, rateBP: configuration.sponsorshipCommissionBP, payeeID: payeeID, gross: gross,
                                       description: description, externalID: externalID, demo: false)
    }

    func recordCommissionSale(stream: RevenueStream, rateBP: Int64, payeeID: Int64, gross: Money, description: String,
                              externalID: String?, demo: Bool) async throws -> CommissionSale {
        guard gross.minor > 0 else { throw BillingError(.negativeAmount, "gross amount must be greater than zero, got \(gross)", field: "amount") }
        let at = now
        return try await writer.write { db in
            guard try db.int("SELECT id FROM billing_payees WHERE id = ?", [payeeID]) != nil else {
                throw BillingError(.notFound, "no payee \(payeeID)", field: "payee_id")
            }
            if let externalID, try db.int("SELECT id FROM billing_commission_sales WHERE external_id = ?", [externalID]) != nil {
                throw BillingError(.duplicate, "sale '\(externalID)' is already recorded", field: "external_id")
            }
            let commission = try Rounding.mulDivHalfEven(gross.minor, rateBP, 10_000)
            try db.exec("""
                INSERT INTO billing_commission_sales(stream, payee_id, description, gross_minor, commission_minor, rate_bp, currency, external_id, occurred_at, demo)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """, [stream.rawValue, payeeID, description, gross.minor, commission, rateBP, gross.currency.code, externalID, at, demo])
            let id = db.lastInsertedRowID
            try Self.addRevenue(db, month: BillingCalendar.monthKey(Date(unixSeconds: at)), currency: gross.currency, stream: stream.rawValue, amount: commission)
            try self.postTransaction(db, at: at, kind: stream.rawValue, refType: "commission_sale", refID: id, memo: description,
                                     currency: gross.currency, demo: demo, postings: [
                                        Posting(account: Account.cash, debit: gross.minor),
                                        Posting(account: Account.revenue(stream), credit: commission),
                                        Posting(account: Account.sellersPayable, party: PayoutParty.payee(payeeID).key, credit: gross.minor - commission),
                                     ])
            return CommissionSale(id: id, stream: stream, payeeID: payeeID, gross: gross, commission: Money(minor: commission, currency: gross.currency),
                                  occurredAt: Date(unixSeconds: at))
        }
    }

    /// Every party with money owed and not yet paid out.
    public func payoutsOwed() async throws -> [PayoutOwed] {
        try await writer.read { db in
            try db.rows("""
                SELECT e.account, e.party, e.currency, SUM(e.credit_minor) - SUM(e.debit_minor) AS owed,
                  COALESCE((SELECT name FROM billing_payees WHERE 'payee:' || id = e.party), (SELECT name FROM billing_affiliates WHERE 'affiliate:' || id = e.party), '') AS name
                FROM billing_ledger_entries e WHERE e.account IN ('payable:sellers', 'payable:affiliates')
                GROUP BY e.account, e.party, e.currency HAVING owed > 0 ORDER BY e.party
                """).map { r in
                let party: String = r["party"]
                let id = Int64(party.split(separator: ":").last ?? "") ?? 0
                return PayoutOwed(party: party.hasPrefix("payee:") ? .payee(id) : .affiliate(id), name: r["name"],
                                  amount: Money(minor: r["owed"], currency: try Currency(code: r["currency"])))
            }
        }
    }

    /// Records money paid out to a seller, creator or affiliate. Ledger: payable ↓, cash ↓.
    /// - Throws: `negative_amount`, `invalid_input` when more than is owed.
    public func recordPayout(to party: PayoutParty, amount: Money, reference: String) async throws {
        try await recordPayout(to: party, amount: amount, reference: reference, demo: false)
    }

    func recordPayout(to party: PayoutParty, amount: Money, reference: String, demo: Bool) async throws {
        guard amount.minor > 0 else { throw BillingError(.negativeAmount, "payout must be greater than zero, got \(amount)", field: "amount") }
        let at = now
        try await writer.write { db in
            let owed = try db.int("SELECT COALESCE(SUM(credit_minor) - SUM(debit_minor), 0) FROM billing_ledger_entries WHERE account = ? AND party = ? AND currency = ?",
                                  [party.account, party.key, amount.currency.code]) ?? 0
            guard amount.minor <= owed else {
                throw BillingError(.invalidInput, "payout \(amount) exceeds the \(Money(minor: owed, currency: amount.currency)) owed to \(party.key)", field: "amount")
            }
            try db.exec("INSERT INTO billing_payouts(party, amount_minor, currency, paid_at, reference, demo) VALUES (?,?,?,?,?,?)",
                        [party.key, amount.minor, amount.currency.code, at, reference, demo])
            try self.postTransaction(db, at: at, kind: "payout", refType: "payout", refID: db.lastInsertedRowID, memo: reference,
                                     currency: amount.currency, demo: demo, postings: [
                                        Posting(account: party.account, party: party.key, debit: amount.minor),
                                        Posting(account: Account.cash, credit: amount.minor),
                                     ])
        }
    }

    /// Affiliate commission on a fully paid invoice of an attributed customer: rate × invoice subtotal (net of
    /// tax). Ledger: expense ↑, payable:affiliates ↑. Refunds do not claw it back.
    func affiliateCommission(_ db: Database, invoice inv: Invoice, at: Int64) throws {
        guard let row = try db.row("SELECT a.id, a.rate_bp FROM billing_customers c JOIN billing_affiliates a ON a.id = c.affiliate_id WHERE c.id = ?", [inv.customerID]) else { return }
        let commission = try Rounding.mulDivHalfEven(inv.subtotal.minor, row["rate_bp"], 10_000)
        guard commission > 0 else { return }
        try postTransaction(db, at: at, kind: "affiliate_commission", refType: "invoice", refID: inv.id, memo: "affiliate commission on \(inv.number ?? "")",
                            currency: inv.total.currency, demo: inv.demo, postings: [
                                Posting(account: Account.affiliateExpense, debit: commission),
                                Posting(account: Account.affiliatesPayable, party: PayoutParty.affiliate(row["id"]).key, credit: commission),
                            ])
    }

    /// Commission sales in a period, newest first.
    public func commissionSales(limit: Int = 100, after: Int64 = Int64.max) async throws -> [CommissionSale] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_commission_sales WHERE id < ? ORDER BY id DESC LIMIT ?", [after, max(1, min(limit, 1000))]).map { r in
                let c = try Currency(code: r["currency"])
                return CommissionSale(id: r["id"], stream: RevenueStream(rawValue: r["stream"]) ?? .marketplace, payeeID: r["payee_id"],
                                      gross: Money(minor: r["gross_minor"], currency: c), commission: Money(minor: r["commission_minor"], currency: c),
                                      occurredAt: Date(unixSeconds: r["occurred_at"]))
            }
        }
    }
}
