import CivilDate
import Content
import Graph
import HTTP
import Writing

/// The route handlers, sharing the store and the event sink.
struct ContentHandlers: Sendable {
    let store: ContentStore
    let publish: ContentRoutes.Publish

    /// Runs a handler, turning content errors into problem responses; anything else stays a logged 500.
    func run(_ request: Request, _ handler: (Request) throws -> Response) throws -> Response {
        do {
            return try handler(request)
        } catch let error as APIError {
            throw error
        } catch let error as ContentError {
            throw Self.map(error)
        }
    }

    static func map(_ error: ContentError) -> any Error {
        let field = error.field ?? "(body)"
        let errors = [FieldError(field: field, message: error.message)]
        let sentence = error.field.map { "\($0): \(error.message)." } ?? error.message
        switch error.code {
        case .invalid: return APIError.validation(errors)
        case .tooLarge: return APIError(status: 413, type: "payload-too-large", title: "Payload too large", detail: sentence, errors: errors)
        case .notFound: return APIError.notFound(capitalised(error.message) + ".")
        case .unknownReference: return APIError.unprocessable(sentence, errors: errors)
        case .conflict: return APIError.conflict(sentence, errors: errors)
        case .storage:
            if error.message.contains("closed") { return APIError.unavailable("The content store is closed (the daemon is stopping).") }
            return error
        }
    }

