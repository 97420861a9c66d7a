import Crypto
import HTTPClient

/// Posts to a Bluesky (AT Protocol) account through its PDS's XRPC API.
///
/// Credentials: `identifier` (handle, DID or e-mail), `app_password` (an app password, never the
/// account password) and optionally `service` (the PDS or entryway, default `https://bsky.social`).
///
/// - Sessions: `com.atproto.server.createSession` once per account, then REUSED across posts (Bluesky
///   allows only a few logins a day). On `ExpiredToken` (or a 401) the call is repeated once after
///   `com.atproto.server.refreshSession`, or after a new session when the refresh token is refused too.
/// - `publish`: `com.atproto.repo.createRecord` of an `app.bsky.feed.post` per part, with facets for
///   links and hashtags at UTF-8 byte offsets, `langs`, and `reply {root, parent}` for thread parts.
/// - No idempotency key exists in the protocol, so each part gets a deterministic, TID-shaped record key
///   derived from `post.idempotencyKey` and the part index: a repeat of the same part cannot make a
///   second record, and when the PDS refuses the repeat, the existing record is read back and counted
///   as published.
/// - `find`: reads the records at those keys (`com.atproto.repo.getRecord`), then falls back to the
///   repo's 50 latest posts (`com.atproto.repo.listRecords`) with the same text and a recent `createdAt`.
public final class BlueskyConnector: PlatformConnector {
    /// `bluesky`.
    public let platform = "bluesky"
    /// Bluesky has no idempotency key: an unknown outcome is reconciled with ``find(_:credentials:)`` first.
    public let supportsIdempotencyKey = false
    /// The service used when the credentials name none.
    public static let defaultService = "https://bsky.social"
    /// The record collection of posts.
    static let postCollection = "app.bsky.feed.post"

    private let exchange: PlatformExchange
    private let sessions = SessionCache()
    private let nowMilliseconds: @Sendable () -> Int64

