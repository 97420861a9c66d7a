import Content
import FoundationEssentials
import GenerationAPI
import Glibc
import HTTP
import Logging
import Synchronization
import Testing

/// A runner that answers from the input: "slow:<ms>" waits, "fail" fails with 402, anything else succeeds.
final class ScriptedRunner: GenerationRunner {
    let runs = Mutex<[String: Int]>([:])
    let concurrent = Atomic<Int>(0)
    let peak = Atomic<Int>(0)

    func validate(_ body: JSONValue, creator: String) throws(APIError) -> (kind: String, request: JSONValue) {
        guard case .string(let kind)? = body["kind"] else { throw APIError.invalidField("kind", "is required: one of title, hashtags") }
        guard kind == "title" || kind == "hashtags" else { throw APIError.invalidField("kind", "must be one of title, hashtags") }
        guard case .string? = body["input"] else { throw APIError.invalidField("input", "is required: the text to work from") }
        return (kind, body)
    }

    func run(_ job: GenerationJob) async throws(JobFailure) -> JSONValue {
        let now = concurrent.add(1, ordering: .relaxed).newValue
        _ = peak.max(now, ordering: .relaxed)
        defer { concurrent.subtract(1, ordering: .relaxed) }
        runs.withLock { $0[job.contentID, default: 0] += 1 }
        guard case .string(let input)? = job.request["input"] else { throw JobFailure(APIError.invalidField("input", "missing")) }
        if input.hasPrefix("slow:"), let ms = Int(input.dropFirst(5)) { try? await Task.sleep(for: .milliseconds(ms)) }
        if input == "fail" {
            throw JobFailure(APIError(status: 402, type: "budget-exceeded", title: "Daily budget reached", detail: "Spent 100 of 100 micros today."),
                             extra: ["attempts": .array([])])
        }
        return .object(["text": .string("Title for " + input), "content_id": .string(job.contentID)])
    }
}

func waitUntil(_ timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}

func tempPath(_ name: String) -> String {
    "/tmp/studio-genapi-\(UUIDv7.make())-\(name)"
}

func cleanup(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
}

@Suite struct JobStoreTests {
    @Test func claimTakesOldestAndRequeueBringsBackInterruptedJobs() throws {
        let store = try JobStore.inMemory()
        let made = try store.enqueue([("u1", "title", .object(["input": .string("a")])), ("u1", "title", .object(["input": .string("b")]))])
        #expect(made.count == 2)
        #expect(Set(made.map(\.contentID)).count == 2)
        let first = try #require(try store.claim())
        #expect(first.id == made[0].id)
        #expect(first.status == .running && first.runs == 1)
        #expect(try store.requeueInterrupted() == 1)
        let again = try #require(try store.claim())
        #expect(again.id == made[0].id && again.runs == 2)
        #expect(again.contentID == made[0].contentID, "a re-run keeps the content id chosen at enqueue")
        let done = try #require(try store.finish(again.id, result: .object(["ok": .bool(true)]), error: nil))
        #expect(done.status == .succeeded && done.result?["ok"] == .bool(true))
        #expect(try store.counts()[.queued] == 1)
    }

    @Test func spendSumsPerCreatorAndDay() throws {
        let store = try JobStore.inMemory()
        try store.recordSpend(creator: "u1", day: "2026-12-01", model: "gpt4", micros: 1500, inputTokens: 10, outputTokens: 20)
        try store.recordSpend(creator: "u1", day: "2026-12-01", model: "deepseek", micros: 7, inputTokens: 1, outputTokens: 2)
        try store.recordSpend(creator: "u1", day: "2026-12-02", model: "gpt4", micros: 999, inputTokens: 1, outputTokens: 1)
        try store.recordSpend(creator: "u2", day: "2026-12-01", model: "gpt4", micros: 50, inputTokens: 1, outputTokens: 1)
        #expect(try store.spent(creator: "u1", day: "2026-12-01") == 1507)
        #expect(try store.spent(creator: "u3", day: "2026-12-01") == 0)
        let usage = try store.usage(creator: "u1", from: "2026-12-01", to: "2026-12-01")
        #expect(usage.count == 2)
    }

    @Test func uuidV7IsVersionedAndSorts() {
        let a = UUIDv7.make()
        usleep(2000)
        let b = UUIDv7.make()
        #expect(a.count == 36 && Array(a)[14] == "7")
        #expect(a < b)
    }
}

