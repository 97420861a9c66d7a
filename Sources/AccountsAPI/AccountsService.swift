import Accounts
import FoundationEssentials
import HTTP
import Synchronization

/// The HTTP surface of accounts: the authentication and authorisation middleware, and the
/// `/api/v1/auth`, `/me`, `/users`, `/api-keys`, `/setup`, `/audit` and `/.well-known/jwks.json` routes.
///
/// Install the middleware on the app's router **before** the response cache (so cache keys
/// include the principal) and after anything that only decorates responses; then install the routes:
///
/// ```swift
/// let store = try AccountStore.open(path: AccountsSettings.databasePath(dataDirectory: dir), configuration: settings.store)
/// let accounts = AccountsService(store: store, configuration: settings.api) { userID, displayName in
///     try graph.findOrCreateCreator(userID: userID, name: displayName)   // idempotent
/// }
/// router.use(outerHeadersMiddleware)
/// router.use(accounts.middleware)       // authenticates, rate limits, enforces RouteInfo.access
/// router.use(responseCache.middleware)
/// accounts.install(on: &router)
/// ```
///
/// Access levels read from ``RouteInfo/access``:
/// - `public`: anyone; credentials, when sent, must still be valid (a bad token is 401).
/// - `viewer`, `creator`, `admin`: the caller's role must be at least that; reads (GET/HEAD) need the
///   `read` scope, anything else `write`, and `admin` routes also the `admin` scope. A session holds every
///   scope of its role; an API key only the scopes it was made with.
/// - `self`: any signed-in caller acting on their own account (`/me`, their API keys). Reads need `read`;
///   changes need a signed-in session, never an API key (a key cannot mint keys or change a password).
/// - anything else: refused (403), so a typo never opens a route.
///
/// No credentials → 401; too low a role or scope → 403. Every response under a protected prefix
/// (`/api/`) carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; an exhausted
/// bucket answers 429 with `Retry-After`. Buckets are per API key, else per user, else per client address.
public final class AccountsService: Sendable {
    /// The store behind every route.
    public let store: AccountStore
    /// Settings of the HTTP surface.
    public let configuration: AccountsAPIConfiguration
    /// The token buckets (shared by every request).
    public let rateLimiter: RateLimiter
    let onCreatorCreated: (@Sendable (UUID, String) throws -> UInt64?)?
    let creatorNodes = Mutex<[UUID: UInt64]>([:])
    let creatorNodeFailures = Mutex<[UUID: Double]>([:])
    let hookFailures = Atomic<Int>(0)
    /// Recently read users for `GET /me` (a store read costs far more than the rest of the request).
    /// Changes made through these routes drop the entry at once; changes from other processes
    /// (`studio user create` never changes an existing user) show within ``userCacheSeconds``.
    let userCache = Mutex<[UUID: (user: User, at: Double)]>([:])
    let userCacheSeconds: Double = 5

    /// Creates the service.
    /// - Parameters:
    ///   - store: the open Accounts store.
    ///   - configuration: rate limits, cookie and proxy settings.
    ///   - rateLimiter: a limiter to share (tests pass one on a manual clock); by default one is made from
    ///     `configuration.rateLimits` on the store's clock.
    ///   - onCreatorCreated: called with a creator's user id and display name; returns the id of their
    ///     `:Creator` graph node. It must be idempotent (find or create): it runs when a creator is created
    ///     or promoted through the API, and again lazily on a creator's first request when the node is not
    ///     known yet (users made by `studio user create`, or after a failure). An error leaves the user
    ///     without a node for ``AccountsAPIConfiguration/creatorNodeRetrySeconds`` and never fails the request.
    public init(store: AccountStore, configuration: AccountsAPIConfiguration = AccountsAPIConfiguration(), rateLimiter: RateLimiter? = nil,
                onCreatorCreated: (@Sendable (UUID, String) throws -> UInt64?)? = nil) {
        self.store = store
        self.configuration = configuration
        self.rateLimiter = rateLimiter ?? RateLimiter(policy: configuration.rateLimits, clock: store.clock)
        self.onCreatorCreated = onCreatorCreated
    }

