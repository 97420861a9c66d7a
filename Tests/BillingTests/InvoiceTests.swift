@testable import Billing
import Foundation
import Testing

@Suite struct InvoiceTests {
    @Test func taxByCountryReverseChargeExemptionAndInclusivePrices() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let fr = try await customer(store, "Fleur", country: "FR", currency: "EUR")
        let frBiz = try await customer(store, "Société", country: "FR", currency: "EUR", vat: "FR12345678901")
        let deBiz = try await customer(store, "GmbH", country: "DE", currency: "EUR", vat: "DE987654321")
        let uk = try await customer(store, "Hugh", country: "GB", currency: "EUR")
        let charity = try await customer(store, "Charity", country: "FR", currency: "EUR", exempt: true)
        let us = try await customer(store, "Sam", country: "US", currency: "USD")
        for c in [fr, frBiz, deBiz, uk, charity, us] {
            _ = try await store.subscribe(customerID: c.id, planCode: "starter_monthly")
        }
        clock.set(day(31))
        try await store.runBilling()
        func inv(_ c: Customer) async throws -> Invoice { try #require(try await store.invoices(customerID: c.id).first) }
        // 2900 × 20 % = 580
        let frInvoice = try await inv(fr)
        #expect(frInvoice.tax == eur(580) && frInvoice.total == eur(3480))
        // EU business in another member state than the seller (DE): reverse charge, 0 %, with the legal mention
        let rc = try await inv(frBiz)
        #expect(rc.tax == eur(0) && rc.reverseCharge && rc.taxNote.contains("Article 196"))
        // Same country as the seller: German VAT 19 %: 2900 × 0.19 = 551
        let deInvoice = try await inv(deBiz)
        #expect(deInvoice.tax == eur(551) && !deInvoice.reverseCharge)
        #expect(try await inv(uk).tax == eur(580))             // UK VAT 20 %
        #expect(try await inv(charity).tax == eur(0))
        #expect(try await inv(us).tax == usd(0))                // default rate 0 for unlisted countries

        // A tax-inclusive price version: 29.00 gross in France = 24.17 net + 4.83 VAT (2900 ÷ 1.2 = 2416.67 → 2417)
        _ = try await store.changePrice(planCode: "pro_monthly", amount: eur(2900), taxInclusive: true)
        let fr2 = try await customer(store, "Fanny", country: "FR", currency: "EUR")
        _ = try await store.subscribe(customerID: fr2.id, planCode: "pro_monthly")
        clock.set(day(59))
        try await store.runBilling()
        let incl = try await inv(fr2)
        #expect(incl.subtotal == eur(2417) && incl.tax == eur(483) && incl.total == eur(2900))
        #expect(try await store.check().ok)
    }

