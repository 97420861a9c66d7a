import FoundationEssentials
import HTTP
import Logging
import Synchronization

/// What runs a job: the app supplies one that routes to a model and stores the content.
public protocol GenerationRunner: Sendable {
    /// Checks a request body before it is queued and returns its kind and normalised form; throws a 4xx naming the field.
    func validate(_ body: JSONValue, creator: String) throws(APIError) -> (kind: String, request: JSONValue)
    /// Runs a job to the end: generates, stores the content under `job.contentID` (idempotently: a job re-run after a
    /// crash must not store twice) and returns the result, or throws the problem the caller should see.
    func run(_ job: GenerationJob) async throws(JobFailure) -> JSONValue
}

/// Why a job failed: the problem the caller sees, plus extension members (every model attempt, budget figures).
public struct JobFailure: Error, Sendable {
    /// Status, type, title, detail and field errors.
    public var problem: APIError
    /// Extra members of the problem document (`attempts`, `budget`).
    public var extra: [String: JSONValue]

    /// A failure.
    public init(_ problem: APIError, extra: [String: JSONValue] = [:]) {
        self.problem = problem
        self.extra = extra
    }

    /// The problem document as stored with the job.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "status": .int(Int64(problem.status)), "type": .string(problem.type), "title": .string(problem.title), "detail": .string(problem.detail),
        ]
        if !problem.errors.isEmpty {
            members["errors"] = .array(problem.errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        for (key, value) in extra where members[key] == nil { members[key] = value }
        return .object(members)
    }
}

/// Bounded-concurrency workers over the durable ``JobStore``.
///
/// Jobs are claimed oldest first; a job left `running` by a crash goes back to the queue at ``start()``,
/// and its content id was fixed when it was queued, so each job's content is stored exactly once.
public final class JobQueue: Sendable {
    /// The durable store.
    public let store: JobStore
    let runner: any GenerationRunner
    let concurrency: Int
    let publish: @Sendable (String, JSONValue, String?) -> Void
    let onDuration: @Sendable (Double) -> Void
    let logger: Logger
    let doorbell = Doorbell()
    let running = Atomic<Bool>(false)
    let active = Atomic<Int>(0)
    let waiters = Mutex<[String: [@Sendable (GenerationJob) -> Void]]>([:])
    let workers = Mutex<[Task<Void, Never>]>([])

    /// A queue over `store` running at most `concurrency` jobs at once.
    /// - Parameters:
    ///   - publish: event bus hook `(type, payload, audience user id)`: `job.updated`, `content.generated`.
    ///   - onDuration: seconds each successful job took (the `content_generation_duration_seconds` histogram).
    public init(store: JobStore, runner: any GenerationRunner, concurrency: Int, logger: Logger,
                publish: @escaping @Sendable (String, JSONValue, String?) -> Void = { _, _, _ in },
                onDuration: @escaping @Sendable (Double) -> Void = { _ in }) {
        self.store = store
        self.runner = runner
        self.concurrency = max(1, concurrency)
        self.publish = publish
        self.onDuration = onDuration
        self.logger = logger
    }

    /// Puts interrupted jobs back in the queue and starts the workers.
    public func start() throws {
        let requeued = try store.requeueInterrupted()
        if requeued > 0 { logger.info("requeued \(requeued) generation job(s) interrupted by the last stop") }
        running.store(true, ordering: .sequentiallyConsistent)
        let tasks = (0..<concurrency).map { _ in Task.detached { [self] in await self.work() } }
        workers.withLock { $0 = tasks }
    }

    /// Stops claiming and waits for the jobs in hand (at most `timeout`); unfinished ones are re-run at the next start.
    public func stop(timeout: Duration = .seconds(5)) async {
        running.store(false, ordering: .sequentiallyConsistent)
        doorbell.ringAll(concurrency)
        let tasks = workers.withLock { $0 }
        let deadline = ContinuousClock.now + timeout
        while active.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        for task in tasks { task.cancel() }
    }

