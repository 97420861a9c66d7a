import Dispatch
import Glibc
import HTTP
import Logging

// Fake Mastodon, Bluesky and webhook receivers on loopback, implementing the documented endpoints:
// status codes, JSON error bodies, rate-limit headers, Mastodon's Idempotency-Key and Bluesky's sessions.

/// A misbehaviour a fake answers with instead of the real handler (consumed one request each).
enum Misbehaviour: Sendable {
    case status(Int, body: String, headers: [(String, String)] = [])
    /// A 200 HTML page, as a captive portal or a misconfigured proxy sends.
    case html
    /// A 200 JSON object without an id.
    case noID
    /// Handle the request normally, then stall past the client's deadline before answering.
    case stallAfterHandling(milliseconds: Int)
}

/// Starts an HTTPServer on a loopback port chosen by the system.
func startFake(_ handler: @escaping @Sendable (Request) -> Response) throws -> HTTPServer {
    var configuration = HTTPServer.Configuration()
    configuration.port = 0
    configuration.threads = 4
    let server = HTTPServer(configuration: configuration, logger: Logger(label: "fake")) { handler($0) }
    try server.start()
    return server
}

/// Stops a fake's server on another thread: the last reference to a fake may be dropped on one of
/// the server's own worker threads, which cannot join itself.
func stopLater(_ server: HTTPServer?) {
    guard let server else { return }
    DispatchQueue.global().async { server.stop(drain: .milliseconds(100)) }
}

func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> Response {
    var response = Response.json(value, status: status)
    for (name, value) in headers { response.headers.add(name, value) }
    return response
}

func body(_ request: Request) -> JSONValue? { try? JSONValue.parse(request.body) }

extension JSONValue {
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var int: Int? { if case .int(let i) = self { return Int(i) } else { return nil } }
    var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
}

/// What a fake does before its normal handler: the next scripted misbehaviour, if any.
private func scripted(_ script: inout [Misbehaviour]) -> Misbehaviour? {
    script.isEmpty ? nil : script.removeFirst()
}

private func misbehave(_ misbehaviour: Misbehaviour) -> Response? {
    switch misbehaviour {
    case .status(let status, let text, let headers):
        var response = Response(status: status, body: Array(text.utf8))
        response.headers.add("Content-Type", text.hasPrefix("{") ? "application/json" : "text/plain")
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    case .html:
        return .text("<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>", contentType: "text/html")
    case .noID:
        return json(.object(["created_at": .string("2026-01-01T00:00:00.000Z"), "content": .string("<p>hi</p>")]))
    case .stallAfterHandling:
        return nil
    }
}

// MARK: - Mastodon

/// A Mastodon instance with one account (`ada`, token `good-token`).
final class FakeMastodon: Sendable {
    struct Status: Sendable {
        let id: String
        let text: String
        let inReplyTo: String?
        let idempotencyKey: String?
        let language: String?
        let visibility: String?
    }

    struct State {
        var statuses: [Status] = []
        var keys: [String: String] = [:]
        var script: [Misbehaviour] = []
        var requests: [String] = []
        var nextID = 109_000_000_000_000_000
    }

    let token: String
    let maxCharacters: Int
    let state = Locked(State())
    private let box = Locked<HTTPServer?>(nil)

    var url: String { "http://127.0.0.1:\(box.withLock { $0!.port })" }
    var credentials: [String: String] { ["instance": url, "access_token": token] }
    var statuses: [Status] { state.withLock { $0.statuses } }

    init(token: String = "good-token", maxCharacters: Int = 500) throws {
        self.token = token
        self.maxCharacters = maxCharacters
        let server = try startFake { [weak self] request in self?.handle(request) ?? Response(status: 500) }
        box.withLock { $0 = server }
    }

    deinit { stopLater(box.withLock { $0 }) }

    func script(_ steps: Misbehaviour...) { state.withLock { $0.script += steps } }

    private func handle(_ request: Request) -> Response {
        let next = state.withLock { state -> Misbehaviour? in
            state.requests.append("\(request.method.rawValue) \(request.path)")
            return scripted(&state.script)
        }
        if let next, let response = misbehave(next) { return response }
        let response = route(request)
        if case .stallAfterHandling(let ms)? = next { usleep(UInt32(ms) * 1000) }
        return response
    }

