import Billing
import Foundation
import Testing

/// Hand-computed fixtures: every expected figure below is worked out in the comments, not read back from the code.
@Suite struct RevenueAnalyticsTests {
    @Test func mrrMovementsChurnLTVAndCACMatchHandComputation() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        func at(_ d: Int) async throws { clock.set(day(d)); try await store.runBilling() }
        let a = try await customer(store, "A"), b = try await customer(store, "B"), c = try await customer(store, "C")
        let d = try await customer(store, "D"), e = try await customer(store, "E")

        // January: A Starter 29.00 (Jan 5), B Pro 99.00 (Jan 10), C Business annual 2 990.00 ÷ 12 = 249.1666… → 249.17 (Jan 20)
        try await at(4);  let sa = try await store.subscribe(customerID: a.id, planCode: "starter_monthly")
        try await at(9);  let sb = try await store.subscribe(customerID: b.id, planCode: "pro_monthly")
        try await at(19); let sc = try await store.subscribe(customerID: c.id, planCode: "business_annual")
        // February: D Pro with 20 % off = 79.20 (Feb 3); A upgrades to Pro (Feb 10, +70.00); B schedules a downgrade
        // to Starter (Feb 15, effective at B's period end Mar 10); C cancels at once (Feb 25, −249.17).
        try await at(33); _ = try await store.subscribe(customerID: d.id, planCode: "pro_monthly", discountBP: 2000)
        try await at(40); _ = try await store.changePlan(subscriptionID: sa.id, to: "pro_monthly")
        try await at(45); _ = try await store.changePlan(subscriptionID: sb.id, to: "starter_monthly")
        try await at(55); try await store.cancel(subscriptionID: sc.id, atPeriodEnd: false)
        // March: B's downgrade lands Mar 10 (−70.00); C comes back on Starter Mar 15 (+29.00, reactivation);
        // A asks to cancel at period end on Mar 20 (A's period runs Mar 5 → Apr 5, so A churns in April).
        try await at(68)
        try await at(73); _ = try await store.subscribe(customerID: c.id, planCode: "starter_monthly")
        try await at(78); try await store.cancel(subscriptionID: sa.id, atPeriodEnd: true)
        // April: E starts a 14-day Pro trial Apr 1 (0 MRR) and converts Apr 15 (+99.00 new); A ends Apr 5 (−99.00).
        try await at(90); _ = try await store.subscribe(customerID: e.id, planCode: "pro_monthly", trialDays: 14)
        try await store.setMarketingSpend(month: "2026-03", amount: usd(50_000))
        try await store.setMarketingSpend(month: "2026-04", amount: usd(100_000))
        try await at(119)                                                     // Apr 30

        let report = try await store.revenueReport(currency: .usd)
        #expect(report.months.map(\.month) == ["2026-01", "2026-02", "2026-03", "2026-04"])
        let jan = report.months[0], feb = report.months[1], mar = report.months[2], apr = report.months[3]

        // Jan: 0 → 2900 + 9900 + 24917 = 37717, all new.
        #expect(jan.startMRR == usd(0) && jan.endMRR == usd(37_717))
        #expect(jan.new == usd(37_717) && jan.newCustomers == 3 && jan.customersEnd == 3)
        #expect(jan.logoChurn.basisPoints == nil)                              // no customers at the start

        // Feb: 37717 + 7920 new + 7000 expansion − 24917 churn = 27720 (A 9900 + B 9900 + D 7920)
        #expect(feb.startMRR == usd(37_717) && feb.endMRR == usd(27_720))
        #expect(feb.new == usd(7920) && feb.expansion == usd(7000) && feb.churn == usd(24_917))
        #expect(feb.contraction == usd(0) && feb.reactivation == usd(0))
        #expect(feb.netNew == usd(-9997))                                      // 7920 + 7000 − 24917
        #expect(feb.customersStart == 3 && feb.churnedCustomers == 1 && feb.customersEnd == 3)
        #expect(feb.logoChurn == Ratio(1, 3) && feb.logoChurn.basisPoints == 3333)
        #expect(feb.grossRevenueChurn.basisPoints == 6606)                    // 24917 / 37717 = 0.660630…

        // Mar: 27720 − 7000 contraction + 2900 reactivation = 23620
        #expect(mar.contraction == usd(7000) && mar.reactivation == usd(2900) && mar.new == usd(0))
        #expect(mar.endMRR == usd(23_620) && mar.reactivatedCustomers == 1 && mar.customersEnd == 4)
        #expect(mar.netRevenueChurn.basisPoints == 1479)                      // (7000 − 2900) / 27720 = 0.147907…
        #expect(mar.cac == nil)                                               // spend but no new customer

