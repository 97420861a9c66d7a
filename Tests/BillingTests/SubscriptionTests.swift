import Billing
import Foundation
import Testing

@Suite struct SubscriptionTests {
    @Test func catalogueIsSeededFromPlansJSONAndVersionsPrices() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let plans = try await store.plans()
        #expect(Set(plans.map(\.code)) == ["starter_monthly", "starter_annual", "pro_monthly", "pro_annual", "business_monthly",
                                           "business_annual", "white_label", "api_metered"])
        #expect(try await store.currentPrice(planCode: "starter_monthly", currency: .usd).amount == usd(2900))
        #expect(try await store.currentPrice(planCode: "pro_monthly", currency: .usd).amount == usd(9900))
        #expect(try await store.currentPrice(planCode: "business_monthly", currency: .usd).amount == usd(29900))
        #expect(try await store.currentPrice(planCode: "white_label", currency: .usd).amount == usd(99900))
        #expect(try await store.currentPrice(planCode: "api_metered", currency: .usd).unitAmount.micros == 1000)
        // Seeding the same file again creates no new versions.
        #expect(try await store.seedCatalogue(try CatalogueFile.load(path: dataPath("plans.json"))) == 0)

        let c = try await customer(store)
        let old = try await store.subscribe(customerID: c.id, planCode: "starter_monthly")
        clock.advance(days: 3)
        let v2 = try await store.changePrice(planCode: "starter_monthly", amount: usd(3900))
        #expect(v2.version == 2)
        let c2 = try await customer(store, "Bob")
        let new = try await store.subscribe(customerID: c2.id, planCode: "starter_monthly")
        #expect(new.priceID == v2.id)
        #expect(try await store.subscription(id: old.id).priceID == old.priceID)  // the existing price is untouched
        clock.set(day(34))  // Feb 4: both first periods (Jan 1 → Feb 1 and Jan 4 → Feb 4) have ended
        try await store.runBilling()
        #expect(try await store.invoices(customerID: c.id).map(\.total) == [usd(2900)])
        #expect(try await store.invoices(customerID: c2.id).map(\.total) == [usd(3900)])
        #expect(try await store.priceHistory(planCode: "starter_monthly").filter { $0.amount.currency == .usd }.map(\.amount) == [usd(2900), usd(3900)])
    }

    @Test func upgradeIsProratedAndDowngradeWaitsForPeriodEnd() async throws {
        let clock = ManualBillingClock(day(0))                  // 2026-01-01
        let store = try await makeStore(clock: clock)
        let c = try await customer(store)
        let sub = try await store.subscribe(customerID: c.id, planCode: "starter_monthly")
        #expect(sub.periodEnd == day(31))                        // 2026-02-01
        clock.set(day(15))                                       // Jan 16: 16 of 31 days remain
        let up = try await store.changePlan(subscriptionID: sub.id, to: "pro_monthly")
        #expect(up.kind == .upgrade)
        // (9900 − 2900) × 16/31 = 3612.90… → 3613 cents
        #expect(up.proratedCharge == usd(3613))
        #expect(try await store.entitlements(customerID: c.id).entitlements.apiRequestsPerMinute == 300)   // Pro, at once

        clock.set(day(31))
        try await store.runBilling()
        let first = try #require(try await store.invoices(customerID: c.id).first)
        let lines = try await store.lines(invoiceID: first.id)
        #expect(lines.map(\.kind) == [.plan, .proration])
        #expect(lines.map(\.amount) == [usd(2900), usd(3613)])   // January at Starter, plus the upgrade
        #expect(first.total == usd(6513))

        clock.set(day(40))
        let down = try await store.changePlan(subscriptionID: sub.id, to: "starter_monthly")
        #expect(down.kind == .downgrade)
        #expect(down.proratedCharge == usd(0))
        #expect(try await store.subscription(id: sub.id).planCode == "pro_monthly")   // still Pro until Mar 1
        clock.set(day(59))                                                            // 2026-03-01
        try await store.runBilling()
        #expect(try await store.invoices(customerID: c.id).map(\.total) == [usd(6513), usd(9900)])
        #expect(try await store.subscription(id: sub.id).planCode == "starter_monthly")
        clock.set(day(90))                                                            // 2026-04-01
        try await store.runBilling()
        #expect(try await store.invoices(customerID: c.id).map(\.total) == [usd(6513), usd(9900), usd(2900)])
        #expect(try await store.check().ok)
    }

    @Test func cancellationAtPeriodEndAndNow() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let a = try await customer(store, "Ann"), b = try await customer(store, "Ben")
        let sa = try await store.subscribe(customerID: a.id, planCode: "starter_monthly")
        let sb = try await store.subscribe(customerID: b.id, planCode: "starter_monthly")
        clock.set(day(10))                                       // Jan 11
        try await store.cancel(subscriptionID: sa.id, atPeriodEnd: true)
        let ended = try await store.cancel(subscriptionID: sb.id, atPeriodEnd: false)
        #expect(ended.status == .canceled)
        #expect(try await store.entitlements(customerID: b.id).entitlements == .none)
        #expect(try await store.entitlements(customerID: a.id).planCodes == ["starter_monthly"])  // until period end
        try await store.runBilling()
        // Ben used 10 of 31 days: 2900 × 10/31 = 935.48… → 935
        #expect(try await store.invoices(customerID: b.id).map(\.total) == [usd(935)])
        clock.set(day(31))
        try await store.runBilling()
        #expect(try await store.invoices(customerID: a.id).map(\.total) == [usd(2900)])
        #expect(try await store.subscription(id: sa.id).status == .canceled)
        clock.set(day(90))
        let report = try await store.runBilling()
        #expect(report.invoicesCreated == 0)

        do {
            _ = try await store.changePlan(subscriptionID: sa.id, to: "pro_monthly")
            Issue.record("plan change on a canceled subscription was accepted")
        } catch let e as BillingError {
            #expect(e.code == .subscriptionCanceled)
        }
        await #expect(throws: BillingError.self) { try await store.cancel(subscriptionID: sb.id, atPeriodEnd: false) }
    }

    @Test func trialIsFreeAndConvertsAtItsEnd() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store)
        let s = try await store.subscribe(customerID: c.id, planCode: "pro_monthly", trialDays: 14)
        #expect(s.status == .trialing)
        #expect(try await store.entitlements(customerID: c.id).planCodes == ["pro_monthly"])
        clock.set(day(14))
        let r1 = try await store.runBilling()
        #expect(r1.trialsEnded == 1 && r1.invoicesCreated == 0)
        let active = try await store.subscription(id: s.id)
        #expect(active.status == .active && active.periodStart == day(14) && active.periodEnd == day(45))  // Jan 15 → Feb 15
        clock.set(day(45))
        try await store.runBilling()
        #expect(try await store.invoices(customerID: c.id).map(\.total) == [usd(9900)])
    }

    @Test func badInputIsRejectedWithClearErrors() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        func code(_ body: () async throws -> Void) async -> BillingError.Code? {
            do { try await body(); return nil } catch let e as BillingError { return e.code } catch { return nil }
        }
        #expect(await code { _ = try await customer(store, "X", currency: "XYZ") } == .unknownCurrency)
        #expect(await code { _ = try await customer(store, "Y", country: "France") } == .invalidInput)
        #expect(await code { _ = try await store.createCustomer(NewCustomer(name: "Z", email: "nope", country: "FR", currency: "EUR")) } == .invalidInput)
        let c = try await customer(store)
        #expect(await code { _ = try await store.subscribe(customerID: c.id, planCode: "gold") } == .notFound)
        #expect(await code { _ = try await store.subscribe(customerID: 999, planCode: "pro_monthly") } == .notFound)
        let jp = try await customer(store, "Jun", country: "JP", currency: "JPY")
        #expect(await code { _ = try await store.subscribe(customerID: jp.id, planCode: "pro_monthly") } == .currencyMismatch)
        #expect(await code { _ = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Setup", amount: eur(5000))]) } == .currencyMismatch)
        #expect(await code { _ = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Setup", amount: usd(-5))]) } == .negativeAmount)
        #expect(await code { _ = try await store.createDraftInvoice(customerID: c.id, items: []) } == .invalidInput)
        // Mixed currencies on one invoice: the whole draft is refused, nothing is written.
        #expect(await code {
            _ = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "A", amount: usd(100)), ChargeItem(description: "B", amount: eur(100))])
        } == .currencyMismatch)
        #expect(try await store.invoices(customerID: c.id).isEmpty)
        #expect(await code { _ = try await store.ingestUsage([UsageEvent(eventID: "e", customerID: c.id, metric: "api_requests", quantity: -1, occurredAt: day(0))]) } == .negativeAmount)
        #expect(await code { _ = try await store.ingestUsage([UsageEvent(eventID: "e", customerID: 4242, metric: "api_requests", occurredAt: day(0))]) } == .notFound)
        let s = try await store.subscribe(customerID: c.id, planCode: "pro_monthly")
        #expect(await code { _ = try await store.changePlan(subscriptionID: s.id, to: "pro_annual") } == .invalidInput)
        #expect(await code { _ = try await store.subscribe(customerID: c.id, planCode: "pro_monthly", discountBP: 12_000) } == .invalidInput)
    }
}