    /// The authentication, rate-limit and authorisation middleware (see the type's discussion).
    public var middleware: Middleware {
        { [self] request, next in try self.guardRequest(request, next) }
    }

    /// Adds the accounts routes to `router`.
    public func install(on router: inout Router) {
        AuthRoutes.install(on: &router, service: self)
        UserRoutes.install(on: &router, service: self)
        APIKeyRoutes.install(on: &router, service: self)
        AuditRoutes.install(on: &router, service: self)
    }

    /// The graph node of a creator, asking the app's hook when it is not known yet; nil for others.
    public func creatorNode(for userID: UUID, role: Role, displayName: () -> String? = { nil }) -> UInt64? {
        guard role == .creator else { return nil }
        if let known = creatorNodes.withLock({ $0[userID] }) { return known }
        guard let hook = onCreatorCreated else { return nil }
        let now = store.clock.now().timeIntervalSince1970
        if let failedAt = creatorNodeFailures.withLock({ $0[userID] }), now - failedAt < configuration.creatorNodeRetrySeconds { return nil }
        let name = displayName() ?? ((try? store.user(id: userID))??.displayName ?? "")
        do {
            if let node = try hook(userID, name) {
                creatorNodes.withLock { $0[userID] = node }
                creatorNodeFailures.withLock { _ = $0.removeValue(forKey: userID) }
                return node
            }
            return nil
        } catch {
            hookFailures.add(1, ordering: .relaxed)
            creatorNodeFailures.withLock { $0[userID] = now }
            return nil
        }
    }

    /// How many times the creator-node hook failed since start (for `/metrics`).
    public var creatorNodeHookFailures: Int { hookFailures.load(ordering: .relaxed) }

    /// Maps a store principal to the HTTP layer's principal (role, scopes, key id, creator node).
    public func httpPrincipal(_ principal: Accounts.Principal) -> HTTP.Principal {
        HTTP.Principal(userID: principal.userID.uuidString.lowercased(),
                       role: HTTP.Principal.Role(rawValue: principal.role.rawValue) ?? .viewer,
                       scopes: Set(principal.scopes.compactMap { HTTP.Principal.Scope(rawValue: $0.rawValue) }),
                       creatorNode: creatorNode(for: principal.userID, role: principal.role),
                       apiKeyID: principal.apiKeyID?.uuidString.lowercased())
    }

    /// The client address used for rate limits, throttling and the audit log.
    public func clientAddress(_ request: Request) -> String {
        if configuration.trustForwardedFor, let forwarded = request.headers["X-Forwarded-For"],
           let lastPart = forwarded.split(separator: ",").last, case let last = String(lastPart).trimming(" "), !last.isEmpty, last.utf8.count <= 64 {
            return last
        }
        return request.remoteAddress
    }

    /// The user with `id`, from the short-lived cache or the store.
    func cachedUser(_ id: UUID) throws(AccountsError) -> User? {
        let now = store.clock.now().timeIntervalSince1970
        if let entry = userCache.withLock({ $0[id] }), now - entry.at < userCacheSeconds, now >= entry.at { return entry.user }
        guard let user = try store.user(id: id) else {
            forgetUser(id)
            return nil
        }
        userCache.withLock { cache in
            if cache.count >= 10_000 { cache.removeAll(keepingCapacity: true) }
            cache[id] = (user, now)
        }
        return user
    }

    /// Drops a cached user after a change.
    func forgetUser(_ id: UUID) {
        _ = userCache.withLock { $0.removeValue(forKey: id) }
    }

    // MARK: The middleware

