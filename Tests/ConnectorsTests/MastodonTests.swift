import Glibc
import Connectors
import HTTP
import HTTPClient
import Testing

@Suite struct MastodonTests {
    let client = HTTPClient()

    func post(_ parts: [String], key: String = "pub-1-key") -> OutgoingPost {
        OutgoingPost(publicationID: "pub-1", parts: parts, idempotencyKey: key, language: "en")
    }

    @Test func verifyReadsHandleAndInstanceLimit() async throws {
        let fake = try FakeMastodon(maxCharacters: 1000)
        let info = try await MastodonConnector(client: client).verify(credentials: fake.credentials)
        #expect(info.handle == "@ada@127.0.0.1:\(fake.url.split(separator: ":").last!)")
        #expect(info.textLimit == 1000)
    }

    @Test func invalidTokenAtVerifyIsUnauthorizedWithTheInstanceMessage() async throws {
        let fake = try FakeMastodon()
        var credentials = fake.credentials
        credentials["access_token"] = "revoked"
        let error = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).verify(credentials: credentials)
        }
        #expect(error?.kind == .unauthorized)
        #expect(error?.status == 401)
        #expect(error?.message.contains("The access token is invalid") == true)
        #expect(error?.message.contains("revoked") == false)  // the token itself never appears
    }

    @Test func missingCredentialsAreNamed() async throws {
        let error = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).verify(credentials: ["instance": "https://fake.social"])
        }
        #expect(error?.message.contains("access_token") == true)
        let bad = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).verify(credentials: ["instance": "ftp://x", "access_token": "t"])
        }
        #expect(bad?.kind == .rejected)
    }

    @Test func singlePost() async throws {
        let fake = try FakeMastodon()
        let result = try await MastodonConnector(client: client).publish(
            post(["Hello from the studio café ☕ https://example.com/a #swift"]), credentials: fake.credentials, resumeAfter: [])
        let statuses = fake.statuses
        #expect(statuses.count == 1)
        #expect(statuses[0].text == "Hello from the studio café ☕ https://example.com/a #swift")
        #expect(statuses[0].idempotencyKey == "pub-1-key-0")
        #expect(statuses[0].visibility == "public")
        #expect(statuses[0].language == "en")
        #expect(result.id == statuses[0].id)
        #expect(result.partIDs == [statuses[0].id])
        #expect(result.url == "\(fake.url)/@ada/\(statuses[0].id)")
    }

    @Test func threeParts() async throws {
        let fake = try FakeMastodon()
        let result = try await MastodonConnector(client: client).publish(
            post(["1/3 first", "2/3 second", "3/3 third"]), credentials: fake.credentials, resumeAfter: [])
        let statuses = fake.statuses
        #expect(statuses.map(\.text) == ["1/3 first", "2/3 second", "3/3 third"])
        #expect(statuses[0].inReplyTo == nil)
        #expect(statuses[1].inReplyTo == statuses[0].id)
        #expect(statuses[2].inReplyTo == statuses[1].id)
        #expect(statuses.map(\.idempotencyKey) == ["pub-1-key-0", "pub-1-key-1", "pub-1-key-2"])
        #expect(result.partIDs == statuses.map(\.id))
    }

    @Test func repeatWithTheSameKeyMakesOneStatus() async throws {
        let fake = try FakeMastodon()
        let connector = MastodonConnector(client: client)
        let first = try await connector.publish(post(["once only", "and a reply"]), credentials: fake.credentials, resumeAfter: [])
        let again = try await connector.publish(post(["once only", "and a reply"]), credentials: fake.credentials, resumeAfter: [])
        #expect(fake.statuses.count == 2)
        #expect(again == first)
    }

    @Test func threadFailingMidwayReportsCreatedPartsAndResumes() async throws {
        let fake = try FakeMastodon()
        let connector = MastodonConnector(client: client)
        // The first part goes through, the second meets a 503.
        fake.state.withLock { $0.script = [] }
        let thread = post(["part one", "part two", "part three"])
        let firstOnly = try await connector.publish(OutgoingPost(publicationID: "p", parts: ["part one"], idempotencyKey: "pub-1-key"),
                                                    credentials: fake.credentials, resumeAfter: [])
        fake.script(.status(503, body: "<html>Service Unavailable</html>"))
        let error = await #expect(throws: ConnectorError.self) {
            try await connector.publish(thread, credentials: fake.credentials, resumeAfter: firstOnly.partIDs)
        }
        #expect(error?.kind == .transient)
        #expect(error?.createdPartIDs == firstOnly.partIDs)
        let done = try await connector.publish(thread, credentials: fake.credentials, resumeAfter: error?.createdPartIDs ?? [])
        #expect(fake.statuses.map(\.text) == ["part one", "part two", "part three"])
        #expect(done.partIDs == fake.statuses.map(\.id))
        #expect(done.url == "\(fake.url)/@ada/\(fake.statuses[0].id)")  // read back for a resumed thread
    }

    @Test func validationMessagePassesThrough() async throws {
        let fake = try FakeMastodon(maxCharacters: 20)
        let error = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).publish(
                post(["this text is far longer than twenty characters"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(error?.kind == .rejected)
        #expect(error?.status == 422)
        #expect(error?.message.contains("Validation failed: Text character limit of 20 exceeded") == true)
        #expect(fake.statuses.isEmpty)
    }

    @Test func rateLimitGivesSeconds() async throws {
        let fake = try FakeMastodon()
        fake.script(.status(429, body: #"{"error":"Too many requests"}"#, headers: [("Retry-After", "42"), ("X-RateLimit-Remaining", "0")]))
        let error = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).publish(post(["hi"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(error?.kind == .rateLimited)
        #expect(error?.retryAfterSeconds == 42)
        #expect(error?.message.contains("Too many requests") == true)
    }

    @Test func rateLimitResetAsISOTime() async throws {
        let fake = try FakeMastodon()
        // Mastodon's X-RateLimit-Reset is an ISO 8601 time; 2 minutes ahead of now.
        let reset = isoTime(secondsFromNow: 120)
        fake.script(.status(429, body: #"{"error":"Too many requests"}"#, headers: [("X-RateLimit-Reset", reset)]))
        let error = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).publish(post(["hi"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(error?.kind == .rateLimited)
        // Two minutes ahead, less however long a loaded machine took to get here.
        #expect((60...121).contains(error?.retryAfterSeconds ?? -1))
    }

    @Test func htmlOr200WithoutIdIsMalformed() async throws {
        let fake = try FakeMastodon()
        fake.script(.html, .noID)
        let connector = MastodonConnector(client: client)
        let html = await #expect(throws: ConnectorError.self) {
            try await connector.publish(post(["hi"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(html?.kind == .malformed)
        #expect(html?.message.contains("HTML") == true)
        let noID = await #expect(throws: ConnectorError.self) {
            try await connector.publish(post(["hi"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(noID?.kind == .malformed)
        #expect(noID?.message.contains("id") == true)
    }

    @Test func serverErrorThenRateLimitThenSuccessGivesOnePost() async throws {
        let fake = try FakeMastodon()
        fake.script(
            .status(503, body: "<html><body>503 Service Temporarily Unavailable</body></html>"),
            .status(429, body: #"{"error":"Too many requests"}"#, headers: [("Retry-After", "3")]))
        let connector = MastodonConnector(client: client)
        var kinds: [ConnectorError.Kind] = []
        var waits: [Int?] = []
        var published: PublishedPost?
        // What the outbox does: call again after each retryable error (without the waits, in a test).
        for _ in 0..<3 where published == nil {
            do {
                published = try await connector.publish(post(["exactly once"]), credentials: fake.credentials, resumeAfter: [])
            } catch {
                kinds.append(error.kind)
                waits.append(error.retryAfterSeconds)
            }
        }
        #expect(kinds == [.transient, .rateLimited])
        #expect(waits == [nil, 3])
        #expect(published != nil)
        #expect(fake.statuses.count == 1)
    }

    @Test func timeoutAfterSendingIsUnknownOutcomeAndTheSameKeyDoesNotDouble() async throws {
        let fake = try FakeMastodon()
        fake.script(.stallAfterHandling(milliseconds: 1500))
        let hasty = MastodonConnector(client: client, timeout: .milliseconds(400))
        let error = await #expect(throws: ConnectorError.self) {
            try await hasty.publish(post(["slow instance"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(error?.kind == .unknownOutcome)
        // The instance did create it; the retry under the same key gets the same status back.
        let retried = try await MastodonConnector(client: client).publish(post(["slow instance"]), credentials: fake.credentials, resumeAfter: [])
        #expect(fake.statuses.count == 1)
        #expect(retried.id == fake.statuses[0].id)
    }

    @Test func unreachableInstanceIsTransient() async throws {
        let error = await #expect(throws: ConnectorError.self) {
            try await MastodonConnector(client: client).publish(
                post(["hi"]), credentials: ["instance": "http://127.0.0.1:1", "access_token": "t"], resumeAfter: [])
        }
        #expect(error?.kind == .transient)
    }

    @Test func findMatchesTheTextBehindMastodonsHTML() async throws {
        let fake = try FakeMastodon()
        let connector = MastodonConnector(client: client)
        let thread = post(["Café <news> & more\n\nhttps://example.com/a/long/path #swift", "second part"])
        #expect(try await connector.find(thread, credentials: fake.credentials) == nil)
        let created = try await connector.publish(thread, credentials: fake.credentials, resumeAfter: [])
        _ = try await connector.publish(OutgoingPost(publicationID: "other", parts: ["unrelated"], idempotencyKey: "k2"),
                                        credentials: fake.credentials, resumeAfter: [])
        let found = try await connector.find(thread, credentials: fake.credentials)
        #expect(found?.id == created.id)
        #expect(found?.partIDs == created.partIDs)
    }
}

/// An ISO 8601 UTC time `seconds` from now.
func isoTime(secondsFromNow seconds: Int) -> String {
    var now = time(nil) + seconds
    var parts = tm()
    gmtime_r(&now, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).000Z"
}