    private func route(_ request: Request) -> Response {
        if request.method == .GET, request.path == "/api/v2/instance" { return instance() }  // public, no token needed
        guard request.headers["Authorization"] == "Bearer \(token)" else {
            return json(.object(["error": .string("The access token is invalid")]), status: 401)
        }
        let path = request.path
        switch (request.method, path) {
        case (.GET, "/api/v1/accounts/verify_credentials"):
            return json(.object(["id": .string("110"), "username": .string("ada"), "acct": .string("ada"),
                                 "display_name": .string("Ada")]))
        case (.POST, "/api/v1/statuses"):
            return createStatus(request)
        case (.GET, "/api/v1/accounts/110/statuses"):
            let limit = min(Int(request.queryValue("limit") ?? "20") ?? 20, 40)
            let list = state.withLock { Array($0.statuses.reversed().prefix(limit)) }
            return json(.array(list.map(render)))
        default:
            if request.method == .GET, path.hasPrefix("/api/v1/statuses/") {
                let id = String(path.dropFirst("/api/v1/statuses/".count))
                if let status = state.withLock({ $0.statuses.first { $0.id == id } }) { return json(render(status)) }
            }
            return json(.object(["error": .string("Record not found")]), status: 404)
        }
    }

    private func instance() -> Response {
            json(.object([
                "domain": .string("fake.social"),
                "configuration": .object([
                    "statuses": .object(["max_characters": .int(Int64(maxCharacters)), "max_media_attachments": .int(4),
                                         "characters_reserved_per_url": .int(23)]),
                ]),
            ]))
    }

    private func createStatus(_ request: Request) -> Response {
        guard let object = body(request) else {
            return json(.object(["error": .string("Error while parsing request body")]), status: 400)
        }
        let text = object["status"]?.string ?? ""
        let key = request.headers["Idempotency-Key"]
        return state.withLock { state -> Response in
            // Mastodon stores each key for an hour and answers a repeat with the original status.
            if let key, let id = state.keys[key], let original = state.statuses.first(where: { $0.id == id }) {
                return json(render(original))
            }
            if text.isEmpty { return json(.object(["error": .string("Validation failed: Text can't be blank")]), status: 422) }
            if text.count > maxCharacters {
                return json(.object(["error": .string("Validation failed: Text character limit of \(maxCharacters) exceeded")]), status: 422)
            }
            let parent = object["in_reply_to_id"]?.string
            if let parent, !state.statuses.contains(where: { $0.id == parent }) {
                return json(.object(["error": .string("Record not found")]), status: 404)
            }
            state.nextID += 1
            let status = Status(
                id: String(state.nextID), text: text, inReplyTo: parent, idempotencyKey: key, language: object["language"]?.string,
                visibility: object["visibility"]?.string)
            state.statuses.append(status)
            if let key { state.keys[key] = status.id }
            return json(render(status))
        }
    }

    private func render(_ status: Status) -> JSONValue {
        .object([
            "id": .string(status.id),
            "uri": .string("\(url)/users/ada/statuses/\(status.id)"),
            "url": .string("\(url)/@ada/\(status.id)"),
            "content": .string(Self.html(status.text, base: url)),
            "in_reply_to_id": status.inReplyTo.map(JSONValue.string) ?? .null,
            "visibility": .string(status.visibility ?? "public"),
            "language": status.language.map(JSONValue.string) ?? .null,
            "created_at": .string("2026-01-01T00:00:00.000Z"),
        ])
    }

    /// Mastodon's rendering: paragraphs, `<br />`, links split into invisible/visible spans, hashtag links.
    static func html(_ text: String, base: String) -> String {
        func escape(_ s: Substring) -> String {
            String(s).replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
                .replacing("'", with: "&#39;")
        }
        let paragraphs = text.split(separator: "\n\n", omittingEmptySubsequences: false).map { paragraph in
            paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
                    if word.hasPrefix("https://") {
                        let rest = word.dropFirst("https://".count)
                        return "<a href=\"\(escape(word))\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span>"
                            + "<span class=\"\">\(escape(rest))</span><span class=\"invisible\"></span></a>"
                    }
                    if word.hasPrefix("#"), word.count > 1 {
                        let tag = word.dropFirst()
                        return "<a href=\"\(base)/tags/\(escape(tag))\" class=\"mention hashtag\" rel=\"tag\">#<span>\(escape(tag))</span></a>"
                    }
                    return escape(word)
                }.joined(separator: " ")
            }.joined(separator: "<br />")
        }
        return paragraphs.map { "<p>\($0)</p>" }.joined()
    }
}

// MARK: - Bluesky

/// A PDS with one account (`ada.test`, app password `abcd-efgh-ijkl-mnop`, did `did:plc:ada`).
final class FakeBluesky: Sendable {
    struct Record: Sendable {
        let rkey: String
        let uri: String
        let cid: String
        let value: JSONValue
    }

    struct State {
        var records: [Record] = []
        var accessTokens: [String: Bool] = [:]  // token → expired
        var refreshTokens: Set<String> = []
        var createSessions = 0
        var refreshes = 0
        var createRecordCalls = 0
        var script: [Misbehaviour] = []
        var counter = 0
    }

