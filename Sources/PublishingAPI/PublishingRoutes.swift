import Connectors
import Content
import Foundation
import HTTP
import Platforms
import Publishing
import Writing

/// JSON forms of publishing values.
enum PublishingJSON {
    static func encode<T: Encodable>(_ value: T) -> JSONValue {
        (try? JSONCoding.encode(value)).flatMap { try? JSONValue.parse($0) } ?? .null
    }

    static func publication(_ p: Publication) -> JSONValue {
        var json = encode(p)
        if case .object(var members) = json {
            members["href"] = .string("/api/v1/publications/\(p.id)")
            json = .object(members)
        }
        return json
    }
}

extension PublishingService {
    /// Adds the publishing routes.
    public func install(on router: inout Router) {
        func read(_ summary: String) -> RouteInfo { RouteInfo(summary: summary, access: "creator") }
        func write(_ summary: String, json: Bool = true) -> RouteInfo {
            RouteInfo(summary: summary, access: "creator", acceptsJSON: json, invalidates: ["publications"])
        }
        router.get("/api/v1/platform-accounts", read("Your connected platform accounts (credentials are never returned).")) { try self.accountsList($0) }
        router.post("/api/v1/platform-accounts", write("Connect an account {platform, label?, credentials}: verified with the platform now; credentials stored encrypted.")) { try self.connect($0) }
        router.get("/api/v1/platform-accounts/{id}", read("One connected account.")) { try self.account($0) }
        router.delete("/api/v1/platform-accounts/{id}", write("Disconnect an account (its stored credentials are deleted).", json: false)) { try self.disconnect($0) }
        router.post("/api/v1/content/{id}/publish", write("Schedule a content item {targets: [{account, at?}], time_zone?, thread?, truncate?, hashtags?, link?, disclose?}: one publication per target; `at` omitted means the next good slot.")) { try self.publish($0) }
        router.get("/api/v1/publications", read("Publications by due time (state, account, platform, content_id, from, to, limit, after).")) { try self.list($0) }
        router.get("/api/v1/publications/{id}", read("One publication with the history of its attempts.")) { try self.one($0) }
        router.delete("/api/v1/publications/{id}", write("Cancel a publication that is still pending.", json: false)) { try self.cancel($0) }
        router.patch("/api/v1/publications/{id}", write("Move a pending publication to another time {at} (the calendar's drag to reschedule).")) { try self.reschedule($0) }
        router.post("/api/v1/publications/{id}/retry", write("Retry a failed publication now.", json: false)) { try self.retry($0) }
        router.post("/api/v1/publications/{id}/confirm", write("Confirm that an export bundle was uploaded by hand {post_id?, post_url?}.")) { try self.confirm($0) }
        router.get("/api/v1/analytics/best-times", read("Good posting times for a platform from your own metrics by hour of week (platform, time_zone), shrunk toward the platform's defaults when data is thin.")) { try self.bestTimes($0) }
    }

    // MARK: Accounts

    func accountsList(_ request: Request) throws -> Response {
        let who = try request.requirePrincipal()
        let accounts = try wait { try await self.vault.accounts(creator: who.userID) }
        return .json(.object(["data": PublishingJSON.encode(accounts), "platforms": .array(connectablePlatforms.map { .string($0) })]))
    }

