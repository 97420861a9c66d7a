import Crypto
import HTTPClient

/// Sends each post as a signed JSON `POST` to a URL the user owns (Zapier, n8n, a Discord or Slack bridge).
///
/// Credentials: `url` (http or https) and `secret` (the shared signing secret, at least 16 characters).
/// `verify` checks both without sending anything (a receiver should see only real posts).
///
/// ## The request
///
/// ```
/// POST <url>
/// Content-Type: application/json
/// Idempotency-Key: <idempotency_key>
/// X-Studio-Timestamp: 1767225600
/// X-Studio-Signature: v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
///
/// {"idempotency_key":"…","language":"en","parts":["first","second"],"platform":"webhook",
///  "publication_id":"…","sent_at":"2026-01-01T00:00:00.000Z"}
/// ```
///
/// ## The signature scheme (v1)
///
/// `X-Studio-Signature` is `v1=` followed by the lowercase hex HMAC-SHA256, keyed with the UTF-8 bytes
/// of the secret, of the ASCII message `"<X-Studio-Timestamp>.<raw body bytes>"`: the decimal Unix time
/// in seconds, one `.`, then the body exactly as received. A receiver recomputes it over the raw body
/// (before any JSON parsing), compares in constant time, and refuses timestamps more than 300 s away
/// from its clock (replays). Several signatures may be sent comma-separated (`v1=…,v1=…`, for secret
/// rotation); one match is enough. ``verify(signature:timestamp:body:secret:tolerance:now:)`` does all this.
///
/// Every retry of a publication carries the same `Idempotency-Key` (and `idempotency_key`); receivers
/// deduplicate on it. `sent_at` and the signature change with each attempt.
///
/// ## Answers
/// 2xx: published, id from the response JSON's `id` when present, else the idempotency key.
/// 429: rate limited (`Retry-After`). 5xx and timeouts: retried by the outbox with growing delays.
/// Other statuses: rejected with the receiver's status.
public struct WebhookConnector: PlatformConnector {
    /// `webhook`.
    public let platform = "webhook"
    /// The receiver gets the idempotency key on every attempt.
    public let supportsIdempotencyKey = true
    /// The shortest secret accepted.
    public static let minimumSecretLength = 16
    /// The default clock-skew tolerance of ``verify(signature:timestamp:body:secret:tolerance:now:)``, in seconds.
    public static let defaultTolerance = 300

    private let exchange: PlatformExchange
    private let nowSeconds: @Sendable () -> Int64

    /// A connector.
    /// - Parameters:
    ///   - client: The HTTP client.
    ///   - timeout: The deadline of each delivery.
    ///   - connectTimeout: The deadline for connecting to the receiver.
    public init(client: HTTPClient = HTTPClient(), timeout: Duration = .seconds(15), connectTimeout: Duration = .seconds(10)) {
        exchange = PlatformExchange(name: "The webhook receiver", client: client, timeout: timeout, connectTimeout: connectTimeout)
        nowSeconds = { Timestamps.nowMilliseconds() / 1000 }
    }

    /// Checks that the URL is an http(s) URL and the secret is long enough; returns the receiver's host.
    public func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo {
        let target = try Target(credentials: credentials)
        return AccountInfo(handle: hostOf(target.url))
    }

