/// Why an exchange failed, whether the request may have reached the server, and a readable message.
///
/// A status such as 404 or 503 is not an error: it is an ``HTTPClientResponse``.
/// The message names the host and port but never header values, the URL's path or query, or a body,
/// since those may hold secrets.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
        /// The request could not be formed: a bad URL (no or unsupported scheme, empty host, bad port,
        /// spaces or non-ASCII), or an invalid method or header name or value. Nothing was sent.
        case invalidURL
        /// The host name could not be resolved.
        case dns
        /// No TCP connection could be made (refused, unreachable, or not within `connectTimeout`).
        case connect
        /// The TLS handshake failed, including certificate or host name verification, or the CA file could not be loaded.
        case tls
        /// The exchange did not finish within `timeout`, or the calling task was cancelled.
        case timeout
        /// The server closed or reset the connection before the response was complete.
        case closed
        /// The response was not valid HTTP/1.x (status line, header, chunk or length syntax).
        case malformedResponse
        /// The response headers or body exceeded the client's limits.
        case tooLarge
    }

    /// The kind of failure.
    public let code: Code
    /// A readable explanation, free of header values, URL paths and queries, and bodies.
    public let message: String
    /// `true` once every byte of the request was written: the server may have acted on it, so the
    /// outcome is unknown. `false` means the server cannot have received a complete request.
    public let requestSent: Bool

    /// Creates an error (used by the client, and by fakes in tests of code that handles these errors).
    public init(code: Code, message: String, requestSent: Bool) {
        self.code = code
        self.message = message
        self.requestSent = requestSent
    }

    /// `code: message` plus whether the request was sent.
    public var description: String {
        "\(code.rawValue): \(message)\(requestSent ? " (request was sent)" : "")"
    }
}