@Suite struct JobQueueTests {
    @Test func concurrencyIsBoundedAndEveryJobRunsOnce() async throws {
        let runner = ScriptedRunner()
        let queue = JobQueue(store: try JobStore.inMemory(), runner: runner, concurrency: 2, logger: Logger(label: "test"))
        try queue.start()
        let jobs = try queue.submit((0..<12).map { _ in .object(["kind": .string("title"), "input": .string("slow:30")]) }, creator: "u1")
        #expect(try await waitUntil { try queue.store.counts()[.succeeded] == 12 })
        #expect(runner.peak.load(ordering: .relaxed) <= 2)
        #expect(runner.runs.withLock { $0.values.allSatisfy { $0 == 1 } && $0.count == jobs.count })
        await queue.stop()
    }

    @Test func aBatchWithOneBadItemQueuesNothingAndNamesTheItem() async throws {
        let queue = JobQueue(store: try JobStore.inMemory(), runner: ScriptedRunner(), concurrency: 1, logger: Logger(label: "test"))
        let items: [JSONValue] = [.object(["kind": .string("title"), "input": .string("x")]), .object(["kind": .string("poem"), "input": .string("x")])]
        #expect(throws: APIError.self) { try queue.submit(items, creator: "u1") }
        do { _ = try queue.submit(items, creator: "u1") } catch { #expect(error.errors.first?.field == "items[1].kind") }
        #expect(try queue.store.counts().isEmpty)
    }

    @Test func jobsSurviveARestartOfTheStore() async throws {
        let path = tempPath("jobs.sqlite3")
        defer { cleanup(path) }
        do {
            let store = try JobStore.open(path: path)
            _ = try store.enqueue([("u1", "title", .object(["kind": .string("title"), "input": .string("a")]))])
            _ = try store.claim()   // running when the "crash" happens
        }
        let runner = ScriptedRunner()
        let queue = JobQueue(store: try JobStore.open(path: path), runner: runner, concurrency: 1, logger: Logger(label: "test"))
        try queue.start()
        #expect(try await waitUntil { try queue.store.counts()[.succeeded] == 1 })
        await queue.stop()
    }
}

@Suite struct GenerationRoutesTests {
    func router(_ queue: JobQueue, wait: Double = 2) -> Router {
        var router = Router()
        GenerationRoutes.install(on: &router, queue: queue, settings: .init(waitSeconds: wait, maxBatch: 3))
        return router
    }

    func post(_ router: Router, _ path: String, _ body: String, user: String = "u1", headers: [(String, String)] = []) -> Response {
        var request = Request(method: .POST, path: path, body: Array(body.utf8))
        request.headers["Content-Type"] = "application/json"
        for (name, value) in headers { request.headers[name] = value }
        request.principal = Principal(userID: user, role: .creator, scopes: [.read, .write])
        return router.respond(request)
    }

    func get(_ router: Router, _ target: String, user: String = "u1") -> Response {
        let pieces = target.split(separator: "?", maxSplits: 1)
        let query: [(name: String, value: String)] = pieces.count > 1 ? pieces[1].split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return (String(kv[0]), kv.count > 1 ? String(kv[1]) : "")
        } : []
        var request = Request(method: .GET, path: String(pieces[0]), query: query)
        request.principal = Principal(userID: user, role: .creator, scopes: [.read, .write])
        return router.respond(request)
    }

    func settle(_ response: Response) async -> Response {
        guard case .deferred(let deferred) = response.body else { return response }
        _ = await waitUntil { deferred.completed != nil }
        return deferred.completed ?? response
    }

