import Content
import FoundationEssentials
import Generation
import HTTP
import Synchronization
import Writing

/// The daemon's ``GenerationRunner``: validates with the ``Orchestrator``, generates, and stores the result as a
/// content item of the creator under the job's content id (so a job re-run after a crash stores it once).
///
/// Request members beyond the orchestrator's own: `save` (default true: store the result as draft content),
/// `title` (the stored item's title; default derived), `tags`, `variant_of`, `repurposed_from`.
public final class StudioRunner: GenerationRunner {
    /// Fields a generation request may carry.
    public static let fields: Set<String> = Set(GenerationRequest.jsonFields).union(["save", "title", "tags", "variant_of", "repurposed_from"])
    let orchestrator: Orchestrator
    let content: ContentStore
    let styleGuides: StyleGuides
    /// How many of the creator's latest items are compared for near-duplicates.
    let duplicateWindow: Int

    /// A runner over `orchestrator`, storing into `content`.
    public init(orchestrator: Orchestrator, content: ContentStore, styleGuides: StyleGuides, duplicateWindow: Int = 100) {
        self.orchestrator = orchestrator
        self.content = content
        self.styleGuides = styleGuides
        self.duplicateWindow = duplicateWindow
    }

    public func validate(_ body: JSONValue, creator: String) throws(APIError) -> (kind: String, request: JSONValue) {
        guard case .object(let members) = body else { throw APIError.invalidField("body", "must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw APIError.invalidField(unknown, "is not a field of a generation request (it takes \(Self.fields.sorted().joined(separator: ", ")))")
        }
        if let save = members["save"], save != .bool(true), save != .bool(false) { throw APIError.invalidField("save", "must be true or false") }
        if let title = members["title"] {
            guard case .string(let text) = title, text.count <= 300 else { throw APIError.invalidField("title", "must be a string of at most 300 characters") }
        }
        if let tags = members["tags"] {
            guard case .array(let items) = tags, items.count <= 30, items.allSatisfy({ if case .string(let t) = $0 { return !t.isEmpty && t.count <= 64 }; return false }) else {
                throw APIError.invalidField("tags", "must be an array of at most 30 non-empty strings of at most 64 characters")
            }
        }
        for link in ["variant_of", "repurposed_from"] {
            if let value = members[link] {
                guard case .string(let id) = value, UUIDv7.isCanonical(id) else { throw APIError.invalidField(link, "must be the id of one of your content items") }
            }
        }
        let request = try Self.decode(body)
        do { try orchestrator.check(request) } catch { throw Self.problem(error) }
        return (request.kind, body)
    }

    public func run(_ job: GenerationJob) async throws(JobFailure) -> JSONValue {
        let caller = ContentCaller(userID: job.creator, isAdmin: false)
        let save = job.request["save"] != .bool(false)
        if save, let stored = try? content.get(job.contentID, by: caller) {
            return Self.result(from: stored)   // stored by an earlier run that was cut short before the job was marked done
        }
        let request: GenerationRequest
        do { request = try Self.decode(job.request) } catch { throw JobFailure(error) }
        let existing = signatures(of: caller)
        let style = styleGuides.guide(for: job.creator)
        let result: GenerationResult
        do {
            result = try await orchestrator.generate(request, creator: job.creator, style: style, existing: existing)
        } catch {
            var extra: [String: JSONValue] = [:]
            if let attempts = try? JSONValue.parse(error.attemptsJSON) { extra["attempts"] = attempts }
            if let budget = error.budget {
                extra["budget"] = .object(["spent_micros": .int(budget.spentMicros), "budget_micros": .int(budget.budgetMicros),
                                           "estimate_micros": .int(budget.estimateMicros), "currency": .string("USD")])
            }
            var problem = Self.problem(error)
            if let seconds = error.retryAfterSeconds { problem.headers["Retry-After"] = String(seconds) }
            throw JobFailure(problem, extra: extra)
        }
        var json: JSONValue = (try? JSONValue.parse(result.json)) ?? .object(["text": .string(result.text)])
        guard save else { return json }
        var new = NewContent(kind: result.kind, title: title(for: result, request: job.request), body: result.text,
                             language: request.language ?? "en", tags: stringArray(job.request["tags"]), status: .draft,
                             variantOf: string(job.request["variant_of"]), repurposedFrom: string(job.request["repurposed_from"]),
                             generation: GenerationRecord(model: result.model, policy: result.requestedModel == nil ? result.policy.rawValue : "explicit",
                                                          costMicros: result.costMicros, inputTokens: Int64(result.inputTokens),
                                                          outputTokens: Int64(result.outputTokens), latencyMilliseconds: Int64(result.latencyMillis),
                                                          qualityScore: result.score, attemptsJSON: result.attemptsJSON))
        new.id = job.contentID
        do {
            let item = try await content.create(new, by: caller, for: job.creator)
            if case .object(var members) = json {
                members["content_id"] = .string(item.id)
                json = .object(members)
            }
            return json
        } catch let error as ContentError {
            if error.code == .conflict, let stored = try? content.get(job.contentID, by: caller) { return Self.result(from: stored) }
            let status = error.code == .unknownReference ? 422 : error.code == .invalid ? 400 : 500
            throw JobFailure(APIError(status: status, type: "content-not-stored", title: "The result could not be stored",
                                      detail: error.message, errors: error.field.map { [FieldError(field: $0, message: error.message)] } ?? []),
                             extra: ["result": json])
        } catch {
            throw JobFailure(APIError.unavailable("The result could not be stored: the graph store failed. Retry the request."), extra: ["result": json])
        }
    }

    func signatures(of caller: ContentCaller) -> [MinHashSignature] {
        guard duplicateWindow > 0, let page = try? content.list(ContentQuery(limit: min(duplicateWindow, ContentQuery.maxLimit)), by: caller) else { return [] }
        return page.items.map { QualityScorer.signature($0.body) }
    }

    func title(for result: GenerationResult, request: JSONValue) -> String {
        if case .string(let given)? = request["title"], !given.isEmpty { return given }
        if result.kind == .title { return String(result.text.prefix(300)) }
        var source = ""
        if case .string(let input)? = request["input"] { source = input }
        let firstLine = source.split(whereSeparator: { $0 == "\n" || $0 == "." }).first.map(String.init) ?? ""
        let words = firstLine.split(separator: " ").prefix(10).joined(separator: " ")
        let label = result.kind.rawValue.replacing("_", with: " ")
        return String((label.prefix(1).uppercased() + label.dropFirst() + (words.isEmpty ? "" : ": " + words)).prefix(120))
    }

    func string(_ value: JSONValue?) -> String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    func stringArray(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s }; return nil }
    }

    static func decode(_ body: JSONValue) throws(APIError) -> GenerationRequest {
        do { return try GenerationRequest.decode(body.serialized()) } catch { throw problem(error) }
    }

    /// The result of a job whose content was stored already.
    static func result(from item: ContentItem) -> JSONValue {
        var members: [String: JSONValue] = ["text": .string(item.body), "kind": .string(item.kind.rawValue), "content_id": .string(item.id)]
        if let g = item.generation {
            members["model"] = .string(g.model)
            members["policy"] = .string(g.policy)
            members["cost_micros"] = .int(g.costMicros)
            members["input_tokens"] = .int(g.inputTokens)
            members["output_tokens"] = .int(g.outputTokens)
            members["latency_ms"] = .int(g.latencyMilliseconds)
            members["score"] = .double(g.qualityScore)
            members["attempts"] = (try? JSONValue.parse(g.attemptsJSON)) ?? .array([])
        }
        return .object(members)
    }

    /// A generation error as the problem the caller sees.
    public static func problem(_ error: GenerationError) -> APIError {
        let title = switch error.code {
        case .invalid: "Invalid generation request"
        case .unknown: "Unknown name in the request"
        case .unsupported: "No model can do this"
        case .budgetExceeded: "Daily budget reached"
        case .unavailable: "No model answered"
        case .cancelled: "Generation cancelled"
        }
        return APIError(status: error.httpStatus, type: error.code.rawValue.replacing("_", with: "-"), title: title,
                        detail: error.message, errors: error.field.map { [FieldError(field: $0, message: error.message)] } ?? [])
    }
}

