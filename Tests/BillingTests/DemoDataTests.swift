import Billing
import Foundation
import Testing

@Suite struct DemoDataTests {
    @Test func demoSeedsTwelveMonthsAndRemovesCleanly() async throws {
        let clock = ManualBillingClock(day(0, month: 6))   // 2026-06-01
        let store = try await makeStore(clock: clock)
        // Some real data first: it must survive the demo's removal untouched.
        let real = try await customer(store, "Real", country: "FR", currency: "EUR")
        _ = try await store.subscribe(customerID: real.id, planCode: "pro_monthly")
        let draft = try await store.createDraftInvoice(customerID: real.id, items: [ChargeItem(description: "Setup", amount: eur(5000))])
        let realInvoice = try await store.finalize(invoiceID: draft.id)
        try await store.setMarketingSpend(month: "2026-05", amount: usd(77_700))
        let before = try await store.revenueReport(currency: .eur)
        let beforeBalance = try await store.trialBalance()

        let summary = try await store.seedDemo(months: 4, seed: 7)   // the daemon seeds 12; 4 keep the debug test quick
        #expect(summary.customers > 40 && summary.invoices > 60 && summary.payments > 50 && summary.usageEvents > 0 && summary.commissionSales > 40)
        let check = try await store.check()
        #expect(check.ok, "\(check.problems)")
        let report = try await store.revenueReport(currency: .usd)
        #expect(report.months.count >= 5)
        #expect(report.months.suffix(4).allSatisfy { $0.endMRR.minor > 0 })
        // The demo's marketing spend never overwrites a figure the user entered.
        #expect(report.months.first { $0.month == "2026-05" }?.marketingSpend == usd(77_700))
        #expect(report.months.first { $0.month == "2026-04" }?.marketingSpend != nil)
        #expect(report.months.contains { $0.churn.minor > 0 } && report.months.contains { $0.expansion.minor > 0 })
        #expect(report.months.contains { $0.revenueByStream[.usage] != nil && $0.revenueByStream[.marketplace] != nil })
        #expect(report.mrr.minor > 100_000)
        let demoCustomers = try await store.customers(limit: 1000).filter(\.demo)
        #expect(demoCustomers.allSatisfy { $0.name.hasPrefix(BillingStore.demoLabel) })
        #expect(try await store.invoices(limit: 1000).filter(\.demo).allSatisfy { $0.number?.hasPrefix("DEMO-") ?? true })
        await #expect(throws: BillingError.self) { try await store.seedDemo() }
        #expect(try await store.invoice(id: realInvoice.id).number == "INV-2026-000001")

        let removed = try await store.removeDemo()
        #expect(removed == summary || removed.customers == summary.customers)
        #expect(try await store.hasDemoData() == false)
        #expect(try await store.customers(limit: 1000).map(\.id) == [real.id])
        #expect(try await store.invoice(id: realInvoice.id) == realInvoice)
        #expect(try await store.revenueReport(currency: .eur) == before)
        #expect(try await store.trialBalance() == beforeBalance)
        #expect(try await store.marketingSpend(currency: .usd) == ["2026-05": usd(77_700)])
        #expect(try await store.check().ok)
    }
}
