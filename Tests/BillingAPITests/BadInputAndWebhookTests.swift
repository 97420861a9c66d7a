import Billing
import BillingAPI
import Foundation
import HTTP
import Testing

/// Bad input is a problem+json answer naming the field, and nothing is written.
@Suite struct BadInputTests {
    @Test func moneyAndCurrencyErrorsNameTheField() async throws {
        let h = try BillingAPIHarness()
        try await h.seedCatalogue()
        let c = await h.customer("Ada")
        func draft(_ items: String) async -> Reply {
            await h.call(.POST, "/api/v1/billing/invoices", body: #"{"customer_id": \#(c), "items": \#(items)}"#)
        }
        let negative = await draft(#"[{"description": "x", "amount": {"amount": -5, "currency": "USD"}}]"#)
        #expect(negative.status == 400 && negative.isProblem)
        #expect(negative.errorFields == ["items[0].amount.amount"])
        let fractional = await draft(#"[{"description": "x", "amount": {"amount": 10.5, "currency": "USD"}}]"#)
        #expect(fractional.status == 400)
        #expect(fractional.errorFields == ["items[0].amount.amount"])
        let unknown = await draft(#"[{"description": "x", "amount": {"amount": 100, "currency": "XYZ"}}]"#)
        #expect(unknown.errorFields == ["items[0].amount.currency"])
        let mixed = await draft(#"[{"description": "x", "amount": {"amount": 100, "currency": "USD"}}, {"description": "y", "amount": {"amount": 100, "currency": "EUR"}}]"#)
        #expect(mixed.status == 400)
        #expect(mixed.errorFields == ["items[1].amount.currency"])
        let wrongForCustomer = await draft(#"[{"description": "x", "amount": {"amount": 100, "currency": "EUR"}}]"#)
        #expect(wrongForCustomer.status == 400, "an EUR charge on a USD customer: \(wrongForCustomer.text)")
        #expect(await h.call(.GET, "/api/v1/billing/invoices").data.isEmpty, "no refused request wrote an invoice")

        let badCustomer = await h.call(.POST, "/api/v1/billing/customers", body: #"{"name": "Eve", "email": "eve@example.com", "country": "US", "currency": "DOGE"}"#)
        #expect(badCustomer.errorFields == ["currency"])
        let extra = await h.call(.POST, "/api/v1/billing/customers", body: #"{"name": "Eve", "email": "eve@example.com", "country": "US", "currency": "USD", "plan": "x"}"#)
        #expect(extra.errorFields == ["plan"])
        let notJSON = await h.call(.POST, "/api/v1/billing/customers", body: "{", contentType: "application/json")
        #expect(notJSON.status == 400 && notJSON.errorFields == ["body"])
        #expect(await h.call(.GET, "/api/v1/billing/customers").data.count == 1)

        let (iid, _) = await h.finalInvoice(customer: c, minor: 1000)
        let zero = await h.call(.POST, "/api/v1/billing/payments", body: #"{"invoice_id": \#(iid), "amount": {"amount": 0, "currency": "USD"}}"#)
        #expect(zero.errorFields == ["amount.amount"])
        let eur = await h.call(.POST, "/api/v1/billing/payments", body: #"{"invoice_id": \#(iid), "amount": {"amount": 1000, "currency": "EUR"}}"#)
        #expect(eur.status == 400, "a EUR payment on a USD invoice: \(eur.text)")
        #expect(await h.call(.GET, "/api/v1/billing/payments", query: [("invoice_id", "\(iid)")]).data.isEmpty)
    }

    @Test func planChangeOnACanceledSubscriptionIsAConflict() async throws {
        let h = try BillingAPIHarness()
        try await h.seedCatalogue()
        let c = await h.customer("Ada")
        let sid = await h.call(.POST, "/api/v1/billing/subscriptions", body: #"{"customer_id": \#(c), "plan_code": "starter_monthly"}"#).int("id") ?? -1
        _ = await h.call(.POST, "/api/v1/billing/subscriptions/\(sid)/cancel", body: #"{"at_period_end": false}"#)
        let change = await h.call(.POST, "/api/v1/billing/subscriptions/\(sid)/change-plan", body: #"{"plan_code": "pro_monthly"}"#)
        #expect(change.status == 409 && change.isProblem, "\(change.text)")
        let unknownPlan = await h.call(.POST, "/api/v1/billing/subscriptions", body: #"{"customer_id": \#(c), "plan_code": "gold"}"#)
        #expect((400...404).contains(unknownPlan.status), "\(unknownPlan.text)")
        let proration = await h.call(.POST, "/api/v1/billing/subscriptions/\(sid)/change-plan", body: #"{"plan_code": "pro_monthly", "proration": "sometimes"}"#)
        #expect(proration.errorFields == ["proration"])
        #expect(await h.call(.GET, "/api/v1/billing/customers/999").status == 404)
        #expect(await h.call(.GET, "/api/v1/billing/invoices/abc").errorFields == ["id"])
    }
}

/// The Stripe webhook: a correctly signed event is applied once; tampered, stale and replayed ones are refused.
@Suite struct StripeWebhookRouteTests {
    /// Signed offline with Python's hmac (key "whsec_api_test", timestamp 2026-01-01T12:00:00Z), so the
    /// service's HMAC wiring is checked against an independent implementation.
    static let fixedPayload = #"{"id":"evt_fixed_1","type":"invoice.paid","data":{"object":{"id":"in_1","metadata":{"studio_invoice":"INV-2026-000001"},"amount_paid":5000,"currency":"usd"}}}"#
    static let fixedSignature = "t=1767268800,v1=ef4eb6b64cb6b1a996f4aa21f4d99790ed9a71e25b00c758248b6ba5ff405db1"

    func sign(_ h: BillingAPIHarness, _ payload: String, at t: Int64) throws -> String {
        let hmac = try #require(h.service.store.configuration.hmacSHA256)
        return StripeSignatureVerifier.header(payload: Array(payload.utf8), secret: webhookSecret, timestamp: t, hmac: hmac)
    }

    @Test func signedEventIsAcceptedOnceAndTamperedStaleReplayedAreRefused() async throws {
        let h = try BillingAPIHarness()
        try await h.seedCatalogue()
        let c = await h.customer("Ada")
        let (iid, number) = await h.finalInvoice(customer: c, minor: 5000)
        #expect(number == "INV-2026-000001")

        let tampered = Self.fixedPayload.replacingOccurrences(of: "5000", with: "1")
        let t1 = await h.call(.POST, "/api/v1/webhooks/stripe", body: tampered, headers: [("Stripe-Signature", Self.fixedSignature)])
        #expect(t1.status == 400 && t1.isProblem, "\(t1.text)")
        #expect(await h.call(.GET, "/api/v1/billing/invoices/\(iid)")["status"]?.stringValue == "open")

        let ok = await h.call(.POST, "/api/v1/webhooks/stripe", body: Self.fixedPayload, headers: [("Stripe-Signature", Self.fixedSignature)])
        #expect(ok.status == 200, "\(ok.text)")
        #expect(ok["id"]?.stringValue == "evt_fixed_1")
        let paid = await h.call(.GET, "/api/v1/billing/invoices/\(iid)")
        #expect(paid["status"]?.stringValue == "paid")
        #expect(paid["amount_paid"]?.money ?? (0, "") == (5000, "USD"))

        let replay = await h.call(.POST, "/api/v1/webhooks/stripe", body: Self.fixedPayload, headers: [("Stripe-Signature", Self.fixedSignature)])
        #expect(replay.status == 400 && replay.errorFields == ["id"], "\(replay.text)")
        #expect(await h.call(.GET, "/api/v1/billing/payments", query: [("invoice_id", "\(iid)")]).data.count == 1)

        // Same event re-signed 301 s after its timestamp: stale.
        let (second, secondNumber) = await h.finalInvoice(customer: c, minor: 700)
        let payload = #"{"id":"evt_2","type":"invoice.paid","data":{"object":{"metadata":{"studio_invoice":"\#(secondNumber)"},"amount_paid":700,"currency":"usd"}}}"#
        let old = try sign(h, payload, at: 1_767_268_800)
        h.clock.advance(seconds: 301)
        let stale = await h.call(.POST, "/api/v1/webhooks/stripe", body: payload, headers: [("Stripe-Signature", old)])
        #expect(stale.status == 400 && stale.errorFields == ["Stripe-Signature"], "\(stale.text)")
        let fresh = await h.call(.POST, "/api/v1/webhooks/stripe", body: payload, headers: [("Stripe-Signature", try sign(h, payload, at: 1_767_268_800 + 301))])
        #expect(fresh.status == 200, "\(fresh.text)")
        #expect(await h.call(.GET, "/api/v1/billing/invoices/\(second)")["status"]?.stringValue == "paid")

        let missing = await h.call(.POST, "/api/v1/webhooks/stripe", body: payload)
        #expect(missing.status == 400 && missing.errorFields == ["Stripe-Signature"])
        let unknownPayload = #"{"id":"evt_3","type":"invoice.paid","data":{"object":{"metadata":{"studio_invoice":"INV-2026-999999"},"amount_paid":1,"currency":"usd"}}}"#
        let unknown = await h.call(.POST, "/api/v1/webhooks/stripe", body: unknownPayload, headers: [("Stripe-Signature", try sign(h, unknownPayload, at: 1_767_268_800 + 301))])
        #expect(unknown.status == 422, "\(unknown.text)")
    }

    @Test func withoutASecretTheWebhookIsUnavailable() async throws {
        let h = try BillingAPIHarness(secret: nil)
        let r = await h.call(.POST, "/api/v1/webhooks/stripe", body: Self.fixedPayload, headers: [("Stripe-Signature", Self.fixedSignature)])
        #expect(r.status == 503 && r.isProblem)
    }
}
