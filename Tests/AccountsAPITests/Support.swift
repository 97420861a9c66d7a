import Accounts
import AccountsAPI
import Crypto
import Foundation
import Glibc
import HTTP
import Synchronization
import Testing

/// A store on a temporary directory (cheap argon2, fixed RSA key, manual clock), the service's middleware
/// and routes on a router, and dummy routes of each access level that echo the principal they see.
final class Harness: @unchecked Sendable {
    // @unchecked: tests use one harness from one test function at a time.
    let directory: String
    let clock: ManualAccountsClock
    let store: AccountStore
    let service: AccountsService
    let router: Router

    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let password = "tangerine-orbit-lantern-42"
    /// One RSA key for every harness: generating 2048-bit keys costs tens of milliseconds each.
    static let fixedKey: RSAPrivateKey = try! RSAPrivateKey.generate()
    static let otherKey: RSAPrivateKey = try! RSAPrivateKey.generate()

    init(rateLimits: RateLimitPolicy = RateLimitPolicy(defaultPerMinute: 100_000, anonymousPerMinute: 100_000),
         configure: (inout AccountsAPIConfiguration) -> Void = { _ in }) throws {
        directory = "/tmp/accountsapi-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        mkdir(directory, 0o700)
        clock = ManualAccountsClock(Self.start)
        var config = AccountsConfiguration(dataDirectory: directory, commonPasswordsPath: Self.commonPasswordsPath)
        config.passwordHashing = .cheapForTesting
        config.usageFlushInterval = 0
        config.initialSigningKey = Self.fixedKey
        store = try AccountStore.open(path: AccountsSettings.databasePath(dataDirectory: directory), configuration: config, clock: clock)
        var api = AccountsAPIConfiguration(rateLimits: rateLimits)
        configure(&api)
        let calls = HookCalls()
        hookCalls = calls
        let service = AccountsService(store: store, configuration: api) { userID, _ in
            calls.ids.withLock { ids in
                if let index = ids.firstIndex(of: userID) { return 1000 + UInt64(index) }  // idempotent, as the app's must be
                ids.append(userID)
                return 1000 + UInt64(ids.count - 1)
            }
        }
        self.service = service
        var router = Router()
        router.use(service.middleware)
        service.install(on: &router)
        for access in ["public", "viewer", "creator", "admin"] {
            let echo: Handler = { request in
                guard let p = request.principal else { return .json(.object(["principal": .null])) }
                return .json(.object(["user_id": .string(p.userID), "role": .string(p.role.rawValue),
                                      "scopes": .array(p.scopes.map(\.rawValue).sorted().map { .string($0) }),
                                      "creator_node": p.creatorNode.map { .int(Int64($0)) } ?? .null]))
            }
            router.get("/api/v1/dummy/\(access)", RouteInfo(summary: "dummy", access: access), echo)
            router.post("/api/v1/dummy/\(access)", RouteInfo(summary: "dummy", access: access), echo)
        }
        router.get("/outside", RouteInfo(summary: "outside the API prefix")) { _ in .text("ok") }
        self.router = router
    }
    private let hookCalls: HookCalls

    /// Creators the hook was asked about (each once, however often it ran).
    var creatorHookUsers: [UUID] { hookCalls.ids.withLock { $0 } }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// One request through the router.
    @discardableResult
    func call(_ method: HTTP.Method, _ path: String, query: [(String, String)] = [], body: String? = nil, bearer: String? = nil,
              headers extra: [(String, String)] = [], ip: String = "203.0.113.9") -> Reply {
        var headers = Headers()
        if body != nil { headers["Content-Type"] = "application/json" }
        if let bearer { headers["Authorization"] = "Bearer \(bearer)" }
        for (name, value) in extra { headers.add(name, value) }
        let request = Request(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers,
                              body: body.map { Array($0.utf8) } ?? [], remoteAddress: ip)
        return Reply(router.respond(request))
    }

    /// Creates a user from the shell side (no actor) and returns it.
    @discardableResult
    func user(_ email: String, role: Role, password: String = Harness.password) throws -> User {
        try store.createUser(NewUser(email: email, displayName: "Test \(role.rawValue)", role: role, password: password))
    }

    /// Signs in through the API and returns the token response.
    func login(_ email: String, password: String = Harness.password) -> Reply {
        call(.POST, "/api/v1/auth/login", body: json(["email": email, "password": password]))
    }

    /// A fresh user of `role` and its access token.
    func session(_ role: Role, email: String? = nil) throws -> (user: User, token: String) {
        let address = email ?? "\(role.rawValue)-\(UUID().uuidString.prefix(6))@example.com"
        let user = try self.user(address, role: role)
        let reply = login(address)
        #expect(reply.status == 200, "login: \(reply.text)")
        return (user, reply.string("access_token") ?? "")
    }

    /// An API key for `token`'s user with `scopes`.
    func apiKey(token: String, scopes: [String], name: String = "script") -> (secret: String, id: String) {
        let reply = call(.POST, "/api/v1/api-keys", body: #"{"name": "\#(name)", "scopes": [\#(scopes.map { "\"\($0)\"" }.joined(separator: ","))]}"#, bearer: token)
        #expect(reply.status == 201, "create key: \(reply.text)")
        return (reply.string("secret") ?? "", reply.string("id") ?? "")
    }

    static var commonPasswordsPath: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard realpath(#filePath, &buffer) != nil else { return "data/common-passwords.txt" }
        let real = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let root = real.split(separator: "/").dropLast(3).joined(separator: "/")
        return "/" + root + "/data/common-passwords.txt"
    }
}

/// What the fake creator-node hook has seen.
final class HookCalls: Sendable {
    let ids = Mutex<[UUID]>([])
}

/// A JSON object literal from string members (escaped properly).
func json(_ members: [String: String]) -> String {
    JSONValue.object(members.mapValues { .string($0) }).text
}

/// A response with its body parsed.
struct Reply {
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

    func string(_ key: String) -> String? {
        if case .string(let s)? = json?[key] { return s }
        return nil
    }

    func int(_ key: String) -> Int64? {
        if case .int(let n)? = json?[key] { return n }
        return nil
    }

    var errorFields: [String] {
        guard case .array(let items)? = json?["errors"] else { return [] }
        return items.compactMap { if case .string(let f)? = $0["field"] { f } else { nil } }
    }

    var problemType: String? { string("type") }

    var setCookies: [String] { headers.filter { $0.name.caseInsensitiveEquals("Set-Cookie") }.map(\.value) }

    /// Everything a client sees: status line values, every header and the body.
    var everything: String { headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n") + "\n" + text }
}
