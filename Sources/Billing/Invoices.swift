import Foundation
import GRDB

/// What an invoice line charges for.
public enum LineKind: String, Sendable, Codable {
    /// The plan's fee for the period.
    case plan
    /// A percentage discount (negative amount).
    case discount
    /// The prorated difference after an upgrade.
    case proration
    /// Metered usage in the period.
    case usage
    /// A one-off charge.
    case oneOff = "one_off"
}

/// Revenue streams, used for ledger accounts and analytics.
public enum RevenueStream: String, Sendable, Codable, CaseIterable {
    /// Recurring subscription fees (incl. prorations and discounts).
    case subscription
    /// Metered usage (API requests).
    case usage
    /// One-off charges.
    case oneOff = "one_off"
    /// Commission on marketplace sales.
    case marketplace
    /// Commission on sponsorship deals.
    case sponsorship
}

/// Invoice lifecycle.
public enum InvoiceStatus: String, Sendable, Codable {
    /// Editable, unnumbered, not in the ledger.
    case draft
    /// Finalised (numbered, immutable) and awaiting payment.
    case open
    /// Finalised and paid in full.
    case paid
    /// Finalised then cancelled by a credit note.
    case void
}

/// An invoice. Once finalised it is never edited or deleted; corrections are credit notes.
public struct Invoice: Sendable, Equatable, Identifiable {
    /// Row id.
    public let id: Int64
    /// The customer.
    public let customerID: Int64
    /// The subscription billed, if any.
    public let subscriptionID: Int64?
    /// `INV-2026-000123`; nil while a draft.
    public let number: String?
    /// Status.
    public let status: InvoiceStatus
    /// Sum of line net amounts.
    public let subtotal: Money
    /// Tax.
    public let tax: Money
    /// Subtotal + tax.
    public let total: Money
    /// Tax rate applied, basis points.
    public let taxBP: Int64
    /// Whether EU reverse charge applied.
    public let reverseCharge: Bool
    /// The tax mention printed on the invoice (rate name, reverse-charge text or exemption).
    public let taxNote: String
    /// Billed period, if a subscription invoice.
    public let periodStart: Date?
    /// Billed period end (exclusive).
    public let periodEnd: Date?
    /// When created.
    public let createdAt: Date
    /// When finalised.
    public let finalizedAt: Date?
    /// Due date.
    public let dueAt: Date?
    /// Paid so far.
    public let amountPaid: Money
    /// Credited by credit notes.
    public let amountCredited: Money
    /// Refunded to the customer.
    public let amountRefunded: Money
    /// What is still owed: total − credited − paid + refunded.
    public var amountDue: Money { Money(minor: total.minor - amountCredited.minor - amountPaid.minor + amountRefunded.minor, currency: total.currency) }
    /// True for demo data.
    public let demo: Bool
}

/// One line of an invoice.
public struct InvoiceLine: Sendable, Equatable {
    /// Kind.
    public let kind: LineKind
    /// Revenue stream.
    public let stream: RevenueStream
    /// Printed description.
    public let description: String
    /// Quantity (usage count, or 1).
    public let quantity: Int64
    /// Unit price in micro-units (usage lines), else 0.
    public let unitAmount: MicroAmount
    /// The line's price as charged (tax-inclusive if the price was).
    public let amount: Money
    /// Net of tax.
    public let net: Money
    /// Tax on this line.
    public let tax: Money
    /// Period covered.
    public let periodStart: Date?
    /// Period end (exclusive).
    public let periodEnd: Date?
}

/// A one-off charge for a draft invoice or the next period invoice.
public struct ChargeItem: Sendable {
    /// Printed description.
    public var description: String
    /// Unit amount; must be positive and in the customer's currency.
    public var amount: Money
    /// Quantity ≥ 1.
    public var quantity: Int64
    /// Whether `amount` includes tax.
    public var taxInclusive: Bool
    /// Creates an item.
    public init(description: String, amount: Money, quantity: Int64 = 1, taxInclusive: Bool = false) {
        self.description = description
        self.amount = amount
        self.quantity = quantity
        self.taxInclusive = taxInclusive
    }
}

