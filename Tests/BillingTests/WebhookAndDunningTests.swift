import Billing
import Foundation
import Testing

@Suite struct WebhookAndDunningTests {
    /// The vector from notes/billing.md, computed with Python's hmac at writing time:
    /// `python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",b"1700000000."+b"{\"id\":\"evt_1\",\"type\":\"invoice.paid\"}",hashlib.sha256).hexdigest())'`
    @Test func signatureMatchesReferenceVector() {
        let header = StripeSignatureVerifier.header(payload: Array(#"{"id":"evt_1","type":"invoice.paid"}"#.utf8), secret: "whsec_test",
                                                    timestamp: 1_700_000_000, hmac: HMAC.sha256(key:message:))
        #expect(header == "t=1700000000,v1=4aa90aa69730f112c87accbf54203d1076675eae3b18a5cb82b5ab9e7f5cd5bc")
    }

    func paidEvent(id: String, invoice: String, amount: Int64) -> [UInt8] {
        Array(#"{"id":"\#(id)","object":"event","type":"invoice.paid","data":{"object":{"id":"in_\#(id)","object":"invoice","amount_paid":\#(amount),"currency":"usd","metadata":{"studio_invoice":"\#(invoice)"}}}}"#.utf8)
    }

    func sign(_ body: [UInt8], at t: Date, secret: String = testWebhookSecret) -> String {
        StripeSignatureVerifier.header(payload: body, secret: secret, timestamp: Int64(t.timeIntervalSince1970), hmac: HMAC.sha256(key:message:))
    }

    @Test func acceptsSignedEventAndRejectsTamperedStaleReplayedAndUnknown() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store)
        let draft = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Consulting", amount: usd(5000))])
        let inv = try await store.finalize(invoiceID: draft.id)
        let number = try #require(inv.number)
        func code(_ body: () async throws -> Void) async -> BillingError.Code? {
            do { try await body(); return nil } catch let e as BillingError { return e.code } catch { return nil }
        }

        let body = paidEvent(id: "evt_1", invoice: number, amount: 5000)
        // Modified body with the original signature.
        var tampered = body
        tampered[tampered.firstIndex(of: UInt8(ascii: "5"))!] = UInt8(ascii: "9")
        #expect(await code { _ = try await store.handleStripeWebhook(payload: tampered, signatureHeader: sign(body, at: clock.now())) } == .badSignature)
        // Signed with another secret.
        #expect(await code { _ = try await store.handleStripeWebhook(payload: body, signatureHeader: sign(body, at: clock.now(), secret: "whsec_other")) } == .badSignature)
        #expect(await code { _ = try await store.handleStripeWebhook(payload: body, signatureHeader: "t=123") } == .badSignature)
        // Signed 301 s ago: stale. 299 s would pass.
        #expect(await code { _ = try await store.handleStripeWebhook(payload: body, signatureHeader: sign(body, at: clock.now().addingTimeInterval(-301))) } == .staleSignature)
        #expect(try await store.invoice(id: inv.id).status == .open)

        // Correct, slightly old, with a second (rolled) v1 that does not match: accepted.
        let header = sign(body, at: clock.now().addingTimeInterval(-299)) + ",v1=" + String(repeating: "0", count: 64)
        let outcome = try await store.handleStripeWebhook(payload: body, signatureHeader: header)
        #expect(outcome.eventID == "evt_1")
        let paid = try await store.invoice(id: inv.id)
        #expect(paid.status == .paid && paid.amountPaid == usd(5000))
        // Same event again, freshly signed: a replay.
        #expect(await code { _ = try await store.handleStripeWebhook(payload: body, signatureHeader: sign(body, at: clock.now())) } == .replayedEvent)
        #expect(try await store.payments(invoiceID: inv.id).count == 1)

        // A correctly signed event for an invoice we never issued: rejected, nothing recorded.
        let unknown = paidEvent(id: "evt_2", invoice: "INV-1999-000001", amount: 100)
        #expect(await code { _ = try await store.handleStripeWebhook(payload: unknown, signatureHeader: sign(unknown, at: clock.now())) } == .unknownInvoice)
        let garbage = Array("not json".utf8)
        #expect(await code { _ = try await store.handleStripeWebhook(payload: garbage, signatureHeader: sign(garbage, at: clock.now())) } == .badPayload)
        #expect(try await store.check().ok)
    }