    @Test func usageIsBilledInArrearsIdempotentlyByEventID() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store)
        _ = try await store.subscribe(customerID: c.id, planCode: "api_metered")
        clock.set(day(30))
        var events: [UsageEvent] = []
        for i in 0..<12_345 { events.append(UsageEvent(eventID: "req-\(i)", customerID: c.id, metric: "api_requests", occurredAt: day(1 + i % 29))) }
        let first = try await store.ingestUsage(events)
        #expect(first == UsageIngestResult(accepted: 12_345, duplicates: 0))
        let again = try await store.ingestUsage(Array(events[0..<100]))   // a retried batch
        #expect(again == UsageIngestResult(accepted: 0, duplicates: 100))
        #expect(try await store.usage(customerID: c.id, metric: "api_requests", from: day(0), to: day(31)) == 12_345)
        await #expect(throws: BillingError.self) {   // more than 5 minutes ahead of the clock
            try await store.ingestUsage([UsageEvent(eventID: "future", customerID: c.id, metric: "api_requests", occurredAt: day(30).addingTimeInterval(301))])
        }
        clock.set(day(31))
        try await store.runBilling()
        let inv = try #require(try await store.invoices(customerID: c.id).first)
        let line = try #require(try await store.lines(invoiceID: inv.id).first)
        #expect(line.kind == .usage && line.quantity == 12_345)
        #expect(line.amount == usd(1234))   // 12 345 × $0.001 = $12.345 → half-even → $12.34
    }

    @Test func billingRunIsIdempotentAndSurvivesAnInterruption() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock, file: true) { $0.billingRunBatchSize = 5 }
        for i in 0..<20 {
            let c = try await customer(store, "C\(i)")
            _ = try await store.subscribe(customerID: c.id, planCode: i % 2 == 0 ? "starter_monthly" : "pro_monthly")
        }
        clock.set(day(31))
        // Crash in the second batch after the 7th invoice: batch 1 (5 invoices) is committed, batch 2 rolls back whole.
        await #expect(throws: BillingError.self) { _ = try await store.runBilling(interruptAfter: 7) }
        #expect(try await store.invoices(limit: 1000).count == 5)
        let midway = try await store.check()
        #expect(midway.ok, "\(midway.problems)")
        let rest = try await store.runBilling()
        #expect(rest.invoicesCreated == 15)
        let again = try await store.runBilling()
        #expect(again.invoicesCreated == 0)
        let all = try await store.invoices(limit: 1000)
        #expect(all.count == 20)
        #expect(all.compactMap(\.number).sorted() == (1...20).map { "INV-2026-" + String(format: "%06d", $0) })
        #expect(try await store.check().ok)
    }

    @Test func concurrentFinalisationGivesGaplessUniqueNumbers() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock, file: true)
        let c = try await customer(store)
        var drafts: [Int64] = []
        for i in 0..<120 {
            drafts.append(try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Item \(i)", amount: usd(100 + Int64(i)))]).id)
        }
        // Every draft is finalised twice, concurrently: one attempt wins, the other fails and must not burn a number.
        let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
            for id in drafts + drafts {
                group.addTask { try? await store.finalize(invoiceID: id).number }
            }
            var out: [String] = []
            for try await n in group { if let n { out.append(n) } }
            return out
        }
        #expect(numbers.count == 120)
        #expect(Set(numbers).count == 120)
        #expect(numbers.sorted() == (1...120).map { "INV-2026-" + String(format: "%06d", $0) })
        // A new year restarts the series.
        clock.set(day(0, year: 2027))
        let next = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "x", amount: usd(1))])
        #expect(try await store.finalize(invoiceID: next.id).number == "INV-2027-000001")
        #expect(try await store.check().ok)
    }

    @Test func finalisedInvoicesAreImmutableAndVoidedByCreditNote() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store, "Fleur", country: "FR", currency: "EUR")
        let draft = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Workshop", amount: eur(10_000))])
        #expect(draft.number == nil && draft.status == .draft)
        let inv = try await store.finalize(invoiceID: draft.id)
        #expect(inv.total == eur(12_000))
        await #expect(throws: BillingError.self) { try await store.deleteDraft(invoiceID: inv.id) }
        await #expect(throws: BillingError.self) { _ = try await store.finalize(invoiceID: inv.id) }
        let note = try await store.voidInvoice(invoiceID: inv.id, reason: "ordered by mistake")
        #expect(note.number == "CN-2026-000001" && note.amount == eur(12_000) && note.tax == eur(2000))
        let voided = try await store.invoice(id: inv.id)
        #expect(voided.status == .void && voided.amountDue == eur(0) && voided.number == inv.number)
        await #expect(throws: BillingError.self) { try await store.recordPayment(invoiceID: inv.id, amount: eur(100)) }
        #expect(try await store.check().ok)
    }
}

@Suite struct InvoiceHTMLTests {
    @Test func printableInvoiceShowsSellerCustomerLinesTaxAndEscapesText() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store, "Société <Test>", country: "FR", currency: "EUR", vat: "FR12345678901")
        let draft = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Workshop & setup", amount: eur(12_345))])
        let draftHTML = try await store.invoiceHTML(invoiceID: draft.id)
        #expect(draftHTML.contains("DRAFT"))
        let inv = try await store.finalize(invoiceID: draft.id)
        let html = try await store.invoiceHTML(invoiceID: inv.id)
        #expect(html.contains("Invoice INV-2026-000001"))
        #expect(html.contains("Studio GmbH") && html.contains("DE123456789"))           // seller from configuration
        #expect(html.contains("Société &lt;Test&gt;") && !html.contains("<Test>"))     // escaped
        #expect(html.contains("Workshop &amp; setup") && html.contains("123.45"))
        #expect(html.contains("Article 196"))                                          // reverse charge mention
        #expect(html.contains("@media print"))
    }
}