/// A credit note: a numbered document that reverses all or part of a finalised invoice.
public struct CreditNote: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// Invoice credited.
    public let invoiceID: Int64
    /// `CN-2026-000001`.
    public let number: String
    /// Amount credited (tax included).
    public let amount: Money
    /// Tax part of it.
    public let tax: Money
    /// Why.
    public let reason: String
    /// When.
    public let createdAt: Date
}

/// Who an invoice is addressed to, as far as tax and currency are concerned.
struct InvoiceParty {
    var id: Int64
    var country: String
    var vatID: String?
    var taxExempt: Bool
    var currency: Currency

    init(id: Int64, country: String, vatID: String?, taxExempt: Bool, currency: Currency) {
        self.id = id
        self.country = country
        self.vatID = vatID
        self.taxExempt = taxExempt
        self.currency = currency
    }

    init(_ c: Customer) { self.init(id: c.id, country: c.country, vatID: c.vatID, taxExempt: c.taxExempt, currency: c.currency) }
}

/// What finalisation needs to know about a draft just written, so the billing run need not read it back.
struct InsertedInvoice {
    var id: Int64
    var customerID: Int64
    var subscriptionID: Int64?
    var series: String
    var currency: Currency
    var subtotal: Int64
    var tax: Int64
    var total: Int64 { subtotal + tax }
    var demo: Bool
    var streamNets: [(stream: String, net: Int64)]
}

struct LineDraft {
    var kind: LineKind
    var stream: RevenueStream
    var description: String
    var quantity: Int64 = 1
    var unitMicros: Int64 = 0
    var amount: Money
    var taxInclusive: Bool
    var periodStart: Int64?
    var periodEnd: Int64?
}

extension BillingStore {
    /// Creates a draft invoice of one-off charges. Drafts have no number and are not in the ledger.
    /// - Throws: `invalid_input` without items or with an empty description or a quantity < 1,
    ///   `negative_amount` for amounts ≤ 0, `currency_mismatch` when an item is not in the customer's currency.
    public func createDraftInvoice(customerID: Int64, items: [ChargeItem]) async throws -> Invoice {
        guard !items.isEmpty else { throw BillingError(.invalidInput, "an invoice needs at least one item", field: "items") }
        let at = now
        return try await writer.write { db in
            let customer = try Self.customer(db, id: customerID)
            let lines = try items.map { item -> LineDraft in
                try Self.validate(item, currency: customer.currency)
                let (amount, o) = item.amount.minor.multipliedReportingOverflow(by: item.quantity)
                if o { throw BillingError(.overflow, "\(item.amount) × \(item.quantity) overflows", field: "quantity") }
                return LineDraft(kind: .oneOff, stream: .oneOff, description: item.description, quantity: item.quantity,
                                 unitMicros: 0, amount: Money(minor: amount, currency: customer.currency), taxInclusive: item.taxInclusive)
            }
            let inserted = try self.insertInvoice(db, customer: customer, subscriptionID: nil, billingKey: nil, lines: lines,
                                                  periodStart: nil, periodEnd: nil, at: at, demo: customer.demo)
            return try Self.invoice(db, id: inserted.id)
        }
    }

    /// Adds a one-off charge to a subscription's next period invoice.
    public func addCharge(subscriptionID: Int64, item: ChargeItem) async throws {
        let at = now
        try await writer.write { db in
            let sub = try Self.subscription(db, id: subscriptionID)
            if sub.status == .canceled && sub.endedAt != nil && sub.endedAt!.unixSeconds < at {
                throw BillingError(.subscriptionCanceled, "subscription \(sub.id) has ended; use a draft invoice", field: "subscription_id")
            }
            let customer = try Self.customer(db, id: sub.customerID)
            try Self.validate(item, currency: customer.currency)
            let (amount, o) = item.amount.minor.multipliedReportingOverflow(by: item.quantity)
            if o { throw BillingError(.overflow, "\(item.amount) × \(item.quantity) overflows", field: "quantity") }
            try db.exec("""
                INSERT INTO billing_pending_items(subscription_id, customer_id, kind, stream, description, amount_minor, currency, tax_inclusive, created_at)
                VALUES (?,?,?,?,?,?,?,?,?)
                """, [sub.id, sub.customerID, LineKind.oneOff.rawValue, RevenueStream.oneOff.rawValue, item.description, amount,
                      customer.currency.code, item.taxInclusive, at])
        }
    }

