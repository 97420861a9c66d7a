import CivilDate
import FoundationEssentials
import HTTP

/// The generation REST surface: generate (waiting briefly for the result), batches, jobs and spend.
///
/// ```swift
/// GenerationRoutes.install(on: &router, queue: queue, settings: .init(waitSeconds: 10, maxBatch: 500))
/// ```
public enum GenerationRoutes {
    /// Limits of the surface.
    public struct Settings: Sendable {
        /// How long `POST /api/v1/generate` waits for the result before answering 202 with the job.
        public var waitSeconds: Double
        /// Most items in one batch.
        public var maxBatch: Int

        /// Settings.
        public init(waitSeconds: Double = 10, maxBatch: Int = 500) {
            self.waitSeconds = waitSeconds
            self.maxBatch = maxBatch
        }
    }

    /// Adds the routes to `router`.
    public static func install(on router: inout Router, queue: JobQueue, settings: Settings = Settings()) {
        router.post("/api/v1/generate", RouteInfo(
            summary: "Generate content {kind, input, platform?, policy?, model?, language?, options?, save?}: the result when it is ready within the wait (Prefer: wait=N seconds), else 202 with the job.",
            access: "creator", acceptsJSON: true, invalidates: ["content"])) { request in
            try generate(request, queue: queue, settings: settings)
        }
        router.post("/api/v1/generate/batch", RouteInfo(
            summary: "Queue many generation requests {items: [...]} as durable jobs; 202 with the jobs.",
            access: "creator", acceptsJSON: true, invalidates: ["content"])) { request in
            try batch(request, queue: queue, settings: settings)
        }
        router.get("/api/v1/jobs", RouteInfo(summary: "Generation jobs, newest first (status, limit, before).", access: "creator")) { request in
            try list(request, queue: queue)
        }
        router.get("/api/v1/jobs/{id}", RouteInfo(summary: "One generation job: status, result or problem, and every model attempt.", access: "creator")) { request in
            let principal = try request.requirePrincipal()
            let id = request.parameter("id")
            guard id.count <= 64, let job = try? queue.store.job(id), principal.isAdmin || job.creator == principal.userID else {
                throw APIError.notFound("There is no job \(id.prefix(64)) of yours.")
            }
            return .json(job.json)
        }
        router.get("/api/v1/generation/usage", RouteInfo(
            summary: "Model spend and tokens per creator and model over a range of UTC days (from, to: YYYY-MM-DD; default today).", access: "creator")) { request in
            try usage(request, queue: queue)
        }
    }

    static func body(_ request: Request) throws(APIError) -> JSONValue {
        guard !request.body.isEmpty else {
            throw APIError.badRequest("The request needs a JSON object body.", errors: [FieldError(field: "body", message: "is empty")])
        }
        let value: JSONValue
        do { value = try JSONValue.parse(request.body) } catch {
            throw APIError.badRequest("The body is not valid JSON: \(error.description).", type: "invalid-json", errors: [FieldError(field: "body", message: error.description)])
        }
        guard case .object = value else {
            throw APIError.badRequest("The body must be a JSON object, not \(value.typeName).", errors: [FieldError(field: "body", message: "must be an object")])
        }
        return value
    }

    static func creator(_ request: Request) throws(APIError) -> String {
        let principal = try request.requirePrincipal()
        guard principal.canWrite else { throw APIError.forbidden("This credential is read-only; use a key with the write scope.") }
        return principal.userID
    }

    static func generate(_ request: Request, queue: JobQueue, settings: Settings) throws -> Response {
        let creator = try creator(request)
        let value = try body(request)
        let jobs = try queue.submit([value], creator: creator)
        let job = jobs[0]
        var wait = settings.waitSeconds
        if let prefer = request.headers["Prefer"], let range = prefer.firstRange(of: "wait=") {
            let digits = prefer[range.upperBound...].prefix { $0.isNumber }
            if let n = Double(String(digits)) { wait = min(n, settings.waitSeconds) }
        }
        let deferred = DeferredResponse()
        queue.whenFinished(job.id) { finished in deferred.complete(answer(finished)) }
        Task.detached {
            try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
            let current = (try? queue.store.job(job.id)) ?? job
            if current.status == .succeeded || current.status == .failed {
                deferred.complete(answer(current))
            } else {
                var response = Response.json(current.json, status: 202)
                response.headers["Location"] = "/api/v1/jobs/\(job.id)"
                response.headers["Retry-After"] = "2"
                deferred.complete(response)
            }
        }
        return Response(status: 202, headers: Headers(), body: .deferred(deferred))
    }