    @Test func quickJobAnswersWithTheResultAndASlowOneWith202() async throws {
        let queue = JobQueue(store: try JobStore.inMemory(), runner: ScriptedRunner(), concurrency: 1, logger: Logger(label: "test"))
        try queue.start()
        defer { Task { await queue.stop() } }
        let r = router(queue, wait: 30)
        let quick = await settle(post(r, "/api/v1/generate", #"{"kind":"title","input":"hello"}"#))
        #expect(quick.status == 200)
        let quickJSON = try JSONValue.parse(quick.bodyBytes)
        #expect(quickJSON["result"]?["text"] == .string("Title for hello"))
        let slow = await settle(post(r, "/api/v1/generate", #"{"kind":"title","input":"slow:1500"}"#, headers: [("Prefer", "wait=0")]))
        #expect(slow.status == 202)
        let job = try JSONValue.parse(slow.bodyBytes)
        guard case .string(let id)? = job["id"] else { Issue.record("no job id"); return }
        #expect(slow.headers["Location"] == "/api/v1/jobs/\(id)")
        #expect(await waitUntil { (try? JSONValue.parse(get(r, "/api/v1/jobs/\(id)").bodyBytes))?["status"] == .string("succeeded") })
        #expect(get(r, "/api/v1/jobs/\(id)", user: "someone-else").status == 404)
    }

    @Test func aFailedJobAnswersWithItsProblem() async throws {
        let queue = JobQueue(store: try JobStore.inMemory(), runner: ScriptedRunner(), concurrency: 1, logger: Logger(label: "test"))
        try queue.start()
        defer { Task { await queue.stop() } }
        let response = await settle(post(router(queue), "/api/v1/generate", #"{"kind":"title","input":"fail"}"#))
        #expect(response.status == 402)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let problem = try JSONValue.parse(response.bodyBytes)
        #expect(problem["attempts"] == .array([]))
        #expect(problem["detail"] == .string("Spent 100 of 100 micros today."))
    }

    @Test func badBodiesAre4xxNamingTheField() throws {
        let queue = JobQueue(store: try JobStore.inMemory(), runner: ScriptedRunner(), concurrency: 1, logger: Logger(label: "test"))
        let r = router(queue)
        for (body, field) in [("{", "body"), ("[]", "body"), (#"{"input":"x"}"#, "kind"), (#"{"kind":"poem","input":"x"}"#, "kind"), (#"{"kind":"title"}"#, "input")] {
            let response = post(r, "/api/v1/generate", body)
            #expect(response.status == 400, "\(body)")
            let problem = try JSONValue.parse(response.bodyBytes)
            guard case .array(let errors)? = problem["errors"], let first = errors.first else { Issue.record("no errors for \(body)"); continue }
            #expect(first["field"] == .string(field), "\(body)")
        }
        let tooMany = post(r, "/api/v1/generate/batch", #"{"items":[{},{},{},{}]}"#)
        #expect(tooMany.status == 400)
        #expect(post(r, "/api/v1/generate/batch", #"{"items":[]}"#).status == 400)
        #expect(post(r, "/api/v1/generate/batch", #"{"items":[{"kind":"title","input":"x"}],"extra":1}"#).status == 400)
        #expect(get(r, "/api/v1/jobs?status=bogus").status == 400)
        #expect(get(r, "/api/v1/jobs?limit=0").status == 400)
        #expect(get(r, "/api/v1/jobs?before=nope").status == 400)
        #expect(get(r, "/api/v1/generation/usage?from=2026-13-01").status == 400)
        #expect(try queue.store.counts().isEmpty, "nothing queued by bad input")
    }

    @Test func batchQueuesEveryItemAndListsThem() async throws {
        let queue = JobQueue(store: try JobStore.inMemory(), runner: ScriptedRunner(), concurrency: 2, logger: Logger(label: "test"))
        try queue.start()
        defer { Task { await queue.stop() } }
        let r = router(queue)
        let response = post(r, "/api/v1/generate/batch", #"{"items":[{"kind":"title","input":"a"},{"kind":"hashtags","input":"b"}]}"#)
        #expect(response.status == 202)
        #expect(try await waitUntil { try queue.store.counts()[.succeeded] == 2 })
        let list = try JSONValue.parse(get(r, "/api/v1/jobs?limit=1").bodyBytes)
        guard case .array(let jobs)? = list["jobs"], case .string(let cursor)? = list["next_cursor"] else { Issue.record("no page"); return }
        #expect(jobs.count == 1)
        let next = try JSONValue.parse(get(r, "/api/v1/jobs?limit=1&before=\(cursor)").bodyBytes)
        guard case .array(let more)? = next["jobs"] else { Issue.record("no second page"); return }
        #expect(more.count == 1 && more[0]["id"] != jobs[0]["id"])
        let others = try JSONValue.parse(get(r, "/api/v1/jobs", user: "u2").bodyBytes)
        #expect(others["jobs"] == .array([]))
    }
}