    static let handle = "ada.test"
    static let password = "abcd-efgh-ijkl-mnop"
    static let did = "did:plc:ada"

    let state = Locked(State())
    private let box = Locked<HTTPServer?>(nil)

    var url: String { "http://127.0.0.1:\(box.withLock { $0!.port })" }
    var credentials: [String: String] { ["service": url, "identifier": Self.handle, "app_password": Self.password] }
    var records: [Record] { state.withLock { $0.records } }

    init() throws {
        let server = try startFake { [weak self] request in self?.handle(request) ?? Response(status: 500) }
        box.withLock { $0 = server }
    }

    deinit { stopLater(box.withLock { $0 }) }

    func script(_ steps: Misbehaviour...) { state.withLock { $0.script += steps } }

    /// Every access token issued so far expires now (the next call with one gets `ExpiredToken`).
    func expireAccessTokens() { state.withLock { s in for key in s.accessTokens.keys { s.accessTokens[key] = true } } }

    /// Refresh tokens stop working too (as after a password change on another device).
    func revokeRefreshTokens() { state.withLock { $0.refreshTokens.removeAll() } }

    private func xrpcError(_ status: Int, _ error: String, _ message: String, headers: [(String, String)] = []) -> Response {
        json(.object(["error": .string(error), "message": .string(message)]), status: status, headers: headers)
    }

    private func handle(_ request: Request) -> Response {
        let next = state.withLock { scripted(&$0.script) }
        if let next, let response = misbehave(next) { return response }
        let response = route(request)
        if case .stallAfterHandling(let ms)? = next { usleep(UInt32(ms) * 1000) }
        return response
    }

    private func route(_ request: Request) -> Response {
        switch (request.method, request.path) {
        case (.POST, "/xrpc/com.atproto.server.createSession"):
            guard let input = body(request), let identifier = input["identifier"]?.string, let password = input["password"]?.string else {
                return xrpcError(400, "InvalidRequest", "Input must have the property \"identifier\"")
            }
            guard identifier == Self.handle || identifier == Self.did, password == Self.password else {
                return xrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
            }
            return state.withLock { s in
                s.createSessions += 1
                return issue(&s)
            }
        case (.POST, "/xrpc/com.atproto.server.refreshSession"):
            let token = bearer(request)
            return state.withLock { s in
                guard let token, s.refreshTokens.remove(token) != nil else {
                    return xrpcError(400, "ExpiredToken", "Token has been revoked")
                }
                s.refreshes += 1
                return issue(&s)
            }
        default:
            break
        }
        // Everything else needs a valid, unexpired access token.
        let token = bearer(request)
        let tokenState = state.withLock { s in token.flatMap { s.accessTokens[$0] } }
        guard let token, !token.isEmpty else { return xrpcError(401, "AuthenticationRequired", "Authentication Required") }
        guard let expired = tokenState else { return xrpcError(401, "InvalidToken", "Token could not be verified") }
        if expired { return xrpcError(400, "ExpiredToken", "Token has expired") }

        switch (request.method, request.path) {
        case (.POST, "/xrpc/com.atproto.repo.createRecord"):
            return createRecord(request)
        case (.GET, "/xrpc/com.atproto.repo.getRecord"):
            guard request.queryValue("repo") == Self.did, request.queryValue("collection") == "app.bsky.feed.post",
                  let rkey = request.queryValue("rkey")
            else { return xrpcError(400, "InvalidRequest", "Params must have the properties \"repo\", \"collection\", \"rkey\"") }
            guard let record = state.withLock({ $0.records.first { $0.rkey == rkey } }) else {
                return xrpcError(400, "RecordNotFound", "Could not locate record: at://\(Self.did)/app.bsky.feed.post/\(rkey)")
            }
            return json(.object(["uri": .string(record.uri), "cid": .string(record.cid), "value": record.value]))
        case (.GET, "/xrpc/com.atproto.repo.listRecords"):
            let limit = min(Int(request.queryValue("limit") ?? "50") ?? 50, 100)
            let list = state.withLock { Array($0.records.reversed().prefix(limit)) }
            return json(.object(["records": .array(list.map { .object(["uri": .string($0.uri), "cid": .string($0.cid), "value": $0.value]) })]))
        default:
            return xrpcError(501, "MethodNotImplemented", "Method Not Implemented")
        }
    }