    @Test func failedPaymentRunsDunningThenUnpaid() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let c = try await customer(store)
        let s = try await store.subscribe(customerID: c.id, planCode: "pro_monthly")
        clock.set(day(31))
        try await store.runBilling()
        let inv = try #require(try await store.invoices(customerID: c.id).first)
        let failed = Array(#"{"id":"evt_f1","type":"invoice.payment_failed","data":{"object":{"id":"in_x","metadata":{"studio_invoice":"\#(inv.number!)"}}}}"#.utf8)
        _ = try await store.handleStripeWebhook(payload: failed, signatureHeader: sign(failed, at: clock.now()))
        #expect(try await store.subscription(id: s.id).status == .pastDue)
        #expect(try await store.entitlements(customerID: c.id).planCodes == ["pro_monthly"])   // access kept during dunning

        var retries: [String] = []
        for d in 1...9 {
            clock.set(day(31 + d))
            let events = try await store.processDunning()
            retries += events.filter { $0.type == "dunning.retry" }.map { _ in "day \(d)" }
            if d < 8 { #expect(try await store.subscription(id: s.id).status == .pastDue) }
        }
        #expect(retries == ["day 3", "day 5", "day 7"])
        #expect(try await store.subscription(id: s.id).status == .unpaid)
        #expect(try await store.entitlements(customerID: c.id).entitlements == .none)
        // Paying the invoice reactivates the subscription.
        try await store.recordPayment(invoiceID: inv.id, amount: inv.total, method: "bank_transfer", externalID: "bank-1")
        #expect(try await store.subscription(id: s.id).status == .active)
        await #expect(throws: BillingError.self) { try await store.recordPayment(invoiceID: inv.id, amount: usd(1)) }
        #expect(try await store.check().ok)
    }

    @Test func exhaustedDunningCanCancel() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock) { $0.dunning = try! DunningPolicy(retryDays: [1, 2], finalState: .canceled) }
        let c = try await customer(store)
        let s = try await store.subscribe(customerID: c.id, planCode: "starter_monthly")
        clock.set(day(31))
        try await store.runBilling()
        let inv = try #require(try await store.invoices(customerID: c.id).first)
        try await store.recordPaymentFailure(invoiceID: inv.id, reason: "card declined")
        clock.set(day(34))
        let events = try await store.processDunning()
        #expect(events.map(\.type) == ["dunning.retry", "dunning.retry", "subscription.canceled", "dunning.exhausted"])
        #expect(try await store.subscription(id: s.id).status == .canceled)
        #expect(throws: BillingError.self) { try DunningPolicy(retryDays: [5, 3]) }
    }

    @Test func commissionsAffiliatesAndPayouts() async throws {
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let seller = try await store.createPayee(name: "Template Shop", kind: .seller)
        let creator = try await store.createPayee(name: "Vlogger", kind: .creator)
        let sale = try await store.recordMarketplaceSale(payeeID: seller.id, gross: usd(4999), description: "Preset pack")
        // 30 % of 49.99 = 14.997 → 15.00 (half-even); the seller is owed 34.99
        #expect(sale.commission == usd(1500) && sale.payeeShare == usd(3499))
        let deal = try await store.recordSponsorshipDeal(payeeID: creator.id, gross: usd(250_000), description: "Brand deal")
        #expect(deal.commission == usd(50_000))   // 20 %
        await #expect(throws: BillingError.self) { _ = try await store.recordMarketplaceSale(payeeID: seller.id, gross: usd(-1), description: "x") }

        let aff = try await store.createAffiliate(name: "Partner", code: "PARTNER10", rateBP: 1000)
        await #expect(throws: BillingError.self) { _ = try await store.createAffiliate(name: "Other", code: "PARTNER10", rateBP: 500) }
        clock.set(day(20))
        let referred = try await store.createCustomer(NewCustomer(name: "Ref", email: "ref@example.com", country: "US", currency: "USD",
                                                                  referral: ReferralClick(code: "PARTNER10", clickedAt: day(0))))   // 20 days: inside the window
        let late = try await store.createCustomer(NewCustomer(name: "Late", email: "late@example.com", country: "US", currency: "USD",
                                                              referral: ReferralClick(code: "PARTNER10", clickedAt: day(-15))))  // 35 days: outside
        #expect(referred.affiliateID == aff.id && late.affiliateID == nil)
        _ = try await store.subscribe(customerID: referred.id, planCode: "pro_monthly")
        clock.set(day(51))
        try await store.runBilling()
        let inv = try #require(try await store.invoices(customerID: referred.id).first)
        try await store.recordPayment(invoiceID: inv.id, amount: inv.total)

        let owed = Dictionary(uniqueKeysWithValues: try await store.payoutsOwed().map { ($0.party, $0.amount) })
        #expect(owed[.payee(seller.id)] == usd(3499))
        #expect(owed[.payee(creator.id)] == usd(200_000))
        #expect(owed[.affiliate(aff.id)] == usd(990))   // 10 % of the 99.00 net invoice
        await #expect(throws: BillingError.self) { try await store.recordPayout(to: .payee(seller.id), amount: usd(3500), reference: "too much") }
        try await store.recordPayout(to: .payee(seller.id), amount: usd(3499), reference: "wire 1")
        #expect(try await store.payoutsOwed().count == 2)
        let check = try await store.check()
        #expect(check.ok, "\(check.problems)")
    }
}
