/// One outbound HTTP/1.1 request: method, absolute URL, headers, body and deadlines.
///
/// The client adds `Host`, `Content-Length` (when there is a body, or for POST, PUT and PATCH),
/// `User-Agent` when they are missing, and always sends `Connection: close`.
///
/// ```swift
/// let request = HTTPClientRequest(method: "POST", url: "http://127.0.0.1:11434/v1/chat/completions",
///                                 headers: [("Content-Type", "application/json")], body: Array(json.utf8),
///                                 timeout: .seconds(60))
/// ```
public struct HTTPClientRequest: Sendable {
    /// The request method, such as `GET` or `POST` (an HTTP token; sent as given).
    public var method: String
    /// An absolute `http://` or `https://` URL: host name, IPv4 or bracketed IPv6 literal, optional port, path and query.
    public var url: String
    /// Header fields in the order they are sent. Values may hold secrets; they never appear in errors.
    public var headers: [(name: String, value: String)]
    /// The request body, sent with a `Content-Length`.
    public var body: [UInt8]
    /// The deadline for the whole exchange: name lookup, connect, TLS, sending and receiving the full response.
    public var timeout: Duration
    /// The deadline for the TCP connect and the TLS handshake (it never extends `timeout`).
    public var connectTimeout: Duration

    /// Creates a request.
    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// A complete HTTP response: any status (4xx and 5xx included), its headers and its whole body.
///
/// Redirects are not followed: a 3xx arrives here like any other status.
public struct HTTPClientResponse: Sendable {
    /// The status code, such as 200 or 429.
    public let status: Int
    /// The header fields in the order received (names as the server spelled them).
    public let headers: [(name: String, value: String)]
    /// The body, complete (a cut-off body is an error, never a response).
    public let body: [UInt8]

    /// Creates a response (used by the client, and by fakes in tests of code that takes responses).
    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively, or `nil`.
    public func header(_ name: String) -> String? {
        for field in headers where asciiCaseInsensitiveEqual(field.name, name) { return field.value }
        return nil
    }
}

/// Compares two strings byte for byte, ignoring ASCII case (header names are ASCII tokens).
func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    for (p, q) in zip(x, y) where asciiLower(p) != asciiLower(q) { return false }
    return true
}

@inline(__always) func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
}