    /// Finalises a draft: takes the next number of the series for the current year from the gapless counter,
    /// in the same transaction as the status change and the ledger posting, so a crash can neither skip nor
    /// reuse a number.
    /// - Throws: `invalid_state` unless the invoice is a draft.
    public func finalize(invoiceID: Int64) async throws -> Invoice {
        let at = now
        return try await writer.write { db in try self.finalizeLocked(db, invoiceID: invoiceID, at: at) }
    }

    /// Deletes a draft (finalised invoices can only be voided).
    public func deleteDraft(invoiceID: Int64) async throws {
        try await writer.write { db in
            let inv = try Self.invoice(db, id: invoiceID)
            guard inv.status == .draft else {
                throw BillingError(.invalidState, "invoice \(inv.number ?? "\(inv.id)") is finalised; void it with a credit note instead", field: "invoice_id")
            }
            try db.exec("UPDATE billing_pending_items SET invoice_id = NULL WHERE invoice_id = ?", [invoiceID])
            try db.exec("DELETE FROM billing_invoice_lines WHERE invoice_id = ?", [invoiceID])
            try db.exec("DELETE FROM billing_invoices WHERE id = ?", [invoiceID])
        }
    }

    /// Voids an unpaid finalised invoice by issuing a credit note for the amount still due.
    /// - Throws: `invalid_state` for drafts (delete them), paid or partly paid invoices (refund instead) and void ones.
    public func voidInvoice(invoiceID: Int64, reason: String) async throws -> CreditNote {
        let at = now
        return try await writer.write { db in
            let inv = try Self.invoice(db, id: invoiceID)
            guard inv.status == .open, inv.amountPaid.minor == 0 else {
                throw BillingError(.invalidState, "only an unpaid finalised invoice can be voided (this one is \(inv.status.rawValue), paid \(inv.amountPaid))", field: "invoice_id")
            }
            let note = try self.issueCreditNote(db, invoice: inv, amount: inv.amountDue.minor, reason: reason, at: at)
            try db.exec("UPDATE billing_invoices SET status = 'void', voided_at = ? WHERE id = ?", [at, inv.id])
            try Self.event(db, at: at, type: "invoice.voided", customer: inv.customerID, invoice: inv.id, detail: note.number, demo: inv.demo)
            return note
        }
    }

    /// One invoice.
    public func invoice(id: Int64) async throws -> Invoice {
        try await writer.read { db in try Self.invoice(db, id: id) }
    }

    /// The invoice with a number.
    public func invoice(number: String) async throws -> Invoice {
        try await writer.read { db in
            guard let id = try db.int("SELECT id FROM billing_invoices WHERE number = ?", [number]) else {
                throw BillingError(.notFound, "no invoice numbered '\(number)'", field: "number")
            }
            return try Self.invoice(db, id: id)
        }
    }

    /// Invoices in id order, cursor-paginated, optionally for one customer or status.
    public func invoices(customerID: Int64? = nil, status: InvoiceStatus? = nil, limit: Int = 100, after: Int64 = 0) async throws -> [Invoice] {
        try await writer.read { db in
            try db.rows("""
                SELECT * FROM billing_invoices WHERE id > ? AND (? IS NULL OR customer_id = ?) AND (? IS NULL OR status = ?)
                ORDER BY id LIMIT ?
                """, [after, customerID, customerID, status?.rawValue, status?.rawValue, max(1, min(limit, 1000))]).map(Self.invoice(row:))
        }
    }

