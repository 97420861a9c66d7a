import Foundation
import GRDB

/// A payment received for an invoice, or a refund paid back.
public struct Payment: Sendable, Equatable, Identifiable {
    /// Payment or refund.
    public enum Kind: String, Sendable { case payment, refund }
    /// Row id.
    public let id: Int64
    /// The invoice.
    public let invoiceID: Int64
    /// Payment or refund.
    public let kind: Kind
    /// Amount (always positive).
    public let amount: Money
    /// `"manual"`, `"bank_transfer"`, `"stripe"` …
    public let method: String
    /// External reference (Stripe id, bank reference), unique when present.
    public let externalID: String?
    /// When.
    public let receivedAt: Date
}

extension BillingStore {
    /// Records a payment against a finalised invoice (manual entry or from Stripe). Pays it off when the amount
    /// reaches what is due; a fully paid invoice clears its subscription's dunning and earns the customer's
    /// affiliate their commission.
    /// - Throws: `negative_amount` for ≤ 0, `currency_mismatch`, `invalid_state` for drafts and void invoices,
    ///   `invalid_input` for more than is due, `duplicate` for an external id already recorded.
    @discardableResult
    public func recordPayment(invoiceID: Int64, amount: Money, method: String = "manual", externalID: String? = nil) async throws -> Payment {
        let at = now
        return try await writer.write { db in try self.recordPaymentLocked(db, invoiceID: invoiceID, amount: amount, method: method, externalID: externalID, at: at) }
    }

    func recordPaymentLocked(_ db: Database, invoiceID: Int64, amount: Money, method: String, externalID: String?, at: Int64) throws -> Payment {
        guard amount.minor > 0 else { throw BillingError(.negativeAmount, "payment amount must be greater than zero, got \(amount)", field: "amount") }
        let inv = try Self.invoice(db, id: invoiceID)
        try inv.total.requireSameCurrency(amount)
        guard inv.status == .open else {
            throw BillingError(.invalidState, "invoice \(inv.number ?? "\(inv.id)") is \(inv.status.rawValue); only open invoices take payments", field: "invoice_id")
        }
        guard amount.minor <= inv.amountDue.minor else {
            throw BillingError(.invalidInput, "payment \(amount) exceeds the \(inv.amountDue) due on \(inv.number ?? "")", field: "amount")
        }
        if let externalID, try db.int("SELECT id FROM billing_payments WHERE external_id = ?", [externalID]) != nil {
            throw BillingError(.duplicate, "a payment with reference '\(externalID)' is already recorded", field: "external_id")
        }
        try db.exec("INSERT INTO billing_payments(invoice_id, kind, amount_minor, currency, method, external_id, received_at, demo) VALUES (?, 'payment', ?,?,?,?,?,?)",
                    [inv.id, amount.minor, amount.currency.code, method, externalID, at, inv.demo])
        let id = db.lastInsertedRowID
        let fullyPaid = amount.minor == inv.amountDue.minor
        try db.exec("UPDATE billing_invoices SET paid_minor = paid_minor + ?, status = CASE WHEN ? THEN 'paid' ELSE status END, paid_at = CASE WHEN ? THEN ? ELSE paid_at END WHERE id = ?",
                    [amount.minor, fullyPaid, fullyPaid, at, inv.id])
        try postTransaction(db, at: at, kind: "payment", refType: "payment", refID: id, memo: "\(method) for \(inv.number ?? "")",
                            currency: amount.currency, demo: inv.demo,
                            postings: [Posting(account: Account.cash, debit: amount.minor),
                                       Posting(account: Account.receivable, invoiceID: inv.id, credit: amount.minor)])
        try Self.event(db, at: at, type: fullyPaid ? "invoice.paid" : "invoice.partially_paid", customer: inv.customerID,
                       subscription: inv.subscriptionID, invoice: inv.id, detail: "\(amount)", demo: inv.demo)
        if fullyPaid {
            try affiliateCommission(db, invoice: inv, at: at)
            if let subID = inv.subscriptionID { try clearDunningIfSettled(db, subscriptionID: subID, at: at) }
        }
        return Payment(id: id, invoiceID: inv.id, kind: .payment, amount: amount, method: method, externalID: externalID, receivedAt: Date(unixSeconds: at))
    }

    /// Refunds part or all of what was paid on an invoice: a credit note for the amount (reversing revenue and
    /// tax in proportion) and a refund payment out of cash. MRR is not affected (refunds never change MRR).
    /// - Throws: `negative_amount`, `currency_mismatch`, `invalid_input` when more than the net paid amount.
    public func refund(invoiceID: Int64, amount: Money, reason: String, externalID: String? = nil) async throws -> CreditNote {
        let at = now
        guard amount.minor > 0 else { throw BillingError(.negativeAmount, "refund amount must be greater than zero, got \(amount)", field: "amount") }
        return try await writer.write { db in
            let inv = try Self.invoice(db, id: invoiceID)
            try inv.total.requireSameCurrency(amount)
            guard amount.minor <= inv.amountPaid.minor - inv.amountRefunded.minor else {
                throw BillingError(.invalidInput, "refund \(amount) exceeds the \(Money(minor: inv.amountPaid.minor - inv.amountRefunded.minor, currency: amount.currency)) paid on \(inv.number ?? "")", field: "amount")
            }
            let note = try self.issueCreditNote(db, invoice: inv, amount: amount.minor, reason: reason, at: at)
            try db.exec("INSERT INTO billing_payments(invoice_id, kind, amount_minor, currency, method, external_id, received_at, demo) VALUES (?, 'refund', ?,?,?,?,?,?)",
                        [inv.id, amount.minor, amount.currency.code, "refund", externalID, at, inv.demo])
            let pid = db.lastInsertedRowID
            try db.exec("UPDATE billing_invoices SET refunded_minor = refunded_minor + ? WHERE id = ?", [amount.minor, inv.id])
            try self.postTransaction(db, at: at, kind: "refund", refType: "payment", refID: pid, memo: "refund on \(inv.number ?? "")",
                                     currency: amount.currency, demo: inv.demo,
                                     postings: [Posting(account: Account.receivable, invoiceID: inv.id, debit: amount.minor),
                                                Posting(account: Account.cash, credit: amount.minor)])
            try Self.event(db, at: at, type: "invoice.refunded", customer: inv.customerID, invoice: inv.id, detail: "\(amount)", demo: inv.demo)
            return note
        }
    }

