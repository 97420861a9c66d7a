import Cache
import HTTP

/// Caches GET responses of the JSON API in the tiered cache, per principal, and drops them
/// when a write to the same resource succeeds.
///
/// A route opts in with `RouteInfo(cache: "hot" | "warm" | "cold")`. The key holds the path,
/// the sorted query and the caller's identity, so one user's page is never served to
/// another. Each entry is tagged with its resource (`/api/v1/<resource>/…`); a successful
/// POST/PUT/PATCH/DELETE invalidates its own resource and the ones its route names in
/// `invalidates` before its response leaves, and a fill token taken before the handler
/// ran keeps a value computed before that write from being stored after it.
public final class ResponseCache: Sendable {
    /// The cache behind it (shared with graph reads and dashboard figures).
    public let cache: TieredCache

    /// A response cache over `cache`.
    public init(cache: TieredCache) {
        self.cache = cache
    }

    /// Drops every cached response of `resource` (for writes that do not come through HTTP).
    public func invalidate(resource: String) {
        cache.invalidate(tag: "res:" + resource)
    }

    /// The middleware; install it inside authentication so the principal is known.
    public var middleware: Middleware {
        { [cache] request, next in
            let resource = Self.resource(of: request.path)
            if request.method == .GET || request.method == .HEAD {
                guard let tierName = request.routeInfo?.cache, let tier = Self.tier(tierName), let resource else {
                    return try next(request)
                }
                let key = Self.key(request)
                if let hit = cache.get(key), let response = Self.decode(hit) {
                    var response = response
                    response.headers["X-Cache"] = "hit"
                    return response
                }
                let token = cache.fillToken()
                var response = try next(request)
                if response.status == 200, case .bytes(let body) = response.body {
                    let tags = ["res:" + resource, "principal:" + (request.principal?.userID ?? "anonymous")]
                    _ = try? cache.set(key, Self.encode(contentType: response.headers["Content-Type"] ?? "application/json", body: body), tier: tier, tags: tags, token: token)
                }
                response.headers["X-Cache"] = "miss"
                return response
            }
            let response = try next(request)
            if (200..<300).contains(response.status) {
                var resources = Set(request.routeInfo?.invalidates ?? [])
                if let resource { resources.insert(resource) }
                for name in resources { cache.invalidate(tag: "res:" + name) }
            }
            return response
        }
    }

    /// `graph` for `/api/v1/graph/nodes/4`.
    static func resource(of path: String) -> String? {
        guard path.hasPrefix("/api/v1/") else { return nil }
        let rest = path.dropFirst("/api/v1/".count)
        let name = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return name.isEmpty ? nil : name
    }

    static func tier(_ name: String) -> CacheTier? {
        switch name {
        case "hot": .hot
        case "warm": .warm
        case "cold": .cold
        default: nil
        }
    }

    static func key(_ request: Request) -> String {
        let who: String
        if let principal = request.principal {
            who = "\(principal.userID)/\(principal.role.rawValue)/\(principal.scopes.map(\.rawValue).sorted().joined(separator: ","))"
        } else {
            who = "anonymous"
        }
        let query = request.query.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: "&")
        return "http|\(who)|\(request.path)?\(query)"
    }

    static func encode(contentType: String, body: [UInt8]) -> [UInt8] {
        let type = Array(contentType.utf8.prefix(255))
        return [UInt8(type.count)] + type + body
    }

    static func decode(_ bytes: CachedBytes) -> Response? {
        guard let first = bytes.first else { return nil }
        let typeLength = Int(first)
        guard bytes.count >= 1 + typeLength else { return nil }
        let start = bytes.startIndex
        let type = String(decoding: bytes[(start + 1)..<(start + 1 + typeLength)], as: UTF8.self)
        var headers = Headers()
        headers["Content-Type"] = type
        return Response(status: 200, headers: headers, body: Array(bytes[(start + 1 + typeLength)...]))
    }
}
