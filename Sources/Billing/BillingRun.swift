import Foundation
import GRDB

/// What one billing run did.
public struct BillingRunReport: Sendable, Equatable {
    /// Invoices created and finalised.
    public var invoicesCreated = 0
    /// Trials that converted to active (or ended).
    public var trialsEnded = 0
    /// Subscriptions that ended at their period end.
    public var subscriptionsEnded = 0
    /// Downgrades applied at period end.
    public var downgradesApplied = 0
    /// Totals invoiced per currency code, minor units.
    public var invoicedTotals: [String: Int64] = [:]
}

extension BillingStore {
    /// Bills every period that has ended: for each due subscription, one invoice with its plan, discount,
    /// proration, one-off and usage lines, finalised and posted to the ledger, and the subscription moved to its
    /// next period (applying a scheduled downgrade or cancellation). Trials that ended convert without an invoice.
    ///
    /// Idempotent and crash-safe: a subscription's invoice and the advance of its period are written in the same
    /// transaction (batches of ``BillingConfiguration/billingRunBatchSize`` whole invoices), and the invoice
    /// carries a unique billing key (`sub:<id>:<period start>`). A second run finds nothing due; a run killed
    /// midway leaves only whole invoices and the next run bills the rest.
    public func runBilling() async throws -> BillingRunReport {
        try await runBilling(interruptAfter: nil)
    }

    /// `interruptAfter` throws after that many invoices inside an open transaction: the crash test uses it to
    /// prove a failure mid-batch leaves no trace.
    func runBilling(interruptAfter: Int?) async throws -> BillingRunReport {
        let at = now
        var report = BillingRunReport()
        let batch = max(1, configuration.billingRunBatchSize)
        var afterKey: (Int64, Int64) = (Int64.min, 0)
        while true {
            let r = report
            let key = afterKey
            let (next, done, lastKey) = try await writer.write { db -> (BillingRunReport, Bool, (Int64, Int64)) in
                var rep = r
                let due = try db.rows("""
                    SELECT id, next_bill_at FROM billing_subscriptions
                    WHERE next_bill_at IS NOT NULL AND next_bill_at <= ? AND (next_bill_at > ? OR (next_bill_at = ? AND id > ?))
                    ORDER BY next_bill_at, id LIMIT ?
                    """, [at, key.0, key.0, key.1, batch])
                for row in due {
                    try self.bill(db, subscriptionID: row["id"], at: at, report: &rep)
                    if let limit = interruptAfter, rep.invoicesCreated >= limit {
                        throw BillingError(.invalidState, "billing run interrupted (simulated crash)")
                    }
                }
                let last = due.last.map { ($0["next_bill_at"] as Int64, $0["id"] as Int64) } ?? key
                return (rep, due.count < batch, last)
            }
            report = next
            afterKey = lastKey
            if done { break }
        }
        return report
    }

