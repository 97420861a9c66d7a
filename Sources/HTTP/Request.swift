/// An HTTP request method.
public enum Method: String, Sendable, Hashable, CaseIterable {
    case GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS
}

/// Case-insensitive HTTP header fields, in arrival order.
public struct Headers: Sendable, Sequence {
    /// The fields as (name, value) pairs, names as sent.
    public private(set) var fields: [(name: String, value: String)] = []

    /// An empty set of header fields.
    public init() {}

    /// Header fields from a dictionary literal-like list.
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name`, compared without regard to case.
    public subscript(name: String) -> String? {
        get {
            for field in fields where field.name.caseInsensitiveEquals(name) { return field.value }
            return nil
        }
        set {
            fields.removeAll { $0.name.caseInsensitiveEquals(name) }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Adds a field without replacing existing ones (for `Set-Cookie`, `Vary`…).
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Whether `name` is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

extension String {
    /// ASCII case-insensitive comparison, enough for header names and tokens.
    @inlinable
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x + 32 : x
            let ly = (y >= 65 && y <= 90) ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }
}

/// One HTTP request as the router sees it: everything already read, nothing pending.
public struct Request: Sendable {
    /// The method; `HEAD` requests are answered by `GET` routes without a body.
    public var method: Method
    /// The decoded path, without the query string.
    public var path: String
    /// Query parameters in order (repeated names kept).
    public var query: [(name: String, value: String)]
    /// Request header fields.
    public var headers: Headers
    /// The body bytes (at most the configured body limit).
    public var body: [UInt8]
    /// Values of `{name}` segments of the matched route.
    public var pathParameters: [String: String] = [:]
    /// The matched route template (e.g. `/api/v1/content/{id}`), for metrics and logs.
    public var routeTemplate: String?
    /// The matched route's declaration (access, caching), set by the router.
    public var routeInfo: RouteInfo?
    /// The request id (from `X-Request-Id` when well-formed, else generated).
    public var requestID: String
    /// The peer address as text.
    public var remoteAddress: String
    /// Values set by middleware for handlers further in (the authenticated principal, say).
    public var context: RequestContext = RequestContext()

    /// A request built by hand (tests call the router without a socket).
    public init(
        method: Method, path: String, query: [(name: String, value: String)] = [], headers: Headers = Headers(),
        body: [UInt8] = [], requestID: String = RequestID.make(), remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.requestID = requestID
        self.remoteAddress = remoteAddress
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// A path parameter by name; routes only call this for names in their template.
    public func parameter(_ name: String) -> String {
        pathParameters[name] ?? ""
    }
}

/// A typed bag of values that middleware attaches to a request.
public struct RequestContext: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    /// An empty context.
    public init() {}

    /// The value stored for `key`.
    public subscript<Key: RequestContextKey>(key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}

/// A key for `RequestContext`.
public protocol RequestContextKey {
    /// The type of the stored value.
    associatedtype Value: Sendable
}

/// Request ids: 16 random hex characters, or the caller's own when it is sane.
public enum RequestID {
    /// A fresh random id.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The caller's id when it is 1–64 characters of `[A-Za-z0-9._-]`, else nil.
    public static func accept(_ candidate: String?) -> String? {
        guard let candidate, !candidate.isEmpty, candidate.utf8.count <= 64 else { return nil }
        for byte in candidate.utf8 {
            let ok = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == 45 || byte == 46 || byte == 95
            if !ok { return nil }
        }
        return candidate
    }
}