    private func bearer(_ request: Request) -> String? {
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    private func issue(_ s: inout State) -> Response {
        s.counter += 1
        let access = "access-\(s.counter)", refresh = "refresh-\(s.counter)"
        s.accessTokens[access] = false
        s.refreshTokens.insert(refresh)
        return json(.object([
            "accessJwt": .string(access), "refreshJwt": .string(refresh), "handle": .string(Self.handle), "did": .string(Self.did),
            "active": .bool(true),
        ]))
    }

    private func createRecord(_ request: Request) -> Response {
        state.withLock { $0.createRecordCalls += 1 }
        guard let input = body(request), input["repo"]?.string == Self.did || input["repo"]?.string == Self.handle,
              input["collection"]?.string == "app.bsky.feed.post", let record = input["record"]
        else { return xrpcError(400, "InvalidRequest", "Input must have the properties \"repo\", \"collection\", \"record\"") }
        guard record["$type"]?.string == "app.bsky.feed.post", let text = record["text"]?.string,
              let createdAt = record["createdAt"]?.string, createdAt.hasSuffix("Z"), createdAt.contains("T")
        else { return xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record must have the property \"text\"") }
        if text.count > 300 || text.utf8.count > 3000 {
            return xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
        }
        for facet in record["facets"]?.array ?? [] {
            guard let start = facet["index"]?["byteStart"]?.int, let end = facet["index"]?["byteEnd"]?.int, 0 <= start, start < end,
                  end <= text.utf8.count
            else { return xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: facet index out of range") }
        }
        let rkey = input["rkey"]?.string
        if let rkey, !Self.isTID(rkey) {
            return xrpcError(400, "InvalidRequest", "Invalid record key: must be a valid TID")
        }
        return state.withLock { s -> Response in
            if let parent = record["reply"]?["parent"]?["uri"]?.string, !s.records.contains(where: { $0.uri == parent }) {
                return xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: reply parent not found")
            }
            s.counter += 1
            let key = rkey ?? "3kzzz\(String(s.counter, radix: 32).leftPadded(8))"
            if s.records.contains(where: { $0.rkey == key }) {
                return xrpcError(400, "InvalidRequest", "Record already exists at at://\(Self.did)/app.bsky.feed.post/\(key)")
            }
            let uri = "at://\(Self.did)/app.bsky.feed.post/\(key)"
            let cid = "bafyreib\(s.counter)fake"
            s.records.append(Record(rkey: key, uri: uri, cid: cid, value: record))
            return json(.object(["uri": .string(uri), "cid": .string(cid), "validationStatus": .string("valid")]))
        }
    }

    static func isTID(_ key: String) -> Bool {
        let chars = Array(key.utf8)
        let alphabet = Array("234567abcdefghijklmnopqrstuvwxyz".utf8)
        return chars.count == 13 && alphabet.prefix(16).contains(chars[0]) && chars.allSatisfy { alphabet.contains($0) }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "2", count: width - count) + self }
}

// MARK: - Webhook receiver

/// A receiver that checks the signature as the documentation tells receivers to, and keeps what it accepted.
final class FakeWebhook: Sendable {
    struct Delivery: Sendable {
        let body: [UInt8]
        let idempotencyKey: String?
        let timestamp: String?
        let signature: String?
    }

    struct State {
        var accepted: [Delivery] = []
        var refused = 0
        var script: [Misbehaviour] = []
    }

    let secret: String
    let state = Locked(State())
    private let box = Locked<HTTPServer?>(nil)
    private let check: @Sendable (Delivery, String) -> Bool

    var url: String { "http://127.0.0.1:\(box.withLock { $0!.port })/hook" }
    var credentials: [String: String] { ["url": url, "secret": secret] }

    init(secret: String = "whsec-test-0123456789", check: @escaping @Sendable (Delivery, String) -> Bool) throws {
        self.secret = secret
        self.check = check
        let server = try startFake { [weak self] request in self?.handle(request) ?? Response(status: 500) }
        box.withLock { $0 = server }
    }

    deinit { stopLater(box.withLock { $0 }) }

    func script(_ steps: Misbehaviour...) { state.withLock { $0.script += steps } }

    private func handle(_ request: Request) -> Response {
        if let next = state.withLock({ scripted(&$0.script) }), let response = misbehave(next) { return response }
        guard request.method == .POST, request.path == "/hook" else { return .text("not found", status: 404) }
        let delivery = Delivery(
            body: request.body, idempotencyKey: request.headers["Idempotency-Key"], timestamp: request.headers["X-Studio-Timestamp"],
            signature: request.headers["X-Studio-Signature"])
        guard check(delivery, secret) else {
            state.withLock { $0.refused += 1 }
            return json(.object(["error": .string("bad signature")]), status: 401)
        }
        let count = state.withLock { s -> Int in
            s.accepted.append(delivery)
            return s.accepted.count
        }
        return json(.object(["id": .string("hook-\(count)")]))
    }
}
