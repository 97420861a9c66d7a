import Billing
import BillingAPI
import Foundation
import HTTP
import Testing

@Suite struct ScheduleAndSettingsTests {
    @Test func scheduledPassBillsEndedPeriodsOnceAndFeedsTheGauges() async throws {
        let h = try BillingAPIHarness()
        try await h.seedCatalogue()
        let c = await h.customer("Ada")
        _ = await h.call(.POST, "/api/v1/billing/subscriptions", body: #"{"customer_id": \#(c), "plan_code": "pro_monthly"}"#)
        let before = try await h.service.revenueFigures()
        #expect(before.mrr == Money(minor: 9900, currency: .usd))
        #expect(before.activeCustomers == 1)
        #expect(try await h.service.runScheduledBilling().changedAnything == false, "nothing has ended yet")
        h.clock.advance(days: 32)
        let first = try await h.service.runScheduledBilling()
        #expect(first.run.invoicesCreated == 1)
        #expect(first.changedAnything)
        #expect(try await h.service.runScheduledBilling().run.invoicesCreated == 0, "a second pass finds nothing due")
        let after = try await h.service.revenueFigures()
        #expect(after.totalRevenue.minor >= 9900, "the invoiced period is revenue: \(after.totalRevenue)")
    }

    @Test func settingsReadKeysAndNameTheBadOne() throws {
        let values: [String: JSONValue] = [
            "billing.seller.name": .string("Ada Media LLC"), "billing.seller.country": .string("de"),
            "billing.seller.address": .array([.string("Hauptstr. 1"), .string("Berlin")]),
            "billing.stripe_webhook_secret": .string("whsec_x"), "billing.dunning.retry_days": .string("2, 4"),
            "billing.dunning.final_state": .string("canceled"), "billing.run_interval_seconds": .int(600),
        ]
        let s = try BillingSettings.make(dataDirectory: "/var/lib/studio", dataFilesDirectory: "/share/data") { values[$0] }
        #expect(s.databasePath == "/var/lib/studio/billing.sqlite3")
        #expect(s.configuration.seller.country == "DE")
        #expect(s.configuration.seller.address == ["Hauptstr. 1", "Berlin"])
        #expect(s.configuration.dunning.retryDays == [2, 4])
        #expect(s.configuration.dunning.finalState == .canceled)
        #expect(s.stripeWebhookSecret == "whsec_x")
        #expect(s.runIntervalSeconds == 600)
        #expect(s.plansPath == "/share/data/plans.json")
        for (key, bad) in [("billing.dunning.final_state", JSONValue.string("deleted")), ("billing.run_interval_seconds", .int(5)),
                           ("billing.seller.country", .string("Germany")), ("billing.payment_terms_days", .string("soon"))] {
            var broken = values
            broken[key] = bad
            #expect(throws: BillingError.self) { try BillingSettings.make(dataDirectory: "/d", dataFilesDirectory: "/x") { broken[$0] } }
            do { _ = try BillingSettings.make(dataDirectory: "/d", dataFilesDirectory: "/x") { broken[$0] } } catch let e as BillingError {
                #expect(e.field == key)
            }
        }
    }
}
