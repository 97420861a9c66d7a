import Connectors
import Crypto
import Glibc
import HTTP
import HTTPClient
import Testing

@Suite struct WebhookTests {
    let client = HTTPClient()
    let secret = "whsec-test-0123456789"

    /// A receiver that follows the documented scheme with its own HMAC code (not the connector's).
    static func documentedCheck(_ delivery: FakeWebhook.Delivery, _ secret: String) -> Bool {
        guard let timestamp = delivery.timestamp, let sent = Int(timestamp), abs(Int(time(nil)) - sent) <= 300,
              let signature = delivery.signature, signature.hasPrefix("v1=")
        else { return false }
        let expected = Hex.encode(HMACSHA256.authenticationCode(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + delivery.body))
        return String(signature.dropFirst(3)) == expected
    }

    @Test func knownVector() {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'whsec-test-0123456789',
        //   '1767225600.{\"hello\":\"wörld\"}'.encode(), hashlib.sha256).hexdigest())"
        let body = Array(#"{"hello":"wörld"}"#.utf8)
        #expect(WebhookConnector.signature(timestamp: "1767225600", body: body, secret: secret)
            == "v1=58de0cf477b62455768be97e34bab9f7a7ae3d39a5cfee0c80f771639b18c2c7")
        let good = "v1=58de0cf477b62455768be97e34bab9f7a7ae3d39a5cfee0c80f771639b18c2c7"
        #expect(WebhookConnector.verify(signature: good, timestamp: "1767225600", body: body, secret: secret, now: 1_767_225_650))
        // Rotation: any one of several signatures.
        #expect(WebhookConnector.verify(signature: "v1=00ff, " + good, timestamp: "1767225600", body: body, secret: secret, now: 1_767_225_600))
    }

    @Test func tamperingFails() {
        let body = Array(#"{"parts":["hello"]}"#.utf8)
        let signature = WebhookConnector.signature(timestamp: "1767225600", body: body, secret: secret)
        let now = 1_767_225_600
        #expect(WebhookConnector.verify(signature: signature, timestamp: "1767225600", body: body, secret: secret, now: now))
        var changed = body
        changed[11] = UInt8(ascii: "j")
        #expect(!WebhookConnector.verify(signature: signature, timestamp: "1767225600", body: changed, secret: secret, now: now))
        #expect(!WebhookConnector.verify(signature: signature, timestamp: "1767225601", body: body, secret: secret, now: now))
        #expect(!WebhookConnector.verify(signature: signature, timestamp: "1767225600", body: body, secret: secret + "x", now: now))
        #expect(!WebhookConnector.verify(signature: signature, timestamp: "1767225600", body: body, secret: secret, now: now + 301))
        #expect(!WebhookConnector.verify(signature: "", timestamp: "1767225600", body: body, secret: secret, now: now))
        #expect(!WebhookConnector.verify(signature: signature, timestamp: "-1", body: body, secret: secret, now: now))
        #expect(!WebhookConnector.verify(signature: signature.uppercased(), timestamp: "1767225600", body: body, secret: secret, now: now))
    }

    @Test func deliveryIsSignedAndCarriesTheKey() async throws {
        let receiver = try FakeWebhook(check: Self.documentedCheck)
        let post = OutgoingPost(publicationID: "pub-9", parts: ["first ✨", "second"], idempotencyKey: "idem-9", language: "en")
        let result = try await WebhookConnector(client: client).publish(post, credentials: receiver.credentials, resumeAfter: [])
        #expect(result.id == "hook-1")
        let delivery = try #require(receiver.state.withLock { $0.accepted.first })
        #expect(delivery.idempotencyKey == "idem-9")
        // The connector's own verify agrees with the receiver.
        #expect(WebhookConnector.verify(signature: delivery.signature ?? "", timestamp: delivery.timestamp ?? "", body: delivery.body, secret: secret))
        let json = try JSONValue.parse(delivery.body)
        #expect(json["publication_id"]?.string == "pub-9")
        #expect(json["platform"]?.string == "webhook")
        #expect(json["parts"]?.array == [.string("first ✨"), .string("second")])
        #expect(json["idempotency_key"]?.string == "idem-9")
        #expect(json["sent_at"]?.string?.hasSuffix("Z") == true)
    }

    @Test func wrongSecretIsRefusedByTheReceiver() async throws {
        let receiver = try FakeWebhook(check: Self.documentedCheck)
        var credentials = receiver.credentials
        credentials["secret"] = "another-secret-0123456789"
        let error = await #expect(throws: ConnectorError.self) {
            try await WebhookConnector(client: client).publish(
                OutgoingPost(publicationID: "p", parts: ["x"], idempotencyKey: "k"), credentials: credentials, resumeAfter: [])
        }
        #expect(error?.kind == .unauthorized)
        #expect(receiver.state.withLock { $0.refused } == 1)
        #expect(error?.message.contains("another-secret") == false)
    }

    @Test func receiverErrorsAreClassified() async throws {
        let receiver = try FakeWebhook(check: Self.documentedCheck)
        receiver.script(
            .status(500, body: "Internal Server Error"),
            .status(429, body: "slow down", headers: [("Retry-After", "30")]),
            .status(400, body: #"{"error":"unknown publication format"}"#))
        let connector = WebhookConnector(client: client)
        let post = OutgoingPost(publicationID: "p", parts: ["x"], idempotencyKey: "k")
        var errors: [ConnectorError] = []
        for _ in 0..<3 {
            do { _ = try await connector.publish(post, credentials: receiver.credentials, resumeAfter: []) } catch { errors.append(error) }
        }
        #expect(errors.map(\.kind) == [.transient, .rateLimited, .rejected])
        #expect(errors[1].retryAfterSeconds == 30)
        #expect(errors[2].message.contains("unknown publication format"))
        // Then it works, and there is exactly one accepted delivery.
        let done = try await connector.publish(post, credentials: receiver.credentials, resumeAfter: [])
        #expect(done.id == "hook-1")
        #expect(receiver.state.withLock { $0.accepted.count } == 1)
    }

    @Test func noIdInTheAnswerUsesTheKey() async throws {
        let receiver = try FakeWebhook(check: Self.documentedCheck)
        receiver.script(.status(204, body: ""))
        let result = try await WebhookConnector(client: client).publish(
            OutgoingPost(publicationID: "p", parts: ["x"], idempotencyKey: "key-77"), credentials: receiver.credentials, resumeAfter: [])
        #expect(result.id == "key-77")
    }

    @Test func verifyChecksURLAndSecret() async throws {
        let connector = WebhookConnector(client: client)
        let info = try await connector.verify(credentials: ["url": "https://hooks.example.com/studio", "secret": secret])
        #expect(info.handle == "hooks.example.com")
        let short = await #expect(throws: ConnectorError.self) {
            try await connector.verify(credentials: ["url": "https://hooks.example.com/x", "secret": "short"])
        }
        #expect(short?.message.contains("at least 16") == true)
        let url = await #expect(throws: ConnectorError.self) {
            try await connector.verify(credentials: ["url": "javascript:alert(1)", "secret": secret])
        }
        #expect(url?.kind == .rejected)
    }
}
