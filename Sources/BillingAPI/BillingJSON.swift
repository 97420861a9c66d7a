import Billing
import Foundation
import HTTP

/// JSON shapes of the billing API. Money is always `{"amount": <integer minor units>, "currency": "USD"}`;
/// instants are ISO 8601 UTC text; ratios carry their exact numerator and denominator with basis points.
enum BillingJSON {
    static func money(_ m: Money) -> JSONValue { .object(["amount": .int(m.minor), "currency": .string(m.currency.code)]) }

    static func money(_ m: Money?) -> JSONValue { m.map { money($0) } ?? .null }

    static func date(_ d: Date?) -> JSONValue {
        guard let d else { return .null }
        return .string(d.formatted(.iso8601))
    }

    static func ratio(_ r: Ratio) -> JSONValue {
        .object(["numerator": .int(r.numerator), "denominator": .int(r.denominator),
                 "basis_points": r.basisPoints.map(JSONValue.int) ?? .null])
    }

    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    static func customer(_ c: Customer) -> JSONValue {
        .object(["id": .int(c.id), "name": .string(c.name), "email": .string(c.email), "country": .string(c.country),
                 "vat_id": optional(c.vatID), "tax_exempt": .bool(c.taxExempt), "currency": .string(c.currency.code),
                 "affiliate_id": c.affiliateID.map(JSONValue.int) ?? .null, "created_at": date(c.createdAt), "demo": .bool(c.demo)])
    }

    static func subscription(_ s: Subscription) -> JSONValue {
        .object(["id": .int(s.id), "customer_id": .int(s.customerID), "plan_code": .string(s.planCode),
                 "price_id": .int(s.priceID), "status": .string(s.status.rawValue), "discount_bp": .int(s.discountBP),
                 "current_period_start": date(s.periodStart), "current_period_end": date(s.periodEnd),
                 "trial_end": date(s.trialEnd), "cancel_at_period_end": .bool(s.cancelAtPeriodEnd),
                 "canceled_at": date(s.canceledAt), "ended_at": date(s.endedAt),
                 "pending_plan_code": optional(s.pendingPlanCode), "past_due_since": date(s.pastDueSince),
                 "created_at": date(s.createdAt)])
    }

    static func invoice(_ i: Invoice) -> JSONValue {
        .object(["id": .int(i.id), "customer_id": .int(i.customerID), "subscription_id": i.subscriptionID.map(JSONValue.int) ?? .null,
                 "number": optional(i.number), "status": .string(i.status.rawValue),
                 "subtotal": money(i.subtotal), "tax": money(i.tax), "total": money(i.total),
                 "amount_paid": money(i.amountPaid), "amount_credited": money(i.amountCredited),
                 "amount_refunded": money(i.amountRefunded), "amount_due": money(i.amountDue),
                 "tax_bp": .int(i.taxBP), "reverse_charge": .bool(i.reverseCharge), "tax_note": .string(i.taxNote),
                 "period_start": date(i.periodStart), "period_end": date(i.periodEnd), "created_at": date(i.createdAt),
                 "finalized_at": date(i.finalizedAt), "due_at": date(i.dueAt), "demo": .bool(i.demo)])
    }

    static func line(_ l: InvoiceLine) -> JSONValue {
        .object(["kind": .string(l.kind.rawValue), "stream": .string(l.stream.rawValue), "description": .string(l.description),
                 "quantity": .int(l.quantity),
                 "unit_amount_micros": .object(["amount": .int(l.unitAmount.micros), "currency": .string(l.unitAmount.currency.code)]),
                 "amount": money(l.amount), "net": money(l.net), "tax": money(l.tax),
                 "period_start": date(l.periodStart), "period_end": date(l.periodEnd)])
    }

    static func creditNote(_ c: CreditNote) -> JSONValue {
        .object(["id": .int(c.id), "invoice_id": .int(c.invoiceID), "number": .string(c.number), "amount": money(c.amount),
                 "tax": money(c.tax), "reason": .string(c.reason), "created_at": date(c.createdAt)])
    }