    /// A connector (keep one per process: it caches each account's session).
    /// - Parameters:
    ///   - client: The HTTP client.
    ///   - timeout: The deadline of each XRPC call.
    ///   - connectTimeout: The deadline for connecting to the service.
    public init(client: HTTPClient = HTTPClient(), timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10)) {
        exchange = PlatformExchange(name: "Bluesky", client: client, timeout: timeout, connectTimeout: connectTimeout)
        nowMilliseconds = { Timestamps.nowMilliseconds() }
    }

    /// Logs in now (a fresh session, which is then cached for publishing) and returns the handle.
    public func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo {
        let account = try Login(credentials: credentials)
        let session = try await createSession(account)
        await sessions.store(session, for: account.cacheKey)
        return AccountInfo(handle: session.handle ?? account.identifier)
    }

    /// Creates a record per part (continuing after `resumeAfter`, which holds at:// URIs), each part
    /// after the first replying to the previous one with the first as root.
    public func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError)
        -> PublishedPost
    {
        let account = try Login(credentials: credentials)
        guard !post.parts.isEmpty else { throw ConnectorError(.rejected, "the post has no text to publish") }
        guard resumeAfter.count <= post.parts.count else {
            throw ConnectorError(.rejected, "the earlier attempt created \(resumeAfter.count) parts but the post has \(post.parts.count)")
        }
        var refs: [StrongRef] = []
        for uri in resumeAfter {
            guard let existing = try await record(at: uri, account: account) else {
                throw ConnectorError(.rejected, "the thread part \(uri) created earlier no longer exists; the thread cannot be continued")
            }
            refs.append(existing.ref)
        }
        var handle: String?
        for index in resumeAfter.count..<post.parts.count {
            let text = post.parts[index]
            let record = PostRecord(
                type: Self.postCollection, text: text, createdAt: Timestamps.format(milliseconds: nowMilliseconds()),
                langs: post.language.map { [$0] }, facets: Facet.facets(for: text),
                reply: refs.first.map { ReplyRef(root: $0, parent: refs[refs.count - 1]) })
            let rkey = RecordKey.tid(for: "\(post.idempotencyKey)-\(index)")
            do {
                let (ref, session) = try await createRecord(record, rkey: rkey, account: account)
                refs.append(ref)
                handle = session.handle
            } catch {
                throw error.withCreated(refs.map(\.uri))
            }
        }
        return published(refs.map(\.uri), handle: handle)
    }

    /// How far back ``find(_:credentials:)`` accepts a post matched by text alone (records without this post's keys).
    public static let findWindowSeconds: Int64 = 48 * 3600

    /// Looks for the records this post's keys name; then among the 50 latest posts, one with the same
    /// text created within ``findWindowSeconds``.
    /// `partIDs` lists the parts found in order; fewer than `post.parts` means the thread is incomplete.
    public func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost? {
        let account = try Login(credentials: credentials)
        guard let firstText = post.parts.first else { return nil }
        var uris: [String] = []
        var handle: String?
        for index in post.parts.indices {
            let rkey = RecordKey.tid(for: "\(post.idempotencyKey)-\(index)")
            let (found, session) = try await getRecord(rkey: rkey, account: account)
            handle = session.handle
            guard let found, found.value.text == post.parts[index] else { break }
            uris.append(found.uri)
        }
        if !uris.isEmpty { return published(uris, handle: handle) }

        // Records made without our keys (an older version, or by hand): match the text.
        let (latest, session) = try await authorized(account, mutating: false) { session async throws(ConnectorError) in
            try await self.exchange.send(
                "GET",
                account.service + "/xrpc/com.atproto.repo.listRecords?repo=\(percentEncoded(session.did))&collection="
                    + "\(Self.postCollection)&limit=50",
                headers: session.bearer, mutating: false)
        }
        guard latest.status == 200 else { throw failure(latest) }
        guard let list = decodeJSON(RecordList.self, latest.body) else {
            throw exchange.malformed(latest, expected: "a list of records")
        }
        // Only recent records: an identical text posted long ago is another post.
        let since = nowMilliseconds() / 1000 - Self.findWindowSeconds
        let recent = list.records.filter { ($0.value.createdAt.flatMap(Timestamps.parse) ?? 0) >= since }
        guard let first = recent.first(where: { $0.value.text == firstText && $0.value.reply == nil }) else { return nil }
        var chain = [first.uri]
        for part in post.parts.dropFirst() {
            guard let next = recent.first(where: { $0.value.text == part && $0.value.reply?.parent.uri == chain.last }) else {
                break
            }
            chain.append(next.uri)
        }
        return published(chain, handle: session.handle)
    }

    // MARK: - Records

    private func published(_ uris: [String], handle: String?) -> PublishedPost {
        let first = uris[0]
        let rkey = first.split(separator: "/").last.map(String.init) ?? ""
        let author = handle ?? String(first.dropFirst("at://".count).split(separator: "/").first ?? "")
        return PublishedPost(id: first, url: "https://bsky.app/profile/\(author)/post/\(rkey)", partIDs: uris)
    }

    /// Creates one record; a refused repeat of the same key whose record exists with the same text is that record.
    private func createRecord(_ record: PostRecord, rkey: String, account: Login) async throws(ConnectorError) -> (StrongRef, Session) {
        let (response, session) = try await authorized(account, mutating: true) { session async throws(ConnectorError) in
            let input = CreateRecordInput(repo: session.did, collection: Self.postCollection, rkey: rkey, record: record)
            return try await self.exchange.send(
                "POST", account.service + "/xrpc/com.atproto.repo.createRecord", headers: session.bearer, json: encodeJSON(input),
                mutating: true)
        }
        if (200...299).contains(response.status) {
            guard let ref = decodeJSON(StrongRef.self, response.body), ref.uri.hasPrefix("at://"), !ref.cid.isEmpty else {
                throw exchange.malformed(response, expected: "the created record's uri and cid")
            }
            return (ref, session)
        }
        // The key is already taken (PDSs answer 400 InvalidRequest, some 409 or 500): if it holds this
        // very text, an earlier attempt created it and this repeat is the same post.
        if [400, 409].contains(response.status) || (500...599).contains(response.status),
           let existing = try? await getRecord(rkey: rkey, account: account).0, existing.value.text == record.text
        {
            return (existing.ref, session)
        }
        throw failure(response)
    }

    /// The record at an at:// URI of this account's repo, nil when it does not exist.
    private func record(at uri: String, account: Login) async throws(ConnectorError) -> RecordJSON? {
        guard uri.hasPrefix("at://"), let rkey = uri.split(separator: "/").last, uri.contains("/\(Self.postCollection)/") else {
            throw ConnectorError(.rejected, "\(uri) is not the at:// URI of a Bluesky post")
        }
        return try await getRecord(rkey: String(rkey), account: account).0
    }

    private func getRecord(rkey: String, account: Login) async throws(ConnectorError) -> (RecordJSON?, Session) {
        let (response, session) = try await authorized(account, mutating: false) { session async throws(ConnectorError) in
            try await self.exchange.send(
                "GET",
                account.service + "/xrpc/com.atproto.repo.getRecord?repo=\(percentEncoded(session.did))&collection="
                    + "\(Self.postCollection)&rkey=\(percentEncoded(rkey))",
                headers: session.bearer, mutating: false)
        }
        if response.status == 200 {
            guard let found = decodeJSON(RecordJSON.self, response.body) else {
                throw exchange.malformed(response, expected: "the record's uri, cid and value")
            }
            return (found, session)
        }
        let error = decodeJSON(XRPCError.self, response.body)
        if response.status == 404 || (response.status == 400 && error?.error == "RecordNotFound") { return (nil, session) }
        throw failure(response)
    }

    // MARK: - Sessions

    /// Runs `call` with the cached session (creating one when there is none); when the token has
    /// expired or is refused, refreshes (or logs in again) and runs it once more.
    private func authorized(
        _ account: Login, mutating: Bool, _ call: (Session) async throws(ConnectorError) -> HTTPClientResponse
    ) async throws(ConnectorError) -> (HTTPClientResponse, Session) {
        let session = try await sessions.session(for: account.cacheKey) { () async throws(ConnectorError) -> Session in
            try await self.createSession(account)
        }
        let first = try await call(session)
        guard isExpired(first) else { return (first, session) }
        let renewed = try await renew(session, account: account)
        return (try await call(renewed), renewed)
    }

    private func isExpired(_ response: HTTPClientResponse) -> Bool {
        if response.status == 401 { return true }
        guard response.status == 400, let error = decodeJSON(XRPCError.self, response.body)?.error else { return false }
        return error == "ExpiredToken" || error == "InvalidToken"
    }

    /// A new session after `stale` was refused: refreshSession, or a new login when the refresh token is
    /// refused too. Concurrent callers share one renewal.
    private func renew(_ stale: Session, account: Login) async throws(ConnectorError) -> Session {
        try await sessions.renewed(for: account.cacheKey, replacing: stale) { () async throws(ConnectorError) -> Session in
            let response = try await self.exchange.send(
                "POST", account.service + "/xrpc/com.atproto.server.refreshSession",
                headers: [(name: "Authorization", value: "Bearer \(stale.refreshJwt)")], mutating: false)
            if response.status == 200, var refreshed = decodeJSON(Session.self, response.body), !refreshed.accessJwt.isEmpty {
                if refreshed.did.isEmpty { refreshed.did = stale.did }
                return refreshed
            }
            return try await self.createSession(account)
        }
    }

    private func createSession(_ account: Login) async throws(ConnectorError) -> Session {
        let response = try await exchange.send(
            "POST", account.service + "/xrpc/com.atproto.server.createSession",
            json: encodeJSON(["identifier": account.identifier, "password": account.password]), mutating: false)
        guard response.status == 200 else {
            let error = decodeJSON(XRPCError.self, response.body)
            if response.status == 401 || ["AuthenticationRequired", "AccountTakedown", "AuthFactorTokenRequired"].contains(error?.error) {
                throw ConnectorError(
                    .unauthorized,
                    "Bluesky refused the identifier or app password (HTTP \(response.status))\(error?.readable.map { ": \($0)" } ?? ""); reconnect the account",
                    status: response.status)
            }
            throw failure(response)
        }
        guard let session = decodeJSON(Session.self, response.body), !session.accessJwt.isEmpty, !session.did.isEmpty else {
            throw exchange.malformed(response, expected: "a session with accessJwt and did")
        }
        return session
    }

    private func failure(_ response: HTTPClientResponse) -> ConnectorError {
        let error = decodeJSON(XRPCError.self, response.body)
        if response.status == 400, error?.error == "ExpiredToken" || error?.error == "InvalidToken" {
            // Still refused after a renewed session: the account needs reconnecting.
            return ConnectorError(
                .unauthorized, "Bluesky refused the session (\(error?.readable ?? "expired")); reconnect the account", status: 400)
        }
        var retryAfter = RetryAfter.seconds(response.header("Retry-After"))
        if retryAfter == nil, let reset = response.header("ratelimit-reset").flatMap({ Int64(trimmed($0)) }) {
            retryAfter = max(0, Int(reset - nowMilliseconds() / 1000))
        }
        return exchange.statusError(response, platformMessage: error?.readable, retryAfter: retryAfter)
    }
}

