import Foundation
import GRDB

/// Stripe's subscription states.
public enum SubscriptionStatus: String, Sendable, Codable, CaseIterable {
    /// In a free trial; no MRR until it converts.
    case trialing
    /// Paid up and billing.
    case active
    /// A payment failed; dunning retries are under way; still counted in MRR and still entitled.
    case pastDue = "past_due"
    /// Retries exhausted; access revoked, open invoices stay open, no new invoices.
    case unpaid
    /// Ended (terminal).
    case canceled
    /// Billing suspended (e.g. trial ended without a payment method); no access, no invoices.
    case paused

    /// Whether the customer keeps the plan's entitlements in this state.
    public var grantsAccess: Bool { self == .trialing || self == .active || self == .pastDue }
    /// Whether the subscription's price counts in MRR in this state.
    public var countsInMRR: Bool { self == .active || self == .pastDue }
}

/// A customer's subscription to a plan.
public struct Subscription: Sendable, Equatable, Identifiable {
    /// Row id.
    public let id: Int64
    /// The customer.
    public let customerID: Int64
    /// The plan now in force (an upgrade changes it at once, a downgrade at period end).
    public let planCode: String
    /// The price version now in force.
    public let priceID: Int64
    /// The price version charged for the current period's plan line (the pre-upgrade one after an upgrade).
    public let periodPriceID: Int64
    /// Billing status.
    public let status: SubscriptionStatus
    /// Percentage discount in basis points (1000 = 10 % off).
    public let discountBP: Int64
    /// Current period start.
    public let periodStart: Date
    /// Current period end (exclusive); the period is invoiced in arrears at this instant.
    public let periodEnd: Date
    /// End of the trial, if any.
    public let trialEnd: Date?
    /// Whether the subscription ends at the current period's end.
    public let cancelAtPeriodEnd: Bool
    /// When cancellation was requested.
    public let canceledAt: Date?
    /// When it ended.
    public let endedAt: Date?
    /// A downgrade waiting for the period end.
    public let pendingPlanCode: String?
    /// When dunning began (first failed payment), while past due.
    public let pastDueSince: Date?
    /// Created at.
    public let createdAt: Date
}

/// When an upgrade's prorated charge is invoiced.
public enum ProrationBehavior: String, Sendable {
    /// Pending item on the next period invoice (Stripe's `create_prorations`).
    case nextInvoice
    /// A separate invoice at once (Stripe's `always_invoice`).
    case invoiceNow
}

/// The outcome of ``BillingStore/changePlan(subscriptionID:to:proration:)``.
public struct PlanChange: Sendable, Equatable {
    /// Upgrade (applied now) or downgrade (at period end).
    public enum Kind: String, Sendable { case upgrade, downgrade }
    /// Which one.
    public let kind: Kind
    /// The subscription after the change.
    public let subscription: Subscription
    /// The prorated charge of an upgrade (zero for a downgrade or during a trial).
    public let proratedCharge: Money
    /// The invoice created at once with `.invoiceNow`.
    public let invoiceID: Int64?
}

/// What a customer may use right now, independent of whether their invoices are paid (Kill Bill's split between
/// entitlement and billing). This is what the API's per-plan rate limits read.
public struct CustomerEntitlements: Sendable, Equatable {
    /// The customer.
    public let customerID: Int64
    /// Plans granting access now.
    public let planCodes: [String]
    /// The union of those plans' entitlements (`Entitlements.none` when there is none).
    public let entitlements: Entitlements
}

extension BillingStore {
    /// Subscribes a customer to a plan at its current price in the customer's currency.
    /// - Parameters:
    ///   - trialDays: free days before the first period (0 for none).
    ///   - discountBP: percentage off in basis points, 0…10000.
    /// - Throws: `not_found`, `currency_mismatch` when the plan has no price in the customer's currency,
    ///   `invalid_input` for a bad trial or discount.
    public func subscribe(customerID: Int64, planCode: String, trialDays: Int = 0, discountBP: Int64 = 0) async throws -> Subscription {
        try await subscribe(customerID: customerID, planCode: planCode, trialDays: trialDays, discountBP: discountBP, demo: false)
    }

