import Connectors
import Glibc
import HTTP
import HTTPClient
import Testing

/// Runs Tests/blackbox/fake_social.py (the fake the black-box tests use) and drives the real connectors
/// against it, so the Python fake and the Swift fakes agree on what the platforms do.
final class PythonFakeSocial {
    let pid: pid_t
    let port: Int
    let stateFile: String

    static var scriptPath: String {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX))
        let file = realpath(#filePath, &resolved).map { String(cString: $0) } ?? #filePath
        return "/" + file.split(separator: "/").dropLast(2).joined(separator: "/") + "/blackbox/fake_social.py"
    }

    static var available: Bool { access("/usr/bin/python3", X_OK) == 0 && access(scriptPath, R_OK) == 0 }

    init(stateFile: String, port: Int = 0) throws {
        self.stateFile = stateFile
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw HTTPServerError(message: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let args = ["/usr/bin/python3", Self.scriptPath, "--port", String(port), "--state", stateFile]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/usr/bin/python3", &actions, nil, &argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(fds[1])
        guard rc == 0 else { close(fds[0]); throw HTTPServerError(message: "posix_spawn failed: \(rc)") }
        pid = child
        // Read "PORT <n>\n".
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fds[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        close(fds[0])
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw HTTPServerError(message: "fake_social.py did not print its port: \(text)")
        }
        self.port = port
    }

    /// Stops it the hard way (as the kill -9 test does).
    func kill9() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit { kill9() }

    var base: String { "http://127.0.0.1:\(port)" }
    var mastodon: [String: String] { ["instance": base, "access_token": "mastodon-token"] }
    var bluesky: [String: String] { ["service": base, "identifier": "ada.test", "app_password": "abcd-efgh-ijkl-mnop"] }
    var webhook: [String: String] { ["url": base + "/hook", "secret": "whsec-fake-0123456789"] }

    func control(_ json: String) async throws {
        let response = try await HTTPClient().send(
            HTTPClientRequest(method: "POST", url: base + "/_control", headers: [("Content-Type", "application/json")], body: Array(json.utf8)))
        #expect(response.status == 200)
    }

    func stats() async throws -> JSONValue {
        let response = try await HTTPClient().send(HTTPClientRequest(url: base + "/_stats"))
        return try JSONValue.parse(response.body)
    }
}