        // Apr: 23620 − 9900 churn (A) + 9900 new (E) = 23620; 4 customers: B 2900, C 2900, D 7920, E 9900
        #expect(apr.churn == usd(9900) && apr.new == usd(9900) && apr.endMRR == usd(23_620))
        #expect(apr.customersStart == 4 && apr.churnedCustomers == 1 && apr.customersEnd == 4)
        #expect(apr.arpa == usd(5905))                                       // 23620 / 4
        // LTV = ARPA ÷ trailing churn rate; Jan–Apr churned 0+1+0+1 = 2 of 0+3+3+4 = 10 starting customers
        // → 5905 × 10 / 2 = 29525
        #expect(apr.ltv == usd(29_525))
        #expect(apr.cac == usd(100_000))                                      // 1 000.00 spend / 1 new customer
        #expect(apr.arr == usd(283_440))                                      // 23620 × 12
        #expect(report.mrr == usd(23_620) && report.activeCustomers == 4)
        let now = try await store.currentMRR(currency: .usd)
        #expect(now.mrr == usd(23_620) && now.customers == 4)

        // Cohorts: Jan {A, B, C} paying at the end of Jan 3, Feb 2 (C left), Mar 3 (C back), Apr 2 (A left);
        // Feb {D} stays; Apr {E}.
        #expect(report.cohorts == [Cohort(month: "2026-01", size: 3, retained: [3, 2, 3, 2]),
                                   Cohort(month: "2026-02", size: 1, retained: [1, 1, 1]),
                                   Cohort(month: "2026-04", size: 1, retained: [1])])
        for m in report.months {   // the movement identity holds every month
            #expect(m.endMRR.minor == m.startMRR.minor + m.netNew.minor)
        }
        #expect(try await store.check().ok)
    }

    @Test func projectionFollowsTheRecentTrendToTheTarget() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        // One new Pro customer on the 1st of each month, Jan–Jun: month-end MRR 99, 198, …, 594 (slope 99.00/month).
        for m in 1...6 {
            clock.set(day(0, month: m))
            try await store.runBilling()
            let c = try await customer(store, "P\(m)")
            _ = try await store.subscribe(customerID: c.id, planCode: "pro_monthly")
        }
        clock.set(day(29, month: 6))
        let p = try await store.revenueReport(currency: .usd).projection
        #expect(p.current == usd(59_400) && p.slopePerMonth == usd(9900) && p.monthsUsed == 6)
        // (10 000 000 − 59 400) / 9 900 = 1004.1 → 1005 months after June 2026 = March 2110
        #expect(p.monthsToTarget == 1005 && p.targetMonth == "2110-03")
        #expect(p.next12Months.first == usd(69_300) && p.next12Months.last == usd(59_400 + 12 * 9900))
        let reached = try await store.revenueReport(currency: .usd, target: usd(50_000)).projection
        #expect(reached.monthsToTarget == 0)
    }

    @Test func nonRecurringRevenueIsReportedByStream() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store)
        _ = try await store.subscribe(customerID: c.id, planCode: "api_metered")
        _ = try await store.subscribe(customerID: c.id, planCode: "starter_monthly")
        clock.set(day(10))
        try await store.ingestUsage((0..<2500).map { UsageEvent(eventID: "u\($0)", customerID: c.id, metric: "api_requests", occurredAt: day(5)) })
        let seller = try await store.createPayee(name: "Shop", kind: .seller)
        _ = try await store.recordMarketplaceSale(payeeID: seller.id, gross: usd(10_000), description: "Pack")
        let draft = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Onboarding", amount: usd(15_000))])
        _ = try await store.finalize(invoiceID: draft.id)
        clock.set(day(31))
        try await store.runBilling()
        let report = try await store.revenueReport(currency: .usd)
        let jan = report.months[0], feb = report.months[1]
        #expect(jan.revenueByStream == [.marketplace: usd(3000), .oneOff: usd(15_000)])   // 30 % of 100.00; the onboarding fee
        #expect(feb.revenueByStream == [.usage: usd(250), .subscription: usd(2900)])      // 2 500 × 0.001; Starter, invoiced Feb 1
        #expect(feb.nonRecurringRevenue == usd(250) && feb.totalRevenue == usd(3150))
        #expect(jan.endMRR == usd(2900))                                                  // usage and one-offs are not MRR
    }
}