    func subscribe(customerID: Int64, planCode: String, trialDays: Int, discountBP: Int64, demo: Bool) async throws -> Subscription {
        guard (0...730).contains(trialDays) else { throw BillingError(.invalidInput, "trial must be 0–730 days", field: "trial_days") }
        guard (0...10_000).contains(discountBP) else { throw BillingError(.invalidInput, "discount must be 0–10000 basis points", field: "discount_bp") }
        let at = now
        return try await writer.write { db in
            let customer = try Self.customer(db, id: customerID)
            let plan = try self.cachedPlan(db, code: planCode)
            let price = try Self.currentPrice(db, plan: planCode, currency: customer.currency)
            let trialEnd: Int64? = trialDays > 0 ? at + Int64(trialDays) * 86_400 : nil
            let anchor = trialEnd ?? at
            let periodEnd = trialEnd ?? BillingCalendar.adding(months: plan.interval.months, to: Date(unixSeconds: at)).unixSeconds
            try db.exec("""
                INSERT INTO billing_subscriptions(customer_id, plan_code, price_id, period_price_id, status, discount_bp, anchor, period_index,
                  period_start, period_end, trial_end, next_bill_at, created_at, demo)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """, [customerID, planCode, price.id, price.id, (trialEnd == nil ? SubscriptionStatus.active : .trialing).rawValue,
                                 discountBP, anchor, 0, at, periodEnd, trialEnd, periodEnd, at, demo])
            let id = db.lastInsertedRowID
            try self.recordMRR(db, subscriptionID: id, at: at)
            try Self.event(db, at: at, type: "subscription.created", customer: customerID, subscription: id, detail: planCode, demo: demo)
            return try Self.subscription(db, id: id)
        }
    }

    /// One subscription.
    public func subscription(id: Int64) async throws -> Subscription {
        try await writer.read { db in try Self.subscription(db, id: id) }
    }