/// Each creator's style guide (required and banned terms), kept in the job database.
public final class StyleGuides: Sendable {
    let store: JobStore
    let cache = Mutex<[String: StyleGuide]>([:])

    /// Guides stored in `store`.
    public init(store: JobStore) { self.store = store }

    /// The creator's guide (empty when none was set).
    public func guide(for creator: String) -> StyleGuide {
        if let cached = cache.withLock({ $0[creator] }) { return cached }
        let guide = (try? store.styleGuide(creator: creator)).flatMap { $0 }.map { json in
            StyleGuide(requiredTerms: Self.strings(json["required_terms"]), bannedTerms: Self.strings(json["banned_terms"]))
        } ?? StyleGuide()
        cache.withLock { $0[creator] = guide }
        return guide
    }

    /// Replaces the creator's guide.
    public func set(_ guide: StyleGuide, for creator: String) throws {
        try store.setStyleGuide(creator: creator, json: Self.json(guide))
        cache.withLock { $0[creator] = guide }
    }

    /// The guide as the API shows it.
    public static func json(_ guide: StyleGuide) -> JSONValue {
        .object(["required_terms": .array(guide.requiredTerms.map { .string($0) }), "banned_terms": .array(guide.bannedTerms.map { .string($0) })])
    }

    static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s }; return nil }
    }
}

extension JobStore: SpendLedger {
    /// Records a model call's cost (the orchestrator calls this after every billed attempt).
    public func record(creator: String, day: String, model: String, micros: Int64, inputTokens: Int, outputTokens: Int) throws {
        try recordSpend(creator: creator, day: day, model: model, micros: micros, inputTokens: inputTokens, outputTokens: outputTokens)
    }
}
