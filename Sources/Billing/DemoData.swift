import Foundation
import GRDB

/// Counts of demo rows seeded or removed.
public struct DemoSummary: Sendable, Equatable {
    /// Customers.
    public var customers = 0
    /// Subscriptions.
    public var subscriptions = 0
    /// Finalised invoices.
    public var invoices = 0
    /// Payments and refunds.
    public var payments = 0
    /// Usage events.
    public var usageEvents = 0
    /// Marketplace sales and sponsorship deals.
    public var commissionSales = 0
}

extension BillingStore {
    /// Prefix of every demo customer, payee and affiliate name, so the admin pages show what is demo.
    public static let demoLabel = "[Demo] "

    /// Whether demo billing data is present.
    public func hasDemoData() async throws -> Bool {
        try await writer.read { db in try db.int("SELECT 1 FROM billing_customers WHERE demo = 1 LIMIT 1") != nil }
    }

    /// Fills the store with a clearly labelled demo business: `months` of customers signing up (some on trials,
    /// annual plans, through an affiliate), upgrades, downgrades and churn, API usage, monthly billing runs,
    /// payments with some failures and dunning, marketplace sales, sponsorship deals, payouts and marketing spend.
    /// History is replayed day by day on a private clock ending now, through the same code paths as real data.
    /// Every row is marked `demo`; demo invoices use the `DEMO` series so real invoice numbers are untouched.
    /// Deterministic for a given `seed`.
    /// - Throws: `invalid_state` if demo data is already there.
    @discardableResult
    public func seedDemo(months: Int = 12, seed: UInt64 = 2026) async throws -> DemoSummary {
        guard (1...60).contains(months) else { throw BillingError(.invalidInput, "demo history must be 1–60 months", field: "months") }
        if try await hasDemoData() { throw BillingError(.invalidState, "demo data is already present; remove it first") }
        let end = clock.now()
        let start = BillingCalendar.adding(months: -months, to: BillingCalendar.startOfMonth(end))
        let demoClock = ManualBillingClock(start)
        let s = try with(clock: demoClock)
        var rng = DemoRandom(seed: seed)
        let affiliate = try await s.createAffiliate(name: Self.demoLabel + "Creator Podcast", code: "DEMO-PODCAST-\(seed)", rateBP: 1500, demo: true)
        let seller = try await s.createPayee(name: Self.demoLabel + "Preset Shop", kind: .seller, demo: true)
        let creator = try await s.createPayee(name: Self.demoLabel + "Travel Vlogger", kind: .creator, demo: true)
        let people = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis", "Radia", "Linus",
                      "Katherine", "John", "Hedy", "Tim", "Sophie", "Bjarne", "Anita", "Guido"]
        let countries: [(String, String, String?)] = [("US", "USD", nil), ("US", "USD", nil), ("CA", "USD", nil), ("GB", "USD", nil),
                                                      ("FR", "EUR", nil), ("DE", "EUR", nil), ("NL", "EUR", "NL123456789B01"), ("ES", "EUR", nil), ("IT", "EUR", "IT12345678901")]
        var subs: [Int64] = []
        var metered: [Int64] = []   // customer ids with the API plan
        var failedOnce = Set<Int64>()
        var summary = DemoSummary()
        let totalDays = Int((end.timeIntervalSince(start)) / 86_400)
        var customerNo = 0
        for d in 0..<totalDays {
            let dayStart = start.addingTimeInterval(TimeInterval(d * 86_400))
            demoClock.set(dayStart.addingTimeInterval(9 * 3600))
            if demoClock.now() > end { break }
            let monthKey = BillingCalendar.monthKey(dayStart)
            if BillingCalendar.startOfMonth(dayStart) == dayStart {
                // Marketing spend grows with the business; never overwrite a figure a user entered.
                let spend = Int64(150_000 + 25_000 * (d / 30))
                for currency in ["USD", "EUR"] {
                    try await writer.write { db in
                        try db.exec("INSERT INTO billing_marketing_spend(month, currency, amount_minor, demo) VALUES (?,?,?,1) ON CONFLICT DO NOTHING",
                                    [monthKey, currency, currency == "USD" ? spend : spend / 3])
                    }
                }
                for owed in try await s.payoutsOwed() {
                    if case .payee(let id) = owed.party, id == seller.id || id == creator.id {
                        try await s.recordPayout(to: owed.party, amount: owed.amount, reference: "demo payout \(monthKey)", demo: true)
                    } else if case .affiliate(let id) = owed.party, id == affiliate.id {
                        try await s.recordPayout(to: owed.party, amount: owed.amount, reference: "demo payout \(monthKey)", demo: true)
                    }
                }
            }
            // Sign-ups: about 0.4 a day at first, about 1.6 a day by the end.
            let perMille = 400 + 1200 * d / max(1, totalDays)
            var signups = perMille / 1000
            if rng.below(1000) < perMille % 1000 { signups += 1 }
            for _ in 0..<signups {
                customerNo += 1
                let (country, currency, vat) = countries[rng.below(countries.count)]
                let first = people[rng.below(people.count)]
                let referral = rng.below(10) == 0 ? ReferralClick(code: affiliate.code, clickedAt: demoClock.now().addingTimeInterval(-86_400 * Double(rng.below(20)))) : nil
                let c = try await s.createCustomer(NewCustomer(name: "\(Self.demoLabel)\(first) \(customerNo)", email: "demo+\(customerNo)@example.com",
                                                               country: country, currency: currency, vatID: vat, referral: referral), demo: true)
                summary.customers += 1
                let roll = rng.below(100)
                var plan = roll < 50 ? "starter" : roll < 80 ? "pro" : roll < 96 ? "business" : "white_label"
                if plan != "white_label" { plan += rng.below(100) < 15 ? "_annual" : "_monthly" }
                let sub = try await s.subscribe(customerID: c.id, planCode: plan, trialDays: rng.below(5) == 0 ? 14 : 0,
                                                discountBP: rng.below(10) == 0 ? 2000 : 0, demo: true)
                subs.append(sub.id)
                summary.subscriptions += 1
                if rng.below(10) == 0 {
                    subs.append(try await s.subscribe(customerID: c.id, planCode: "api_metered", trialDays: 0, discountBP: 0, demo: true).id)
                    metered.append(c.id)
                    summary.subscriptions += 1
                }
            }
            // Plan changes and churn among live subscriptions.
            for id in subs where rng.below(1000) < 8 {
                let sub = try await s.subscription(id: id)
                guard sub.status == .active, !sub.cancelAtPeriodEnd, sub.planCode != "api_metered" else { continue }
                let ladder = sub.planCode.hasSuffix("_annual") ? ["starter_annual", "pro_annual", "business_annual"]
                    : ["starter_monthly", "pro_monthly", "business_monthly", "white_label"]
                guard let i = ladder.firstIndex(of: sub.planCode) else { continue }
                let up = rng.below(100) < 70
                let target = up ? (i + 1 < ladder.count ? ladder[i + 1] : nil) : (i > 0 ? ladder[i - 1] : nil)
                if let target { _ = try await s.changePlan(subscriptionID: id, to: target) }
            }
            for id in subs where rng.below(1000) < 5 {
                let sub = try await s.subscription(id: id)
                if sub.status == .active || sub.status == .trialing, !sub.cancelAtPeriodEnd {
                    try await s.cancel(subscriptionID: id, atPeriodEnd: rng.below(3) != 0)
                }
            }
            // API usage, pre-aggregated per customer and day.
            if !metered.isEmpty {
                let events = metered.map { UsageEvent(eventID: "demo-\($0)-\(d)", customerID: $0, metric: "api_requests",
                                                      quantity: Int64(500 + rng.below(6000)), occurredAt: demoClock.now()) }
                summary.usageEvents += try await s.ingestUsage(events).accepted
            }
            for _ in 0..<rng.below(3) {
                _ = try await s.recordCommissionSale(stream: .marketplace, rateBP: configuration.marketplaceCommissionBP, payeeID: seller.id,
                                                     gross: Money(minor: Int64(500 + rng.below(7500)), currency: .usd), description: "\(Self.demoLabel)Preset pack",
                                                     externalID: nil, demo: true)
                summary.commissionSales += 1
            }
            if rng.below(12) == 0 {
                _ = try await s.recordCommissionSale(stream: .sponsorship, rateBP: configuration.sponsorshipCommissionBP, payeeID: creator.id,
                                                     gross: Money(minor: Int64(50_000 + rng.below(450_000)), currency: .usd), description: "\(Self.demoLabel)Sponsored video",
                                                     externalID: nil, demo: true)
                summary.commissionSales += 1
            }
            summary.invoices += try await s.runBilling().invoicesCreated
            // Collections: most invoices are paid the day after; some fail first and go through dunning.
            let open = try await writer.read { db in
                try db.rows("SELECT id FROM billing_invoices WHERE demo = 1 AND status = 'open' AND finalized_at <= ?", [demoClock.now().unixSeconds - 86_400]).map { $0["id"] as Int64 }
            }
            for id in open {
                let inv = try await s.invoice(id: id)
                if !failedOnce.contains(id) && rng.below(100) < 8 {
                    failedOnce.insert(id)
                    try await s.recordPaymentFailure(invoiceID: id, reason: "card declined (demo)")
                } else if !failedOnce.contains(id) || rng.below(100) < 30 {
                    try await s.recordPayment(invoiceID: id, amount: inv.amountDue, method: failedOnce.contains(id) ? "card retry" : "card")
                    summary.payments += 1
                }
            }
            try await s.processDunning()
        }
        return summary
    }

    /// Removes every demo row (customers, subscriptions, usage, invoices, credit notes, payments, ledger
    /// transactions, commissions, payouts, affiliates, marketing spend, events) in one transaction, leaving real
    /// data untouched, and rebuilds the monthly revenue rollup from the remaining ledger.
    @discardableResult
    public func removeDemo() async throws -> DemoSummary {
        try await writer.write { db in
            var s = DemoSummary()
            s.customers = Int(try db.int("SELECT COUNT(*) FROM billing_customers WHERE demo = 1") ?? 0)
            s.subscriptions = Int(try db.int("SELECT COUNT(*) FROM billing_subscriptions WHERE demo = 1") ?? 0)
            s.invoices = Int(try db.int("SELECT COUNT(*) FROM billing_invoices WHERE demo = 1") ?? 0)
            s.payments = Int(try db.int("SELECT COUNT(*) FROM billing_payments WHERE demo = 1") ?? 0)
            s.usageEvents = Int(try db.int("SELECT COUNT(*) FROM billing_usage_events WHERE customer_id IN (SELECT id FROM billing_customers WHERE demo = 1)") ?? 0)
            s.commissionSales = Int(try db.int("SELECT COUNT(*) FROM billing_commission_sales WHERE demo = 1") ?? 0)
            try db.execute(sql: """
                DELETE FROM billing_ledger_entries WHERE transaction_id IN (SELECT id FROM billing_ledger_transactions WHERE demo = 1);
                DELETE FROM billing_ledger_transactions WHERE demo = 1;
                DELETE FROM billing_payments WHERE demo = 1;
                DELETE FROM billing_credit_notes WHERE demo = 1;
                DELETE FROM billing_invoice_lines WHERE invoice_id IN (SELECT id FROM billing_invoices WHERE demo = 1);
                DELETE FROM billing_pending_items WHERE subscription_id IN (SELECT id FROM billing_subscriptions WHERE demo = 1);
                DELETE FROM billing_invoices WHERE demo = 1;
                DELETE FROM billing_invoice_counters WHERE series IN ('DEMO', 'DEMOCN');
                DELETE FROM billing_mrr_changes WHERE demo = 1;
                DELETE FROM billing_mrr_current WHERE demo = 1;
                DELETE FROM billing_usage_events WHERE customer_id IN (SELECT id FROM billing_customers WHERE demo = 1);
                DELETE FROM billing_subscriptions WHERE demo = 1;
                DELETE FROM billing_referrals WHERE customer_id IN (SELECT id FROM billing_customers WHERE demo = 1)
                  OR affiliate_id IN (SELECT id FROM billing_affiliates WHERE demo = 1);
                UPDATE billing_customers SET affiliate_id = NULL WHERE demo = 0 AND affiliate_id IN (SELECT id FROM billing_affiliates WHERE demo = 1);
                DELETE FROM billing_events WHERE demo = 1 OR customer_id IN (SELECT id FROM billing_customers WHERE demo = 1);
                DELETE FROM billing_customers WHERE demo = 1;
                DELETE FROM billing_commission_sales WHERE demo = 1;
                DELETE FROM billing_payouts WHERE demo = 1;
                DELETE FROM billing_payees WHERE demo = 1;
                DELETE FROM billing_affiliates WHERE demo = 1;
                DELETE FROM billing_marketing_spend WHERE demo = 1;
                DELETE FROM billing_revenue_monthly;
                INSERT INTO billing_revenue_monthly(month, currency, stream, net_minor)
                  SELECT strftime('%Y-%m', t.at, 'unixepoch'), e.currency, substr(e.account, 9), SUM(e.credit_minor) - SUM(e.debit_minor)
                  FROM billing_ledger_entries e JOIN billing_ledger_transactions t ON t.id = e.transaction_id
                  WHERE e.account LIKE 'revenue:%' GROUP BY 1, 2, 3;
                """)
            return s
        }
    }
}

/// SplitMix64 for reproducible demo data.
struct DemoRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}