    func connect(_ request: Request) throws -> Response {
        let who = try writer(request)
        let body = try object(request, allowed: ["platform", "label", "credentials"])
        guard case .string(let platform)? = body["platform"] else {
            throw APIError.invalidField("platform", "is required: one of \(connectablePlatforms.joined(separator: ", "))")
        }
        guard let connector = connector(for: platform) else {
            throw APIError.invalidField("platform", "cannot be connected; use one of \(connectablePlatforms.joined(separator: ", "))")
        }
        var label = ""
        if let value = body["label"] {
            guard case .string(let text) = value, text.count <= 100 else { throw APIError.invalidField("label", "must be a string of at most 100 characters") }
            label = text
        }
        guard case .object(let members)? = body["credentials"], !members.isEmpty, members.count <= 20 else {
            throw APIError.invalidField("credentials", "is required: an object of the platform's credentials (for example instance and access_token for Mastodon)")
        }
        var credentials: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value, text.utf8.count <= 8192 else { throw APIError.invalidField("credentials.\(key)", "must be a string of at most 8192 bytes") }
            credentials[key] = text
        }
        let (finalLabel, finalCredentials) = (label, credentials)
        let info: AccountInfo
        do { info = try wait { try await connector.verify(credentials: finalCredentials) } } catch let error as ConnectorError {
            // Verified now, not at publish time; the platform's own words, never the credentials.
            let status = error.kind == .unauthorized ? 422 : error.kind == .rejected ? 422 : 502
            throw APIError(status: status, type: "account-not-verified", title: "The platform did not accept these credentials",
                           detail: "\(platform): \(error.message)", errors: [FieldError(field: "credentials", message: error.message)])
        }
        let account = try wait { try await self.vault.connect(creator: who.userID, platform: platform, label: finalLabel, info: info, credentials: finalCredentials) }
        var response = Response.json(PublishingJSON.encode(account), status: 201)
        response.headers["Location"] = "/api/v1/platform-accounts/\(account.id)"
        return response
    }

    func account(_ request: Request) throws -> Response {
        let who = try request.requirePrincipal()
        let id = request.parameter("id")
        guard id.count <= 64, let account = try wait({ try await self.vault.account(id: id, creator: who.userID) }) else {
            throw APIError.notFound("You have no connected account \(id.prefix(64)).")
        }
        return .json(PublishingJSON.encode(account))
    }

    func disconnect(_ request: Request) throws -> Response {
        let who = try writer(request)
        let id = request.parameter("id")
        guard id.count <= 64, try wait({ try await self.vault.disconnect(id: id, creator: who.userID) }) else {
            throw APIError.notFound("You have no connected account \(id.prefix(64)).")
        }
        return .noContent
    }

    // MARK: Publishing

    func publish(_ request: Request) throws -> Response {
        let who = try writer(request)
        let contentID = request.parameter("id")
        let body = try object(request, allowed: ["targets", "time_zone", "thread", "truncate", "hashtags", "link", "disclose"])
        let item: ContentItem
        do { item = try content.get(contentID, by: ContentCaller(userID: who.userID, isAdmin: false)) } catch {
            throw APIError.notFound("You have no content item \(contentID.prefix(64)).")
        }
        guard case .array(let rawTargets)? = body["targets"], !rawTargets.isEmpty, rawTargets.count <= 100 else {
            throw APIError.invalidField("targets", "must list 1 to 100 targets [{account, at?}]")
        }
        var zone = "UTC"
        if let value = body["time_zone"] {
            guard case .string(let name) = value, name.count <= 64 else { throw APIError.invalidField("time_zone", "must be an IANA time zone name such as Europe/Berlin") }
            zone = name
        }
        let thread = try flag(body, "thread"), truncate = try flag(body, "truncate")
        let disclose = body["disclose"] == nil ? true : try flag(body, "disclose")
        var hashtags: [String] = []
        if let value = body["hashtags"] {
            guard case .array(let items) = value, items.count <= 30 else { throw APIError.invalidField("hashtags", "must be an array of at most 30 tags") }
            for (i, tag) in items.enumerated() {
                guard case .string(let text) = tag, !text.isEmpty, text.count <= 100 else { throw APIError.invalidField("hashtags[\(i)]", "must be a non-empty string") }
                hashtags.append(text)
            }
        }
        var link: String?
        if let value = body["link"], value != .null {
            guard case .string(let url) = value, url.hasPrefix("https://") || url.hasPrefix("http://"), url.count <= 2048 else {
                throw APIError.invalidField("link", "must be an http(s) URL")
            }
            link = url
        }
        let text = item.kind == .title || item.body.isEmpty ? item.title : item.body
        let source = PostSource(text: text, hashtags: hashtags, link: link, generated: item.generation != nil)
        var targets: [PublicationTarget] = []
        for (i, raw) in rawTargets.enumerated() {
            guard case .object(let t) = raw else { throw APIError.invalidField("targets[\(i)]", "must be an object {account, at?}") }
            if let unknown = t.keys.sorted().first(where: { $0 != "account" && $0 != "at" }) {
                throw APIError.invalidField("targets[\(i)].\(unknown)", "is not a field of a target (it takes account and at)")
            }
            guard case .string(let accountID)? = t["account"], accountID.count <= 64 else {
                throw APIError.invalidField("targets[\(i)].account", "is required: the id of one of your connected accounts")
            }
            var at: Date?
            if let value = t["at"], value != .null {
                guard case .string(let text) = value, let date = Self.parseInstant(text) else {
                    throw APIError.invalidField("targets[\(i)].at", "must be an RFC 3339 time with an offset, such as 2026-12-24T09:00:00+01:00")
                }
                at = date
            }
            guard let account = try wait({ try await self.vault.account(id: accountID, creator: who.userID) }) else {
                throw APIError(status: 422, type: "account-not-connected", title: "Account not connected",
                               detail: "targets[\(i)].account '\(accountID)' is not one of your connected accounts; connect it first.",
                               errors: [FieldError(field: "targets[\(i)].account", message: "is not one of your connected accounts")])
            }
            targets.append(PublicationTarget(accountID: accountID, at: at, post: format(source, account: account, thread: thread, truncate: truncate, disclose: disclose)))
        }
        let (finalTargets, finalZone) = (targets, zone)
        let created = try wait { try await self.outbox.schedule(contentID: item.id, creator: who.userID, targets: finalTargets, timeZone: finalZone, language: item.language) }
        return .json(.object(["data": .array(created.map(PublishingJSON.publication)),
                              "previews": .array(targets.map { PublishingJSON.encode($0.post) })]), status: 201)
    }

    func format(_ source: PostSource, account: ConnectedAccount, thread: Bool, truncate: Bool, disclose: Bool) -> FormattedPost {
        guard var profile = catalog.profile(account.platform) else {
            // A webhook gets the text whole: the receiver decides how to show it.
            var text = source.text
            if !source.hashtags.isEmpty { text += "\n\n" + source.hashtags.map { $0.hasPrefix("#") ? $0 : "#" + $0 }.joined(separator: " ") }
            if let link = source.link { text += "\n\n" + link }
            let length = TextMeasure.graphemes(text)
            return FormattedPost(platform: account.platform, parts: [PostPart(text: text, length: length, limit: max(length, 1))], fits: !text.isEmpty,
                                 threadAvailable: false, warnings: [])
        }
        if let limit = account.textLimit { profile = profile.with(textLimit: limit) }
        return PostFormatter.format(source, for: profile, thread: thread, truncate: truncate, disclose: disclose)
    }

    func list(_ request: Request) throws -> Response {
        let who = try request.requirePrincipal()
        let allowed: Set<String> = ["state", "account", "platform", "content_id", "from", "to", "limit", "after"]
        if let bad = request.query.map(\.name).first(where: { !allowed.contains($0) }) {
            throw APIError.invalidField(bad, "is not a parameter of this listing (it takes \(allowed.sorted().joined(separator: ", ")))")
        }
        var query = PublicationQuery(creator: who.userID)
        if let states = request.queryValue("state") {
            query.states = try states.split(separator: ",").map { name throws(APIError) in
                guard let state = PublicationState(rawValue: String(name)) else {
                    throw APIError.invalidField("state", "must be one or more of \(PublicationState.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated")
                }
                return state
            }
        }
        query.accountID = request.queryValue("account")
        query.platform = request.queryValue("platform")
        query.contentID = request.queryValue("content_id")
        for (name, keyPath) in [("from", \PublicationQuery.dueFrom), ("to", \PublicationQuery.dueBefore)] {
            if let text = request.queryValue(name) {
                guard let date = Self.parseInstant(text) else { throw APIError.invalidField(name, "must be an RFC 3339 time such as 2026-12-01T00:00:00Z") }
                query[keyPath: keyPath] = date
            }
        }
        if let text = request.queryValue("limit") {
            guard let n = Int(text), (1...500).contains(n) else { throw APIError.invalidField("limit", "must be an integer from 1 to 500") }
            query.limit = n
        }
        if let text = request.queryValue("after") {
            guard let n = Int64(text), n > 0 else { throw APIError.invalidField("after", "is not a cursor from this listing; pass next_cursor unchanged") }
            query.after = n
        }
        let q = query
        let page = try wait { try await self.outbox.list(q) }
        return .json(.object(["data": .array(page.publications.map(PublishingJSON.publication)),
                              "next_cursor": page.next.map { .string(String($0)) } ?? .null]))
    }

    func publicationID(_ request: Request) throws(APIError) -> Int64 {
        let text = request.parameter("id")
        guard let id = Int64(text), id > 0 else { throw APIError.notFound("There is no publication \(text.prefix(40)).") }
        return id
    }

    func one(_ request: Request) throws -> Response {
        let who = try request.requirePrincipal()
        let id = try publicationID(request)
        guard let publication = try wait({ try await self.outbox.publication(id: id, creator: who.userID) }) else {
            throw APIError.notFound("You have no publication \(id).")
        }
        let history = try wait { try await self.outbox.history(id: id, creator: who.userID) }
        var json = PublishingJSON.publication(publication)
        if case .object(var members) = json {
            members["attempt_history"] = PublishingJSON.encode(history)
            json = .object(members)
        }
        return .json(json)
    }

    func cancel(_ request: Request) throws -> Response {
        let who = try writer(request)
        let id = try publicationID(request)
        let publication = try wait { try await self.outbox.cancel(id: id, creator: who.userID) }
        return .json(PublishingJSON.publication(publication))
    }

    func reschedule(_ request: Request) throws -> Response {
        let who = try writer(request)
        let id = try publicationID(request)
        let body = try object(request, allowed: ["at"])
        guard case .string(let text)? = body["at"], let at = Self.parseInstant(text) else {
            throw APIError.invalidField("at", "is required: an RFC 3339 time with an offset, such as 2026-12-24T09:00:00+01:00")
        }
        let publication = try wait { try await self.outbox.reschedule(id: id, creator: who.userID, at: at) }
        return .json(PublishingJSON.publication(publication))
    }

    func retry(_ request: Request) throws -> Response {
        let who = try writer(request)
        let id = try publicationID(request)
        let publication = try wait { try await self.outbox.retry(id: id, creator: who.userID) }
        return .json(PublishingJSON.publication(publication))
    }

    func confirm(_ request: Request) throws -> Response {
        let who = try writer(request)
        let id = try publicationID(request)
        let body = request.body.isEmpty ? JSONValue.object([:]) : try object(request, allowed: ["post_id", "post_url"])
        func text(_ name: String) throws(APIError) -> String? {
            guard let value = body[name], value != .null else { return nil }
            guard case .string(let s) = value, s.count <= 2048 else { throw APIError.invalidField(name, "must be a string") }
            return s
        }
        let postID = try text("post_id"), postURL = try text("post_url")
        let publication = try wait { try await self.outbox.confirmManual(id: id, creator: who.userID, postID: postID, postURL: postURL) }
        return .json(PublishingJSON.publication(publication))
    }

    func bestTimes(_ request: Request) throws -> Response {
        let who = try request.requirePrincipal()
        guard let platform = request.queryValue("platform") else {
            throw APIError.invalidField("platform", "is required: one of \(catalog.profiles.map(\.id).joined(separator: ", "))")
        }
        guard let profile = catalog.profile(platform) else {
            throw APIError.invalidField("platform", "is not a platform; use one of \(catalog.profiles.map(\.id).joined(separator: ", "))")
        }
        let zoneName = request.queryValue("time_zone") ?? "UTC"
        let zone: TimeZone
        do { zone = try ZonedTime.zone(zoneName) } catch { throw APIError.invalidField("time_zone", error.message) }
        let caller = ContentCaller(userID: who.userID, isAdmin: false)
        var snapshots: [Publishing.MetricSnapshot] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try content.list(ContentQuery(limit: ContentQuery.maxLimit, cursor: cursor), by: caller)
            for item in page.items {
                for series in try content.metrics(contentID: item.id, platform: platform, by: caller) {
                    for point in series.points {
                        snapshots.append(Publishing.MetricSnapshot(platform: platform, at: Date(timeIntervalSince1970: Double(point.at) / 1000),
                                                                   engagement: Int(point.likes + point.comments + point.shares + point.saves),
                                                                   views: Int(point.views)))
                    }
                }
            }
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 100
        let ranked = BestTimes.rank(snapshots, platform: platform, profile: profile, timeZone: zone)
        return .json(.object(["platform": .string(platform), "time_zone": .string(zone.identifier), "snapshots": .int(Int64(snapshots.count)),
                              "shrinkage_k": .double(BestTimes.shrinkage), "slots": PublishingJSON.encode(ranked)]))
    }

    // MARK: Helpers

    func writer(_ request: Request) throws(APIError) -> Principal {
        let who = try request.requirePrincipal()
        guard who.canWrite else { throw APIError.forbidden("This credential is read-only; use a key with the write scope.") }
        return who
    }

    func object(_ request: Request, allowed: Set<String>) throws(APIError) -> JSONValue {
        let value: JSONValue
        do { value = try JSONValue.parse(request.body) } catch {
            throw APIError.badRequest("The body is not valid JSON: \(error.description).", type: "invalid-json", errors: [FieldError(field: "body", message: error.description)])
        }
        guard case .object(let members) = value else { throw APIError.invalidField("body", "must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalidField(unknown, "is not a field here (it takes \(allowed.sorted().joined(separator: ", ")))")
        }
        return value
    }

    func flag(_ body: JSONValue, _ name: String) throws(APIError) -> Bool {
        guard let value = body[name], value != .null else { return false }
        guard case .bool(let b) = value else { throw APIError.invalidField(name, "must be true or false") }
        return b
    }

    /// RFC 3339 with an offset or Z.
    static func parseInstant(_ text: String) -> Date? {
        guard text.count <= 40 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Runs async store work from a handler thread (an HTTP pool thread, never a task), mapping its errors.
    func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Locked<Result<T, any Error>?>(nil)
        let done = DispatchSemaphoreBox()
        Task.detached {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        do { return try box.withLock { $0! }.get() } catch let error as PublishingError {
            throw Self.problem(error)
        }
    }

    static func problem(_ error: PublishingError) -> APIError {
        let status: Int
        switch error.code {
        case .invalidInput, .unknownTimeZone: status = 400
        case .accountNotConnected, .timeInPast, .doesNotFit, .credentials: status = 422
        case .notFound: status = 404
        case .invalidState: status = 409
        default: status = 503
        }
        return APIError(status: status, type: error.code.rawValue.replacing("_", with: "-"), title: error.code.rawValue.replacing("_", with: " ").capitalized,
                        detail: error.message, errors: error.field.map { [FieldError(field: $0, message: error.message)] } ?? [])
    }
}

/// A one-shot signal for ``PublishingService/wait(_:)``.
final class DispatchSemaphoreBox: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait() { semaphore.wait() }
}