/// The service, login and cache key of one account.
private struct Login {
    let service: String
    let identifier: String
    let password: String
    /// Service, identifier and a hash of the password: a changed password never reuses an old session.
    let cacheKey: String

    init(credentials: [String: String]) throws(ConnectorError) {
        let rawService = credentials["service"].map(trimmed).flatMap { $0.isEmpty ? nil : $0 } ?? BlueskyConnector.defaultService
        service = try baseURL(rawService, key: "service", platform: "Bluesky")
        identifier = try requiredCredential(credentials, "identifier", platform: "Bluesky")
        password = try requiredCredential(credentials, "app_password", platform: "Bluesky")
        cacheKey = service + "\n" + identifier.lowercased() + "\n" + SHA256.hexHash(password)
    }
}

/// An XRPC session (the fields of createSession's and refreshSession's outputs that we use).
struct Session: Codable, Sendable {
    var accessJwt: String
    var refreshJwt: String
    var did: String
    var handle: String?

    var bearer: [(name: String, value: String)] { [(name: "Authorization", value: "Bearer \(accessJwt)")] }
}

/// Each account's current session; concurrent first uses share one login, concurrent expiries one renewal.
private actor SessionCache {
    private var sessions: [String: Session] = [:]
    /// Logins and renewals in flight, by job and account key.
    private var running: [String: Task<Result<Session, ConnectorError>, Never>] = [:]

    func store(_ session: Session, for key: String) { sessions[key] = session }

    func session(for key: String, login: @escaping @Sendable () async throws(ConnectorError) -> Session) async throws(ConnectorError)
        -> Session
    {
        if let session = sessions[key] { return session }
        return try await shared(key, job: "login", login)
    }

    /// The session that replaces `stale`: the cached one when another caller already renewed it, else `renew`'s.
    func renewed(for key: String, replacing stale: Session, renew: @escaping @Sendable () async throws(ConnectorError) -> Session)
        async throws(ConnectorError) -> Session
    {
        if let current = sessions[key], current.accessJwt != stale.accessJwt { return current }
        return try await shared(key, job: "renew", renew)
    }

    /// Runs `work` once for all concurrent callers of the same key and caches its session.
    private func shared(
        _ key: String, job: String, _ work: @escaping @Sendable () async throws(ConnectorError) -> Session
    ) async throws(ConnectorError) -> Session {
        let task: Task<Result<Session, ConnectorError>, Never>
        let slot = job + "\n" + key
        if let inFlight = running[slot] {
            task = inFlight
        } else {
            task = Task {
                do throws(ConnectorError) { return .success(try await work()) } catch { return .failure(error) }
            }
            running[slot] = task
        }
        let result = await task.value
        if running[slot] == task { running[slot] = nil }
        if case .success(let session) = result { sessions[key] = session }
        return try result.get()
    }
}

