import Glibc

/// Where a request goes, parsed from its URL: scheme, host, port and the request target.
struct Endpoint: Sendable {
    /// `true` for `https`.
    let isTLS: Bool
    /// The host name (lowercased) or IP literal, without IPv6 brackets.
    let host: String
    /// `true` when `host` is an IPv4 or IPv6 literal (no SNI; the certificate is checked for the address).
    let isIPLiteral: Bool
    /// The TCP port.
    let port: UInt16
    /// Path and query, at least `/` (the fragment is dropped).
    let target: String

    /// `host:port` (IPv6 in brackets): what error messages name, never the path or query.
    var authority: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "\(shown):\(port)"
    }

    /// The `Host` header value: the port only when it is not the scheme's default.
    var hostHeader: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? shown : "\(shown):\(port)"
    }

    /// Parses an absolute http or https URL.
    init(parsing url: String) throws(HTTPClientError) {
        func invalid(_ why: String) -> HTTPClientError {
            HTTPClientError(code: .invalidURL, message: why, requestSent: false)
        }
        let bytes = Array(url.utf8)
        if bytes.isEmpty { throw invalid("the URL is empty") }
        if bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw invalid("the URL contains a space or control character (percent-encode it)")
        }
        if bytes.contains(where: { $0 >= 0x80 }) {
            throw invalid("the URL contains non-ASCII characters (percent-encode the path and query; use punycode for the host)")
        }
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw invalid("the URL has no scheme (expected http:// or https://)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "http": isTLS = false
        case "https": isTLS = true
        default:
            let shown = scheme.count <= 16 && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
                ? "'\(scheme)'" : "in the URL"
            throw invalid("unsupported scheme \(shown) (only http and https)")
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var pathAndQuery = rest[authorityEnd...]
        if let hash = pathAndQuery.firstIndex(of: "#") { pathAndQuery = pathAndQuery[..<hash] }
        target = pathAndQuery.isEmpty ? "/" : (pathAndQuery.first == "?" ? "/" + pathAndQuery : String(pathAndQuery))

        if authority.contains("@") { throw invalid("credentials in the URL are not supported (send them in a header)") }
        var hostPart: Substring
        var portPart: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("the IPv6 address in the URL has no closing ]") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw invalid("unexpected characters after the IPv6 address") }
                portPart = after.dropFirst()
            }
            var address = in6_addr()
            guard !hostPart.isEmpty, inet_pton(AF_INET6, String(hostPart), &address) == 1 else {
                throw invalid("the URL's IPv6 address is not valid")
            }
            isIPLiteral = true
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw invalid("the URL's host has more than one ':' (put IPv6 addresses in brackets)") }
            hostPart = pieces[0]
            if pieces.count == 2 { portPart = pieces[1] }
            if hostPart.isEmpty { throw invalid("the URL has an empty host") }
            guard hostPart.utf8.allSatisfy({ isHostByte($0) }), hostPart.first != ".", hostPart.first != "-" else {
                throw invalid("the URL's host contains characters that are not allowed in a host name")
            }
            var address = in_addr()
            isIPLiteral = inet_pton(AF_INET, String(hostPart), &address) == 1
        }
        host = hostPart.lowercased()
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(portPart), value >= 1, value <= 65535
            else { throw invalid("the URL's port is not a number from 1 to 65535") }
            port = UInt16(value)
        } else {
            port = isTLS ? 443 : 80
        }
    }
}

@inline(__always) private func isHostByte(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F
}

/// A request checked and serialised: where to connect and the exact bytes to write.
struct PreparedRequest: Sendable {
    let endpoint: Endpoint
    /// `true` for HEAD: the response has no body whatever its headers say.
    let isHead: Bool
    /// Request line, headers and body, ready to write in one go (one write avoids a Nagle delay).
    let bytes: [UInt8]
    let timeout: Duration
    let connectTimeout: Duration

    init(_ request: HTTPClientRequest, userAgent: String) throws(HTTPClientError) {
        func invalid(_ why: String) -> HTTPClientError {
            HTTPClientError(code: .invalidURL, message: why, requestSent: false)
        }
        endpoint = try Endpoint(parsing: request.url)
        guard isToken(request.method) else { throw invalid("the request method is not a valid HTTP token") }
        guard request.timeout > .zero, request.connectTimeout > .zero else {
            throw invalid("the request's timeout and connectTimeout must be positive")
        }
        timeout = request.timeout
        connectTimeout = request.connectTimeout
        let method = request.method
        isHead = method == "HEAD"

        var hasHost = false, hasUserAgent = false, contentLength: String?
        var lines: [String] = []
        for field in request.headers {
            guard isToken(field.name) else {
                throw invalid("a request header name is empty or not a valid HTTP token")
            }
            guard field.value.utf8.allSatisfy({ $0 != 0x0D && $0 != 0x0A && $0 != 0x00 }) else {
                throw invalid("the value of request header '\(field.name)' contains CR, LF or NUL")
            }
            if asciiCaseInsensitiveEqual(field.name, "Connection") { continue }  // always close; see below
            if asciiCaseInsensitiveEqual(field.name, "Transfer-Encoding") {
                throw invalid("request header 'Transfer-Encoding' is not supported (the body is sent with Content-Length)")
            }
            if asciiCaseInsensitiveEqual(field.name, "Host") { hasHost = true }
            if asciiCaseInsensitiveEqual(field.name, "User-Agent") { hasUserAgent = true }
            if asciiCaseInsensitiveEqual(field.name, "Content-Length") {
                guard contentLength == nil, field.value.trimmingASCIISpaces() == String(request.body.count) else {
                    throw invalid("request header 'Content-Length' does not match the body's \(request.body.count) bytes")
                }
                contentLength = field.value
            }
            lines.append("\(field.name): \(field.value)")
        }
        var head = "\(method) \(endpoint.target) HTTP/1.1\r\n"
        if !hasHost { head += "Host: \(endpoint.hostHeader)\r\n" }
        if !hasUserAgent, !userAgent.isEmpty { head += "User-Agent: \(userAgent)\r\n" }
        for line in lines { head += line + "\r\n" }
        if contentLength == nil, !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: request.body)
        self.bytes = bytes
    }
}

/// `true` for a non-empty RFC 9110 token (method and header names).
func isToken(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || "!#$%&'*+-.^_`|~".utf8.contains(b)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> String {
        let u = utf8
        guard let first = u.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = u.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(self[first...last])
    }
}
