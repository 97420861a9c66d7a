/// A request handler: a function from a request to a response.
public typealias Handler = @Sendable (Request) throws -> Response

/// A middleware wraps every routed request: it may answer itself or call `next`.
public typealias Middleware = @Sendable (Request, Handler) throws -> Response

/// What a route declares about itself: documentation and who may call it.
public struct RouteInfo: Sendable {
    /// One-line summary (OpenAPI `summary`).
    public var summary: String
    /// Who may call it: `public`, `viewer`, `creator`, `admin` (the app's authorisation reads it).
    public var access: String
    /// Whether the route reads a JSON body (so a wrong `Content-Type` is 415).
    public var acceptsJSON: Bool
    /// For GET routes: the cache tier (`hot`, `warm`, `cold`) its responses may be kept in, or nil for none.
    public var cache: String?
    /// For write routes: resource names (`/api/v1/<resource>/…`) whose cached responses a successful
    /// call makes stale, besides its own.
    public var invalidates: [String]

    /// Route information.
    public init(summary: String, access: String = "public", acceptsJSON: Bool = false, cache: String? = nil, invalidates: [String] = []) {
        self.summary = summary
        self.access = access
        self.acceptsJSON = acceptsJSON
        self.cache = cache
        self.invalidates = invalidates
    }
}

/// A route: method, path template and handler.
public struct Route: Sendable {
    /// The method (`GET` routes answer `HEAD` too).
    public var method: Method
    /// The template, e.g. `/api/v1/content/{id}`.
    public var template: String
    /// Documentation and access.
    public var info: RouteInfo
    let segments: [Segment]
    let handler: Handler

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }
}

/// Matches requests to routes by method and path template, with `{name}` parameters.
///
/// Unknown paths are 404 and known paths with another method are 405 with `Allow`,
/// both as problem+json. Middleware runs around every matched handler.
///
/// ```swift
/// var router = Router()
/// router.get("/api/v1/content/{id}", RouteInfo(summary: "One content item", access: "viewer")) { request in
///     try .json(store.content(id: request.parameter("id")))
/// }
/// ```
public struct Router: Sendable {
    private var exact: [String: [Method: Int]] = [:]
    private var patterns: [Int] = []
    /// Every route, in the order added.
    public private(set) var routes: [Route] = []
    private var middleware: [Middleware] = []
    /// Answers GET/HEAD requests that match no route (static files, say); defaults to 404.
    public var fallback: Handler?
    /// Path prefixes the fallback never answers (`/api/`: an unknown API path is a plain 404).
    public var fallbackExcludes: [String] = []

    /// An empty router.
    public init() {}

    /// Adds a middleware; the first added is the outermost.
    public mutating func use(_ middleware: @escaping Middleware) {
        self.middleware.append(middleware)
    }

