import HTTPClient

/// Posts to a Mastodon account through the instance's REST API.
///
/// Credentials: `instance` (the instance's base URL, `https://mastodon.social`) and `access_token`
/// (a user token with `read:accounts` and `write:statuses`).
///
/// - `verify`: `GET /api/v1/accounts/verify_credentials` (the handle) and `GET /api/v2/instance`
///   (`configuration.statuses.max_characters` becomes ``AccountInfo/textLimit``).
/// - `publish`: `POST /api/v1/statuses` per part, each further part with `in_reply_to_id` of the
///   previous one, visibility `public`, and `Idempotency-Key: <post.idempotencyKey>-<part index>`, so a
///   repeat within Mastodon's one-hour key lifetime returns the original status instead of a new one.
/// - `find`: looks through the account's 40 latest statuses for the first part's text (Mastodon's
///   HTML stripped), then for replies carrying the further parts.
///
/// ```swift
/// let mastodon = MastodonConnector()
/// let account = try await mastodon.verify(credentials: ["instance": "https://mastodon.social", "access_token": token])
/// let post = try await mastodon.publish(outgoing, credentials: credentials, resumeAfter: [])
/// ```
public struct MastodonConnector: PlatformConnector {
    /// `mastodon`.
    public let platform = "mastodon"
    /// Mastodon honours `Idempotency-Key` on `POST /api/v1/statuses`.
    public let supportsIdempotencyKey = true
    private let exchange: PlatformExchange

    /// A connector.
    /// - Parameters:
    ///   - client: The HTTP client (shared; it holds no per-account state).
    ///   - timeout: The deadline of each API call.
    ///   - connectTimeout: The deadline for connecting to the instance.
    public init(client: HTTPClient = HTTPClient(), timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10)) {
        exchange = PlatformExchange(name: "Mastodon", client: client, timeout: timeout, connectTimeout: connectTimeout)
    }

    /// Checks the token and reads the instance's character limit.
    public func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo {
        let account = try Account(credentials: credentials)
        let me = try await verifiedAccount(account)
        let instance = try await exchange.send("GET", account.instance + "/api/v2/instance", mutating: false)
        var limit: Int?
        if instance.status == 200 {
            guard let info = decodeJSON(InstanceV2.self, instance.body) else {
                throw exchange.malformed(instance, expected: "the instance's JSON description")
            }
            limit = info.configuration?.statuses?.max_characters
        } else if instance.status != 404 {
            // 404: an instance older than 4.0 without /api/v2/instance; its limit stays the profile's default.
            throw exchange.statusError(instance, platformMessage: errorMessage(instance), retryAfter: retryAfter(instance))
        }
        return AccountInfo(handle: "@\(me.username ?? me.acct ?? me.id)@\(hostOf(account.instance))", textLimit: limit)
    }

    /// Posts each part (continuing after `resumeAfter`), replying to the previous one.
    public func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError)
        -> PublishedPost
    {
        let account = try Account(credentials: credentials)
        guard !post.parts.isEmpty else { throw ConnectorError(.rejected, "the post has no text to publish") }
        guard resumeAfter.count <= post.parts.count else {
            throw ConnectorError(.rejected, "the earlier attempt created \(resumeAfter.count) parts but the post has \(post.parts.count)")
        }
        var ids = resumeAfter
        var firstURL: String?
        for index in resumeAfter.count..<post.parts.count {
            let body = StatusRequest(
                status: post.parts[index], in_reply_to_id: ids.last, language: post.language, visibility: "public")
            let response: HTTPClientResponse
            do {
                response = try await exchange.send(
                    "POST", account.instance + "/api/v1/statuses",
                    headers: account.authorization + [(name: "Idempotency-Key", value: "\(post.idempotencyKey)-\(index)")],
                    json: encodeJSON(body), mutating: true)
            } catch {
                throw error.withCreated(ids)
            }
            guard (200...299).contains(response.status) else {
                throw exchange.statusError(
                    response, platformMessage: errorMessage(response), retryAfter: retryAfter(response), createdPartIDs: ids)
            }
            guard let status = decodeJSON(Status.self, response.body), let id = status.id, !id.isEmpty else {
                throw exchange.malformed(response, expected: "a status with an id", createdPartIDs: ids)
            }
            if index == 0 { firstURL = status.url ?? status.uri }
            ids.append(id)
        }
        if firstURL == nil {
            // Resumed: read the first status back for its link (best effort; the post is published either way).
            if let response = try? await exchange.send(
                "GET", account.instance + "/api/v1/statuses/" + percentEncoded(ids[0]), headers: account.authorization, mutating: false),
                response.status == 200, let status = decodeJSON(Status.self, response.body)
            {
                firstURL = status.url ?? status.uri
            }
        }
        return PublishedPost(id: ids[0], url: firstURL, partIDs: ids)
    }

    /// Looks for the post among the account's 40 latest statuses. `partIDs` lists the parts found in
    /// order; fewer than `post.parts` means the thread is incomplete (publish with `resumeAfter: partIDs`).
    public func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost? {
        let account = try Account(credentials: credentials)
        guard let firstText = post.parts.first else { return nil }
        let me = try await verifiedAccount(account)
        let response = try await exchange.send(
            "GET", account.instance + "/api/v1/accounts/\(percentEncoded(me.id))/statuses?limit=40", headers: account.authorization,
            mutating: false)
        guard response.status == 200 else {
            throw exchange.statusError(response, platformMessage: errorMessage(response), retryAfter: retryAfter(response))
        }
        guard let statuses = decodeJSON([Status].self, response.body) else {
            throw exchange.malformed(response, expected: "a list of statuses")
        }
        // Newest first: the most recent match is the one this publication made.
        guard let first = statuses.first(where: { $0.id != nil && sameText($0.content, firstText) }), let firstID = first.id else {
            return nil
        }
        var ids = [firstID]
        for part in post.parts.dropFirst() {
            guard let reply = statuses.last(where: { $0.in_reply_to_id == ids.last && sameText($0.content, part) }), let id = reply.id
            else { break }
            ids.append(id)
        }
        return PublishedPost(id: firstID, url: first.url ?? first.uri, partIDs: ids)
    }

    private func verifiedAccount(_ account: Account) async throws(ConnectorError) -> AccountJSON {
        let response = try await exchange.send(
            "GET", account.instance + "/api/v1/accounts/verify_credentials", headers: account.authorization, mutating: false)
        guard response.status == 200 else {
            throw exchange.statusError(response, platformMessage: errorMessage(response), retryAfter: retryAfter(response))
        }
        guard let me = decodeJSON(AccountJSON.self, response.body) else {
            throw exchange.malformed(response, expected: "the account's JSON with an id")
        }
        return me
    }

    /// Mastodon's `{"error": "..."}` message.
    private func errorMessage(_ response: HTTPClientResponse) -> String? {
        decodeJSON(ErrorJSON.self, response.body)?.error
    }

    /// Seconds to wait: `Retry-After`, else `X-RateLimit-Reset` (an ISO 8601 time).
    private func retryAfter(_ response: HTTPClientResponse) -> Int? {
        if let seconds = RetryAfter.seconds(response.header("Retry-After")) { return seconds }
        guard let reset = response.header("X-RateLimit-Reset") else { return nil }
        if let at = Timestamps.parse(reset) { return max(0, Int(at - Timestamps.nowMilliseconds() / 1000)) }
        return nil
    }

    private func sameText(_ html: String?, _ text: String) -> Bool {
        guard let html else { return false }
        return normalizedWhitespace(MastodonHTML.plainText(html)) == normalizedWhitespace(text)
    }
}