    /// A customer's subscriptions, newest first.
    public func subscriptions(customerID: Int64) async throws -> [Subscription] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_subscriptions WHERE customer_id = ? ORDER BY id DESC", [customerID]).map(Self.subscription(row:))
        }
    }

    /// Subscriptions in id order, cursor-paginated, optionally only one status.
    public func subscriptions(status: SubscriptionStatus? = nil, limit: Int = 100, after: Int64 = 0) async throws -> [Subscription] {
        try await writer.read { db in
            try db.rows("SELECT * FROM billing_subscriptions WHERE id > ? AND (? IS NULL OR status = ?) ORDER BY id LIMIT ?",
                             [after, status?.rawValue, status?.rawValue, max(1, min(limit, 1000))]).map(Self.subscription(row:))
        }
    }

    /// Changes plan. A dearer plan (by monthly price, then tier) is an upgrade applied at once with a prorated
    /// charge for the rest of the period: `(new − old) × remaining ÷ period length`, half-even, after discount.
    /// A cheaper plan is a downgrade applied at the period end (no refund).
    /// - Throws: `subscription_canceled` on a canceled subscription; `invalid_state` on unpaid or paused ones;
    ///   `invalid_input` for the same plan, a different interval or kind (cancel and subscribe instead).
    public func changePlan(subscriptionID: Int64, to planCode: String, proration: ProrationBehavior = .nextInvoice) async throws -> PlanChange {
        let at = now
        return try await writer.write { db in
            // Bill any period that already ended first, so the change applies to the period actually in progress.
            var caughtUp = BillingRunReport()
            try self.bill(db, subscriptionID: subscriptionID, at: at, report: &caughtUp)
            let sub = try Self.subscription(db, id: subscriptionID)
            switch sub.status {
            case .canceled:
                throw BillingError(.subscriptionCanceled, "subscription \(sub.id) is canceled; start a new subscription instead", field: "subscription_id")
            case .unpaid, .paused:
                throw BillingError(.invalidState, "subscription \(sub.id) is \(sub.status.rawValue); settle or resume it before changing plan", field: "subscription_id")
            default: break
            }
            if sub.cancelAtPeriodEnd {
                throw BillingError(.invalidState, "subscription \(sub.id) ends at period end; resume it before changing plan", field: "subscription_id")
            }
            guard planCode != sub.planCode else { throw BillingError(.invalidInput, "subscription is already on '\(planCode)'", field: "plan") }
            let customer = try Self.customer(db, id: sub.customerID)
            let oldPlan = try self.cachedPlan(db, code: sub.planCode), newPlan = try self.cachedPlan(db, code: planCode)
            guard oldPlan.interval == newPlan.interval, oldPlan.kind == newPlan.kind else {
                throw BillingError(.invalidInput, "'\(sub.planCode)' → '\(planCode)' changes the interval or kind; cancel and subscribe instead", field: "plan")
            }
            let oldPrice = try self.cachedPrice(db, id: sub.priceID)
            let newPrice = try Self.currentPrice(db, plan: planCode, currency: customer.currency)
            let isUpgrade = newPrice.amount.minor > oldPrice.amount.minor
                || (newPrice.amount.minor == oldPrice.amount.minor && newPlan.tier > oldPlan.tier)
            if !isUpgrade {
                try db.exec("UPDATE billing_subscriptions SET pending_plan_code = ?, pending_price_id = ? WHERE id = ?",
                               [planCode, newPrice.id, sub.id])
                try Self.event(db, at: at, type: "subscription.downgrade_scheduled", customer: sub.customerID, subscription: sub.id, detail: planCode)
                return PlanChange(kind: .downgrade, subscription: try Self.subscription(db, id: sub.id), proratedCharge: .zero(customer.currency), invoiceID: nil)
            }
            var charge = Money.zero(customer.currency)
            var invoiceID: Int64?
            if sub.status != .trialing && newPlan.kind == .licensed {
                let ps = sub.periodStart.unixSeconds, pe = sub.periodEnd.unixSeconds
                let remaining = max(0, pe - at), length = max(1, pe - ps)
                let diff = newPrice.amount.minor - oldPrice.amount.minor
                let discounted = try Rounding.mulDivHalfEven(diff, 10_000 - sub.discountBP, 10_000)
                charge = Money(minor: try Rounding.mulDivHalfEven(discounted, remaining, length), currency: customer.currency)
                if charge.minor > 0 {
                    let desc = "Upgrade \(oldPlan.name) → \(newPlan.name), remaining \(remaining / 86_400) of \(length / 86_400) days"
                    try db.exec("""
                        INSERT INTO billing_pending_items(subscription_id, customer_id, kind, stream, description, amount_minor, currency, tax_inclusive, created_at)
                        VALUES (?,?,?,?,?,?,?,?,?)
                        """, [sub.id, sub.customerID, LineKind.proration.rawValue, RevenueStream.subscription.rawValue, desc,
                                         charge.minor, customer.currency.code, newPrice.taxInclusive, at])
                    if proration == .invoiceNow {
                        invoiceID = try self.invoicePendingItemsNow(db, subscription: sub, customer: customer, at: at)
                    }
                }
            }
            // Trials have no charged period yet, so the new price also becomes the period price.
            try db.exec("UPDATE billing_subscriptions SET plan_code = ?, price_id = ?, pending_plan_code = NULL, pending_price_id = NULL WHERE id = ?",
                           [planCode, newPrice.id, sub.id])
            if sub.status == .trialing {
                try db.exec("UPDATE billing_subscriptions SET period_price_id = ? WHERE id = ?", [newPrice.id, sub.id])
            }
            try self.recordMRR(db, subscriptionID: sub.id, at: at)
            try Self.event(db, at: at, type: "subscription.upgraded", customer: sub.customerID, subscription: sub.id, detail: "\(sub.planCode) → \(planCode)")
            return PlanChange(kind: .upgrade, subscription: try Self.subscription(db, id: sub.id), proratedCharge: charge, invoiceID: invoiceID)
        }
    }

    /// Cancels a subscription. `atPeriodEnd` keeps it (and its MRR and access) until the paid period ends;
    /// otherwise it ends now and the used part of the period is invoiced by the next billing run.
    /// - Throws: `subscription_canceled` when already canceled.
    @discardableResult
    public func cancel(subscriptionID: Int64, atPeriodEnd: Bool) async throws -> Subscription {
        let at = now
        return try await writer.write { db in
            var caughtUp = BillingRunReport()
            try self.bill(db, subscriptionID: subscriptionID, at: at, report: &caughtUp)
            let sub = try Self.subscription(db, id: subscriptionID)
            if sub.status == .canceled {
                throw BillingError(.subscriptionCanceled, "subscription \(sub.id) is already canceled", field: "subscription_id")
            }
            if atPeriodEnd && sub.status != .unpaid && sub.status != .paused {
                try db.exec("UPDATE billing_subscriptions SET cancel_at_period_end = 1, canceled_at = ?, pending_plan_code = NULL, pending_price_id = NULL WHERE id = ?",
                               [at, sub.id])
                try Self.event(db, at: at, type: "subscription.cancel_scheduled", customer: sub.customerID, subscription: sub.id)
            } else {
                // A trial, unpaid or paused subscription has no period in progress to bill.
                let billFinal = sub.status == .active || sub.status == .pastDue
                try db.exec("UPDATE billing_subscriptions SET status = 'canceled', canceled_at = ?, ended_at = ?, next_bill_at = ?, pending_plan_code = NULL, pending_price_id = NULL WHERE id = ?",
                               [at, at, billFinal ? at : nil, sub.id])
                try self.recordMRR(db, subscriptionID: sub.id, at: at)
                try Self.event(db, at: at, type: "subscription.canceled", customer: sub.customerID, subscription: sub.id)
            }
            return try Self.subscription(db, id: sub.id)
        }
    }

    /// Undoes a cancel-at-period-end before the period ends.
    @discardableResult
    public func resume(subscriptionID: Int64) async throws -> Subscription {
        let at = now
        return try await writer.write { db in
            let sub = try Self.subscription(db, id: subscriptionID)
            guard sub.status != .canceled else { throw BillingError(.subscriptionCanceled, "subscription \(sub.id) is canceled", field: "subscription_id") }
            guard sub.cancelAtPeriodEnd else { throw BillingError(.invalidState, "subscription \(sub.id) is not scheduled to cancel", field: "subscription_id") }
            try db.exec("UPDATE billing_subscriptions SET cancel_at_period_end = 0, canceled_at = NULL WHERE id = ?", [sub.id])
            try Self.event(db, at: at, type: "subscription.resumed", customer: sub.customerID, subscription: sub.id)
            return try Self.subscription(db, id: sub.id)
        }
    }

    /// Sets a subscription's status from outside (a Stripe `customer.subscription.*` event, or pausing).
    @discardableResult
    public func setStatus(subscriptionID: Int64, to status: SubscriptionStatus) async throws -> Subscription {
        let at = now
        return try await writer.write { db in try self.applyStatus(db, subscriptionID: subscriptionID, status: status, at: at) }
    }

    func applyStatus(_ db: Database, subscriptionID: Int64, status: SubscriptionStatus, at: Int64) throws -> Subscription {
        let sub = try Self.subscription(db, id: subscriptionID)
        if sub.status == status { return sub }
        if sub.status == .canceled {
            throw BillingError(.subscriptionCanceled, "subscription \(sub.id) is canceled and cannot become \(status.rawValue)", field: "status")
        }
        switch status {
        case .canceled:
            let billFinal = sub.status == .active || sub.status == .pastDue
            try db.exec("UPDATE billing_subscriptions SET status = 'canceled', canceled_at = COALESCE(canceled_at, ?), ended_at = ?, next_bill_at = ? WHERE id = ?",
                           [at, at, billFinal ? at : nil, sub.id])
        case .unpaid, .paused:
            try db.exec("UPDATE billing_subscriptions SET status = ?, next_bill_at = NULL WHERE id = ?", [status.rawValue, sub.id])
        case .active where sub.status == .unpaid || sub.status == .paused:
            // Back from a billing stop: a fresh period starts now.
            let plan = try self.cachedPlan(db, code: sub.planCode)
            let end = BillingCalendar.adding(months: plan.interval.months, to: Date(unixSeconds: at)).unixSeconds
            try db.exec("""
                UPDATE billing_subscriptions SET status = 'active', anchor = ?, period_index = 0, period_start = ?, period_end = ?,
                  next_bill_at = ?, period_price_id = price_id, past_due_since = NULL, dunning_attempts = 0 WHERE id = ?
                """, [at, at, end, end, sub.id])
        case .active, .pastDue, .trialing:
            try db.exec("""
                UPDATE billing_subscriptions SET status = ?1, past_due_since = CASE WHEN ?1 = 'past_due' THEN COALESCE(past_due_since, ?2) ELSE NULL END,
                  dunning_attempts = CASE WHEN ?1 = 'past_due' THEN dunning_attempts ELSE 0 END WHERE id = ?3
                """, [status.rawValue, at, sub.id])
        }
        try recordMRR(db, subscriptionID: sub.id, at: at)
        try Self.event(db, at: at, type: "subscription.\(status.rawValue)", customer: sub.customerID, subscription: sub.id, detail: "from \(sub.status.rawValue)")
        return try Self.subscription(db, id: sub.id)
    }

    /// What a customer may use now: the union of entitlements of plans whose subscription grants access
    /// (trialing, active, past due during dunning). Unpaid, paused and canceled subscriptions grant nothing.
    public func entitlements(customerID: Int64) async throws -> CustomerEntitlements {
        try await writer.read { db in
            let rows = try db.rows("""
                SELECT p.* FROM billing_subscriptions s JOIN billing_plans p ON p.code = s.plan_code
                WHERE s.customer_id = ? AND s.status IN ('trialing','active','past_due') ORDER BY p.tier DESC
                """, [customerID])
            var ent = Entitlements.none
            var codes: [String] = []
            for r in rows {
                let p = try Self.plan(row: r)
                codes.append(p.code)
                ent = ent.union(p.entitlements)
            }
            return CustomerEntitlements(customerID: customerID, planCodes: codes, entitlements: ent)
        }
    }

    // MARK: MRR bookkeeping

    /// The subscription's normalised monthly recurring revenue now: price net of tax, ÷ 12 for annual plans,
    /// discount subtracted; zero for metered plans and for states that do not count (trialing, unpaid …).
    func currentMRR(_ db: Database, sub: Subscription) throws -> Money {
        let price = try self.cachedPrice(db, id: sub.priceID)
        let plan = try self.cachedPlan(db, code: sub.planCode)
        let currency = price.amount.currency
        guard sub.status.countsInMRR, plan.kind == .licensed, sub.endedAt == nil else { return .zero(currency) }
        var amount = price.amount.minor
        if price.taxInclusive {
            let c = try Self.customer(db, id: sub.customerID)
            let d = taxTable.decide(country: c.country, vatID: c.vatID, taxExempt: c.taxExempt)
            amount = try TaxTable.split(amount: amount, basisPoints: d.basisPoints, inclusive: true).net
        }
        let discounted = try Rounding.mulDivHalfEven(amount, 10_000 - sub.discountBP, 10_000)
        return Money(minor: try Rounding.mulDivHalfEven(discounted, 1, Int64(plan.interval.months)), currency: currency)
    }

    /// Appends to the MRR history when the subscription's MRR differs from its last recorded value.
    func recordMRR(_ db: Database, subscriptionID: Int64, at: Int64) throws {
        let sub = try Self.subscription(db, id: subscriptionID)
        let mrr = try currentMRR(db, sub: sub)
        let last = try db.int("SELECT mrr_minor FROM billing_mrr_current WHERE subscription_id = ?", [subscriptionID])
        if last == mrr.minor || (last == nil && mrr.minor == 0) { return }
        let demo = try db.int("SELECT demo FROM billing_subscriptions WHERE id = ?", [subscriptionID]) == 1
        try db.exec("INSERT INTO billing_mrr_changes(customer_id, subscription_id, at, mrr_minor, currency, demo) VALUES (?,?,?,?,?,?)",
                       [sub.customerID, sub.id, at, mrr.minor, mrr.currency.code, demo])
        try db.exec("""
            INSERT INTO billing_mrr_current(subscription_id, customer_id, mrr_minor, currency, demo) VALUES (?,?,?,?,?)
            ON CONFLICT(subscription_id) DO UPDATE SET mrr_minor = excluded.mrr_minor
            """, [sub.id, sub.customerID, mrr.minor, mrr.currency.code, demo])
    }

    static func subscription(_ db: Database, id: Int64) throws -> Subscription {
        guard let row = try db.row("SELECT * FROM billing_subscriptions WHERE id = ?", [id]) else {
            throw BillingError(.notFound, "no subscription \(id)", field: "subscription_id")
        }
        return subscription(row: row)
    }

    static func subscription(row r: Row) -> Subscription {
        func date(_ k: String) -> Date? { (r[k] as Int64?).map(Date.init(unixSeconds:)) }
        return Subscription(id: r["id"], customerID: r["customer_id"], planCode: r["plan_code"], priceID: r["price_id"],
                            periodPriceID: r["period_price_id"], status: SubscriptionStatus(rawValue: r["status"]) ?? .canceled,
                            discountBP: r["discount_bp"], periodStart: Date(unixSeconds: r["period_start"]),
                            periodEnd: Date(unixSeconds: r["period_end"]), trialEnd: date("trial_end"),
                            cancelAtPeriodEnd: r["cancel_at_period_end"], canceledAt: date("canceled_at"), endedAt: date("ended_at"),
                            pendingPlanCode: r["pending_plan_code"], pastDueSince: date("past_due_since"),
                            createdAt: Date(unixSeconds: r["created_at"]))
    }
}
