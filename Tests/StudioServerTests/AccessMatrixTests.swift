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

/// Every operation of the OpenAPI document, called with no credentials and as a viewer, a
/// creator and an admin: each gets what the route's declared access allows, and nothing else.
@Suite struct AccessMatrixTests {
    struct Caller: Sendable {
        let name: String
        let role: HTTP.Principal.Role?
        let token: String?
    }

    @Test func everyDocumentedRouteEnforcesItsAccess() async throws {
        let root = repositoryRoot()
        var template = Array("/tmp/studio-matrix-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let graph = try GraphStore(directory: dir + "/graph", options: GraphStore.Options(initialMapSize: 1 << 20))
        var accountsConfiguration = AccountsConfiguration(dataDirectory: dir, commonPasswordsPath: nil)
        accountsConfiguration.passwordHashing = .cheapForTesting
        let store = try AccountStore.open(path: AccountsSettings.databasePath(dataDirectory: dir), configuration: accountsConfiguration)
        let accounts = AccountsService(store: store, configuration: AccountsAPIConfiguration(
            rateLimits: RateLimitPolicy(defaultPerMinute: 1_000_000, anonymousPerMinute: 1_000_000))) { userID, _ in
            try CreatorNodes.findOrCreate(in: graph, userID: userID)
        }
        let billingSettings = try BillingSettings.make(dataDirectory: dir, dataFilesDirectory: root + "/data") { _ in nil }
        let billing = try BillingService(store: try await billingSettings.openStore(), stripeWebhookSecret: "whsec_test")
        let events = EventBus()
        let studio = try ContentStudio.open(configuration: Configuration(), dataDirectory: nil, resources: Resources(directory: root + "/data"),
                                            graph: graph, events: events, logger: Logger(label: "test"))
        let app = try StudioApp(
            configuration: Configuration(), dataDirectory: nil, resources: Resources(directory: root + "/data"),
            webRoot: root + "/web-static", logger: Logger(label: "test"), graph: graph, accounts: accounts, billing: billing,
            events: events, studio: studio,
            publishing: try PublishingService.open(dataDirectory: dir, catalog: studio.catalog, content: studio.content, logger: Logger(label: "test")) { _, _, _ in })

        var callers = [Caller(name: "anonymous", role: nil, token: nil)]
        for role in [Accounts.Role.viewer, .creator, .admin] {
            let password = "matrix password \(role.rawValue) 2026"
            _ = try store.createUser(NewUser(email: "\(role.rawValue)@example.com", displayName: role.rawValue, role: role, password: password))
            let tokens = try store.signIn(email: "\(role.rawValue)@example.com", password: password)
            callers.append(Caller(name: role.rawValue, role: HTTP.Principal.Role(rawValue: role.rawValue), token: tokens.accessToken))
        }

        let document = try #require(OpenAPIDocument.load(Resources(directory: root + "/data")))
        guard case .object(let paths) = document["paths"] else { Issue.record("no paths"); return }
        let declared = Dictionary(app.routes.routes.map { ("\($0.method.rawValue) \($0.template)", $0.info.access) }, uniquingKeysWith: { a, _ in a })
        var operations: [(method: Method, path: String, access: String)] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard case .object(let ops) = item else { continue }
            for name in ops.keys.sorted() {
                guard let method = Method(rawValue: name.uppercased()) else { continue }
                let access = try #require(declared["\(method.rawValue) \(path)"], "\(method.rawValue) \(path) is documented but not routed")
                operations.append((method, path, access))
            }
        }
        #expect(operations.count == app.routes.routes.count)

        // Billing handlers block on their store: run the calls on a plain thread, not on the test's task.
        let allOperations = operations
        let allCallers = callers
        let results: [String] = await withCheckedContinuation { continuation in
            spawnThread {
                var failures: [String] = []
                for op in allOperations where op.path != "/api/v1/events" {
                    let concrete = op.path.replacing(#/\{[a-z_]+\}/#) { _ in "00000000-0000-0000-0000-000000000001" }
                    for caller in allCallers {
                        var headers = Headers()
                        if let token = caller.token { headers["Authorization"] = "Bearer \(token)" }
                        if op.method != .GET { headers["Content-Type"] = "application/json" }
                        let status = app.respond(Request(method: op.method, path: concrete, headers: headers, body: op.method == .GET ? [] : Array("{}".utf8))).status
                        let expected = AccessMatrixTests.expectation(access: op.access, method: op.method, caller: caller)
                        if let expected, !expected(status) {
                            failures.append("\(op.method.rawValue) \(op.path) [\(op.access)] as \(caller.name): \(status)")
                        }
                    }
                }
                continuation.resume(returning: failures)
            }
        }
        #expect(results.isEmpty, "\(results.joined(separator: "\n"))")
    }

    /// What a caller may get from a route with the given access: a predicate on the status.
    static func expectation(access: String, method: Method, caller: Caller) -> ((Int) -> Bool)? {
        let denied: (Int) -> Bool = { $0 == 401 || $0 == 403 }
        let allowed: (Int) -> Bool = { $0 != 401 && $0 != 403 && $0 != 500 }
        switch access {
        case "public":
            return { $0 != 500 }  // public routes may still refuse bad input, never crash
        case "self":
            return caller.role == nil ? { $0 == 401 } : { $0 != 401 && $0 != 500 }
        case "viewer", "creator", "admin":
            guard let role = caller.role else { return { $0 == 401 } }
            let needed = HTTP.Principal.Role(rawValue: access)!
            if role < needed { return denied }
            if method != .GET && method != .HEAD && role == .viewer { return { $0 == 403 } }
            return allowed
        default:
            return { $0 == 403 }
        }
    }
}

func spawnThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body))
    pthread_create(&thread, nil, { arg in
        Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
        return nil
    }, box.toOpaque())
    pthread_detach(thread)
}