    func guardRequest(_ request: Request, _ next: Handler) throws -> Response {
        let access = request.routeInfo?.access ?? "public"
        let protected = configuration.protectedPrefixes.contains { request.path.hasPrefix($0) }
        guard protected || access != "public" else { return try next(request) }
        var request = request
        let ip = clientAddress(request)
        var principal: Accounts.Principal?
        var failure: APIError?
        if let header = request.headers["Authorization"] {
            do {
                principal = try authenticate(header)
            } catch {
                failure = error
            }
        }
        let decision = rateLimiter.check(principal: principal, ip: ip)
        var response: Response
        if !decision.allowed {
            response = APIError.tooManyRequests(retryAfterSeconds: decision.retryAfterSeconds ?? 1).response(instance: request.path)
        } else if let failure {
            response = failure.response(instance: request.path)
        } else if let denial = Self.authorize(principal, access: access, method: request.method) {
            response = denial.response(instance: request.path)
        } else {
            if let principal {
                request.context[AccountsPrincipalKey.self] = principal
                request.principal = httpPrincipal(principal)
            }
            response = try next(request)
        }
        if response.status == 401 || response.status == 403 || response.status == 429 {
            response.headers["Cache-Control"] = "no-store"
        }
        if protected {
            response.headers["RateLimit-Limit"] = String(decision.limit)
            response.headers["RateLimit-Remaining"] = String(decision.remaining)
            response.headers["RateLimit-Reset"] = String(decision.resetSeconds)
        }
        return response
    }

    /// Reads `Authorization: Bearer <credential>`; any other scheme or a bad credential is 401.
    func authenticate(_ header: String) throws(APIError) -> Accounts.Principal {
        let value = header.trimming(" ")
        guard value.utf8.count >= 7, value.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized("Send Authorization: Bearer <access token or API key>.")
        }
        let credential = String(value.dropFirst(7)).trimming(" ")
        guard !credential.isEmpty else { throw APIError.unauthorized("The bearer credential is empty.") }
        guard credential.utf8.count <= 8192 else {
            var problem = APIError.unauthorized("The bearer credential is too long.")
            problem.type = "invalid-token"
            throw problem
        }
        do {
            return try store.authenticate(bearer: credential)
        } catch {
            if let problem = APIError.from(error) { throw problem }
            // A storage failure while checking a key: do not let the request through, do not leak why.
            throw APIError.unavailable("Credentials cannot be checked right now; try again.")
        }
    }

    /// The access rule (see the type's discussion); nil when allowed.
    static func authorize(_ principal: Accounts.Principal?, access: String, method: HTTP.Method) -> APIError? {
        if access == "public" { return nil }
        guard let principal else {
            return APIError.unauthorized("This route needs credentials: sign in, or send Authorization: Bearer <access token or API key>.")
        }
        let isRead = method == .GET || method == .HEAD
        if access == "self" {
            if isRead {
                return principal.has(.read) ? nil : APIError.forbidden("This credential lacks the read scope.")
            }
            return principal.apiKeyID == nil ? nil : APIError.forbidden("API keys cannot change accounts or keys; sign in to do this.")
        }
        guard let needed = Role(rawValue: access) else {
            return APIError.forbidden("This route declares an unknown access level and is closed.")
        }
        guard principal.role >= needed else {
            return APIError.forbidden("This route needs the \(needed.rawValue) role; you are \(principal.role == .admin ? "an" : "a") \(principal.role.rawValue).")
        }
        let scope: Scope = isRead ? .read : .write
        guard principal.has(scope) else {
            return APIError.forbidden("This credential lacks the \(scope.rawValue) scope.")
        }
        if needed == .admin, !principal.has(.admin) {
            return APIError.forbidden("This credential lacks the admin scope.")
        }
        return nil
    }
}

/// The request-context key for the store's own principal (handlers in this module use it to act as the caller).
public enum AccountsPrincipalKey: RequestContextKey {
    /// The principal as the Accounts store knows it.
    public typealias Value = Accounts.Principal
}

extension Request {
    /// The caller as the Accounts store knows it, or 401.
    func accountsPrincipal() throws(APIError) -> Accounts.Principal {
        guard let principal = context[AccountsPrincipalKey.self] else { throw APIError.unauthorized() }
        return principal
    }
}

/// Shared response helpers.
extension Response {
    /// Marks a response as never to be stored by any cache (tokens, keys, account data).
    func noStore() -> Response {
        var copy = self
        copy.headers["Cache-Control"] = "no-store"
        copy.headers["Pragma"] = "no-cache"
        return copy
    }
}