    /// Adds a route.
    public mutating func add(_ method: Method, _ template: String, _ info: RouteInfo, _ handler: @escaping Handler) {
        let segments = Router.split(template).map { part -> Route.Segment in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                let name = String(part.dropFirst().dropLast())
                if name.hasSuffix("...") { return .rest(String(name.dropLast(3))) }
                return .parameter(name)
            }
            return .literal(part)
        }
        precondition(!routes.contains { $0.method == method && $0.template == template }, "duplicate route \(method) \(template)")
        routes.append(Route(method: method, template: template, info: info, segments: segments, handler: handler))
        let index = routes.count - 1
        if segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            exact[template, default: [:]][method] = index
        } else {
            patterns.append(index)
        }
    }

    /// Adds a `GET` route.
    public mutating func get(_ template: String, _ info: RouteInfo, _ handler: @escaping Handler) { add(.GET, template, info, handler) }
    /// Adds a `POST` route.
    public mutating func post(_ template: String, _ info: RouteInfo, _ handler: @escaping Handler) { add(.POST, template, info, handler) }
    /// Adds a `PATCH` route.
    public mutating func patch(_ template: String, _ info: RouteInfo, _ handler: @escaping Handler) { add(.PATCH, template, info, handler) }
    /// Adds a `PUT` route.
    public mutating func put(_ template: String, _ info: RouteInfo, _ handler: @escaping Handler) { add(.PUT, template, info, handler) }
    /// Adds a `DELETE` route.
    public mutating func delete(_ template: String, _ info: RouteInfo, _ handler: @escaping Handler) { add(.DELETE, template, info, handler) }

    /// The result of looking a request up.
    public enum Match {
        case route(Route, [String: String])
        case wrongMethod([Method])
        case none
    }

    /// Finds the route for a method and path.
    public func match(_ method: Method, _ path: String) -> Match {
        let lookupMethod = method == .HEAD ? Method.GET : method
        if let byMethod = exact[path] {
            if let index = byMethod[lookupMethod] { return .route(routes[index], [:]) }
            return .wrongMethod(Router.allowed(Array(byMethod.keys)))
        }
        let parts = Router.split(path)
        var allowed: [Method] = []
        for index in patterns {
            let route = routes[index]
            guard let params = Router.bind(route.segments, parts) else { continue }
            if route.method == lookupMethod { return .route(route, params) }
            allowed.append(route.method)
        }
        if !allowed.isEmpty { return .wrongMethod(Router.allowed(allowed)) }
        return .none
    }

    /// Answers a request: routing, middleware, errors as problem+json. Never throws.
    public func respond(_ request: Request) -> Response {
        var request = request
        let handler: Handler
        switch match(request.method, request.path) {
        case .route(let route, let params):
            request.pathParameters = params
            request.routeTemplate = route.template
            request.routeInfo = route.info
            let inner = route.handler
            if route.info.acceptsJSON, !request.body.isEmpty || request.method != .DELETE {
                let type = request.headers["Content-Type"]?.lowercased() ?? ""
                let base = String(type.split(separator: ";").first ?? "").trimming(" ")
                if base != "application/json" && !base.hasSuffix("+json") {
                    handler = { _ in throw APIError.unsupportedMediaType(expected: "application/json") }
                    break
                }
            }
            handler = inner
        case .wrongMethod(let allowed):
            request.routeTemplate = request.path
            handler = { _ in throw APIError.methodNotAllowed(allowed) }
        case .none:
            if let fallback, request.method == .GET || request.method == .HEAD, !fallbackExcludes.contains(where: { request.path.hasPrefix($0) }) {
                request.routeTemplate = "(static)"
                handler = fallback
            } else {
                request.routeTemplate = "(unmatched)"
                handler = { _ in throw APIError.notFound() }
            }
        }
        var chain: Handler = Router.catching(handler)
        for middleware in middleware.reversed() {
            let next = chain
            chain = Router.catching { request in try middleware(request, next) }
        }
        var response = (try? chain(request)) ?? APIError.internalError(requestID: request.requestID).response(instance: request.path)
        response.route = request.routeTemplate
        return response
    }

    /// Wraps a handler so that whatever it throws becomes a problem response; middleware further out always sees a response.
    static func catching(_ handler: @escaping Handler) -> Handler {
        { request in
            do {
                return try handler(request)
            } catch let error as APIError {
                return error.response(instance: request.path)
            } catch {
                var response = APIError.internalError(requestID: request.requestID).response(instance: request.path)
                response.headers["X-Internal-Error"] = nil
                ErrorReporter.report(error, request: request)
                return response
            }
        }
    }

    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    static func bind(_ segments: [Route.Segment], _ parts: [String]) -> [String: String]? {
        var params: [String: String] = [:]
        var i = 0
        for segment in segments {
            switch segment {
            case .literal(let text):
                guard i < parts.count, parts[i] == text else { return nil }
            case .parameter(let name):
                guard i < parts.count else { return nil }
                params[name] = parts[i]
            case .rest(let name):
                guard i < parts.count else { return nil }
                params[name] = parts[i...].joined(separator: "/")
                return params
            }
            i += 1
        }
        return i == parts.count ? params : nil
    }

    static func allowed(_ methods: [Method]) -> [Method] {
        var set = Set(methods)
        if set.contains(.GET) { set.insert(.HEAD) }
        return Method.allCases.filter { set.contains($0) }
    }
}

extension String {
    /// Trims the given characters from both ends.
    public func trimming(_ set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

/// Where unexpected handler errors go: the app installs a logger-backed sink at start.
public enum ErrorReporter {
    nonisolated(unsafe) private static var sink: (@Sendable (any Error, Request) -> Void)?
    private static let lock = Lock()

    /// Installs the sink (once, at start, before serving).
    public static func install(_ sink: @escaping @Sendable (any Error, Request) -> Void) {
        lock.withLock { self.sink = sink }
    }

    static func report(_ error: any Error, request: Request) {
        let sink = lock.withLock { self.sink }
        sink?(error, request)
    }
}