/// The instance URL and bearer header of one account.
private struct Account {
    let instance: String
    let authorization: [(name: String, value: String)]

    init(credentials: [String: String]) throws(ConnectorError) {
        instance = try baseURL(try requiredCredential(credentials, "instance", platform: "Mastodon"), key: "instance", platform: "Mastodon")
        let token = try requiredCredential(credentials, "access_token", platform: "Mastodon")
        authorization = [(name: "Authorization", value: "Bearer \(token)")]
    }
}

private struct StatusRequest: Encodable {
    let status: String
    let in_reply_to_id: String?
    let language: String?
    let visibility: String
}

private struct Status: Decodable {
    let id: String?
    let url: String?
    let uri: String?
    let content: String?
    let in_reply_to_id: String?
}

private struct AccountJSON: Decodable {
    let id: String
    let username: String?
    let acct: String?
}

private struct InstanceV2: Decodable {
    struct Configuration: Decodable {
        struct Statuses: Decodable { let max_characters: Int? }
        let statuses: Statuses?
    }

    let configuration: Configuration?
}

private struct ErrorJSON: Decodable {
    let error: String?
}

extension ConnectorError {
    /// The same error with the parts created so far attached.
    func withCreated(_ ids: [String]) -> ConnectorError {
        var copy = self
        copy.createdPartIDs = ids
        return copy
    }
}

/// Collapses runs of white space into one space and trims the ends, for comparing texts.
func normalizedWhitespace(_ text: String) -> String {
    var out = ""
    var pendingSpace = false
    for scalar in text.unicodeScalars {
        if scalar.properties.isWhitespace {
            pendingSpace = !out.isEmpty
        } else {
            if pendingSpace { out.unicodeScalars.append(" ") }
            pendingSpace = false
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Mastodon's status HTML back to plain text: paragraphs and `<br>` become line breaks, tags go
/// (the hidden `https://` spans of shortened links keep their text), entities are decoded.
enum MastodonHTML {
    static func plainText(_ html: String) -> String {
        var out = ""
        var scalars = html.unicodeScalars[...]
        var paragraphs = 0
        while let scalar = scalars.first {
            if scalar == "<", let close = scalars.firstIndex(of: ">") {
                let tag = String(scalars[scalars.index(after: scalars.startIndex)..<close]).lowercased()
                let name = tag.split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
                if name == "br" { out += "\n" }
                if name == "p" && !tag.hasPrefix("/") {
                    if paragraphs > 0 { out += "\n\n" }
                    paragraphs += 1
                }
                scalars = scalars[scalars.index(after: close)...]
            } else if scalar == "&", let semicolon = scalars.prefix(12).firstIndex(of: ";"),
                      let decoded = entity(String(scalars[scalars.index(after: scalars.startIndex)..<semicolon]))
            {
                out.unicodeScalars.append(decoded)
                scalars = scalars[scalars.index(after: semicolon)...]
            } else {
                out.unicodeScalars.append(scalar)
                scalars = scalars.dropFirst()
            }
        }
        return out
    }

    private static func entity(_ name: String) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return "\u{A0}"
        default:
            if name.hasPrefix("#x") || name.hasPrefix("#X") { return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
            if name.hasPrefix("#") { return UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
            return nil
        }
    }
}