/// `{"error": "...", "message": "..."}`.
private struct XRPCError: Decodable {
    let error: String?
    let message: String?

    var readable: String? {
        switch (error, message) {
        case (let e?, let m?): "\(e): \(m)"
        case (let e?, nil): e
        case (nil, let m?): m
        default: nil
        }
    }
}

/// A `com.atproto.repo.strongRef`.
struct StrongRef: Codable, Sendable, Equatable {
    let uri: String
    let cid: String
}

/// Thread references of a reply.
struct ReplyRef: Codable, Sendable, Equatable {
    let root: StrongRef
    let parent: StrongRef
}

/// An `app.bsky.feed.post` record (the fields we write).
struct PostRecord: Codable, Sendable, Equatable {
    let type: String
    let text: String
    let createdAt: String
    let langs: [String]?
    let facets: [Facet]?
    let reply: ReplyRef?

    enum CodingKeys: String, CodingKey {
        case type = "$type"
        case text, createdAt, langs, facets, reply
    }
}

/// An `app.bsky.richtext.facet`.
struct Facet: Codable, Sendable, Equatable {
    struct ByteSlice: Codable, Sendable, Equatable {
        let byteStart: Int
        let byteEnd: Int
    }

    struct Feature: Codable, Sendable, Equatable {
        let type: String
        let uri: String?
        let tag: String?

