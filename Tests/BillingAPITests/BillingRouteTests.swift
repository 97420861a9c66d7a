import Billing
import BillingAPI
import Foundation
import HTTP
import Testing

/// Shapes and status codes of the billing routes, driven through the router as the daemon would.
@Suite struct BillingRouteTests {
    @Test func dashboardShowsMRRAgainstTheTargetFromSubscriptions() async throws {
        let h = try BillingAPIHarness(extras: { .object(["system": .object(["uptime_seconds": .int(42)]), "mrr": .string("must not override")]) })
        try await h.seedCatalogue()
        let a = await h.customer("Ada"), b = await h.customer("Bob")
        for (c, plan) in [(a, "pro_monthly"), (b, "business_monthly")] {
            let r = await h.call(.POST, "/api/v1/billing/subscriptions", body: #"{"customer_id": \#(c), "plan_code": "\#(plan)"}"#)
            #expect(r.status == 201, "\(r.text)")
            #expect(r["status"]?.stringValue == "active")
        }
        let plans = await h.call(.GET, "/api/v1/billing/plans")
        let business = plans.data.first { $0["code"]?.stringValue == "business_monthly" }?["price"]?["amount"]?.money
        #expect(business?.1 == "USD")
        let expected = 9900 + (business?.0 ?? 0)

        let d = await h.call(.GET, "/api/v1/dashboard")
        #expect(d.status == 200, "\(d.text)")
        #expect(d["mrr"]?["current"]?.money ?? (0, "") == (expected, "USD"))
        #expect(d["mrr"]?["target"]?.money ?? (0, "") == (10_000_000, "USD"))
        #expect(d["mrr"]?["progress"]?["numerator"]?.intValue == expected)
        #expect(d["mrr"]?["progress"]?["denominator"]?.intValue == 10_000_000)
        #expect(d["users"]?["active"]?.intValue == 2)
        #expect(d["users"]?["acquisition"]?.intValue == 2)
        #expect(d["system"]?["uptime_seconds"]?.intValue == 42, "the app's figures are merged in")
        #expect(d["mrr"]?["projection"]?["target"]?.money ?? (0, "") == (10_000_000, "USD"))

        let mrr = await h.call(.GET, "/api/v1/revenue/mrr")
        #expect(mrr["mrr"]?.money ?? (0, "") == (expected, "USD"))
        #expect(mrr["arr"]?.money ?? (0, "") == (expected * 12, "USD"))
        let movements = await h.call(.GET, "/api/v1/revenue/movements")
        guard case .array(let months)? = movements["months"], let last = months.last else { Issue.record("no months: \(movements.text)"); return }
        #expect(last["new"]?.money ?? (0, "") == (expected, "USD"))
        #expect(last["churn"]?.money ?? (1, "") == (0, "USD"))
        for path in ["/api/v1/revenue/churn", "/api/v1/revenue/ltv", "/api/v1/revenue/cohorts", "/api/v1/revenue/streams", "/api/v1/revenue/projection"] {
            let r = await h.call(.GET, path)
            #expect(r.status == 200, "\(path): \(r.text)")
        }
        #expect(await h.call(.GET, "/api/v1/revenue/mrr", query: [("months", "0")]).errorFields == ["months"])
    }

    @Test func customerSubscriptionAndInvoiceLifecycle() async throws {
        let h = try BillingAPIHarness()
        try await h.seedCatalogue()
        let c = await h.customer("Ada")
        let one = await h.call(.GET, "/api/v1/billing/customers/\(c)")
        #expect(one["email"]?.stringValue == "ada@example.com")
        #expect(await h.call(.GET, "/api/v1/billing/customers").data.count == 1)

        let sub = await h.call(.POST, "/api/v1/billing/subscriptions", body: #"{"customer_id": \#(c), "plan_code": "starter_monthly"}"#)
        let sid = sub.int("id") ?? -1
        let up = await h.call(.POST, "/api/v1/billing/subscriptions/\(sid)/change-plan", body: #"{"plan_code": "pro_monthly"}"#)
        #expect(up.status == 200, "\(up.text)")
        #expect(up["kind"]?.stringValue == "upgrade")
        #expect(up["subscription"]?["plan_code"]?.stringValue == "pro_monthly")
        let withSubs = await h.call(.GET, "/api/v1/billing/customers/\(c)")
        guard case .array(let subs)? = withSubs["subscriptions"] else { Issue.record("no subscriptions"); return }
        #expect(subs.count == 1)
        #expect(withSubs["entitlements"]?["plan_codes"] == .array([.string("pro_monthly")]))

        let (iid, number) = await h.finalInvoice(customer: c, minor: 12_345)
        #expect(number == "INV-2026-000001")
        let inv = await h.call(.GET, "/api/v1/billing/invoices/\(iid)")
        #expect(inv["status"]?.stringValue == "open")
        #expect(inv["total"]?.money ?? (0, "") == (12_345, "USD"), "US customer of a German seller: no VAT")
        guard case .array(let lines)? = inv["lines"] else { Issue.record("no lines"); return }
        #expect(lines.count == 1)

        let html = await h.call(.GET, "/api/v1/billing/invoices/\(iid)/html")
        #expect(html.status == 200)
        #expect(html.headers["Content-Type"]?.hasPrefix("text/html") == true)
        #expect(html.text.contains("INV-2026-000001"))
        #expect(html.text.contains("@media print"))
        #expect(html.headers["Content-Security-Policy"]?.contains("style-src 'unsafe-inline'") == true)
        #expect(html.headers["Content-Security-Policy"]?.contains("script-src") == false, "no scripts allowed (default-src 'none')")

        let pay = await h.call(.POST, "/api/v1/billing/payments", body: #"{"invoice_id": \#(iid), "amount": {"amount": 12345, "currency": "USD"}}"#)
        #expect(pay.status == 201, "\(pay.text)")
        #expect(await h.call(.GET, "/api/v1/billing/invoices/\(iid)")["status"]?.stringValue == "paid")
        let listed = await h.call(.GET, "/api/v1/billing/payments")
        #expect(listed.data.map { $0["amount"]?.money?.0 } == [12_345])
        #expect(await h.call(.GET, "/api/v1/billing/payments", query: [("invoice_id", "\(iid)")]).data.count == 1)
        let voidPaid = await h.call(.POST, "/api/v1/billing/invoices/\(iid)/void", body: #"{"reason": "mistake"}"#)
        #expect(voidPaid.status == 409 && voidPaid.isProblem, "a paid invoice is refunded, not voided")

        let (open, _) = await h.finalInvoice(customer: c, minor: 500)
        let voided = await h.call(.POST, "/api/v1/billing/invoices/\(open)/void", body: #"{"reason": "duplicate"}"#)
        #expect(voided.status == 200, "\(voided.text)")
        #expect(voided["invoice"]?["status"]?.stringValue == "void")
        #expect(voided["credit_note"]?["amount"]?.money ?? (0, "") == (500, "USD"))
        #expect(await h.call(.GET, "/api/v1/billing/invoices", query: [("status", "void")]).data.count == 1)
        let newest = await h.call(.GET, "/api/v1/billing/invoices", query: [("latest", "true"), ("limit", "2")])
        #expect(newest.data.map { $0["id"]?.intValue } == [open, iid], "newest first")
        let newestOpen = await h.call(.GET, "/api/v1/billing/invoices", query: [("latest", "true"), ("status", "paid")])
        #expect(newestOpen.data.map { $0["id"]?.intValue } == [iid])
        #expect(await h.call(.GET, "/api/v1/billing/invoices", query: [("latest", "yes")]).errorFields == ["latest"])

        let cancel = await h.call(.POST, "/api/v1/billing/subscriptions/\(sid)/cancel", body: #"{"at_period_end": false}"#)
        #expect(cancel["status"]?.stringValue == "canceled")
        let usage = #"{"events": [{"event_id": "e1", "customer_id": \#(c), "metric": "api_requests", "quantity": 5}, {"event_id": "e1", "customer_id": \#(c), "metric": "api_requests", "quantity": 5}]}"#
        let u1 = await h.call(.POST, "/api/v1/billing/usage", body: usage)
        #expect(u1.int("accepted") == 1 && u1.int("duplicates") == 1, "\(u1.text)")
        let u2 = await h.call(.POST, "/api/v1/billing/usage", body: usage)
        #expect(u2.int("accepted") == 0 && u2.int("duplicates") == 2, "ingesting again changes nothing")
    }

    @Test func writesInvalidateRevenueAndAnalyticsAreWarm() throws {
        let h = try BillingAPIHarness()
        for route in h.router.routes {
            if route.method == .POST && route.template != "/api/v1/webhooks/stripe" {
                #expect(route.info.invalidates == ["revenue", "dashboard"], "\(route.template)")
                #expect(route.info.access == "admin")
            }
            if route.template.hasPrefix("/api/v1/revenue") && route.method == .GET || route.template == "/api/v1/dashboard" {
                #expect(route.info.cache == "warm", "\(route.template)")
            }
        }
        #expect(h.router.routes.first { $0.template == "/api/v1/webhooks/stripe" }?.info.access == "public")
    }

    @Test func fragmentListsExactlyTheBillingRoutes() throws {
        let h = try BillingAPIHarness()
        let data = try #require(FileManager.default.contents(atPath: repositoryRoot() + "/data/openapi.d/billing.json"))
        let fragment = try JSONValue.parse(Array(data))
        guard case .object(let paths)? = fragment["paths"] else { Issue.record("no paths"); return }
        var documented = Set<String>()
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations {
                documented.insert("\(method.uppercased()) \(path)")
                #expect(operation["summary"] != nil && operation["responses"] != nil, "\(method) \(path)")
                let route = h.router.routes.first { $0.method.rawValue == method.uppercased() && $0.template == path }
                #expect(operation["x-access"]?.stringValue == route?.info.access, "\(method) \(path)")
            }
        }
        #expect(documented == Set(h.router.routes.map { "\($0.method.rawValue) \($0.template)" }))
        let schemas = fragment["components"]?["schemas"]?.keys ?? []
        var rest = Substring(String(decoding: data, as: UTF8.self))
        var references = Set<String>()
        while let range = rest.range(of: "#/components/schemas/") {
            references.insert(String(rest[range.upperBound...].prefix { $0 != "\"" }))
            rest = rest[range.upperBound...]
        }
        #expect(references.subtracting(schemas).subtracting(["Problem", "Money"]).isEmpty)
    }
}
