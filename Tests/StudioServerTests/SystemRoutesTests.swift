import Accounts
import Content
import AccountsAPI
import Billing
import BillingAPI
import Crypto
import Glibc
import Graph
import HTTP
import Logging
import PublishingAPI
import StudioServer
import Testing

func makeApp(configuration: Configuration = Configuration()) throws -> StudioApp {
    let root = repositoryRoot()
    var template = Array("/tmp/studio-app-XXXXXX".utf8CString)
    let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    let graph = try GraphStore(directory: dir + "/graph", options: GraphStore.Options(initialMapSize: 1 << 20))
    return try StudioApp(
        configuration: configuration, dataDirectory: nil, resources: Resources(directory: root + "/data"),
        webRoot: root + "/web-static", logger: Logger(label: "test"), graph: graph)
}

/// The app with every module wired (accounts with cheap argon2, billing on a temporary database).
func makeFullApp() async throws -> StudioApp {
    let root = repositoryRoot()
    var template = Array("/tmp/studio-full-XXXXXX".utf8CString)
    let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    let graph = try GraphStore(directory: dir + "/graph", options: GraphStore.Options(initialMapSize: 1 << 20))
    var accountsConfiguration = AccountsConfiguration(dataDirectory: dir, commonPasswordsPath: nil)
    accountsConfiguration.passwordHashing = .cheapForTesting
    let accountStore = try AccountStore.open(path: AccountsSettings.databasePath(dataDirectory: dir), configuration: accountsConfiguration)
    let accounts = AccountsService(store: accountStore) { userID, _ in try CreatorNodes.findOrCreate(in: graph, userID: userID) }
    let billingSettings = try BillingSettings.make(dataDirectory: dir, dataFilesDirectory: root + "/data") { _ in nil }
    let billing = try BillingService(store: try await billingSettings.openStore(), stripeWebhookSecret: "whsec_test")
    let events = EventBus()
    let studio = try ContentStudio.open(configuration: Configuration(), dataDirectory: nil, resources: Resources(directory: root + "/data"),
                                        graph: graph, events: events, logger: Logger(label: "test"))
    return try StudioApp(
        configuration: Configuration(), dataDirectory: nil, resources: Resources(directory: root + "/data"),
        webRoot: root + "/web-static", logger: Logger(label: "test"), graph: graph, accounts: accounts, billing: billing,
        events: events, studio: studio,
            publishing: try PublishingService.open(dataDirectory: dir, catalog: studio.catalog, content: studio.content, logger: Logger(label: "test")) { _, _, _ in })
}

@Suite struct SystemRoutesTests {
    @Test func healthAndVersion() throws {
        let app = try makeApp()
        #expect(app.respond(Request(method: .GET, path: "/healthz")).status == 200)
        let version = try JSONValue.parse(app.respond(Request(method: .GET, path: "/api/v1/version")).bodyBytes)
        for key in ["version", "commit", "build_date", "uptime_seconds"] { #expect(version[key] != nil, "missing \(key)") }
    }

    @Test func readinessReportsTheFailingCheck() throws {
        let app = try makeApp()
        #expect(app.respond(Request(method: .GET, path: "/readyz")).status == 200)
        app.addReadinessCheck("graph") { "map file is read-only" }
        let response = app.respond(Request(method: .GET, path: "/readyz"))
        #expect(response.status == 503)
        #expect(String(decoding: response.bodyBytes, as: UTF8.self).contains("graph: map file is read-only"))
    }

    @Test func metricsAnswerLoopbackOnlyByDefault() throws {
        let app = try makeApp()
        _ = app.respond(Request(method: .GET, path: "/healthz"))
        let local = app.respond(Request(method: .GET, path: "/metrics", remoteAddress: "127.0.0.1"))
        #expect(local.status == 200)
        #expect(String(decoding: local.bodyBytes, as: UTF8.self).contains("# TYPE content_generation_duration_seconds histogram"))
        #expect(app.respond(Request(method: .GET, path: "/metrics", remoteAddress: "192.0.2.7")).status == 403)
    }

    @Test func metricsTokenMode() throws {
        var config = Configuration()
        try config.set("metrics.access", text: "token", source: "test")
        try config.set("metrics.token", text: "t0ken", source: "test")
        let app = try makeApp(configuration: config)
        #expect(app.respond(Request(method: .GET, path: "/metrics", remoteAddress: "192.0.2.7")).status == 401)
        var headers = Headers()
        headers["Authorization"] = "Bearer t0ken"
        #expect(app.respond(Request(method: .GET, path: "/metrics", headers: headers, remoteAddress: "192.0.2.7")).status == 200)
    }

    @Test func eventTypeFilterIsValidated() throws {
        let app = try makeApp()
        let bad = app.respond(Request(method: .GET, path: "/api/v1/events", query: [(name: "types", value: "<script>")]))
        #expect(bad.status == 400)
    }

    @Test func apiResponsesAreNotCachedAndLargeOnesGzip() throws {
        let app = try makeApp()
        var headers = Headers()
        headers["Accept-Encoding"] = "gzip"
        let doc = app.respond(Request(method: .GET, path: "/api/v1/openapi.json", headers: headers))
        #expect(doc.headers["Content-Encoding"] == "gzip")
        #expect(app.respond(Request(method: .GET, path: "/api/v1/version")).headers["Cache-Control"] == "private, no-cache")
        #expect(app.respond(Request(method: .GET, path: "/api/v1/nothing")).headers["Cache-Control"] == "no-store")
    }

    @Test func adminPageIsServedAtRoot() throws {
        let app = try makeApp()
        let page = app.respond(Request(method: .GET, path: "/"))
        #expect(page.status == 200)
        #expect(String(decoding: page.bodyBytes, as: UTF8.self).contains("Creator Studio"))
        #expect(app.respond(Request(method: .GET, path: "/../../etc/passwd")).status == 404)
    }
}

/// The shipped OpenAPI document and the router must list exactly the same operations.
@Suite struct OpenAPIDocumentTests {
    @Test func documentMatchesTheRoutes() async throws {
        let app = try await makeFullApp()
        let document = try #require(OpenAPIDocument.load(Resources(directory: repositoryRoot() + "/data")))
        #expect(document["openapi"] == .string("3.1.0"))
        guard case .object(let paths) = document["paths"] else { Issue.record("no paths"); return }
        var documented = Set<String>()
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let routed = Set(app.routes.routes.map { "\($0.method.rawValue) \($0.template)" })
        let undocumented = routed.subtracting(documented).sorted()
        let missing = documented.subtracting(routed).sorted()
        #expect(undocumented.isEmpty, "routes missing from data/openapi.json and data/openapi.d/: \(undocumented)")
        #expect(missing.isEmpty, "the OpenAPI document lists operations with no route: \(missing)")
    }
}
