import Billing
import BillingAPI
import Foundation
import HTTP
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The repository root (`/work/main`), found from this file's real location (the side package links it).
func repositoryRoot(_ file: String = #filePath) -> String {
    var resolved = [CChar](repeating: 0, count: Int(PATH_MAX))
    let path = realpath(file, &resolved) != nil ? resolved.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : file
    var parts = path.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

let webhookSecret = "whsec_api_test"

/// 2026-01-01T12:00:00Z.
let startOfTest = Date(timeIntervalSince1970: 1_767_268_800)

/// A billing store in a fresh temporary directory (shipped catalogue and tax table, seller in Germany) with
/// the billing routes on a router. The clock is manual so webhook timestamps and billing periods are exact.
final class BillingAPIHarness: @unchecked Sendable {
    let directory: String
    let clock = ManualBillingClock(startOfTest)
    let service: BillingService
    let router: Router

    init(extras: (@Sendable () -> JSONValue)? = nil, secret: String? = webhookSecret) throws {
        var template = Array((NSTemporaryDirectory() + "billingapi.XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: p!)
        let root = repositoryRoot()
        let tax = try TaxTable.load(path: root + "/data/tax_rates.csv", sellerCountry: "DE")
        let configuration = BillingConfiguration(seller: SellerDetails(name: "Studio GmbH", address: ["Hauptstr. 1", "10115 Berlin"], country: "DE", vatID: "DE123456789"))
        let store = try BillingStore.open(path: directory + "/billing.sqlite3", configuration: configuration, taxTable: tax, clock: clock)
        service = try BillingService(store: store, stripeWebhookSecret: secret, dashboardExtras: extras)
        var router = Router()
        service.install(on: &router)
        self.router = router
    }

    func seedCatalogue() async throws {
        _ = try await service.store.seedCatalogue(try CatalogueFile.load(path: repositoryRoot() + "/data/plans.json"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// One request through the router, answered on a plain thread (route handlers block; the daemon runs
    /// them on the HTTP server's threads, never on the concurrency pool).
    @discardableResult
    func call(_ method: HTTP.Method, _ path: String, query: [(String, String)] = [], body: String? = nil,
              contentType: String = "application/json", headers extra: [(String, String)] = []) async -> Reply {
        var headers = Headers()
        if body != nil { headers["Content-Type"] = contentType }
        for (k, v) in extra { headers[k] = v }
        let request = Request(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers,
                              body: body.map { Array($0.utf8) } ?? [])
        let router = self.router
        return await withCheckedContinuation { (c: CheckedContinuation<Reply, Never>) in
            let thread = Thread { c.resume(returning: Reply(router.respond(request))) }
            thread.start()
        }
    }

    /// Creates a USD customer through the API and returns its id.
    func customer(_ name: String = "Ada", country: String = "US", currency: String = "USD") async -> Int64 {
        let r = await call(.POST, "/api/v1/billing/customers",
                           body: #"{"name": "\#(name)", "email": "\#(name.lowercased())@example.com", "country": "\#(country)", "currency": "\#(currency)"}"#)
        #expect(r.status == 201, "creating a customer: \(r.text)")
        return r.int("id") ?? -1
    }

    /// Creates and finalises a one-off invoice of `minor` USD cents; returns (id, number).
    func finalInvoice(customer: Int64, minor: Int64) async -> (Int64, String) {
        let draft = await call(.POST, "/api/v1/billing/invoices",
                               body: #"{"customer_id": \#(customer), "items": [{"description": "Consulting", "amount": {"amount": \#(minor), "currency": "USD"}}]}"#)
        #expect(draft.status == 201, "draft: \(draft.text)")
        let id = draft.int("id") ?? -1
        let final = await call(.POST, "/api/v1/billing/invoices/\(id)/finalize")
        #expect(final.status == 200, "finalize: \(final.text)")
        if case .string(let n)? = final["number"] { return (id, n) }
        return (id, "")
    }
}

/// A response with its body parsed.
struct Reply: Sendable {
    let status: Int
    let headers: Headers
    let text: String
    let json: JSONValue?

    init(_ response: Response) {
        status = response.status
        headers = response.headers
        text = String(decoding: response.bodyBytes, as: UTF8.self)
        json = try? JSONValue.parse(response.bodyBytes)
    }

    subscript(key: String) -> JSONValue? { json?[key] }

    func int(_ key: String) -> Int64? {
        if case .int(let i)? = json?[key] { return i }
        return nil
    }

    var data: [JSONValue] {
        if case .array(let items)? = json?["data"] { return items }
        return []
    }

    var errorFields: [String] {
        guard case .array(let errors)? = json?["errors"] else { return [] }
        return errors.compactMap { if case .string(let f)? = $0["field"] { f } else { nil } }
    }

    var isProblem: Bool { headers["Content-Type"] == "application/problem+json" }
}

extension JSONValue {
    var intValue: Int64? {
        if case .int(let i) = self { return i }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var keys: Set<String> {
        if case .object(let members) = self { return Set(members.keys) }
        return []
    }

    /// `{"amount": n, "currency": c}` as (n, c).
    var money: (Int64, String)? {
        guard let a = self["amount"]?.intValue, let c = self["currency"]?.stringValue, keys == ["amount", "currency"] else { return nil }
        return (a, c)
    }
}