    /// Validates and queues requests (all or none) and wakes the workers.
    public func submit(_ bodies: [JSONValue], creator: String) throws(APIError) -> [GenerationJob] {
        var items: [(creator: String, kind: String, request: JSONValue)] = []
        for (index, body) in bodies.enumerated() {
            do {
                let (kind, request) = try runner.validate(body, creator: creator)
                items.append((creator, kind, request))
            } catch {
                guard bodies.count > 1 else { throw error }
                var prefixed = error
                prefixed.errors = error.errors.map { FieldError(field: "items[\(index)].\($0.field)", message: $0.message) }
                if prefixed.errors.isEmpty { prefixed.errors = [FieldError(field: "items[\(index)]", message: error.detail)] }
                prefixed.detail = "items[\(index)]: " + error.detail
                throw prefixed
            }
        }
        let jobs: [GenerationJob]
        do { jobs = try store.enqueue(items) } catch { throw APIError.unavailable("The job queue could not be written: \(error). Retry shortly.") }
        for job in jobs { publish("job.updated", job.json, job.creator) }
        doorbell.ringAll(min(jobs.count, concurrency))
        return jobs
    }

    /// Calls `callback` once when the job finishes (at once if it already has).
    public func whenFinished(_ id: String, _ callback: @escaping @Sendable (GenerationJob) -> Void) {
        waiters.withLock { $0[id, default: []].append(callback) }
        if let job = try? store.job(id), job.status == .succeeded || job.status == .failed { fire(job) }
    }

    /// Jobs running right now.
    public var activeCount: Int { active.load(ordering: .relaxed) }

    func fire(_ job: GenerationJob) {
        let callbacks = waiters.withLock { $0.removeValue(forKey: job.id) } ?? []
        for callback in callbacks { callback(job) }
    }

    func work() async {
        while running.load(ordering: .sequentiallyConsistent) {
            let claimed: GenerationJob?
            do { claimed = try store.claim() } catch {
                logger.error("job queue: could not claim a job: \(error)")
                await doorbell.wait(timeout: .seconds(1))
                continue
            }
            guard let job = claimed else {
                await doorbell.wait(timeout: .seconds(1))
                continue
            }
            active.add(1, ordering: .relaxed)
            publish("job.updated", job.json, job.creator)
            let started = ContinuousClock.now
            var finished: GenerationJob?
            do {
                let result = try await runner.run(job)
                finished = try? store.finish(job.id, result: result, error: nil)
                let elapsed = ContinuousClock.now - started
                onDuration(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                if let finished {
                    var payload = result
                    if case .object(var members) = payload { members["job_id"] = .string(job.id); payload = .object(members) }
                    publish("content.generated", payload, job.creator)
                    publish("job.updated", finished.json, job.creator)
                }
            } catch {
                finished = try? store.finish(job.id, result: nil, error: error.json)
                if let finished { publish("job.updated", finished.json, job.creator) }
            }
            active.subtract(1, ordering: .relaxed)
            if let finished { fire(finished) }
        }
    }
}

/// Wakes idle workers: a ring lets one waiter through (or is kept for the next one).
final class Doorbell: Sendable {
    private let state = Mutex<(permits: Int, waiters: [UInt64: CheckedContinuation<Void, Never>], next: UInt64)>((0, [:], 0))

    func ringAll(_ count: Int) {
        for _ in 0..<max(1, count) { ring() }
    }

    func ring() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let key = s.waiters.keys.min() { return s.waiters.removeValue(forKey: key) }
            s.permits = min(s.permits + 1, 1024)
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a ring or `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        let key: UInt64? = state.withLock { s in
            if s.permits > 0 { s.permits -= 1; return nil }
            s.next += 1
            return s.next
        }
        guard let key else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let rangMeanwhile: Bool = state.withLock { s in
                if s.permits > 0 { s.permits -= 1; return true }
                s.waiters[key] = continuation
                return false
            }
            if rangMeanwhile { continuation.resume(); return }
            Task.detached { [self] in
                try? await Task.sleep(for: timeout)
                let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
                waiter?.resume()
            }
        }
    }
}
