import Glibc
import Connectors
import HTTP
import HTTPClient
import Testing

@Suite struct BlueskyTests {
    let client = HTTPClient()

    func post(_ parts: [String], id: String = "pub-7", key: String = "pub-7-key") -> OutgoingPost {
        OutgoingPost(publicationID: id, parts: parts, idempotencyKey: key, language: "fr")
    }

    /// The UTF-8 bytes of `text` between the facet's offsets, as a string.
    func slice(_ text: String, _ facet: JSONValue) -> String? {
        guard let start = facet["index"]?["byteStart"]?.int, let end = facet["index"]?["byteEnd"]?.int else { return nil }
        let bytes = Array(text.utf8)
        guard start >= 0, end <= bytes.count, start < end else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    @Test func verifyLogsInAndReturnsTheHandle() async throws {
        let fake = try FakeBluesky()
        let info = try await BlueskyConnector(client: client).verify(credentials: fake.credentials)
        #expect(info.handle == "ada.test")
        #expect(fake.state.withLock { $0.createSessions } == 1)
    }

    @Test func wrongAppPasswordIsUnauthorized() async throws {
        let fake = try FakeBluesky()
        var credentials = fake.credentials
        credentials["app_password"] = "wrong-pass-word-xxxx"
        let error = await #expect(throws: ConnectorError.self) {
            try await BlueskyConnector(client: client).verify(credentials: credentials)
        }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message.contains("Invalid identifier or password") == true)
        #expect(error?.message.contains("wrong-pass") == false)
    }

    @Test func wrongPasswordDoesNotRideOnACachedSession() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.verify(credentials: fake.credentials)
        var credentials = fake.credentials
        credentials["app_password"] = "changed-pass-word-xx"
        await #expect(throws: ConnectorError.self) {
            try await connector.publish(post(["hi"]), credentials: credentials, resumeAfter: [])
        }
        #expect(fake.records.isEmpty)
    }

    @Test func sessionIsCreatedOnceForManyPosts() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        for n in 0..<4 {
            _ = try await connector.publish(post(["post \(n)"], id: "p\(n)", key: "k\(n)"), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(fake.records.count == 4)
        #expect(fake.state.withLock { $0.createSessions } == 1)
    }

    @Test func concurrentFirstPostsShareOneLogin() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        let credentials = fake.credentials
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<4 {
                group.addTask {
                    _ = try await connector.publish(
                        OutgoingPost(publicationID: "c\(n)", parts: ["parallel \(n)"], idempotencyKey: "ck\(n)"), credentials: credentials,
                        resumeAfter: [])
                }
            }
            try await group.waitForAll()
        }
        #expect(fake.records.count == 4)
        #expect(fake.state.withLock { $0.createSessions } == 1)
    }

    @Test func facetsAfterNonASCIITextHaveUTF8ByteOffsets() async throws {
        let fake = try FakeBluesky()
        let text = "Café ☕ 東京 👩🏽‍💻 #café https://example.com/a?x=1 et #swift_lang."
        let result = try await BlueskyConnector(client: client).publish(post([text]), credentials: fake.credentials, resumeAfter: [])
        let record = try #require(fake.records.first)
        #expect(record.uri == result.id)
        #expect(record.value["text"]?.string == text)
        #expect(record.value["langs"]?.array == [.string("fr")])
        let facets = try #require(record.value["facets"]?.array)
        #expect(facets.count == 3)
        #expect(slice(text, facets[0]) == "#café")
        #expect(facets[0]["features"]?.array?.first?["$type"]?.string == "app.bsky.richtext.facet#tag")
        #expect(facets[0]["features"]?.array?.first?["tag"]?.string == "café")
        #expect(slice(text, facets[1]) == "https://example.com/a?x=1")
        #expect(facets[1]["features"]?.array?.first?["$type"]?.string == "app.bsky.richtext.facet#link")
        #expect(facets[1]["features"]?.array?.first?["uri"]?.string == "https://example.com/a?x=1")
        #expect(slice(text, facets[2]) == "#swift_lang")  // the full stop is not part of the tag
        #expect(facets[2]["features"]?.array?.first?["tag"]?.string == "swift_lang")
        // The worked example of the platform notes: #tag at byte 10 (code point 7).
        let example = "café ☕ #tag https://example.com/a"
        _ = try await BlueskyConnector(client: client).publish(post([example], id: "ex", key: "ex"), credentials: fake.credentials, resumeAfter: [])
        let exampleFacets = try #require(fake.records.last?.value["facets"]?.array)
        #expect(exampleFacets[0]["index"]?["byteStart"]?.int == 10)
        #expect(exampleFacets[0]["index"]?["byteEnd"]?.int == 14)
        #expect(exampleFacets[1]["index"]?["byteStart"]?.int == 15)
        #expect(exampleFacets[1]["index"]?["byteEnd"]?.int == 36)
    }

    @Test func noFacetsForTextWithoutLinksOrTags() async throws {
        let fake = try FakeBluesky()
        _ = try await BlueskyConnector(client: client).publish(post(["Issue #42 is fixed, see example.com"]), credentials: fake.credentials,
                                                               resumeAfter: [])
        #expect(fake.records.first?.value["facets"] == nil)
    }

    @Test func threadRepliesCarryRootAndParent() async throws {
        let fake = try FakeBluesky()
        let result = try await BlueskyConnector(client: client).publish(
            post(["1/3 début", "2/3 milieu", "3/3 fin"]), credentials: fake.credentials, resumeAfter: [])
        let records = fake.records
        #expect(records.map { $0.value["text"]?.string } == ["1/3 début", "2/3 milieu", "3/3 fin"])
        #expect(records[0].value["reply"] == nil)
        for index in 1..<3 {
            #expect(records[index].value["reply"]?["root"]?["uri"]?.string == records[0].uri)
            #expect(records[index].value["reply"]?["root"]?["cid"]?.string == records[0].cid)
            #expect(records[index].value["reply"]?["parent"]?["uri"]?.string == records[index - 1].uri)
            #expect(records[index].value["reply"]?["parent"]?["cid"]?.string == records[index - 1].cid)
        }
        #expect(result.partIDs == records.map(\.uri))
        #expect(result.url == "https://bsky.app/profile/ada.test/post/\(records[0].rkey)")
        // createdAt is RFC 3339 UTC with milliseconds.
        let createdAt = try #require(records[0].value["createdAt"]?.string)
        #expect(createdAt.count == 24 && createdAt.hasSuffix("Z") && Array(createdAt)[10] == "T")
    }

    @Test func expiredTokenIsRefreshedOnce() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.publish(post(["before"], id: "a", key: "a"), credentials: fake.credentials, resumeAfter: [])
        fake.expireAccessTokens()
        _ = try await connector.publish(post(["after"], id: "b", key: "b"), credentials: fake.credentials, resumeAfter: [])
        _ = try await connector.publish(post(["later"], id: "c", key: "c"), credentials: fake.credentials, resumeAfter: [])
        #expect(fake.records.map { $0.value["text"]?.string } == ["before", "after", "later"])
        let counts = fake.state.withLock { ($0.createSessions, $0.refreshes) }
        #expect(counts.0 == 1)
        #expect(counts.1 == 1)
    }

    @Test func concurrentExpiriesShareOneRefresh() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        let credentials = fake.credentials
        _ = try await connector.verify(credentials: credentials)
        fake.expireAccessTokens()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<4 {
                group.addTask {
                    _ = try await connector.publish(
                        OutgoingPost(publicationID: "e\(n)", parts: ["after expiry \(n)"], idempotencyKey: "ek\(n)"), credentials: credentials,
                        resumeAfter: [])
                }
            }
            try await group.waitForAll()
        }
        #expect(fake.records.count == 4)
        let counts = fake.state.withLock { ($0.createSessions, $0.refreshes) }
        #expect(counts.0 == 1)
        #expect(counts.1 == 1)
    }

    @Test func revokedRefreshTokenLogsInAgain() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.publish(post(["one"], id: "a", key: "a"), credentials: fake.credentials, resumeAfter: [])
        fake.expireAccessTokens()
        fake.revokeRefreshTokens()
        _ = try await connector.publish(post(["two"], id: "b", key: "b"), credentials: fake.credentials, resumeAfter: [])
        #expect(fake.records.count == 2)
        #expect(fake.state.withLock { $0.createSessions } == 2)
    }

    @Test func repeatedPublishIsTheSamePost() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        let first = try await connector.publish(post(["no doubles", "second"]), credentials: fake.credentials, resumeAfter: [])
        // A retry after an unknown outcome (or a crash) sends the same record keys: the PDS refuses
        // the duplicate key, and the connector reads the existing records back.
        let again = try await connector.publish(post(["no doubles", "second"]), credentials: fake.credentials, resumeAfter: [])
        #expect(fake.records.count == 2)
        #expect(again.partIDs == first.partIDs)
        #expect(fake.state.withLock { $0.createRecordCalls } == 4)
        #expect(fake.records.allSatisfy { FakeBluesky.isTID($0.rkey) })
    }

    @Test func sameKeyWithOtherTextIsNotTakenForTheSamePost() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.publish(post(["original"]), credentials: fake.credentials, resumeAfter: [])
        let error = await #expect(throws: ConnectorError.self) {
            try await connector.publish(post(["edited text"]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(error?.kind == .rejected)
        #expect(error?.message.contains("Record already exists") == true)
    }

    @Test func timeoutThenFindThenPublishMakesOnePost() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.verify(credentials: fake.credentials)
        let hasty = BlueskyConnector(client: client, timeout: .seconds(2))
        _ = try await hasty.verify(credentials: fake.credentials)
        let thread = post(["slow", "thread"])
        // The PDS creates the first record, then answers too late.
        fake.script(.stallAfterHandling(milliseconds: 4000))
        let error = await #expect(throws: ConnectorError.self) {
            try await hasty.publish(thread, credentials: fake.credentials, resumeAfter: [])
        }
        #expect(error?.kind == .unknownOutcome)
        #expect(connector.supportsIdempotencyKey == false)
        // Reconciliation: the first part exists, the thread is incomplete.
        let found = try #require(try await connector.find(thread, credentials: fake.credentials))
        #expect(found.partIDs.count == 1)
        let done = try await connector.publish(thread, credentials: fake.credentials, resumeAfter: found.partIDs)
        #expect(fake.records.map { $0.value["text"]?.string } == ["slow", "thread"])
        #expect(done.partIDs == fake.records.map(\.uri))
        #expect(try await connector.find(thread, credentials: fake.credentials)?.partIDs == done.partIDs)
    }

    @Test func findFallsBackToTheLatestRecordsByText() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.publish(post(["made elsewhere"], key: "old-key"), credentials: fake.credentials, resumeAfter: [])
        let found = try await connector.find(post(["made elsewhere"], key: "new-key"), credentials: fake.credentials)
        #expect(found?.id == fake.records[0].uri)
        #expect(try await connector.find(post(["never posted"], key: "x"), credentials: fake.credentials) == nil)
        // The same text posted long ago is another post.
        fake.state.withLock { s in
            s.records.insert(FakeBluesky.Record(
                rkey: "3jzzzzzzzzzz2", uri: "at://\(FakeBluesky.did)/app.bsky.feed.post/3jzzzzzzzzzz2", cid: "bafyold",
                value: .object(["$type": .string("app.bsky.feed.post"), "text": .string("said in 2020"),
                                "createdAt": .string("2020-05-01T10:00:00.000Z")])), at: 0)
        }
        #expect(try await connector.find(post(["said in 2020"], key: "y"), credentials: fake.credentials) == nil)
    }

    @Test func errorsAreClassified() async throws {
        let fake = try FakeBluesky()
        let connector = BlueskyConnector(client: client)
        _ = try await connector.verify(credentials: fake.credentials)
        let reset = Int(time(nil)) + 60
        fake.script(
            .status(429, body: #"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#,
                    headers: [("ratelimit-limit", "5000"), ("ratelimit-remaining", "0"), ("ratelimit-reset", String(reset))]),
            .html,
            .status(502, body: "<html>Bad Gateway</html>"))
        var errors: [ConnectorError] = []
        for _ in 0..<3 {
            do { _ = try await connector.publish(post(["x"]), credentials: fake.credentials, resumeAfter: []) } catch { errors.append(error) }
        }
        #expect(errors.map(\.kind) == [.rateLimited, .malformed, .transient])
        #expect((55...61).contains(errors[0].retryAfterSeconds ?? -1))
        #expect(errors[0].message.contains("Rate Limit Exceeded"))
        let tooLong = await #expect(throws: ConnectorError.self) {
            try await connector.publish(post([String(repeating: "é", count: 301)]), credentials: fake.credentials, resumeAfter: [])
        }
        #expect(tooLong?.kind == .rejected)
        #expect(tooLong?.message.contains("300 graphemes") == true)
    }
}