    /// Bills one subscription up to `at`, catching up on every period that ended (a daemon that was down for
    /// three months bills three invoices).
    func bill(_ db: Database, subscriptionID: Int64, at: Int64, report: inout BillingRunReport) throws {
        // The hot path of the billing run: one joined row read by position, no re-read after each period.
        guard let r = try db.row("""
            SELECT s.id, s.customer_id, s.plan_code, s.period_price_id, s.status, s.discount_bp, s.anchor, s.period_index,
                   s.period_start, s.period_end, s.cancel_at_period_end, s.ended_at, s.next_bill_at, s.pending_plan_code,
                   s.pending_price_id, s.demo, c.country, c.vat_id, c.tax_exempt, c.currency, s.price_id
            FROM billing_subscriptions s JOIN billing_customers c ON c.id = s.customer_id WHERE s.id = ?
            """, [subscriptionID]) else { return }
        guard var nextBill = r[12] as Int64?, nextBill <= at else { return }
        let subID: Int64 = r[0], customerID: Int64 = r[1]
        var planCode: String = r[2], periodPriceID: Int64 = r[3]
        var status = SubscriptionStatus(rawValue: r[4]) ?? .canceled
        let discountBP: Int64 = r[5]
        var anchor: Int64 = r[6], index: Int64 = r[7], ps: Int64 = r[8], pe: Int64 = r[9]
        let cancelAtEnd: Bool = r[10]
        let endedAt: Int64? = r[11]
        var pendingPlan: String? = r[13], pendingPrice: Int64? = r[14]
        let demo: Bool = r[15]
        var priceID: Int64 = r[20]
        let party = InvoiceParty(id: customerID, country: r[16], vatID: r[17], taxExempt: r[18], currency: try Currency(code: r[19]))
        for _ in 0..<240 {
            let plan = try self.cachedPlan(db, code: planCode)
            switch status {
            case .trialing:
                report.trialsEnded += 1
                if cancelAtEnd {
                    try db.exec("UPDATE billing_subscriptions SET status = 'canceled', ended_at = ?, next_bill_at = NULL WHERE id = ?", [pe, subID])
                    try Self.event(db, at: pe, type: "subscription.canceled", customer: customerID, subscription: subID, detail: "trial ended", demo: demo)
                    try recordMRR(db, subscriptionID: subID, at: pe)
                    return
                }
                let end = BillingCalendar.adding(months: plan.interval.months, to: Date(unixSeconds: pe)).unixSeconds
                try db.exec("""
                    UPDATE billing_subscriptions SET status = 'active', anchor = ?, period_index = 0, period_start = ?, period_end = ?, next_bill_at = ?
                    WHERE id = ?
                    """, [pe, pe, end, end, subID])
                try Self.event(db, at: pe, type: "subscription.active", customer: customerID, subscription: subID, detail: "trial converted", demo: demo)
                try recordMRR(db, subscriptionID: subID, at: pe)
                (status, anchor, index, ps, pe, nextBill) = (.active, pe, 0, pe, end, end)
            case .active, .pastDue:
                try invoicePeriod(db, subscriptionID: subID, party: party, plan: plan, periodPriceID: periodPriceID, discountBP: discountBP,
                                  from: ps, to: pe, fullPeriod: (ps, pe), at: at, demo: demo, report: &report)
                if cancelAtEnd {
                    try db.exec("UPDATE billing_subscriptions SET status = 'canceled', ended_at = ?, next_bill_at = NULL WHERE id = ?", [pe, subID])
                    try Self.event(db, at: pe, type: "subscription.canceled", customer: customerID, subscription: subID, detail: "period end", demo: demo)
                    report.subscriptionsEnded += 1
                    try recordMRR(db, subscriptionID: subID, at: pe)
                    return
                }
                index += 1
                let newEnd = BillingCalendar.adding(months: plan.interval.months * Int(index + 1), to: Date(unixSeconds: anchor)).unixSeconds
                var downgraded = false
                if let price = pendingPrice, let code = pendingPlan {
                    try db.exec("UPDATE billing_subscriptions SET plan_code = ?, price_id = ?, pending_plan_code = NULL, pending_price_id = NULL WHERE id = ?",
                                [code, price, subID])
                    try Self.event(db, at: pe, type: "subscription.downgraded", customer: customerID, subscription: subID, detail: "\(planCode) → \(code)", demo: demo)
                    report.downgradesApplied += 1
                    (planCode, priceID, pendingPlan, pendingPrice, downgraded) = (code, price, nil, nil, true)
                }
                try db.exec("""
                    UPDATE billing_subscriptions SET period_index = ?, period_start = ?, period_end = ?, next_bill_at = ?, period_price_id = price_id
                    WHERE id = ?
                    """, [index, pe, newEnd, newEnd, subID])
                periodPriceID = priceID
                // A plain roll to the next period leaves MRR as it was; only a downgrade moves it.
                if downgraded { try recordMRR(db, subscriptionID: subID, at: pe) }
                (ps, pe, nextBill) = (pe, newEnd, newEnd)
            case .canceled:
                // Canceled mid-period: bill the used part of the period, then stop.
                let end = min(endedAt ?? pe, pe)
                if end > ps {
                    try invoicePeriod(db, subscriptionID: subID, party: party, plan: plan, periodPriceID: periodPriceID, discountBP: discountBP,
                                      from: ps, to: end, fullPeriod: (ps, pe), at: at, demo: demo, report: &report)
                }
                try db.exec("UPDATE billing_subscriptions SET next_bill_at = NULL WHERE id = ?", [subID])
                report.subscriptionsEnded += 1
                return
            case .unpaid, .paused:
                try db.exec("UPDATE billing_subscriptions SET next_bill_at = NULL WHERE id = ?", [subID])
                return
            }
            if nextBill > at { return }
        }
    }