    /// Records a failed collection attempt: the subscription becomes `past_due` and dunning starts (or goes on).
    public func recordPaymentFailure(invoiceID: Int64, reason: String) async throws {
        let at = now
        try await writer.write { db in try self.recordPaymentFailureLocked(db, invoiceID: invoiceID, reason: reason, at: at) }
    }

    func recordPaymentFailureLocked(_ db: Database, invoiceID: Int64, reason: String, at: Int64) throws {
        let inv = try Self.invoice(db, id: invoiceID)
        guard inv.status == .open else {
            throw BillingError(.invalidState, "invoice \(inv.number ?? "\(inv.id)") is \(inv.status.rawValue); a payment failure only applies to open invoices", field: "invoice_id")
        }
        try Self.event(db, at: at, type: "invoice.payment_failed", customer: inv.customerID, subscription: inv.subscriptionID,
                       invoice: inv.id, detail: String(reason.prefix(200)), demo: inv.demo)
        guard let subID = inv.subscriptionID else { return }
        let sub = try Self.subscription(db, id: subID)
        if sub.status == .active {
            _ = try applyStatus(db, subscriptionID: subID, status: .pastDue, at: at)
        }
    }

    /// Payments and refunds of an invoice.
    public func payments(invoiceID: Int64) async throws -> [Payment] {
        try await writer.read { db in
            let inv = try Self.invoice(db, id: invoiceID)
            return try db.rows("SELECT * FROM billing_payments WHERE invoice_id = ? ORDER BY id", [invoiceID]).map { r in
                Payment(id: r["id"], invoiceID: r["invoice_id"], kind: Payment.Kind(rawValue: r["kind"]) ?? .payment,
                        amount: Money(minor: r["amount_minor"], currency: inv.total.currency), method: r["method"],
                        externalID: r["external_id"], receivedAt: Date(unixSeconds: r["received_at"]))
            }
        }
    }

    // MARK: Dunning

    /// Advances dunning for every past-due subscription: records a retry (event `dunning.retry`) on each
    /// scheduled day after the first failure, and one day after the last retry moves a still-unpaid
    /// subscription to the policy's final state (`unpaid` or `canceled`, event `dunning.exhausted`). The app
    /// calls this on a schedule; retries themselves are Stripe's (or an e-mail), their outcome arrives as
    /// payments or failures.
    /// - Returns: the events emitted.
    @discardableResult
    public func processDunning() async throws -> [BillingEvent] {
        let at = now
        let policy = configuration.dunning
        return try await writer.write { db in
            let before = try db.int("SELECT COALESCE(MAX(id), 0) FROM billing_events") ?? 0
            for r in try db.rows("SELECT id, customer_id, past_due_since, dunning_attempts, demo FROM billing_subscriptions WHERE status = 'past_due' AND past_due_since IS NOT NULL") {
                let id: Int64 = r["id"], since: Int64 = r["past_due_since"], attempts: Int = r["dunning_attempts"], demo: Bool = r["demo"]
                let elapsedDays = Int((at - since) / 86_400)
                let due = policy.retryDays.filter { $0 <= elapsedDays }.count
                if due > attempts {
                    for n in (attempts + 1)...due {
                        try Self.event(db, at: at, type: "dunning.retry", customer: r["customer_id"], subscription: id,
                                       detail: "attempt \(n) of \(policy.retryDays.count) (day \(policy.retryDays[n - 1]))", demo: demo)
                    }
                    try db.exec("UPDATE billing_subscriptions SET dunning_attempts = ? WHERE id = ?", [due, id])
                }
                if elapsedDays >= policy.retryDays.last! + 1 {
                    _ = try self.applyStatus(db, subscriptionID: id, status: policy.finalState == .unpaid ? .unpaid : .canceled, at: at)
                    try Self.event(db, at: at, type: "dunning.exhausted", customer: r["customer_id"], subscription: id,
                                   detail: "now \(policy.finalState.rawValue)", demo: demo)
                }
            }
            return try db.rows("SELECT * FROM billing_events WHERE id > ? ORDER BY id", [before]).map { e in
                BillingEvent(id: e["id"], at: Date(unixSeconds: e["at"]), type: e["type"], customerID: e["customer_id"],
                             subscriptionID: e["subscription_id"], invoiceID: e["invoice_id"], detail: e["detail"])
            }
        }
    }

    /// Back to `active` once no open invoice of the subscription remains.
    func clearDunningIfSettled(_ db: Database, subscriptionID: Int64, at: Int64) throws {
        let sub = try Self.subscription(db, id: subscriptionID)
        guard sub.status == .pastDue || sub.status == .unpaid else { return }
        let open = try db.int("SELECT COUNT(*) FROM billing_invoices WHERE subscription_id = ? AND status = 'open'", [subscriptionID]) ?? 0
        if open == 0 {
            _ = try applyStatus(db, subscriptionID: subscriptionID, status: .active, at: at)
            try db.exec("UPDATE billing_subscriptions SET past_due_since = NULL, dunning_attempts = 0 WHERE id = ?", [subscriptionID])
        }
    }
}
