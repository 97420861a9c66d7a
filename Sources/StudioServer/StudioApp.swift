import AccountsAPI
import BillingAPI
import BuildInfo
import Cache
import Glibc
import Cypher
import Graph
import GraphAPI
import HTTP
import Logging
import PublishingAPI

/// The daemon's application: every route, the middleware, and what they share.
///
/// Build it with the stores opened by the caller, then hand ``respond(_:)`` to an
/// ``HTTPServer`` (or call it directly in tests: the router needs no socket).
public final class StudioApp: Sendable {
    /// Settings in force.
    public let configuration: Configuration
    /// The locked data directory (nil in tests that need no disk).
    public let dataDirectory: DataDirectory?
    /// Server-Sent Events fan-out.
    public let events: EventBus
    /// Prometheus metrics.
    public let metrics: StudioMetrics
    /// The tiered in-process cache (responses, graph reads, dashboard figures).
    public let cache: TieredCache
    /// Cached API responses, invalidated by writes.
    public let responseCache: ResponseCache
    /// Shipped data files (`data/`): OpenAPI document, platform profiles, plans…
    public let resources: Resources
    let logger: Logger
    let staticFiles: StaticFiles?
    let startedAt: Double
    let startedAtText: String
    let readinessChecks: Locked<[(String, @Sendable () -> String?)]>
    /// `data/openapi.json` with every `data/openapi.d/*.json` fragment merged in, serialised once.
    public let openAPIDocument: [UInt8]?
    /// The complete router (middleware, routes, static files). Written once at the end of
    /// `init`, before the app is shared, and only read after: safe without a lock.
    public nonisolated(unsafe) private(set) var routes = Router()

    /// Wires the application.
    /// Accounts: authentication, authorisation, rate limits and the account routes (nil: no sign-in, tests only).
    public let accounts: AccountsService?

    public init(configuration: Configuration, dataDirectory: DataDirectory?, resources: Resources, webRoot: String?, logger: Logger,
                graph: GraphStore? = nil, accounts: AccountsService? = nil, billing: BillingService? = nil,
                events: EventBus? = nil, metrics: StudioMetrics? = nil, studio: ContentStudio? = nil, publishing: PublishingService? = nil) throws {
        self.accounts = accounts
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.resources = resources
        self.logger = logger
        self.events = events ?? EventBus()
        self.metrics = metrics ?? StudioMetrics()
        self.cache = try TieredCache(configuration: TieredCache.Configuration(
            hot: TierConfiguration(ttl: .seconds(configuration.int("cache.hot_ttl_seconds")), byteBudget: configuration.int("cache.hot_bytes")),
            warm: TierConfiguration(ttl: .seconds(configuration.int("cache.warm_ttl_seconds")), byteBudget: configuration.int("cache.warm_bytes")),
            cold: TierConfiguration(ttl: .seconds(configuration.int("cache.cold_ttl_seconds")), byteBudget: configuration.int("cache.cold_bytes"))))
        self.responseCache = ResponseCache(cache: cache)
        self.metrics.observe(cache)
        self.staticFiles = try webRoot.map { path throws(HTTPServerError) in try StaticFiles(root: path) }
        self.startedAt = monotonicSeconds()
        self.startedAtText = RFC3339.now()
        var checks: [(String, @Sendable () -> String?)] = []
        if let dataDirectory { checks.append(("data_dir", { dataDirectory.probeWritable() })) }
        self.readinessChecks = Locked(checks)
        self.openAPIDocument = OpenAPIDocument.load(resources).map { $0.serialized() }
        var router = Router()
        StudioApp.installMiddleware(&router, configuration: configuration)
        if let accounts {
            // Before the cache: cache keys include the principal the middleware sets.
            router.use(accounts.middleware)
        }
        router.use(responseCache.middleware)
        SystemRoutes.install(on: &router, app: self)
        accounts?.install(on: &router)
        billing?.install(on: &router)
        studio?.install(on: &router)
        publishing?.install(on: &router)
        if let graph {
            GraphRoutes.install(on: &router, store: graph, configuration: GraphAPIConfiguration(
                maxDepth: configuration.int("graph.max_depth"), maxPageSize: configuration.int("graph.max_page_size")))
            QueryRoutes.install(on: &router, store: graph, engine: CypherEngine(), limits: QueryRoutes.Limits(
                timeout: .seconds(configuration.int("graph.query_timeout_seconds")), maxRows: configuration.int("graph.query_max_rows")))
        }
        if let staticFiles {
            router.fallback = { request in try staticFiles.respond(request) }
            router.fallbackExcludes = ["/api/", "/metrics"]
        }
        routes = router
    }