    /// Delivers the whole post (every part) in one signed request.
    public func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError)
        -> PublishedPost
    {
        let target = try Target(credentials: credentials)
        guard !post.parts.isEmpty else { throw ConnectorError(.rejected, "the post has no text to deliver") }
        let now = nowSeconds()
        let body = encodeJSON(
            Delivery(
                publication_id: post.publicationID, platform: platform, parts: post.parts, idempotency_key: post.idempotencyKey,
                language: post.language, sent_at: Timestamps.format(milliseconds: now * 1000)))
        let timestamp = String(now)
        let headers: [(name: String, value: String)] = [
            (name: "Idempotency-Key", value: post.idempotencyKey),
            (name: "X-Studio-Timestamp", value: timestamp),
            (name: "X-Studio-Signature", value: Self.signature(timestamp: timestamp, body: body, secret: target.secret)),
        ]
        let response = try await exchange.send("POST", target.url, headers: headers, json: body, mutating: true)
        guard (200...299).contains(response.status) else {
            var message = decodeJSON(ReceiverAnswer.self, response.body)?.readable
            if message == nil, !response.body.isEmpty, response.body.count <= 200, !looksLikeJSON(response.body) {
                message = String(decoding: response.body, as: UTF8.self)
            }
            if (300...399).contains(response.status) {
                throw ConnectorError(
                    .rejected, "the webhook URL answered a redirect (HTTP \(response.status)); use the final URL", status: response.status)
            }
            throw exchange.statusError(response, platformMessage: message, retryAfter: RetryAfter.seconds(response.header("Retry-After")))
        }
        let id = decodeJSON(ReceiverAnswer.self, response.body)?.id ?? post.idempotencyKey
        return PublishedPost(id: id, url: nil, partIDs: [id])
    }

    /// A webhook cannot be asked what it received: nil (the idempotency key makes a retry safe instead).
    public func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost? { nil }

    /// The `X-Studio-Signature` value for a body sent at `timestamp`: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
    public static func signature(timestamp: String, body: [UInt8], secret: String) -> String {
        "v1=" + Hex.encode(HMACSHA256.authenticationCode(key: Array(secret.utf8), message: Array((timestamp + ".").utf8) + body))
    }

    /// Checks a delivery as a receiver would: the timestamp is a Unix time within `tolerance` seconds of
    /// `now`, and one of the `v1=` signatures in `signature` (comma-separated) matches the raw `body`.
    /// - Parameters:
    ///   - signature: The `X-Studio-Signature` header value.
    ///   - timestamp: The `X-Studio-Timestamp` header value.
    ///   - body: The raw request body, exactly as received.
    ///   - secret: The shared secret.
    ///   - tolerance: The largest accepted distance between the timestamp and `now`, in seconds.
    ///   - now: The receiver's current Unix time in seconds (nil: the system clock).
    public static func verify(
        signature: String, timestamp: String, body: [UInt8], secret: String, tolerance: Int = defaultTolerance,
        now: Int? = nil
    ) -> Bool {
        let now = now ?? Int(Timestamps.nowMilliseconds() / 1000)
        guard !timestamp.isEmpty, timestamp.utf8.count <= 12, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let sent = Int(timestamp), abs(now - sent) <= max(0, tolerance)
        else { return false }
        let expected = Array(Self.signature(timestamp: timestamp, body: body, secret: secret).utf8)
        var matched = false
        for candidate in signature.split(separator: ",") {
            // Compare every candidate (no early exit) in constant time.
            let bytes = Array(trimmed(String(candidate)).utf8)
            if bytes.count == expected.count, ConstantTime.equals(bytes, expected) { matched = true }
        }
        return matched
    }
}

private struct Target {
    let url: String
    let secret: String

    init(credentials: [String: String]) throws(ConnectorError) {
        let raw = try requiredCredential(credentials, "url", platform: "webhook")
        let lower = raw.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), raw.count > "http://".count, !raw.contains(" ") else {
            throw ConnectorError(.rejected, "the webhook `url` must be an http(s) URL such as https://hooks.example.com/studio")
        }
        url = raw
        secret = try requiredCredential(credentials, "secret", platform: "webhook")
        guard secret.count >= WebhookConnector.minimumSecretLength else {
            throw ConnectorError(.rejected, "the webhook `secret` must be at least \(WebhookConnector.minimumSecretLength) characters")
        }
    }
}

private struct Delivery: Encodable {
    let publication_id: String
    let platform: String
    let parts: [String]
    let idempotency_key: String
    let language: String?
    let sent_at: String
}

/// A receiver's JSON answer: `id` (string or number) on success, `error`/`message` on failure.
private struct ReceiverAnswer: Decodable {
    let id: String?
    let error: String?
    let message: String?

    enum CodingKeys: String, CodingKey { case id, error, message }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decodeIfPresent(String.self, forKey: .id) {
            id = text
        } else if let number = try? container.decodeIfPresent(Int64.self, forKey: .id) {
            id = String(number)
        } else {
            id = nil
        }
        error = try? container.decodeIfPresent(String.self, forKey: .error)
        message = try? container.decodeIfPresent(String.self, forKey: .message)
    }

    var readable: String? { message ?? error }
}