    /// Creates and finalises the invoice for [from, to) of a subscription's period, if anything is owed.
    func invoicePeriod(_ db: Database, subscriptionID: Int64, party: InvoiceParty, plan: Plan, periodPriceID: Int64, discountBP: Int64,
                       from: Int64, to: Int64, fullPeriod: (Int64, Int64), at: Int64, demo: Bool, report: inout BillingRunReport) throws {
        let key = "sub:\(subscriptionID):\(from)"
        let price = try cachedPrice(db, id: periodPriceID)
        let currency = party.currency
        var lines: [LineDraft] = []
        let label = "\(plan.name) \(Self.day(from)) – \(Self.day(to))"
        switch plan.kind {
        case .licensed:
            var amount = price.amount.minor
            if to - from != fullPeriod.1 - fullPeriod.0 {
                amount = try Rounding.mulDivHalfEven(amount, to - from, max(1, fullPeriod.1 - fullPeriod.0))
            }
            lines.append(LineDraft(kind: .plan, stream: .subscription, description: label, amount: Money(minor: amount, currency: currency),
                                   taxInclusive: price.taxInclusive, periodStart: from, periodEnd: to))
            if discountBP > 0 {
                let off = try Rounding.mulDivHalfEven(amount, discountBP, 10_000)
                lines.append(LineDraft(kind: .discount, stream: .subscription, description: "Discount \(percentString(discountBP))",
                                       amount: Money(minor: -off, currency: currency), taxInclusive: price.taxInclusive, periodStart: from, periodEnd: to))
            }
        case .metered:
            let quantity = try db.int("""
                SELECT COALESCE(SUM(quantity), 0) FROM billing_usage_events WHERE customer_id = ? AND metric = ? AND occurred_at >= ? AND occurred_at < ?
                """, [party.id, plan.metric ?? "", from, to]) ?? 0
            if quantity > 0 {
                // Usage is summed in micro-units and rounded once, here, half-even.
                let charge = try price.unitAmount.times(quantity)
                lines.append(LineDraft(kind: .usage, stream: .usage, description: "\(plan.name): \(quantity) × \(price.unitAmount.description) (\(Self.day(from)) – \(Self.day(to)))",
                                       quantity: quantity, unitMicros: price.unitAmount.micros, amount: charge.roundedHalfEven,
                                       taxInclusive: price.taxInclusive, periodStart: from, periodEnd: to))
            }
        }
        let pending = try db.rows("SELECT kind, stream, description, amount_minor, tax_inclusive FROM billing_pending_items WHERE subscription_id = ? AND invoice_id IS NULL ORDER BY id", [subscriptionID])
        for r in pending {
            lines.append(LineDraft(kind: LineKind(rawValue: r[0]) ?? .oneOff, stream: RevenueStream(rawValue: r[1]) ?? .oneOff,
                                   description: r[2], amount: Money(minor: r[3], currency: currency), taxInclusive: r[4]))
        }
        if lines.isEmpty { return }
        // The billing key is unique: a period can never be invoiced twice, even by a bug in the loop above.
        guard let inserted = try insertInvoice(db, party: party, subscriptionID: subscriptionID, billingKey: key, lines: lines,
                                               periodStart: from, periodEnd: to, at: at, demo: demo) else { return }
        if !pending.isEmpty {
            try db.exec("UPDATE billing_pending_items SET invoice_id = ? WHERE subscription_id = ? AND invoice_id IS NULL", [inserted.id, subscriptionID])
        }
        _ = try finalizeInserted(db, inserted, at: at)
        report.invoicesCreated += 1
        report.invoicedTotals[currency.code, default: 0] += inserted.total
    }

    static func day(_ t: Int64) -> String { BillingCalendar.dayKey(Date(unixSeconds: t)) }
}
