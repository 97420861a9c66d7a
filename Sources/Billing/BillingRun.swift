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
        for _ in 0..<240 {
            guard let row = try db.row("SELECT * FROM billing_subscriptions WHERE id = ?", [subscriptionID]),
                  let nextBill = row["next_bill_at"] as Int64?, nextBill <= at else { return }
            let sub = Self.subscription(row: row)
            let demo: Bool = row["demo"]
            let plan = try self.cachedPlan(db, code: sub.planCode)
            let ps = sub.periodStart.unixSeconds, pe = sub.periodEnd.unixSeconds
            switch sub.status {
            case .trialing:
                report.trialsEnded += 1
                if sub.cancelAtPeriodEnd {
                    try db.exec("UPDATE billing_subscriptions SET status = 'canceled', ended_at = ?, next_bill_at = NULL WHERE id = ?", [pe, sub.id])
                    try Self.event(db, at: pe, type: "subscription.canceled", customer: sub.customerID, subscription: sub.id, detail: "trial ended", demo: demo)
                } else {
                    let end = BillingCalendar.adding(months: plan.interval.months, to: Date(unixSeconds: pe)).unixSeconds
                    try db.exec("""
                        UPDATE billing_subscriptions SET status = 'active', anchor = ?, period_index = 0, period_start = ?, period_end = ?, next_bill_at = ?
                        WHERE id = ?
                        """, [pe, pe, end, end, sub.id])
                    try Self.event(db, at: pe, type: "subscription.active", customer: sub.customerID, subscription: sub.id, detail: "trial converted", demo: demo)
                }
                try recordMRR(db, subscriptionID: sub.id, at: pe)
            case .active, .pastDue:
                try invoicePeriod(db, sub: sub, plan: plan, from: ps, to: pe, fullPeriod: (ps, pe), at: at, demo: demo, report: &report)
                if sub.cancelAtPeriodEnd {
                    try db.exec("UPDATE billing_subscriptions SET status = 'canceled', ended_at = ?, next_bill_at = NULL WHERE id = ?", [pe, sub.id])
                    try Self.event(db, at: pe, type: "subscription.canceled", customer: sub.customerID, subscription: sub.id, detail: "period end", demo: demo)
                    report.subscriptionsEnded += 1
                } else {
                    let index: Int64 = row["period_index"] + 1
                    let anchor = Date(unixSeconds: row["anchor"])
                    let newEnd = BillingCalendar.adding(months: plan.interval.months * Int(index + 1), to: anchor).unixSeconds
                    if let pendingPrice = row["pending_price_id"] as Int64?, let pendingPlan = row["pending_plan_code"] as String? {
                        try db.exec("UPDATE billing_subscriptions SET plan_code = ?, price_id = ?, pending_plan_code = NULL, pending_price_id = NULL WHERE id = ?",
                                    [pendingPlan, pendingPrice, sub.id])
                        try Self.event(db, at: pe, type: "subscription.downgraded", customer: sub.customerID, subscription: sub.id, detail: "\(sub.planCode) → \(pendingPlan)", demo: demo)
                        report.downgradesApplied += 1
                    }
                    try db.exec("""
                        UPDATE billing_subscriptions SET period_index = ?, period_start = ?, period_end = ?, next_bill_at = ?, period_price_id = price_id
                        WHERE id = ?
                        """, [index, pe, newEnd, newEnd, sub.id])
                }
                // A plain roll to the next period leaves MRR as it was; only an ending or a downgrade moves it.
                if sub.cancelAtPeriodEnd || row["pending_price_id"] as Int64? != nil {
                    try recordMRR(db, subscriptionID: sub.id, at: pe)
                }
            case .canceled:
                // Canceled mid-period: bill the used part of the period, then stop.
                let end = min(sub.endedAt?.unixSeconds ?? pe, pe)
                if end > ps {
                    try invoicePeriod(db, sub: sub, plan: plan, from: ps, to: end, fullPeriod: (ps, pe), at: at, demo: demo, report: &report)
                }
                try db.exec("UPDATE billing_subscriptions SET next_bill_at = NULL WHERE id = ?", [sub.id])
                report.subscriptionsEnded += 1
            case .unpaid, .paused:
                try db.exec("UPDATE billing_subscriptions SET next_bill_at = NULL WHERE id = ?", [sub.id])
            }
        }
    }

    /// Creates and finalises the invoice for [from, to) of a subscription's period, if anything is owed.
    func invoicePeriod(_ db: Database, sub: Subscription, plan: Plan, from: Int64, to: Int64, fullPeriod: (Int64, Int64), at: Int64,
                       demo: Bool, report: inout BillingRunReport) throws {
        let key = "sub:\(sub.id):\(from)"
        if try db.int("SELECT id FROM billing_invoices WHERE billing_key = ?", [key]) != nil { return }
        let customer = try Self.customer(db, id: sub.customerID)
        let price = try self.cachedPrice(db, id: sub.periodPriceID)
        let currency = customer.currency
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
            if sub.discountBP > 0 {
                let off = try Rounding.mulDivHalfEven(amount, sub.discountBP, 10_000)
                lines.append(LineDraft(kind: .discount, stream: .subscription, description: "Discount \(percentString(sub.discountBP))",
                                       amount: Money(minor: -off, currency: currency), taxInclusive: price.taxInclusive, periodStart: from, periodEnd: to))
            }
        case .metered:
            let quantity = try db.int("""
                SELECT COALESCE(SUM(quantity), 0) FROM billing_usage_events WHERE customer_id = ? AND metric = ? AND occurred_at >= ? AND occurred_at < ?
                """, [sub.customerID, plan.metric ?? "", from, to]) ?? 0
            if quantity > 0 {
                // Usage is summed in micro-units and rounded once, here, half-even.
                let charge = try price.unitAmount.times(quantity)
                lines.append(LineDraft(kind: .usage, stream: .usage, description: "\(plan.name): \(quantity) × \(price.unitAmount.description) (\(Self.day(from)) – \(Self.day(to)))",
                                       quantity: quantity, unitMicros: price.unitAmount.micros, amount: charge.roundedHalfEven,
                                       taxInclusive: price.taxInclusive, periodStart: from, periodEnd: to))
            }
        }
        let pending = try db.rows("SELECT * FROM billing_pending_items WHERE subscription_id = ? AND invoice_id IS NULL ORDER BY id", [sub.id])
        for r in pending {
            lines.append(LineDraft(kind: LineKind(rawValue: r["kind"]) ?? .oneOff, stream: RevenueStream(rawValue: r["stream"]) ?? .oneOff,
                                   description: r["description"], amount: Money(minor: r["amount_minor"], currency: currency),
                                   taxInclusive: r["tax_inclusive"]))
        }
        if lines.isEmpty { return }
        let inserted = try insertInvoice(db, customer: customer, subscriptionID: sub.id, billingKey: key, lines: lines,
                                         periodStart: from, periodEnd: to, at: at, demo: demo)
        if !pending.isEmpty {
            try db.exec("UPDATE billing_pending_items SET invoice_id = ? WHERE subscription_id = ? AND invoice_id IS NULL", [inserted.id, sub.id])
        }
        _ = try finalizeInserted(db, inserted, at: at)
        report.invoicesCreated += 1
        report.invoicedTotals[currency.code, default: 0] += inserted.total
    }

    static func day(_ t: Int64) -> String { BillingCalendar.dayKey(Date(unixSeconds: t)) }
}
