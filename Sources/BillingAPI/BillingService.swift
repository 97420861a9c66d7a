import Billing
import Crypto
import Dispatch
import Foundation
import HTTP

/// The billing and revenue REST surface: executive dashboard, revenue analytics, customers, subscriptions,
/// invoices (with a printable page), payments, usage ingestion and the Stripe webhook.
///
/// Every route is `admin` except `POST /api/v1/webhooks/stripe` (`public`, authenticated by its
/// `Stripe-Signature`). Analytics are `cache: "warm"`; every write declares `invalidates: ["revenue", "dashboard"]`.
/// Bad input is a problem+json answer whose `errors[]` names the field.
///
/// ```swift
/// let store = try BillingStore.open(path: dataDirectory + "/billing.sqlite3", configuration: config, taxTable: taxes)
/// let billing = try BillingService(store: store, stripeWebhookSecret: secret) { .object(["system": ...]) }
/// billing.install(on: &router)
/// ```
public final class BillingService: Sendable {
    /// The store, configured with the webhook secret and Crypto's HMAC-SHA256.
    public let store: BillingStore
    /// The dashboard's MRR goal (100 000.00 in `currency` by default).
    public let target: Money
    /// The reporting currency of analytics and the dashboard.
    public let currency: Currency
    let dashboardExtras: (@Sendable () -> JSONValue)?

    /// Wraps `store`. When `stripeWebhookSecret` is given (or already in the store's configuration) the webhook
    /// verifies signatures with Crypto's HMAC-SHA256; without a secret the webhook answers 503.
    /// - Parameters:
    ///   - currency: reporting currency of the dashboard and analytics (USD by default).
    ///   - targetMinor: MRR goal in minor units (default 100 000.00).
    ///   - dashboardExtras: the app's figures merged into `GET /api/v1/dashboard` — an object whose members
    ///     (e.g. `content`, `system`) are added beside `mrr`, `users` and `revenue`.
    public init(store: BillingStore, currency: Currency = .usd, targetMinor: Int64? = nil, stripeWebhookSecret: String?,
                dashboardExtras: (@Sendable () -> JSONValue)? = nil) throws {
        var configuration = store.configuration
        if let stripeWebhookSecret, !stripeWebhookSecret.isEmpty { configuration.stripeWebhookSecret = stripeWebhookSecret }
        if configuration.hmacSHA256 == nil {
            configuration.hmacSHA256 = { key, message in Crypto.HMACSHA256.authenticationCode(key: key, message: message) }
        }
        self.store = try BillingStore(writer: store.writer, configuration: configuration, taxTable: store.taxTable, clock: store.clock)
        self.currency = currency
        self.target = Money(minor: targetMinor ?? 100_000 * currency.minorPerMajor, currency: currency)
        self.dashboardExtras = dashboardExtras
    }