        enum CodingKeys: String, CodingKey {
            case type = "$type"
            case uri, tag
        }
    }

    let index: ByteSlice
    let features: [Feature]

    /// Link and tag facets for the text, nil when there are none.
    static func facets(for text: String) -> [Facet]? {
        let facets = TextEntities(text).entities.map { entity in
            let feature: Feature
            switch entity.kind {
            case .link(let uri): feature = Feature(type: "app.bsky.richtext.facet#link", uri: uri, tag: nil)
            case .tag(let tag): feature = Feature(type: "app.bsky.richtext.facet#tag", uri: nil, tag: tag)
            }
            return Facet(index: ByteSlice(byteStart: entity.byteStart, byteEnd: entity.byteEnd), features: [feature])
        }
        return facets.isEmpty ? nil : facets
    }
}

private struct CreateRecordInput: Encodable {
    let repo: String
    let collection: String
    let rkey: String
    let record: PostRecord
}

/// One record as getRecord and listRecords return it.
private struct RecordJSON: Decodable {
    struct Value: Decodable {
        let text: String?
        let createdAt: String?
        let reply: ReplyRef?
    }

    let uri: String
    let cid: String
    let value: Value

    var ref: StrongRef { StrongRef(uri: uri, cid: cid) }
}

private struct RecordList: Decodable {
    let records: [RecordJSON]
}

/// Record keys for posts.
enum RecordKey {
    private static let alphabet = Array("234567abcdefghijklmnopqrstuvwxyz".utf8)
    /// 2023-01-01T00:00:00Z in microseconds: derived keys carry a timestamp part in a plausible range.
    private static let epochStart: UInt64 = 1_672_531_200_000_000
    private static let span: UInt64 = 3 * 365 * 86_400 * 1_000_000

    /// A TID-shaped key (13 characters of base32-sortable, first one of `234567abcdefghij`), the same for the same
    /// seed: 53 bits of microseconds between 2023 and 2026 and 10 bits of clock id, both from SHA-256 of `seed`.
    static func tid(for seed: String) -> String {
        let digest = SHA256.hash(seed)
        var bits: UInt64 = 0
        for byte in digest.prefix(8) { bits = bits << 8 | UInt64(byte) }
        let micros = epochStart + (bits >> 10) % span
        let value = (micros << 10 | (bits & 0x3FF)) & 0x7FFF_FFFF_FFFF_FFFF
        var out: [UInt8] = []
        for index in stride(from: 12, through: 0, by: -1) {
            out.append(alphabet[Int((value >> UInt64(index * 5)) & 31)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