    static func capitalised(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// The caller as the store sees it; writes also need a credential that may write.
    func caller(_ request: Request, writing: Bool = false) throws(APIError) -> ContentCaller {
        let principal = try request.requirePrincipal()
        if writing && !principal.canWrite {
            throw APIError.forbidden("This credential is read-only; use a session or an API key with the write scope.")
        }
        return ContentCaller(userID: principal.userID, isAdmin: principal.isAdmin)
    }

    // MARK: content

    func list(_ request: Request) throws -> Response {
        let r = RequestReader(request: request)
        try r.allowQuery(["status", "kind", "tag", "q", "from", "to", "creator_id", "limit", "cursor"])
        let who = try caller(request)
        var query = ContentQuery()
        if let s = try r.string("status") {
            guard let status = ContentStatus(rawValue: s) else {
                throw APIError.invalidField("status", "\"\(s.prefix(40))\" is not a status; use one of \(ContentStatus.allowedList)")
            }
            query.status = status
        }
        if let k = try r.string("kind") {
            guard let kind = ContentKind(rawValue: k) else {
                throw APIError.invalidField("kind", "\"\(k.prefix(40))\" is not a content kind; use one of \(ContentKind.allowedList)")
            }
            query.kind = kind
        }
        query.tag = try r.string("tag")
        if let q = try r.string("q") {
            guard q.count <= 200 else { throw APIError.invalidField("q", "is longer than 200 characters; search for a shorter phrase") }
            query.text = q
        }
        query.createdFrom = try r.instant("from", endOfDay: false)
        query.createdBefore = try r.instant("to", endOfDay: true).map { $0 + 1 }
        if let from = query.createdFrom, let before = query.createdBefore, from >= before {
            throw APIError.invalidField("to", "is before from; give a range whose end is after its start")
        }
        query.creatorID = try r.string("creator_id")
        query.limit = try r.limit()
        query.cursor = try r.string("cursor")
        let page = try store.list(query, by: who)
        return .json(.object(["data": .array(page.items.map { ContentJSON.item($0, full: false) }),
                              "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null]))
    }

    func create(_ request: Request) throws -> Response {
        let r = RequestReader(request: request)
        try r.allowQuery([])
        let who = try caller(request, writing: true)
        let body = try r.bodyObject()
        try body.allowMembers(["kind", "title", "body", "language", "tags", "status", "variant_of", "repurposed_from", "creator_id"],
                              notes: ["id": "is assigned by the server; leave it out",
                                      "generation": "is recorded by the generation API (POST /api/v1/generate); leave it out",
                                      "created_at": "is set by the server; leave it out", "updated_at": "is set by the server; leave it out"])
        var errors: [FieldError] = []
        var kind: ContentKind?
        switch body["kind"] {
        case .string(let k)?:
            kind = ContentKind(rawValue: k)
            if kind == nil { errors.append(FieldError(field: "kind", message: "\"\(k.prefix(40))\" is not a content kind; use one of \(ContentKind.allowedList)")) }
        case nil: errors.append(FieldError(field: "kind", message: "is required; use one of \(ContentKind.allowedList)"))
        case let other?: errors.append(FieldError(field: "kind", message: "must be a string, not \(other.typeName)"))
        }
        let title = optionalString(body, "title", &errors) ?? ""
        let text = optionalString(body, "body", &errors) ?? ""
        let language = optionalString(body, "language", &errors) ?? "en"
        let tags = stringList(body, "tags", &errors) ?? []
        let status = statusValue(body, &errors) ?? .draft
        let variantOf = optionalString(body, "variant_of", &errors)
        let repurposedFrom = optionalString(body, "repurposed_from", &errors)
        let creatorID = optionalString(body, "creator_id", &errors)
        if !errors.isEmpty { throw APIError.validation(errors) }
        let item = try store.create(NewContent(kind: kind!, title: title, body: text, language: language, tags: tags, status: status,
                                               variantOf: variantOf, repurposedFrom: repurposedFrom), by: who, for: creatorID)
        publish("content.created", .object(["id": .string(item.id), "creator_id": .string(item.creatorID), "kind": .string(item.kind.rawValue)]), item.creatorID)
        var response = Response.json(ContentJSON.item(item), status: 201)
        response.headers["Location"] = "/api/v1/content/\(item.id)"
        return response
    }

    func get(_ request: Request) throws -> Response {
        try RequestReader(request: request).allowQuery([])
        return .json(ContentJSON.item(try store.get(request.parameter("id"), by: try caller(request))))
    }

    func patch(_ request: Request) throws -> Response {
        let r = RequestReader(request: request)
        try r.allowQuery([])
        let who = try caller(request, writing: true)
        let body = try r.bodyObject()
        try body.allowMembers(["title", "body", "language", "tags", "status"],
                              notes: ["kind": "cannot change; create a new item (with variant_of or repurposed_from) instead",
                                      "id": "cannot change", "creator_id": "cannot change",
                                      "generation": "is recorded by the generation API and cannot be edited"])
        var errors: [FieldError] = []
        for name in ["title", "body", "language", "tags", "status"] where body[name] == .null {
            errors.append(FieldError(field: name, message: "cannot be null; leave it out to keep the current value"))
        }
        let patch = ContentPatch(title: optionalString(body, "title", &errors), body: optionalString(body, "body", &errors),
                                 language: optionalString(body, "language", &errors), tags: stringList(body, "tags", &errors),
                                 status: statusValue(body, &errors))
        if !errors.isEmpty { throw APIError.validation(errors) }
        let item = try store.update(request.parameter("id"), patch, by: who)
        if patch.isEmpty { return .json(ContentJSON.item(item)) }
        var payload: [String: JSONValue] = ["id": .string(item.id), "creator_id": .string(item.creatorID),
                                            "changed": .array(changedFields(patch).map(JSONValue.string))]
        if patch.status != nil { payload["status"] = .string(item.status.rawValue) }
        publish("content.updated", .object(payload), item.creatorID)
        return .json(ContentJSON.item(item))
    }

    func delete(_ request: Request) throws -> Response {
        try RequestReader(request: request).allowQuery([])
        let item = try store.delete(request.parameter("id"), by: try caller(request, writing: true))
        publish("content.deleted", .object(["id": .string(item.id), "creator_id": .string(item.creatorID)]), item.creatorID)
        return .noContent
    }

    // MARK: metrics

    func ingest(_ request: Request) throws -> Response {
        let r = RequestReader(request: request)
        try r.allowQuery([])
        let who = try caller(request, writing: true)
        let json = try r.bodyJSON()
        let items: [JSONValue]
        let prefix: String
        switch json {
        case .array(let list):
            items = list
            prefix = ""
        case .object(let members):
            try members.allowMembers(["snapshots"])
            guard case .array(let list)? = members["snapshots"] else {
                throw APIError.invalidField("snapshots", "is required: an array of {content_id, platform, at, views, likes, comments, shares, saves, watch_seconds}")
            }
            items = list
            prefix = "snapshots"
        default:
            throw APIError.invalidField("(body)", "must be an array of snapshots or {\"snapshots\": [...]}, not \(json.typeName)")
        }
        if items.count > ContentStore.maxBatch {
            throw APIError(status: 413, type: "payload-too-large", title: "Payload too large",
                           detail: "The batch has \(items.count) snapshots; send at most \(ContentStore.maxBatch) per request.",
                           errors: [FieldError(field: prefix.isEmpty ? "(body)" : prefix, message: "has more than \(ContentStore.maxBatch) snapshots")])
        }
        var snapshots: [MetricSnapshot] = []
        snapshots.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            snapshots.append(try snapshot(item, field: prefix.isEmpty ? "[\(i)]" : "\(prefix)[\(i)]"))
        }
        let result: MetricIngestResult
        do {
            result = try store.ingest(snapshots, by: who)
        } catch var error as ContentError {
            // The store names items `snapshots[i]`; a bare-array body calls them `[i]`.
            if prefix.isEmpty, let f = error.field, f.hasPrefix("snapshots") { error.field = String(f.dropFirst("snapshots".count)) }
            throw error
        }
        if result.created + result.updated > 0 {
            for creator in result.creatorIDs {
                let ids = result.contentIDsByCreator[creator] ?? []
                publish("metrics.changed", .object(["creator_id": .string(creator), "content_ids": .array(ids.map(JSONValue.string))]), creator)
            }
        }
        return .json(.object([
            "received": .int(Int64(snapshots.count)), "created": .int(Int64(result.created)), "updated": .int(Int64(result.updated)),
            "unchanged": .int(Int64(result.unchanged)), "content_ids": .array(result.contentIDs.map(JSONValue.string)),
        ]))
    }

    func contentMetrics(_ request: Request) throws -> Response {
        let r = RequestReader(request: request)
        try r.allowQuery(["platform"])
        let platform = try r.string("platform")
        let id = request.parameter("id")
        let series = try store.metrics(contentID: id, platform: platform, by: try caller(request))
        return .json(.object([
            "content_id": .string(id.lowercased()),
            "series": .array(series.map { s in .object(["platform": .string(s.platform), "points": .array(s.points.map(ContentJSON.snapshot))]) }),
        ]))
    }

    func creatorMetrics(_ request: Request) throws -> Response {
        let r = RequestReader(request: request)
        try r.allowQuery(["recount"])
        let who = try caller(request)
        let recount = try r.flag("recount")
        if recount && !who.isAdmin { throw APIError.forbidden("Only admins may ask for a recount.") }
        var id = request.parameter("id")
        if id == "me" { id = who.userID }
        guard UUIDv7.isCanonical(id) else {
            throw APIError.invalidField("id", "\"\(id.prefix(40))\" is not a creator; use the creator's user id (a UUID) or me")
        }
        let kept = try store.creatorMetrics(creatorID: id, by: who)
        guard recount else { return .json(ContentJSON.creatorMetrics(kept)) }
        let counted = try store.recount(creatorID: id)
        guard case .object(var o) = ContentJSON.creatorMetrics(kept) else { return .json(ContentJSON.creatorMetrics(kept)) }
        o["recount"] = ContentJSON.creatorMetrics(counted)
        o["consistent"] = .bool(kept == counted)
        return .json(.object(o))
    }

    // MARK: body members

    private func optionalString(_ body: [String: JSONValue], _ name: String, _ errors: inout [FieldError]) -> String? {
        switch body[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?:
            errors.append(FieldError(field: name, message: "must be a string, not \(other.typeName)"))
            return nil
        }
    }

    private func stringList(_ body: [String: JSONValue], _ name: String, _ errors: inout [FieldError]) -> [String]? {
        switch body[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    errors.append(FieldError(field: "\(name)[\(i)]", message: "must be a string, not \(item.typeName)"))
                    continue
                }
                out.append(s)
            }
            return out
        case let other?:
            errors.append(FieldError(field: name, message: "must be an array of strings, not \(other.typeName)"))
            return nil
        }
    }

    private func statusValue(_ body: [String: JSONValue], _ errors: inout [FieldError]) -> ContentStatus? {
        guard let text = optionalString(body, "status", &errors) else { return nil }
        guard let status = ContentStatus(rawValue: text) else {
            errors.append(FieldError(field: "status", message: "\"\(text.prefix(40))\" is not a status; use one of \(ContentStatus.allowedList)"))
            return nil
        }
        return status
    }

    private func changedFields(_ p: ContentPatch) -> [String] {
        var out: [String] = []
        if p.title != nil { out.append("title") }
        if p.body != nil { out.append("body") }
        if p.language != nil { out.append("language") }
        if p.tags != nil { out.append("tags") }
        if p.status != nil { out.append("status") }
        return out
    }

    private func snapshot(_ json: JSONValue, field: String) throws(APIError) -> MetricSnapshot {
        guard case .object(let o) = json else { throw APIError.invalidField(field, "must be an object, not \(json.typeName)") }
        let known: Set<String> = ["content_id", "platform", "at", "views", "likes", "comments", "shares", "saves", "watch_seconds"]
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError.invalidField("\(field).\(unknown)", "is not a member of a snapshot (it takes \(known.sorted().joined(separator: ", ")))")
        }
        func string(_ name: String) throws(APIError) -> String {
            guard let v = o[name] else { throw APIError.invalidField("\(field).\(name)", "is required") }
            guard case .string(let s) = v else { throw APIError.invalidField("\(field).\(name)", "must be a string, not \(v.typeName)") }
            return s
        }
        func count(_ name: String, required: Bool = false) throws(APIError) -> Int64 {
            switch o[name] {
            case nil:
                if required { throw APIError.invalidField("\(field).\(name)", "is required (a whole number of 0 or more)") }
                return 0
            case .int(let n)?:
                if n < 0 { throw APIError.invalidField("\(field).\(name)", "is \(n); counts cannot be negative") }
                return n
            case .double(let d)?:
                throw APIError.invalidField("\(field).\(name)", "is \(d); counts are whole numbers of 0 or more")
            case let other?:
                throw APIError.invalidField("\(field).\(name)", "must be a whole number, not \(other.typeName)")
            }
        }
        let contentID = try string("content_id")
        let platform = try string("platform")
        let atText = try string("at")
        guard let at = Timestamp.parse(atText) else {
            throw APIError.invalidField("\(field).at", "\"\(atText.prefix(40))\" is not an RFC 3339 date-time; write it like 2026-12-01T18:30:00Z")
        }
        return MetricSnapshot(contentID: contentID, platform: platform, at: at, views: try count("views", required: true),
                              likes: try count("likes"), comments: try count("comments"), shares: try count("shares"),
                              saves: try count("saves"), watchSeconds: try count("watch_seconds"))
    }
}