    /// Adds a readiness check: returns nil when fine, else the reason it is not ready.
    public func addReadinessCheck(_ name: String, _ check: @escaping @Sendable () -> String?) {
        readinessChecks.withLock { $0.append((name, check)) }
    }

    /// Answers one request.
    public func respond(_ request: Request) -> Response {
        routes.respond(request)
    }

    /// Seconds since start.
    public var uptimeSeconds: Double { monotonicSeconds() - startedAt }

    static func installMiddleware(_ router: inout Router, configuration: Configuration) {
        // Outermost: what every response needs — caching headers, validators, compression.
        router.use { request, next in
            var response = try next(request)
            if response.headers["X-Content-Type-Options"] == nil { response.headers["X-Content-Type-Options"] = "nosniff" }
            guard case .bytes(let body) = response.body else { return response }
            let isRead = request.method == .GET || request.method == .HEAD
            if request.path.hasPrefix("/api/"), response.headers["Cache-Control"] == nil {
                // Reads may be kept by the caller's own browser but must be revalidated (ETag);
                // writes and errors are never stored.
                response.headers["Cache-Control"] = isRead && response.status == 200 ? "private, no-cache" : "no-store"
            }
            if isRead, response.status == 200, response.headers["ETag"] == nil,
               let type = response.headers["Content-Type"], type.contains("json") {
                response.headers["ETag"] = EntityTag.strong(body)
            }
            if isRead, response.status == 200, let etag = response.headers["ETag"], let inm = request.headers["If-None-Match"],
               EntityTag.matches(inm, etag) {
                var notModified = Response(status: 304)
                for name in ["ETag", "Cache-Control", "Vary", "Content-Type", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
                    notModified.headers[name] = response.headers[name]
                }
                return notModified
            }
            if body.count > 1024, response.headers["Content-Encoding"] == nil,
               let type = response.headers["Content-Type"], type.contains("json") || type.hasPrefix("text/"),
               Gzip.accepted(by: request.headers["Accept-Encoding"]), let compressed = Gzip.compress(body, level: 6) {
                response.body = .bytes(compressed)
                response.headers["Content-Encoding"] = "gzip"
                response.headers.add("Vary", "Accept-Encoding")
                if let etag = response.headers["ETag"], etag.hasSuffix("\"") { response.headers["ETag"] = String(etag.dropLast()) + "-gzip\"" }
            }
            return response
        }
    }
}

/// Strong entity tags for JSON bodies.
public enum EntityTag {
    /// A strong validator from the body's bytes (FNV-1a 64 and length).
    public static func strong(_ body: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in body { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return "\"\(String(hash, radix: 16))-\(String(body.count, radix: 16))\""
    }

    /// Whether an `If-None-Match` value matches `etag` (the gzip variant of a tag matches too).
    public static func matches(_ ifNoneMatch: String, _ etag: String) -> Bool {
        let plain = etag.replacing("-gzip\"", with: "\"")
        for candidate in ifNoneMatch.split(separator: ",") {
            let tag = String(candidate).trimming(" ")
            if tag == "*" || tag == etag || tag == plain || tag.replacing("-gzip\"", with: "\"") == plain { return true }
        }
        return false
    }
}

/// Where the shipped data files live.
public struct Resources: Sendable {
    /// The folder holding `openapi.json`, `platforms.json`, `plans.json`…
    public let directory: String

    /// Resources in `directory`.
    public init(directory: String) { self.directory = directory }

    /// The bytes of a shipped file, or nil.
    public func read(_ name: String) -> [UInt8]? {
        StaticFiles.readFile(directory + "/" + name, limit: 64 << 20)
    }

    /// The path of a shipped file when it exists.
    public func path(_ name: String) -> String? {
        let candidate = directory + "/" + name
        return access(candidate, R_OK) == 0 ? candidate : nil
    }

    /// Finds the shipped folder: `explicit` if given, else `./<name>` when it exists, else `<binary>/../share/studio/<name>`.
    public static func locate(_ name: String, explicit: String) -> String? {
        if !explicit.isEmpty { return explicit }
        if access(name, F_OK) == 0 { return name }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        if n > 0 {
            let exe = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            var parts = exe.split(separator: "/", omittingEmptySubsequences: false)
            parts.removeLast(2)
            let candidate = parts.joined(separator: "/") + "/share/studio/" + name
            if access(candidate, F_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// RFC 3339 timestamps in UTC.
public enum RFC3339 {
    /// Now, to the second.
    public static func now() -> String { format(epochSeconds: Int(time(nil))) }

    /// `2026-12-01T18:59:58Z` for a Unix time.
    public static func format(epochSeconds: Int) -> String {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int32, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))Z"
    }
}