@Suite(.serialized, .enabled(if: PythonFakeSocial.available)) struct FakeSocialScriptTests {
    let client = HTTPClient()

    @Test func connectorsAgainstThePythonFake() async throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let state = dir + "/fake-state.json"
        var fake: PythonFakeSocial? = try PythonFakeSocial(stateFile: state)
        let mastodon = MastodonConnector(client: client, timeout: .seconds(30))
        let bluesky = BlueskyConnector(client: client, timeout: .seconds(30))
        let webhook = WebhookConnector(client: client, timeout: .seconds(30))
        var f = try #require(fake)

        // Mastodon: limit, thread, misbehaviour kinds in order, repeat with the same key.
        #expect(try await mastodon.verify(credentials: f.mastodon).textLimit == 500)
        let thread = OutgoingPost(publicationID: "p1", parts: ["1/2 Café #swift https://example.com/x", "2/2 fin"], idempotencyKey: "p1-key")
        let posted = try await mastodon.publish(thread, credentials: f.mastodon, resumeAfter: [])
        try await f.control(#"{"mode": "503", "count": 1, "platform": "mastodon"}"#)
        try await f.control(#"{"mode": "429", "count": 1, "retry_after": 4, "platform": "mastodon"}"#)
        try await f.control(#"{"mode": "html", "count": 1, "platform": "mastodon"}"#)
        try await f.control(#"{"mode": "noid", "count": 1, "platform": "mastodon"}"#)
        var kinds: [ConnectorError.Kind] = []
        var wait: Int?
        for _ in 0..<4 {
            do { _ = try await mastodon.publish(thread, credentials: f.mastodon, resumeAfter: []) } catch {
                kinds.append(error.kind)
                if error.kind == .rateLimited { wait = error.retryAfterSeconds }
            }
        }
        #expect(kinds == [.transient, .rateLimited, .malformed, .malformed])
        #expect(wait == 4)
        #expect(try await mastodon.publish(thread, credentials: f.mastodon, resumeAfter: []) == posted)
        #expect(try await mastodon.find(thread, credentials: f.mastodon)?.partIDs == posted.partIDs)

        // Bluesky: one login, facets, expiry refresh, no duplicate on repeat.
        _ = try await bluesky.verify(credentials: f.bluesky)
        let sky = OutgoingPost(publicationID: "p2", parts: ["東京 ☕ #tokyo https://example.com/t", "second"], idempotencyKey: "p2-key")
        let skyPosted = try await bluesky.publish(sky, credentials: f.bluesky, resumeAfter: [])
        try await f.control(#"{"mode": "expire"}"#)
        #expect(try await bluesky.publish(sky, credentials: f.bluesky, resumeAfter: []) == skyPosted)

        // Webhook: signed, and a repeat under the same key is one delivery with two attempts.
        let hook = OutgoingPost(publicationID: "p3", parts: ["hello hook"], idempotencyKey: "p3-key")
        let first = try await webhook.publish(hook, credentials: f.webhook, resumeAfter: [])
        #expect(try await webhook.publish(hook, credentials: f.webhook, resumeAfter: []).id == first.id)

        // Stall: the post exists, the answer comes too late.
        try await f.control(#"{"mode": "stall", "count": 1, "stall_seconds": 2, "platform": "mastodon"}"#)
        let slow = OutgoingPost(publicationID: "p4", parts: ["slow"], idempotencyKey: "p4-key")
        let hasty = MastodonConnector(client: client, timeout: .milliseconds(500))
        let unknown = await #expect(throws: ConnectorError.self) { try await hasty.publish(slow, credentials: f.mastodon, resumeAfter: []) }
        #expect(unknown?.kind == .unknownOutcome)

        // kill -9 and restart on the same state and port: nothing forgotten, retries still do not double.
        let port = f.port
        f.kill9()
        fake = nil
        f = try PythonFakeSocial(stateFile: state, port: port)
        fake = f
        _ = try await mastodon.publish(slow, credentials: f.mastodon, resumeAfter: [])
        _ = try await mastodon.publish(thread, credentials: f.mastodon, resumeAfter: [])
        _ = try await bluesky.publish(sky, credentials: f.bluesky, resumeAfter: [])  // the cached session survives too

        let stats = try await f.stats()
        #expect(stats["counts"]?["mastodon"]?.int == 3)
        #expect(stats["counts"]?["bluesky"]?.int == 2)
        #expect(stats["counts"]?["webhook"]?.int == 1)
        #expect(stats["sessions_created"]?.int == 1)
        #expect(stats["refreshes"]?.int == 1)
        #expect(stats["webhook_refused"]?.int == 0)
        let posts = try #require(stats["posts"]?.array)
        let skyFirst = try #require(posts.first { $0["platform"]?.string == "bluesky" })
        let text = try #require(skyFirst["text"]?.string)
        let facets = try #require(skyFirst["facets"]?.array)
        let bytes = Array(text.utf8)
        let slices = facets.compactMap { facet -> String? in
            guard let s = facet["index"]?["byteStart"]?.int, let e = facet["index"]?["byteEnd"]?.int else { return nil }
            return String(decoding: bytes[s..<e], as: UTF8.self)
        }
        #expect(slices == ["#tokyo", "https://example.com/t"])
        let hookEntry = try #require(posts.first { $0["platform"]?.string == "webhook" })
        #expect(hookEntry["attempts"]?.int == 2)
        let replies = posts.filter { $0["platform"]?.string == "mastodon" && $0["reply_to"] != .null }
        #expect(replies.count == 1)
    }
}