    static func payment(_ p: Payment) -> JSONValue {
        .object(["id": .int(p.id), "invoice_id": .int(p.invoiceID), "kind": .string(p.kind.rawValue), "amount": money(p.amount),
                 "method": .string(p.method), "external_id": optional(p.externalID), "received_at": date(p.receivedAt)])
    }

    static func plan(_ p: Plan, price: PriceVersion?) -> JSONValue {
        .object(["code": .string(p.code), "name": .string(p.name), "tier": .int(Int64(p.tier)), "interval": .string(p.interval.rawValue),
                 "kind": .string(p.kind.rawValue), "metric": optional(p.metric),
                 "price": price.map { .object(["id": .int($0.id), "version": .int(Int64($0.version)), "amount": money($0.amount),
                                               "unit_amount_micros": .int($0.unitAmount.micros), "tax_inclusive": .bool($0.taxInclusive)]) } ?? .null,
                 "entitlements": entitlements(p.entitlements)])
    }

    static func entitlements(_ e: Entitlements) -> JSONValue {
        .object(["features": .array(e.features.map(JSONValue.string)), "api_requests_per_minute": .int(Int64(e.apiRequestsPerMinute)),
                 "generations_per_month": .int(Int64(e.generationsPerMonth)), "platforms": .int(Int64(e.platforms))])
    }

    static func commission(_ c: CommissionSale) -> JSONValue {
        .object(["id": .int(c.id), "stream": .string(c.stream.rawValue), "payee_id": .int(c.payeeID), "gross": money(c.gross),
                 "commission": money(c.commission), "payee_share": money(c.payeeShare), "occurred_at": date(c.occurredAt)])
    }

    static func event(_ e: BillingEvent) -> JSONValue {
        .object(["id": .int(e.id), "at": date(e.at), "type": .string(e.type), "customer_id": e.customerID.map(JSONValue.int) ?? .null,
                 "subscription_id": e.subscriptionID.map(JSONValue.int) ?? .null, "invoice_id": e.invoiceID.map(JSONValue.int) ?? .null,
                 "detail": .string(e.detail)])
    }

    static func month(_ m: MonthlyRevenue) -> JSONValue {
        var streams: [String: JSONValue] = [:]
        for (k, v) in m.revenueByStream { streams[k.rawValue] = money(v) }
        return .object([
            "month": .string(m.month), "start_mrr": money(m.startMRR), "end_mrr": money(m.endMRR), "arr": money(m.arr),
            "new": money(m.new), "expansion": money(m.expansion), "contraction": money(m.contraction),
            "churn": money(m.churn), "reactivation": money(m.reactivation), "net_new": money(m.netNew),
            "customers_start": .int(Int64(m.customersStart)), "customers_end": .int(Int64(m.customersEnd)),
            "new_customers": .int(Int64(m.newCustomers)), "churned_customers": .int(Int64(m.churnedCustomers)),
            "reactivated_customers": .int(Int64(m.reactivatedCustomers)),
            "logo_churn": ratio(m.logoChurn), "gross_revenue_churn": ratio(m.grossRevenueChurn),
            "net_revenue_churn": ratio(m.netRevenueChurn), "growth": ratio(m.growth),
            "arpa": money(m.arpa), "ltv": money(m.ltv), "marketing_spend": money(m.marketingSpend), "cac": money(m.cac),
            "revenue_by_stream": .object(streams), "total_revenue": money(m.totalRevenue),
            "non_recurring_revenue": money(m.nonRecurringRevenue),
        ])
    }

    static func projection(_ p: MRRProjection) -> JSONValue {
        .object(["target": money(p.target), "current": money(p.current), "slope_per_month": money(p.slopePerMonth),
                 "months_used": .int(Int64(p.monthsUsed)), "months_to_target": p.monthsToTarget.map { .int(Int64($0)) } ?? .null,
                 "target_month": optional(p.targetMonth), "next_12_months": .array(p.next12Months.map { money($0) })])
    }
}