    /// Adds the billing routes to `router`.
    public func install(on router: inout Router) {
        let h = BillingHandlers(service: self)
        func read(_ summary: String, cache: String? = nil) -> RouteInfo { RouteInfo(summary: summary, access: "admin", cache: cache) }
        func write(_ summary: String, json: Bool = true) -> RouteInfo {
            RouteInfo(summary: summary, access: "admin", acceptsJSON: json, invalidates: ["revenue", "dashboard"])
        }
        func warm(_ summary: String) -> RouteInfo { read(summary, cache: "warm") }

        router.get("/api/v1/dashboard", warm("Executive dashboard: MRR against the target with projection, users, revenue, and the app's content and system figures.")) { try h.dashboard($0) }
        router.get("/api/v1/revenue/mrr", warm("Current MRR and ARR with the monthly MRR history.")) { try h.mrr($0) }
        router.get("/api/v1/revenue/movements", warm("Monthly MRR movements: new, expansion, contraction, churn, reactivation.")) { try h.movements($0) }
        router.get("/api/v1/revenue/churn", warm("Monthly logo churn and gross/net revenue churn.")) { try h.churn($0) }
        router.get("/api/v1/revenue/ltv", warm("Monthly ARPA, LTV, marketing spend and CAC.")) { try h.ltv($0) }
        router.get("/api/v1/revenue/cohorts", warm("Cohort retention by signup month.")) { try h.cohorts($0) }
        router.get("/api/v1/revenue/streams", warm("Revenue by stream per month, recurring and non-recurring.")) { try h.streams($0) }
        router.get("/api/v1/revenue/projection", warm("Projection of MRR to the target from the recent trend.")) { try h.projection($0) }
        router.post("/api/v1/revenue/marketing-spend", write("Record the marketing spend of a month {month: \"YYYY-MM\", amount} (for CAC).")) { try h.marketingSpend($0) }

        router.get("/api/v1/billing/plans", read("The catalogue: plans with their current price and entitlements.")) { try h.plans($0) }
        router.get("/api/v1/billing/customers", read("Customers in id order (limit, after).")) { try h.customers($0) }
        router.post("/api/v1/billing/customers", write("Create a customer {name, email, country, currency, vat_id?, tax_exempt?}.")) { try h.createCustomer($0) }
        router.get("/api/v1/billing/customers/{id}", read("One customer with subscriptions and entitlements.")) { try h.customer($0) }

        router.get("/api/v1/billing/subscriptions", read("Subscriptions in id order (status, customer_id, limit, after).")) { try h.subscriptions($0) }
        router.post("/api/v1/billing/subscriptions", write("Subscribe a customer to a plan {customer_id, plan_code, trial_days?, discount_bp?}.")) { try h.subscribe($0) }
        router.post("/api/v1/billing/subscriptions/{id}/cancel", write("Cancel now or at period end {at_period_end}.")) { try h.cancel($0) }
        router.post("/api/v1/billing/subscriptions/{id}/change-plan", write("Upgrade at once (prorated) or downgrade at period end {plan_code, proration?}.")) { try h.changePlan($0) }

        router.get("/api/v1/billing/invoices", read("Invoices in id order (status, customer_id, limit, after), or the newest first with latest=true.")) { try h.invoices($0) }
        router.post("/api/v1/billing/invoices", write("Create a draft invoice of one-off charges {customer_id, items: [{description, amount, quantity?}]}.")) { try h.createInvoice($0) }
        router.get("/api/v1/billing/invoices/{id}", read("One invoice with lines, payments and credit notes.")) { try h.invoice($0) }
        router.get("/api/v1/billing/invoices/{id}/html", read("The invoice as a printable HTML page.")) { try h.invoiceHTML($0) }
        router.post("/api/v1/billing/invoices/{id}/finalize", write("Finalise a draft: it takes the next gapless number.", json: false)) { try h.finalize($0) }
        router.post("/api/v1/billing/invoices/{id}/void", write("Void an unpaid finalised invoice with a credit note {reason}.")) { try h.void($0) }

        router.get("/api/v1/billing/payments", read("Payments and refunds of one invoice (invoice_id) or of the latest invoices.")) { try h.payments($0) }
        router.post("/api/v1/billing/payments", write("Record a payment {invoice_id, amount, method?, external_id?}.")) { try h.recordPayment($0) }
        router.post("/api/v1/billing/usage", write("Ingest metered usage events idempotently by event_id {events: [{event_id, customer_id, metric, quantity, occurred_at?}]}.")) { try h.usage($0) }
        router.get("/api/v1/billing/commissions", read("Marketplace and sponsorship sales with their commission.")) { try h.commissions($0) }
        router.get("/api/v1/billing/payouts", read("Payouts owed to sellers, creators and affiliates.")) { try h.payouts($0) }
        router.get("/api/v1/billing/events", read("Billing events (dunning steps, status changes, webhooks) after an id.")) { try h.events($0) }

        router.post("/api/v1/webhooks/stripe", RouteInfo(summary: "Stripe webhook: Stripe-Signature verified (HMAC-SHA256, 300 s tolerance, replays refused).",
                                                         access: "public", acceptsJSON: true, invalidates: ["revenue", "dashboard"])) { try h.stripe($0) }
    }

    /// Runs async store work from a synchronous route handler and waits for it. Route handlers run on the HTTP
    /// server's own threads, never on the Swift concurrency pool, so blocking here cannot starve the pool.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// The result of one awaited task: written once by the task before it signals the semaphore, read once by the
/// waiter after the semaphore: the semaphore orders the two accesses, so no lock is needed.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