    /// An invoice's lines in order.
    public func lines(invoiceID: Int64) async throws -> [InvoiceLine] {
        try await writer.read { db in
            let inv = try Self.invoice(db, id: invoiceID)
            let c = inv.total.currency
            return try db.rows("SELECT * FROM billing_invoice_lines WHERE invoice_id = ? ORDER BY id", [invoiceID]).map { r in
                InvoiceLine(kind: LineKind(rawValue: r["kind"]) ?? .oneOff, stream: RevenueStream(rawValue: r["stream"]) ?? .oneOff,
                            description: r["description"], quantity: r["quantity"], unitAmount: MicroAmount(micros: r["unit_micros"], currency: c),
                            amount: Money(minor: r["amount_minor"], currency: c), net: Money(minor: r["net_minor"], currency: c),
                            tax: Money(minor: r["tax_minor"], currency: c),
                            periodStart: (r["period_start"] as Int64?).map(Date.init(unixSeconds:)),
                            periodEnd: (r["period_end"] as Int64?).map(Date.init(unixSeconds:)))
            }
        }
    }

    /// Credit notes of an invoice.
    public func creditNotes(invoiceID: Int64) async throws -> [CreditNote] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_credit_notes WHERE invoice_id = ? ORDER BY id", [invoiceID]).map(Self.creditNote(row:))
        }
    }

    // MARK: Internals

    static func validate(_ item: ChargeItem, currency: Currency) throws {
        guard !item.description.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BillingError(.invalidInput, "each item needs a description", field: "description")
        }
        guard item.quantity >= 1 else { throw BillingError(.invalidInput, "quantity must be at least 1", field: "quantity") }
        guard item.amount.minor > 0 else { throw BillingError(.negativeAmount, "item amount must be greater than zero, got \(item.amount)", field: "amount") }
        guard item.amount.currency == currency else {
            throw BillingError(.currencyMismatch, "item is in \(item.amount.currency.code) but the customer is billed in \(currency.code); one invoice has one currency", field: "currency")
        }
    }

    /// Inserts a draft with its lines; tax per line (half-even), totals from the lines.
    func insertInvoice(_ db: Database, customer: Customer, subscriptionID: Int64?, billingKey: String?, lines: [LineDraft],
                       periodStart: Int64?, periodEnd: Int64?, at: Int64, demo: Bool) throws -> InsertedInvoice {
        guard let inserted = try insertInvoice(db, party: InvoiceParty(customer), subscriptionID: subscriptionID, billingKey: billingKey,
                                               lines: lines, periodStart: periodStart, periodEnd: periodEnd, at: at, demo: demo) else {
            throw BillingError(.duplicate, "an invoice with billing key \(billingKey ?? "") already exists")
        }
        return inserted
    }

    /// Inserts a draft with its lines, or returns nil when an invoice with the same billing key exists.
    func insertInvoice(_ db: Database, party customer: InvoiceParty, subscriptionID: Int64?, billingKey: String?, lines: [LineDraft],
                       periodStart: Int64?, periodEnd: Int64?, at: Int64, demo: Bool) throws -> InsertedInvoice? {
        let decision = taxTable.decide(country: customer.country, vatID: customer.vatID, taxExempt: customer.taxExempt)
        var subtotal: Int64 = 0, tax: Int64 = 0
        var computed: [(LineDraft, Int64, Int64)] = []
        for line in lines {
            guard line.amount.currency == customer.currency else {
                throw BillingError(.currencyMismatch, "line '\(line.description)' is in \(line.amount.currency.code), invoice is in \(customer.currency.code)", field: "currency")
            }
            let split = try TaxTable.split(amount: line.amount.minor, basisPoints: decision.basisPoints, inclusive: line.taxInclusive)
            subtotal += split.net
            tax += split.tax
            computed.append((line, split.net, split.tax))
        }
        guard subtotal + tax >= 0 else { throw BillingError(.invalidInput, "invoice total would be negative") }
        let series = demo ? "DEMO" : configuration.invoiceSeries
        try db.exec("""
            INSERT INTO billing_invoices(customer_id, subscription_id, billing_key, series, status, currency, subtotal_minor, tax_minor, total_minor,
              tax_bp, tax_country, reverse_charge, tax_note, period_start, period_end, created_at, demo)
            VALUES (?,?,?,?,'draft',?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(billing_key) DO NOTHING
            """, [customer.id, subscriptionID, billingKey, series, customer.currency.code, subtotal, tax, subtotal + tax,
                  decision.basisPoints, decision.country, decision.reverseCharge, decision.note, periodStart, periodEnd, at, demo])
        if db.changesCount == 0 { return nil }
        let id = db.lastInsertedRowID
        for (line, net, lineTax) in computed {
            try db.exec("""
                INSERT INTO billing_invoice_lines(invoice_id, kind, stream, description, quantity, unit_micros, amount_minor, net_minor, tax_minor, period_start, period_end)
                VALUES (?,?,?,?,?,?,?,?,?,?,?)
                """, [id, line.kind.rawValue, line.stream.rawValue, line.description, line.quantity, line.unitMicros, line.amount.minor,
                      net, lineTax, line.periodStart, line.periodEnd])
        }
        var nets: [String: Int64] = [:]
        for (line, net, _) in computed { nets[line.stream.rawValue, default: 0] += net }
        return InsertedInvoice(id: id, customerID: customer.id, subscriptionID: subscriptionID, series: series, currency: customer.currency,
                               subtotal: subtotal, tax: tax, demo: demo, streamNets: nets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func finalizeLocked(_ db: Database, invoiceID: Int64, at: Int64) throws -> Invoice {
        let inv = try Self.invoice(db, id: invoiceID)
        guard inv.status == .draft else {
            throw BillingError(.invalidState, "invoice \(inv.number ?? "\(inv.id)") is already finalised", field: "invoice_id")
        }
        let series = try db.row("SELECT series FROM billing_invoices WHERE id = ?", [invoiceID])!["series"] as String
        let nets = try db.rows("SELECT stream, SUM(net_minor) AS net FROM billing_invoice_lines WHERE invoice_id = ? GROUP BY stream ORDER BY stream", [invoiceID])
            .map { (stream: $0["stream"] as String, net: $0["net"] as Int64) }
        _ = try finalizeInserted(db, InsertedInvoice(id: inv.id, customerID: inv.customerID, subscriptionID: inv.subscriptionID, series: series,
                                                     currency: inv.total.currency, subtotal: inv.subtotal.minor, tax: inv.tax.minor,
                                                     demo: inv.demo, streamNets: nets), at: at)
        return try Self.invoice(db, id: invoiceID)
    }

    /// Numbers a draft from the gapless counter and posts it to the ledger, inside the caller's transaction.
    /// - Returns: the invoice number.
    func finalizeInserted(_ db: Database, _ inv: InsertedInvoice, at: Int64) throws -> String {
        let year = BillingCalendar.year(Date(unixSeconds: at))
        let seq = try Self.nextNumber(db, series: inv.series, year: year)
        let number = Self.format(series: inv.series, year: year, seq: seq)
        let due = at + Int64(configuration.paymentTermsDays) * 86_400
        let paidNow = inv.total == 0
        try db.exec("""
            UPDATE billing_invoices SET status = ?, year = ?, seq = ?, number = ?, finalized_at = ?, due_at = ?, paid_at = ? WHERE id = ? AND status = 'draft'
            """, [paidNow ? "paid" : "open", year, seq, number, at, due, paidNow ? at : nil, inv.id])
        guard db.changesCount == 1 else { throw BillingError(.invalidState, "invoice \(inv.id) is not a draft", field: "invoice_id") }
        // Ledger: receivable for the total, revenue by stream for the net amounts, tax payable for the tax.
        var postings: [Posting] = [Posting(account: Account.receivable, invoiceID: inv.id, debit: inv.total)]
        let month = BillingCalendar.monthKey(Date(unixSeconds: at))
        for (stream, net) in inv.streamNets {
            postings.append(Posting(account: Account.revenue(stream), debit: max(0, -net), credit: max(0, net)))
            try Self.addRevenue(db, month: month, currency: inv.currency, stream: stream, amount: net)
        }
        postings.append(Posting(account: Account.taxPayable, credit: inv.tax))
        try postTransaction(db, at: at, kind: "invoice", refType: "invoice", refID: inv.id, memo: number,
                            currency: inv.currency, demo: inv.demo, postings: postings)
        try Self.event(db, at: at, type: "invoice.finalized", customer: inv.customerID, subscription: inv.subscriptionID,
                       invoice: inv.id, detail: number, demo: inv.demo)
        return number
    }

    /// The gapless counter: one row per (series, year), incremented inside the caller's transaction. A rollback
    /// rolls the increment back too, so numbers are never skipped (unlike an AUTOINCREMENT sequence).
    static func nextNumber(_ db: Database, series: String, year: Int) throws -> Int64 {
        try db.int("""
            INSERT INTO billing_invoice_counters(series, year, last) VALUES (?, ?, 1)
            ON CONFLICT(series, year) DO UPDATE SET last = last + 1 RETURNING last
            """, [series, year])!
    }

    static func addRevenue(_ db: Database, month: String, currency: Currency, stream: String, amount: Int64) throws {
        if amount == 0 { return }
        try db.exec("""
            INSERT INTO billing_revenue_monthly(month, currency, stream, net_minor) VALUES (?,?,?,?)
            ON CONFLICT(month, currency, stream) DO UPDATE SET net_minor = net_minor + excluded.net_minor
            """, [month, currency.code, stream, amount])
    }

    static func format(series: String, year: Int, seq: Int64) -> String {
        let s = String(seq)
        return "\(series)-\(year)-\(String(repeating: "0", count: max(0, 6 - s.count)))\(s)"
    }

    /// Issues a credit note for `amount` (tax included) against a finalised invoice, splitting it between tax and
    /// revenue streams in proportion to the invoice (largest remainder, so the parts add up exactly).
    func issueCreditNote(_ db: Database, invoice inv: Invoice, amount: Int64, reason: String, at: Int64) throws -> CreditNote {
        guard amount > 0 else { throw BillingError(.negativeAmount, "credit amount must be greater than zero", field: "amount") }
        guard amount <= inv.total.minor - inv.amountCredited.minor else {
            throw BillingError(.invalidInput, "credit of \(Money(minor: amount, currency: inv.total.currency)) exceeds what is left to credit on \(inv.number ?? "")", field: "amount")
        }
        let taxPart = inv.total.minor == 0 ? 0 : try Rounding.mulDivHalfEven(amount, inv.tax.minor, inv.total.minor)
        let netPart = amount - taxPart
        let streams = try db.rows("SELECT stream, SUM(net_minor) AS net FROM billing_invoice_lines WHERE invoice_id = ? GROUP BY stream ORDER BY stream", [inv.id])
            .map { (stream: $0["stream"] as String, net: $0["net"] as Int64) }
        let shares = Self.allocate(netPart, weights: streams.map(\.net), total: inv.subtotal.minor)
        let series = inv.demo ? "DEMOCN" : configuration.creditNoteSeries
        let year = BillingCalendar.year(Date(unixSeconds: at))
        let number = Self.format(series: series, year: year, seq: try Self.nextNumber(db, series: series, year: year))
        try db.exec("INSERT INTO billing_credit_notes(invoice_id, number, amount_minor, tax_minor, currency, reason, created_at, demo) VALUES (?,?,?,?,?,?,?,?)",
                    [inv.id, number, amount, taxPart, inv.total.currency.code, reason, at, inv.demo])
        let id = db.lastInsertedRowID
        try db.exec("UPDATE billing_invoices SET credited_minor = credited_minor + ? WHERE id = ?", [amount, inv.id])
        var postings: [Posting] = [Posting(account: Account.receivable, invoiceID: inv.id, credit: amount),
                                   Posting(account: Account.taxPayable, debit: taxPart)]
        for (s, share) in zip(streams, shares) {
            postings.append(Posting(account: Account.revenue(s.stream), debit: max(0, share), credit: max(0, -share)))
            try Self.addRevenue(db, month: BillingCalendar.monthKey(Date(unixSeconds: at)), currency: inv.total.currency, stream: s.stream, amount: -share)
        }
        try postTransaction(db, at: at, kind: "credit_note", refType: "credit_note", refID: id, memo: "\(number) for \(inv.number ?? "")",
                            currency: inv.total.currency, demo: inv.demo, postings: postings)
        try Self.event(db, at: at, type: "credit_note.issued", customer: inv.customerID, invoice: inv.id, detail: number, demo: inv.demo)
        return CreditNote(id: id, invoiceID: inv.id, number: number, amount: Money(minor: amount, currency: inv.total.currency),
                          tax: Money(minor: taxPart, currency: inv.total.currency), reason: reason, createdAt: Date(unixSeconds: at))
    }

    /// Splits `amount` in proportion to `weights` (summing to `total`) so that the shares add up to `amount` exactly.
    static func allocate(_ amount: Int64, weights: [Int64], total: Int64) -> [Int64] {
        guard !weights.isEmpty else { return [] }
        guard total != 0 else { var r = Array(repeating: Int64(0), count: weights.count); r[0] = amount; return r }
        var shares = weights.map { Int64((Int128(amount) * Int128($0)) / Int128(total)) }
        var left = amount - shares.reduce(0, +)
        var i = 0
        // Hand out the remainder one minor unit at a time, largest weights first.
        let order = weights.indices.sorted { weights[$0] > weights[$1] }
        while left != 0 && !order.isEmpty {
            let step: Int64 = left > 0 ? 1 : -1
            shares[order[i % order.count]] += step
            left -= step
            i += 1
        }
        return shares
    }

    /// Invoices the subscription's pending items (e.g. an upgrade's proration) immediately.
    func invoicePendingItemsNow(_ db: Database, subscription sub: Subscription, customer: Customer, at: Int64) throws -> Int64? {
        let items = try db.rows("SELECT * FROM billing_pending_items WHERE subscription_id = ? AND invoice_id IS NULL ORDER BY id", [sub.id])
        guard !items.isEmpty else { return nil }
        let lines = items.map { r in
            LineDraft(kind: LineKind(rawValue: r["kind"]) ?? .oneOff, stream: RevenueStream(rawValue: r["stream"]) ?? .oneOff,
                      description: r["description"], amount: Money(minor: r["amount_minor"], currency: customer.currency),
                      taxInclusive: r["tax_inclusive"])
        }
        let demo = try db.int("SELECT demo FROM billing_subscriptions WHERE id = ?", [sub.id]) == 1
        let inserted = try insertInvoice(db, customer: customer, subscriptionID: sub.id, billingKey: "items:\(sub.id):\(items.last!["id"] as Int64)",
                                         lines: lines, periodStart: nil, periodEnd: nil, at: at, demo: demo)
        try db.exec("UPDATE billing_pending_items SET invoice_id = ? WHERE subscription_id = ? AND invoice_id IS NULL", [inserted.id, sub.id])
        _ = try finalizeInserted(db, inserted, at: at)
        return inserted.id
    }

    static func invoice(_ db: Database, id: Int64) throws -> Invoice {
        guard let row = try db.row("SELECT * FROM billing_invoices WHERE id = ?", [id]) else {
            throw BillingError(.notFound, "no invoice \(id)", field: "invoice_id")
        }
        return try invoice(row: row)
    }

    static func invoice(row r: Row) throws -> Invoice {
        let c = try Currency(code: r["currency"])
        func m(_ k: String) -> Money { Money(minor: r[k], currency: c) }
        func d(_ k: String) -> Date? { (r[k] as Int64?).map(Date.init(unixSeconds:)) }
        return Invoice(id: r["id"], customerID: r["customer_id"], subscriptionID: r["subscription_id"], number: r["number"],
                       status: InvoiceStatus(rawValue: r["status"]) ?? .draft, subtotal: m("subtotal_minor"), tax: m("tax_minor"),
                       total: m("total_minor"), taxBP: r["tax_bp"], reverseCharge: r["reverse_charge"], taxNote: r["tax_note"],
                       periodStart: d("period_start"), periodEnd: d("period_end"), createdAt: Date(unixSeconds: r["created_at"]),
                       finalizedAt: d("finalized_at"), dueAt: d("due_at"), amountPaid: m("paid_minor"), amountCredited: m("credited_minor"),
                       amountRefunded: m("refunded_minor"), demo: r["demo"])
    }

    static func creditNote(row r: Row) throws -> CreditNote {
        let c = try Currency(code: r["currency"])
        return CreditNote(id: r["id"], invoiceID: r["invoice_id"], number: r["number"], amount: Money(minor: r["amount_minor"], currency: c),
                          tax: Money(minor: r["tax_minor"], currency: c), reason: r["reason"], createdAt: Date(unixSeconds: r["created_at"]))
    }
}
