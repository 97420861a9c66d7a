import Billing
import Foundation
import HTTP

/// The route handlers of ``BillingService``.
struct BillingHandlers: Sendable {
    let service: BillingService
    var store: BillingStore { service.store }

    /// Runs store work, turning billing errors into problem responses.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        do {
            return try BillingService.wait(body)
        } catch let error as APIError {
            throw error
        } catch let error as BillingError {
            throw BillingErrorMapping.map(error)
        }
    }

    // MARK: dashboard and analytics

    func report(_ request: Request) throws -> RevenueReport {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["months"])
        let service = self.service
        return try run { try await service.store.revenueReport(currency: service.currency, target: service.target) }
    }

    /// The last `months` months of the report (`?months=`, default all).
    func recent(_ request: Request, _ report: RevenueReport) throws -> [MonthlyRevenue] {
        guard let text = request.queryValue("months") else { return report.months }
        guard let n = Int(text), (1...600).contains(n) else { throw APIError.invalidField("months", "must be an integer from 1 to 600") }
        return Array(report.months.suffix(n))
    }

    func dashboard(_ request: Request) throws -> Response {
        try BodyReader(request: request).allowQuery([])
        let service = self.service
        let report = try run { try await service.store.revenueReport(currency: service.currency, target: service.target) }
        let months = report.months
        let last = months.last
        let previous = months.count >= 2 ? months[months.count - 2].endMRR : Money.zero(report.currency)
        let progress = Ratio(report.mrr.minor, service.target.minor)
        let everAcquired = months.reduce(0) { $0 + $1.newCustomers }
        var object: [String: JSONValue] = [
            "as_of": BillingJSON.date(report.asOf),
            "currency": .string(report.currency.code),
            "mrr": .object([
                "current": BillingJSON.money(report.mrr), "previous_month": BillingJSON.money(previous),
                "growth": last.map { BillingJSON.ratio($0.growth) } ?? .null, "arr": BillingJSON.money(report.arr),
                "target": BillingJSON.money(service.target), "progress": BillingJSON.ratio(progress),
                "projection": BillingJSON.projection(report.projection),
                "history": .array(months.suffix(24).map { .object(["month": .string($0.month), "mrr": BillingJSON.money($0.endMRR)]) }),
            ]),
            "users": .object([
                "total": .int(Int64(everAcquired)), "active": .int(Int64(report.activeCustomers)),
                "acquisition": .int(Int64(last?.newCustomers ?? 0)), "churned": .int(Int64(last?.churnedCustomers ?? 0)),
                "churn": last.map { BillingJSON.ratio($0.logoChurn) } ?? .null,
                "revenue_churn": last.map { BillingJSON.ratio($0.netRevenueChurn) } ?? .null,
                "arpa": BillingJSON.money(last?.arpa), "ltv": BillingJSON.money(last?.ltv), "cac": BillingJSON.money(last?.cac),
            ]),
            "revenue": .object([
                "this_month": BillingJSON.money(last?.totalRevenue ?? .zero(report.currency)),
                "non_recurring_this_month": BillingJSON.money(last?.nonRecurringRevenue ?? .zero(report.currency)),
                "total": BillingJSON.money(Money(minor: months.reduce(0) { $0 + $1.totalRevenue.minor }, currency: report.currency)),
            ]),
        ]
        if case .object(let extras)? = service.dashboardExtras?() {
            for (key, value) in extras where object[key] == nil { object[key] = value }
        }
        return .json(.object(object))
    }

    func mrr(_ request: Request) throws -> Response {
        let r = try report(request)
        let history = try recent(request, r).map { JSONValue.object(["month": .string($0.month), "mrr": BillingJSON.money($0.endMRR), "arr": BillingJSON.money($0.arr), "customers": .int(Int64($0.customersEnd))]) }
        return .json(.object(["currency": .string(r.currency.code), "mrr": BillingJSON.money(r.mrr), "arr": BillingJSON.money(r.arr),
                              "active_customers": .int(Int64(r.activeCustomers)), "as_of": BillingJSON.date(r.asOf), "months": .array(history)]))
    }

    func movements(_ request: Request) throws -> Response {
        let r = try report(request)
        let data = try recent(request, r).map { m in
            JSONValue.object(["month": .string(m.month), "start_mrr": BillingJSON.money(m.startMRR), "new": BillingJSON.money(m.new),
                              "expansion": BillingJSON.money(m.expansion), "contraction": BillingJSON.money(m.contraction),
                              "churn": BillingJSON.money(m.churn), "reactivation": BillingJSON.money(m.reactivation),
                              "net_new": BillingJSON.money(m.netNew), "end_mrr": BillingJSON.money(m.endMRR)])
        }
        return .json(.object(["currency": .string(r.currency.code), "months": .array(data)]))
    }

    func churn(_ request: Request) throws -> Response {
        let r = try report(request)
        let data = try recent(request, r).map { m in
            JSONValue.object(["month": .string(m.month), "customers_start": .int(Int64(m.customersStart)),
                              "churned_customers": .int(Int64(m.churnedCustomers)), "new_customers": .int(Int64(m.newCustomers)),
                              "reactivated_customers": .int(Int64(m.reactivatedCustomers)),
                              "logo_churn": BillingJSON.ratio(m.logoChurn), "gross_revenue_churn": BillingJSON.ratio(m.grossRevenueChurn),
                              "net_revenue_churn": BillingJSON.ratio(m.netRevenueChurn)])
        }
        return .json(.object(["currency": .string(r.currency.code), "months": .array(data)]))
    }

    func ltv(_ request: Request) throws -> Response {
        let r = try report(request)
        let data = try recent(request, r).map { m in
            JSONValue.object(["month": .string(m.month), "arpa": BillingJSON.money(m.arpa), "ltv": BillingJSON.money(m.ltv),
                              "marketing_spend": BillingJSON.money(m.marketingSpend), "cac": BillingJSON.money(m.cac),
                              "new_customers": .int(Int64(m.newCustomers))])
        }
        return .json(.object(["currency": .string(r.currency.code), "months": .array(data)]))
    }

    func cohorts(_ request: Request) throws -> Response {
        let r = try report(request)
        let data = r.cohorts.map { c in
            JSONValue.object(["month": .string(c.month), "size": .int(Int64(c.size)), "retained": .array(c.retained.map { .int(Int64($0)) })])
        }
        return .json(.object(["currency": .string(r.currency.code), "cohorts": .array(data)]))
    }

    func streams(_ request: Request) throws -> Response {
        let r = try report(request)
        let data = try recent(request, r).map { m in
            var streams: [String: JSONValue] = [:]
            for s in RevenueStream.allCases { streams[s.rawValue] = BillingJSON.money(m.revenueByStream[s] ?? .zero(r.currency)) }
            return JSONValue.object(["month": .string(m.month), "by_stream": .object(streams), "total": BillingJSON.money(m.totalRevenue),
                                     "non_recurring": BillingJSON.money(m.nonRecurringRevenue)])
        }
        return .json(.object(["currency": .string(r.currency.code), "months": .array(data)]))
    }

    func projection(_ request: Request) throws -> Response {
        let r = try report(request)
        return .json(BillingJSON.projection(r.projection))
    }

    func marketingSpend(_ request: Request) throws -> Response {
        let body = try BodyReader(request: request).object(allowed: ["month", "amount"])
        let month = try body.string("month")
        guard month.count == 7, (try? BillingCalendar.month(month)) != nil else { throw APIError.invalidField("month", "must be a month as YYYY-MM") }
        let amount = try body.money("amount", positive: false)
        let store = self.store
        try run { try await store.setMarketingSpend(month: month, amount: amount) }
        return .json(.object(["month": .string(month), "amount": BillingJSON.money(amount)]))
    }

    // MARK: catalogue and customers

    func plans(_ request: Request) throws -> Response {
        try BodyReader(request: request).allowQuery([])
        let store = self.store, currency = service.currency
        let items = try run { () async throws -> [JSONValue] in
            var out: [JSONValue] = []
            for plan in try await store.plans() {
                let price = try? await store.currentPrice(planCode: plan.code, currency: currency)
                out.append(BillingJSON.plan(plan, price: price))
            }
            return out
        }
        return .json(.object(["data": .array(items)]))
    }

    func customers(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["limit", "after"])
        let limit = try reader.limit(), after = try reader.after()
        let store = self.store
        let list = try run { try await store.customers(limit: limit, after: after) }
        return page(list.map(BillingJSON.customer), lastID: list.last?.id, full: list.count == limit)
    }

    func createCustomer(_ request: Request) throws -> Response {
        let body = try BodyReader(request: request).object(allowed: ["name", "email", "country", "currency", "vat_id", "tax_exempt"])
        let currency = try body.currencyCode("currency")
        let input = NewCustomer(name: try body.string("name"), email: try body.string("email"), country: try body.string("country"),
                                currency: currency, vatID: try body.optionalString("vat_id"), taxExempt: try body.bool("tax_exempt") ?? false)
        let store = self.store
        let customer = try run { try await store.createCustomer(input) }
        return created(BillingJSON.customer(customer), at: "/api/v1/billing/customers/\(customer.id)")
    }

    func customer(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery([])
        let id = try reader.pathID()
        let store = self.store
        let (customer, subscriptions, entitlements) = try run { () async throws -> (Customer, [Subscription], CustomerEntitlements) in
            (try await store.customer(id: id), try await store.subscriptions(customerID: id), try await store.entitlements(customerID: id))
        }
        guard case .object(var object) = BillingJSON.customer(customer) else { return .noContent }
        object["subscriptions"] = .array(subscriptions.map(BillingJSON.subscription))
        object["entitlements"] = .object(["plan_codes": .array(entitlements.planCodes.map(JSONValue.string)),
                                          "grants": BillingJSON.entitlements(entitlements.entitlements)])
        return .json(.object(object))
    }

    // MARK: subscriptions

    func subscriptions(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["limit", "after", "status", "customer_id"])
        let limit = try reader.limit(), after = try reader.after()
        var status: SubscriptionStatus?
        if let text = request.queryValue("status") {
            guard let s = SubscriptionStatus(rawValue: text) else {
                throw APIError.invalidField("status", "must be one of \(SubscriptionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = s
        }
        let customerID = try reader.queryID("customer_id")
        let store = self.store
        if let customerID {
            let list = try run { try await store.subscriptions(customerID: customerID) }.filter { status == nil || $0.status == status }
            return page(list.map(BillingJSON.subscription), lastID: nil, full: false)
        }
        let list = try run { [status] in try await store.subscriptions(status: status, limit: limit, after: after) }
        return page(list.map(BillingJSON.subscription), lastID: list.last?.id, full: list.count == limit)
    }

    func subscribe(_ request: Request) throws -> Response {
        let body = try BodyReader(request: request).object(allowed: ["customer_id", "plan_code", "trial_days", "discount_bp"])
        let customerID = try body.id("customer_id")
        let plan = try body.string("plan_code")
        let trial = try body.int("trial_days", range: 0...730) ?? 0
        let discount = try body.int("discount_bp", range: 0...10_000) ?? 0
        let store = self.store
        let s = try run { try await store.subscribe(customerID: customerID, planCode: plan, trialDays: Int(trial), discountBP: discount) }
        return created(BillingJSON.subscription(s), at: "/api/v1/billing/subscriptions/\(s.id)")
    }

    func cancel(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        let id = try reader.pathID()
        let body = try reader.object(allowed: ["at_period_end"], emptyAllowed: true)
        let atEnd = try body.bool("at_period_end") ?? true
        let store = self.store
        let s = try run { try await store.cancel(subscriptionID: id, atPeriodEnd: atEnd) }
        return .json(BillingJSON.subscription(s))
    }

    func changePlan(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        let id = try reader.pathID()
        let body = try reader.object(allowed: ["plan_code", "proration"])
        let plan = try body.string("plan_code")
        var proration = ProrationBehavior.nextInvoice
        if let text = try body.optionalString("proration") {
            switch text {
            case "next_invoice": proration = .nextInvoice
            case "invoice_now": proration = .invoiceNow
            default: throw APIError.invalidField("proration", "must be next_invoice or invoice_now")
            }
        }
        let store = self.store
        let change = try run { [proration] in try await store.changePlan(subscriptionID: id, to: plan, proration: proration) }
        return .json(.object(["kind": .string(change.kind.rawValue), "subscription": BillingJSON.subscription(change.subscription),
                              "prorated_charge": BillingJSON.money(change.proratedCharge),
                              "invoice_id": change.invoiceID.map(JSONValue.int) ?? .null]))
    }

    // MARK: invoices

    func invoices(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["limit", "after", "status", "customer_id", "latest"])
        let limit = try reader.limit(), after = try reader.after()
        let latest = request.queryValue("latest")
        guard latest == nil || latest == "true" || latest == "false" else { throw APIError.invalidField("latest", "must be true or false") }
        var status: InvoiceStatus?
        if let text = request.queryValue("status") {
            guard let s = InvoiceStatus(rawValue: text) else { throw APIError.invalidField("status", "must be one of draft, open, paid, void") }
            status = s
        }
        let customerID = try reader.queryID("customer_id")
        let store = self.store
        if latest == "true" {
            guard request.queryValue("after") == nil else { throw APIError.invalidField("after", "does not combine with latest=true") }
            let list = try run { [status] in try await Self.latestInvoices(store, count: limit, customerID: customerID, status: status) }
            return page(list.reversed().map(BillingJSON.invoice), lastID: nil, full: false)
        }
        let list = try run { [status] in try await store.invoices(customerID: customerID, status: status, limit: limit, after: after) }
        return page(list.map(BillingJSON.invoice), lastID: list.last?.id, full: list.count == limit)
    }

    func createInvoice(_ request: Request) throws -> Response {
        let body = try BodyReader(request: request).object(allowed: ["customer_id", "items"])
        let customerID = try body.id("customer_id")
        guard case .array(let raw)? = body.members["items"], !raw.isEmpty else { throw APIError.invalidField("items", "must be a non-empty array of {description, amount, quantity?}") }
        var items: [ChargeItem] = []
        var currency: String?
        for (i, value) in raw.enumerated() {
            guard case .object(let members) = value else { throw APIError.invalidField("items[\(i)]", "must be an object {description, amount, quantity?}") }
            let item = BodyObject(members: members, prefix: "items[\(i)].")
            try item.refuseUnknown(["description", "amount", "quantity", "tax_inclusive"])
            let amount = try item.money("amount", positive: true)
            if let currency, currency != amount.currency.code {
                throw APIError.invalidField("items[\(i)].amount.currency", "is \(amount.currency.code) but items[0] is \(currency): one invoice has one currency")
            }
            currency = amount.currency.code
            items.append(ChargeItem(description: try item.string("description"), amount: amount,
                                    quantity: try item.int("quantity", range: 1...1_000_000) ?? 1, taxInclusive: try item.bool("tax_inclusive") ?? false))
        }
        let store = self.store, list = items
        let invoice = try run { try await store.createDraftInvoice(customerID: customerID, items: list) }
        return created(BillingJSON.invoice(invoice), at: "/api/v1/billing/invoices/\(invoice.id)")
    }

    func invoice(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery([])
        let id = try reader.pathID()
        let store = self.store
        let (invoice, lines, payments, notes) = try run { () async throws -> (Invoice, [InvoiceLine], [Payment], [CreditNote]) in
            (try await store.invoice(id: id), try await store.lines(invoiceID: id), try await store.payments(invoiceID: id), try await store.creditNotes(invoiceID: id))
        }
        guard case .object(var object) = BillingJSON.invoice(invoice) else { return .noContent }
        object["lines"] = .array(lines.map(BillingJSON.line))
        object["payments"] = .array(payments.map(BillingJSON.payment))
        object["credit_notes"] = .array(notes.map(BillingJSON.creditNote))
        object["html_url"] = .string("/api/v1/billing/invoices/\(id)/html")
        return .json(.object(object))
    }

    func invoiceHTML(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery([])
        let id = try reader.pathID()
        let store = self.store
        let html = try run { try await store.invoiceHTML(invoiceID: id) }
        var response = Response.text(html, contentType: "text/html; charset=utf-8")
        // A standalone page: its own policy allows only its inline stylesheet (no scripts, no external loads).
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    func finalize(_ request: Request) throws -> Response {
        let id = try BodyReader(request: request).pathID()
        let store = self.store
        let invoice = try run { try await store.finalize(invoiceID: id) }
        return .json(BillingJSON.invoice(invoice))
    }

    func void(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        let id = try reader.pathID()
        let body = try reader.object(allowed: ["reason"], emptyAllowed: true)
        let reason = try body.optionalString("reason") ?? "voided"
        let store = self.store
        let (note, invoice) = try run { () async throws -> (CreditNote, Invoice) in
            let note = try await store.voidInvoice(invoiceID: id, reason: reason)
            return (note, try await store.invoice(id: id))
        }
        return .json(.object(["invoice": BillingJSON.invoice(invoice), "credit_note": BillingJSON.creditNote(note)]))
    }

    // MARK: payments, usage, commissions

    func payments(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["invoice_id", "limit"])
        let invoiceID = try reader.queryID("invoice_id")
        let limit = try reader.limit()
        let store = self.store
        let list = try run { () async throws -> [Payment] in
            if let invoiceID { return try await store.payments(invoiceID: invoiceID) }
            // The latest invoices' payments.
            let all = try await Self.latestInvoices(store, count: 500, customerID: nil, status: nil)
            var out: [Payment] = []
            for inv in all.reversed() where inv.amountPaid.minor > 0 || inv.amountRefunded.minor > 0 {
                out.append(contentsOf: try await store.payments(invoiceID: inv.id))
                if out.count >= limit { break }
            }
            return Array(out.sorted { $0.id > $1.id }.prefix(limit))
        }
        return .json(.object(["data": .array(list.map(BillingJSON.payment)), "next_cursor": .null]))
    }

    /// The last `count` invoices by id (newest last). The listing is id-ascending, so the highest id is found by
    /// galloping then bisecting over the `after` cursor (O(log n) primary-key probes).
    static func latestInvoices(_ store: BillingStore, count: Int, customerID: Int64?, status: InvoiceStatus?) async throws -> [Invoice] {
        func exists(after: Int64) async throws -> Bool { !(try await store.invoices(limit: 1, after: after)).isEmpty }
        var low: Int64 = 0, high: Int64 = 1
        while try await exists(after: high) { low = high; high *= 2 }
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if try await exists(after: mid) { low = mid } else { high = mid }
        }
        if customerID == nil && status == nil { return try await store.invoices(limit: count, after: max(0, high - Int64(count))) }
        // Filtered: widen the window backwards until it holds `count` matches or reaches the start.
        var window = Int64(count) * 4
        while true {
            let start = max(0, high - window)
            var found: [Invoice] = []
            var after = start
            while true {
                let chunk = try await store.invoices(customerID: customerID, status: status, limit: 1000, after: after)
                found.append(contentsOf: chunk)
                guard chunk.count == 1000, let last = chunk.last else { break }
                after = last.id
            }
            if found.count >= count || start == 0 { return Array(found.suffix(count)) }
            window *= 4
        }
    }

    func recordPayment(_ request: Request) throws -> Response {
        let body = try BodyReader(request: request).object(allowed: ["invoice_id", "amount", "method", "external_id"])
        let invoiceID = try body.id("invoice_id")
        let amount = try body.money("amount", positive: true)
        let method = try body.optionalString("method") ?? "manual"
        let external = try body.optionalString("external_id")
        let store = self.store
        let payment = try run { try await store.recordPayment(invoiceID: invoiceID, amount: amount, method: method, externalID: external) }
        return created(BillingJSON.payment(payment), at: "/api/v1/billing/payments?invoice_id=\(invoiceID)")
    }

    func usage(_ request: Request) throws -> Response {
        let body = try BodyReader(request: request).object(allowed: ["events"])
        guard case .array(let raw)? = body.members["events"], !raw.isEmpty else { throw APIError.invalidField("events", "must be a non-empty array of usage events") }
        guard raw.count <= 10_000 else { throw APIError.invalidField("events", "at most 10000 events per request") }
        let now = store.clock.now()
        var events: [UsageEvent] = []
        for (i, value) in raw.enumerated() {
            guard case .object(let members) = value else { throw APIError.invalidField("events[\(i)]", "must be an object") }
            let e = BodyObject(members: members, prefix: "events[\(i)].")
            try e.refuseUnknown(["event_id", "customer_id", "metric", "quantity", "occurred_at"])
            events.append(UsageEvent(eventID: try e.string("event_id"), customerID: try e.id("customer_id"), metric: try e.string("metric"),
                                     quantity: try e.int("quantity", range: 1...1_000_000_000) ?? 1, occurredAt: try e.date("occurred_at") ?? now))
        }
        let store = self.store, list = events
        let result = try run { try await store.ingestUsage(list) }
        return .json(.object(["accepted": .int(Int64(result.accepted)), "duplicates": .int(Int64(result.duplicates))]))
    }

    func commissions(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["limit"])
        let limit = try reader.limit()
        let store = self.store
        let list = try run { try await store.commissionSales(limit: limit) }
        return .json(.object(["data": .array(list.map(BillingJSON.commission)), "next_cursor": .null]))
    }

    func payouts(_ request: Request) throws -> Response {
        try BodyReader(request: request).allowQuery([])
        let store = self.store
        let list = try run { try await store.payoutsOwed() }
        let data = list.map { p -> JSONValue in
            let (kind, id): (String, Int64) = switch p.party { case .payee(let i): ("payee", i); case .affiliate(let i): ("affiliate", i) }
            return .object(["party": .string(kind), "party_id": .int(id), "name": .string(p.name), "amount": BillingJSON.money(p.amount)])
        }
        return .json(.object(["data": .array(data)]))
    }

    func events(_ request: Request) throws -> Response {
        let reader = BodyReader(request: request)
        try reader.allowQuery(["limit", "after"])
        let limit = try reader.limit(), after = try reader.after()
        let store = self.store
        let list = try run { try await store.events(after: after, limit: limit) }
        return page(list.map(BillingJSON.event), lastID: list.last?.id, full: list.count == limit)
    }

    // MARK: Stripe

    func stripe(_ request: Request) throws -> Response {
        guard let header = request.headers["Stripe-Signature"], !header.isEmpty else {
            throw APIError.badRequest("The Stripe-Signature header is missing.", type: "bad-signature",
                                      errors: [FieldError(field: "Stripe-Signature", message: "is required")])
        }
        guard store.configuration.stripeWebhookSecret?.isEmpty == false else {
            throw APIError.unavailable("The Stripe webhook is not configured (billing.stripe_webhook_secret).")
        }
        let store = self.store, payload = request.body
        let outcome = try run { try await store.handleStripeWebhook(payload: payload, signatureHeader: header) }
        return .json(.object(["received": .bool(true), "id": .string(outcome.eventID), "type": .string(outcome.type), "action": .string(outcome.action)]))
    }

    // MARK: helpers

    func page(_ items: [JSONValue], lastID: Int64?, full: Bool) -> Response {
        .json(.object(["data": .array(items), "next_cursor": full ? lastID.map { .string(String($0)) } ?? .null : .null]))
    }

    func created(_ value: JSONValue, at path: String) -> Response {
        var response = Response.json(value, status: 201)
        response.headers["Location"] = path
        return response
    }
}

/// Billing errors as problem responses: input errors 400 naming the field, missing things 404, state conflicts 409.
enum BillingErrorMapping {
    static func map(_ error: BillingError) -> APIError {
        let field = error.field ?? "request"
        switch error.code {
        case .notFound:
            return .notFound(error.message)
        case .unknownInvoice:
            return .unprocessable(error.message, errors: [FieldError(field: error.field ?? "data.object", message: error.message)])
        case .subscriptionCanceled, .invalidState, .duplicate:
            return .conflict(error.message, errors: error.field.map { [FieldError(field: $0, message: error.message)] } ?? [])
        case .badSignature, .staleSignature, .replayedEvent:
            return .badRequest(error.message, type: error.code.rawValue.replacingOccurrences(of: "_", with: "-"),
                               errors: [FieldError(field: error.code == .replayedEvent ? "id" : "Stripe-Signature", message: error.message)])
        default:
            return .badRequest(error.message, type: error.code.rawValue.replacingOccurrences(of: "_", with: "-"),
                               errors: [FieldError(field: field, message: error.message)])
        }
    }
}
