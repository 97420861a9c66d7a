import FoundationEssentials
import HTTPClient

/// One platform's HTTP calls: sends a request and turns transport failures and error statuses into
/// ``ConnectorError``s the outbox can act on. Shared by the network connectors.
struct PlatformExchange: Sendable {
    /// The platform's name as a person reads it ("Mastodon"), for messages.
    let name: String
    let client: HTTPClient
    let timeout: Duration
    let connectTimeout: Duration

    /// Sends a request. A transport failure after the request was fully written is `unknownOutcome`
    /// when `mutating` (the platform may have acted on it), else `transient`.
    func send(
        _ method: String, _ url: String, headers: [(name: String, value: String)] = [], json body: [UInt8]? = nil, mutating: Bool
    ) async throws(ConnectorError) -> HTTPClientResponse {
        var allHeaders = headers
        allHeaders.append((name: "Accept", value: "application/json"))
        if body != nil { allHeaders.append((name: "Content-Type", value: "application/json")) }
        let request = HTTPClientRequest(
            method: method, url: url, headers: allHeaders, body: body ?? [], timeout: timeout, connectTimeout: connectTimeout)
        do {
            return try await client.send(request)
        } catch {
            throw transportError(error, mutating: mutating)
        }
    }

    /// Classifies a transport failure.
    func transportError(_ error: HTTPClientError, mutating: Bool) -> ConnectorError {
        switch error.code {
        case .invalidURL:
            return ConnectorError(.rejected, "the \(name) address is not a valid http(s) URL: \(error.message)")
        default:
            if mutating && error.requestSent {
                return ConnectorError(
                    .unknownOutcome, "\(name) did not answer after the post was sent, so it may or may not exist: \(error.message)")
            }
            return ConnectorError(.transient, "could not reach \(name): \(error.message)")
        }
    }

    /// The error for a response whose status is not a success, using the platform's own message
    /// (`platformMessage`) when it gave one. `retryAfter` is the wait the platform asked for, if any.
    func statusError(_ response: HTTPClientResponse, platformMessage: String?, retryAfter: Int?, createdPartIDs: [String] = [])
        -> ConnectorError
    {
        let status = response.status
        let said = platformMessage.map { ": \($0)" } ?? ""
        switch status {
        case 401, 403:
            return ConnectorError(
                .unauthorized, "\(name) refused the credentials (HTTP \(status))\(said); reconnect the account", status: status,
                createdPartIDs: createdPartIDs)
        case 429:
            let wait = retryAfter.map { " for \($0) s" } ?? ""
            return ConnectorError(
                .rateLimited, "\(name) is rate limiting this account\(wait)\(said)", status: status, retryAfterSeconds: retryAfter,
                createdPartIDs: createdPartIDs)
        case 500...599:
            return ConnectorError(
                .transient, "\(name) had a server error (HTTP \(status))\(said)", status: status, retryAfterSeconds: retryAfter,
                createdPartIDs: createdPartIDs)
        case 400...499:
            return ConnectorError(
                .rejected, platformMessage.map { "\(name) refused the post: \($0)" } ?? "\(name) refused the request (HTTP \(status))",
                status: status, createdPartIDs: createdPartIDs)
        default:
            return ConnectorError(
                .malformed, "\(name) answered HTTP \(status), which its API does not document for this call", status: status,
                createdPartIDs: createdPartIDs)
        }
    }

    /// The error for a 2xx answer that is not the JSON the API documents (HTML from a proxy, a missing id).
    func malformed(_ response: HTTPClientResponse, expected: String, createdPartIDs: [String] = []) -> ConnectorError {
        let type = response.header("Content-Type") ?? "no content type"
        let looksHTML = response.body.prefix(512).contains(0x3C) && !looksLikeJSON(response.body)
        let what = looksHTML ? "an HTML page (\(type))" : "a body without \(expected)"
        return ConnectorError(
            .malformed, "\(name) answered HTTP \(response.status) with \(what) instead of \(expected)", status: response.status,
            createdPartIDs: createdPartIDs)
    }
}

/// Whether the body starts (after spaces) with `{` or `[`.
func looksLikeJSON(_ body: [UInt8]) -> Bool {
    for byte in body {
        if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { continue }
        return byte == 0x7B || byte == 0x5B
    }
    return false
}

/// Decodes a JSON body, nil when it is not that JSON.
func decodeJSON<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> T? {
    guard looksLikeJSON(body) else { return nil }
    return try? JSONDecoder().decode(T.self, from: Data(body))
}

/// Encodes a value as compact JSON (no escaped slashes, so URLs read as sent).
func encodeJSON<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
    // Encoding our own plain structs of strings and numbers cannot fail.
    return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
}

/// Percent-encodes a query or path component (RFC 3986 unreserved characters pass through).
func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}

/// A credential value, trimmed; a clear `rejected` error when it is missing or empty.
func requiredCredential(_ credentials: [String: String], _ key: String, platform: String) throws(ConnectorError) -> String {
    guard let value = credentials[key].map(trimmed), !value.isEmpty else {
        throw ConnectorError(.unauthorized, "the \(platform) account has no `\(key)`; reconnect it with one")
    }
    return value
}

/// A base URL (`https://host[:port][/prefix]`) without a trailing slash, or a clear error.
func baseURL(_ raw: String, key: String, platform: String) throws(ConnectorError) -> String {
    var url = raw
    if !url.contains("://") { url = "https://" + url }
    while url.hasSuffix("/") { url.removeLast() }
    let lower = url.lowercased()
    guard lower.hasPrefix("https://") || lower.hasPrefix("http://"),
          let host = url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first, !host.isEmpty,
          !url.contains(" "), !url.contains("?"), !url.contains("#")
    else {
        throw ConnectorError(.rejected, "the \(platform) `\(key)` must be an http(s) address such as https://example.social")
    }
    return url
}

/// The host (and port) of a base URL, for handles and messages.
func hostOf(_ url: String) -> String {
    let afterScheme = url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? url
    return afterScheme
}

/// The text without leading and trailing white space.
func trimmed(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
          let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(scalars[first...last])
}
