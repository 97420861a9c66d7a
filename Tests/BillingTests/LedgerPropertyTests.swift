import Billing
import Foundation
import Testing

/// SplitMix64: a small seeded generator so every failing sequence can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct LedgerPropertyTests {
    /// Random sequences of subscribe / upgrade / downgrade / cancel / pay / fail / refund / void / usage / sales /
    /// payouts over simulated months; after each sequence the ledger balances and agrees with the documents.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func ledgerBalancesAfterRandomSequences(seed: UInt64) async throws {
        var rng = SeededRandom(seed: seed)
        let clock = ManualBillingClock(day(0))
        let store = try await makeStore(clock: clock)
        let licensed = ["starter_monthly", "pro_monthly", "business_monthly", "white_label"]
        let annual = ["starter_annual", "pro_annual", "business_annual"]
        var subs: [Int64] = []
        var customers: [Customer] = []
        var payees: [Int64] = []
        var usageSeq = 0
        var counts: [String: Int] = [:]
        /// An operation may be refused for a reason the random walk cannot foresee (e.g. upgrading a canceled
        /// subscription); anything else is a failure.
        func attempt(_ name: String, allowed: Set<BillingError.Code>, _ body: () async throws -> Void) async {
            do {
                try await body()
                counts[name, default: 0] += 1
            } catch let e as BillingError where allowed.contains(e.code) {
                counts["\(name) refused", default: 0] += 1
            } catch {
                Issue.record("seed \(seed): \(name) failed unexpectedly: \(error)")
            }
        }
        let planErrors: Set<BillingError.Code> = [.subscriptionCanceled, .invalidState, .invalidInput]
        for step in 0..<250 {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<14:
                let eu = Bool.random(using: &rng)
                let country = eu ? ["FR", "DE", "IT", "ES"].randomElement(using: &rng)! : ["US", "GB", "CA"].randomElement(using: &rng)!
                let vat: String? = eu && Int.random(in: 0..<3, using: &rng) == 0 ? "\(country)123456789" : nil
                let c = try await store.createCustomer(NewCustomer(name: "C\(step)", email: "c\(step)@example.com", country: country,
                                                                   currency: eu ? "EUR" : "USD", vatID: vat))
                customers.append(c)
                let plan = Int.random(in: 0..<10, using: &rng) < 2 ? (annual.randomElement(using: &rng)!) :
                    (Int.random(in: 0..<6, using: &rng) == 0 ? "api_metered" : licensed.randomElement(using: &rng)!)
                let s = try await store.subscribe(customerID: c.id, planCode: plan, trialDays: Int.random(in: 0..<4, using: &rng) == 0 ? 14 : 0,
                                                  discountBP: Int.random(in: 0..<4, using: &rng) == 0 ? 1500 : 0)
                subs.append(s.id)
            case 14..<24 where !subs.isEmpty:
                let id = subs.randomElement(using: &rng)!
                let current = try await store.subscription(id: id).planCode
                // Mostly a change within the same interval; sometimes a cross-interval one, which must be refused.
                let pool = Int.random(in: 0..<8, using: &rng) == 0 ? licensed + annual : (annual.contains(current) ? annual : licensed)
                let target = pool.randomElement(using: &rng)!
                let now = Bool.random(using: &rng) ? ProrationBehavior.invoiceNow : .nextInvoice
                await attempt("change plan", allowed: planErrors) { _ = try await store.changePlan(subscriptionID: id, to: target, proration: now) }
            case 24..<30 where !subs.isEmpty:
                let id = subs.randomElement(using: &rng)!
                let atEnd = Bool.random(using: &rng)
                await attempt("cancel", allowed: [.subscriptionCanceled]) { try await store.cancel(subscriptionID: id, atPeriodEnd: atEnd) }
            case 30..<50:
                let open = try await store.invoices(status: .open, limit: 1000)
                if let inv = open.randomElement(using: &rng) {
                    let partial = Int.random(in: 0..<4, using: &rng) == 0 && inv.amountDue.minor > 1
                    let amount = partial ? Money(minor: inv.amountDue.minor / 2, currency: inv.total.currency) : inv.amountDue
                    await attempt("pay", allowed: []) { try await store.recordPayment(invoiceID: inv.id, amount: amount) }
                }
            case 50..<58:
                if let inv = try await store.invoices(status: .open, limit: 1000).randomElement(using: &rng) {
                    await attempt("fail", allowed: []) { try await store.recordPaymentFailure(invoiceID: inv.id, reason: "card declined") }
                }
            case 58..<64:
                if let inv = try await store.invoices(status: .paid, limit: 1000).filter({ $0.amountPaid.minor > $0.amountRefunded.minor }).randomElement(using: &rng) {
                    let refundable = inv.amountPaid.minor - inv.amountRefunded.minor
                    let amount = Money(minor: Int64.random(in: 1...refundable, using: &rng), currency: inv.total.currency)
                    await attempt("refund", allowed: []) { _ = try await store.refund(invoiceID: inv.id, amount: amount, reason: "goodwill") }
                }
            case 64..<68:
                if let inv = try await store.invoices(status: .open, limit: 1000).filter({ $0.amountPaid.minor == 0 }).randomElement(using: &rng) {
                    await attempt("void", allowed: []) { _ = try await store.voidInvoice(invoiceID: inv.id, reason: "error") }
                }
            case 68..<76 where !customers.isEmpty:
                let c = customers.randomElement(using: &rng)!
                let n = Int.random(in: 1...200, using: &rng)
                let events = (0..<n).map { i in
                    UsageEvent(eventID: "u\(usageSeq + i % max(1, n - 3))", customerID: c.id, metric: "api_requests", occurredAt: clock.now())  // some repeats
                }
                usageSeq += n
                await attempt("usage", allowed: []) { _ = try await store.ingestUsage(events) }
            case 76..<82:
                if payees.isEmpty || Int.random(in: 0..<4, using: &rng) == 0 {
                    payees.append(try await store.createPayee(name: "P\(step)", kind: .seller).id)
                }
                let gross = Money(minor: Int64.random(in: 1...100_000, using: &rng), currency: Bool.random(using: &rng) ? .usd : .eur)
                let p = payees.randomElement(using: &rng)!
                if Bool.random(using: &rng) {
                    await attempt("sale", allowed: []) { _ = try await store.recordMarketplaceSale(payeeID: p, gross: gross, description: "sale") }
                } else {
                    await attempt("sponsorship", allowed: []) { _ = try await store.recordSponsorshipDeal(payeeID: p, gross: gross, description: "deal") }
                }
            case 82..<85:
                if let owed = try await store.payoutsOwed().randomElement(using: &rng) {
                    let amount = Money(minor: Int64.random(in: 1...owed.amount.minor, using: &rng), currency: owed.amount.currency)
                    await attempt("payout", allowed: []) { try await store.recordPayout(to: owed.party, amount: amount, reference: "wire") }
                }
            case 85..<88 where !customers.isEmpty:
                let c = customers.randomElement(using: &rng)!
                await attempt("one-off", allowed: []) {
                    let d = try await store.createDraftInvoice(customerID: c.id, items: [ChargeItem(description: "Extra", amount: Money(minor: 4999, currency: c.currency),
                                                                                                    taxInclusive: Bool.random())])
                    _ = try await store.finalize(invoiceID: d.id)
                }
            default:
                clock.advance(days: Int.random(in: 1...12, using: &rng))
                try await store.runBilling()
                try await store.processDunning()
            }
            if step % 40 == 39 {
                let check = try await store.check()
                #expect(check.ok, "seed \(seed) step \(step): \(check.problems)")
            }
        }
        clock.advance(days: 40)
        try await store.runBilling()
        let check = try await store.check()
        #expect(check.ok, "seed \(seed): \(check.problems)")
        #expect(check.invoices > 0 && check.transactions > 0)
        print("seed \(seed): \(check.invoices) invoices, \(check.transactions) ledger transactions, \(counts)")
        #expect(check.debits == check.credits)
        // A second run changes nothing.
        #expect(try await store.runBilling().invoicesCreated == 0)
        #expect(try await store.check() == check)
        // MRR bookkeeping agrees with the report, and movements add up in both currencies.
        for currency in [Currency.usd, .eur] {
            let report = try await store.revenueReport(currency: currency)
            #expect(try await store.currentMRR(currency: currency).mrr == report.mrr)
            for m in report.months { #expect(m.endMRR.minor == m.startMRR.minor + m.netNew.minor) }
        }
        #expect((counts["pay"] ?? 0) > 0 && (counts["change plan"] ?? 0) > 0, "seed \(seed) exercised \(counts)")
    }
}