    /// The answer for a finished job: 200 with the job and result, or its problem document (with the job's id).
    static func answer(_ job: GenerationJob) -> Response {
        if job.status == .succeeded { return .json(job.json, status: 200) }
        var members: [String: JSONValue] = [:]
        if case .object(let stored)? = job.error { members = stored }
        var status = 500
        if case .int(let code)? = members["status"], (400...599).contains(code) { status = Int(code) }
        members["status"] = .int(Int64(status))
        if members["title"] == nil { members["title"] = .string("Generation failed") }
        if members["type"] == nil { members["type"] = .string("about:blank") }
        members["job_id"] = .string(job.id)
        members["instance"] = .string("/api/v1/jobs/\(job.id)")
        var headers = Headers()
        headers["Content-Type"] = "application/problem+json"
        headers["Location"] = "/api/v1/jobs/\(job.id)"
        return Response(status: status, headers: headers, body: JSONValue.object(members).serialized())
    }

    static func stringOf(_ value: JSONValue?) -> String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    static func batch(_ request: Request, queue: JobQueue, settings: Settings) throws -> Response {
        let creator = try creator(request)
        let value = try body(request)
        guard case .object(let members) = value else { throw APIError.invalidField("body", "must be an object") }
        let unknown = Set(members.keys).subtracting(["items"]).sorted()
        guard unknown.isEmpty else { throw APIError.invalidField(unknown[0], "is not a field of a batch (it takes only items)") }
        guard case .array(let items)? = members["items"] else { throw APIError.invalidField("items", "must be an array of generation requests") }
        guard !items.isEmpty else { throw APIError.invalidField("items", "must hold at least one request") }
        guard items.count <= settings.maxBatch else { throw APIError.invalidField("items", "holds \(items.count) requests; at most \(settings.maxBatch) per batch") }
        let jobs = try queue.submit(items, creator: creator)
        return .json(.object(["jobs": .array(jobs.map(\.json)), "count": .int(Int64(jobs.count))]), status: 202)
    }

    static func list(_ request: Request, queue: JobQueue) throws -> Response {
        let principal = try request.requirePrincipal()
        let allowed: Set<String> = ["status", "limit", "before", "creator_id"]
        if let bad = request.query.map(\.name).first(where: { !allowed.contains($0) }) {
            throw APIError.invalidField(bad, "is not a parameter of this listing (it takes status, limit, before, creator_id)")
        }
        var status: GenerationJob.Status?
        if let text = request.queryValue("status") {
            guard let s = GenerationJob.Status(rawValue: text) else {
                throw APIError.invalidField("status", "must be one of \(GenerationJob.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = s
        }
        var limit = 50
        if let text = request.queryValue("limit") {
            guard let n = Int(text), (1...200).contains(n) else { throw APIError.invalidField("limit", "must be an integer from 1 to 200") }
            limit = n
        }
        let before = request.queryValue("before")
        if let before, before.count > 64 || (try? queue.store.job(before)) == nil {
            throw APIError.invalidField("before", "is not a job id from this listing; pass next_cursor unchanged")
        }
        var creator: String? = principal.userID
        if principal.isAdmin { creator = request.queryValue("creator_id") }
        let jobs: [GenerationJob]
        do { jobs = try queue.store.list(creator: creator, status: status, before: before, limit: limit + 1) } catch {
            throw APIError.unavailable("The job list could not be read: \(error).")
        }
        var members: [String: JSONValue] = ["jobs": .array(jobs.prefix(limit).map(\.json))]
        if jobs.count > limit, let last = jobs.prefix(limit).last { members["next_cursor"] = .string(last.id) }
        return .json(.object(members))
    }

    static func usage(_ request: Request, queue: JobQueue) throws -> Response {
        let principal = try request.requirePrincipal()
        let today = Timestamps.today()
        func day(_ name: String) throws(APIError) -> String {
            guard let text = request.queryValue(name) else { return today }
            let parts = text.split(separator: "-")
            guard text.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }),
                  let m = Int(parts[1]), (1...12).contains(m), let d = Int(parts[2]), (1...31).contains(d) else {
                throw APIError.invalidField(name, "must be a UTC day written YYYY-MM-DD")
            }
            return text
        }
        let from = try day("from"), to = try day("to")
        guard from <= to else { throw APIError.invalidField("from", "must not be after to") }
        let rows: [JSONValue]
        do { rows = try queue.store.usage(creator: principal.isAdmin ? nil : principal.userID, from: from, to: to) } catch {
            throw APIError.unavailable("Usage could not be read: \(error).")
        }
        return .json(.object(["from": .string(from), "to": .string(to), "usage": .array(rows)]))
    }
}
