import Connectors
import Foundation
import Platforms
import Synchronization

/// Scheduler limits: concurrency per platform, batch sizes and the idempotency window.
public struct SchedulerConfiguration: Sendable {
    /// Publish calls in flight at once per platform (Postiz's caps: Reddit 1, LinkedIn 2, Bluesky 2, X 10).
    public var concurrency: [String: Int] = ["reddit": 1, "linkedin": 2, "bluesky": 2, "x": 10]
    /// The cap for platforms not in ``concurrency``.
    public var defaultConcurrency: Int = 4
    /// Rate limits per platform (posts per window, a token bucket), overriding the platform profile's.
    public var rateLimits: [String: RateLimit] = [:]
    /// How long a platform remembers an idempotency key (Mastodon: 1 hour). A publication interrupted longer ago
    /// than this is looked up before it is retried, even on a platform that takes keys.
    public var idempotencyWindowSeconds: Double = 3600
    /// Most rows looked at per dispatch round.
    public var batchSize: Int = 512
    /// Longest sleep of the background loop when idle (it also wakes when work is scheduled or finishes).
    public var maxIdleSeconds: Double = 5
    /// Shortest time between two timed wake-ups of the background loop: publications falling due within it are
    /// claimed together in one transaction instead of one wake-up each (adds at most this much lateness).
    public var coalesceSeconds: Double = 0.02

    /// The defaults.
    public init() {}
}

/// Hands due publications to workers, with a per-platform concurrency cap and token-bucket rate limit, and moves
/// each one through its states so that it is published exactly once.
///
/// The order that makes a `kill -9` at any moment safe:
/// 1. **claim**: in one committed transaction the publication moves `pending → publishing` and an attempt row is
///    opened; only then is the platform called;
/// 2. **call** the connector with the publication's stable idempotency key (and, for a thread that was cut short,
///    the ids of the parts already created, so it continues rather than starts over);
/// 3. **record**: the outcome and the attempt's end in one transaction (grouped with other workers' outcomes).
///
/// A crash before 1 leaves it `pending` (not sent). A crash between 1 and 3 leaves it `publishing`: ``recover()``
/// treats that as an unknown outcome — retried under the same key where the platform honours keys, otherwise
/// `unconfirmed` and looked up with `connector.find` before any retry. So nothing is lost and nothing is posted
/// twice without a key that lets the platform recognise the repeat.
///
/// ```swift
/// let scheduler = Scheduler(outbox: outbox, vault: vault, connectors: ["mastodon": mastodon, "bluesky": bluesky])
/// try await scheduler.recover()
/// let task = Task { await scheduler.run() }   // until cancelled
/// ```
public final class Scheduler: Sendable {
    /// The outbox it drives.
    public let outbox: Outbox
    /// Where credentials come from.
    public let vault: AccountVault
    /// Connectors by account platform id (map manual-upload platforms to the export connector).
    public let connectors: [String: any PlatformConnector]
    /// Retry timing.
    public let policy: RetryPolicy
    /// Limits.
    public let configuration: SchedulerConfiguration
    private let clock: any PublishingClock
    private let jitter: JitterSource
    private let dispatch = Mutex(DispatchState())
    private let signal = Signal()
    private let committer: ResolutionCommitter
    /// Decrypted credentials by account, valid while the sealed bytes are the same (a reconnect changes them).
    private let credentialCache = Mutex<[String: (sealed: [UInt8], plain: [String: String])]>([:])

    /// A scheduler; `clock` and `jitter` are injected in tests.
    public init(outbox: Outbox, vault: AccountVault, connectors: [String: any PlatformConnector], policy: RetryPolicy = RetryPolicy(),
                configuration: SchedulerConfiguration = SchedulerConfiguration(), clock: (any PublishingClock)? = nil, jitter: JitterSource = .system()) {
        self.outbox = outbox
        self.vault = vault
        self.connectors = connectors
        self.policy = policy
        self.configuration = configuration
        self.clock = clock ?? outbox.clock
        self.jitter = jitter
        self.committer = ResolutionCommitter(outbox: outbox)
        let signal = self.signal
        outbox.wakeHook.set { signal.fire() }
    }

    // MARK: Running

    /// Recovers from a crash: call once at start, before ``run()``. Returns how many publications were
    /// found interrupted.
    @discardableResult
    public func recover() async throws(PublishingError) -> Int {
        let now = AccountVault.ms(clock.now())
        let window = Int64(configuration.idempotencyWindowSeconds * 1000)
        let keyed = Set(connectors.filter { $0.value.supportsIdempotencyKey }.map(\.key))
        do {
            let changes = try await outbox.recoverInterrupted(now: now) { platform, started in
                keyed.contains(platform) && now - started <= window
            }
            outbox.emit(changes)
            return changes.count
        } catch { throw PublishingError.storage(error, "recovering interrupted publications") }
    }

    /// Runs until the task is cancelled: dispatches due work, then sleeps until the next due time, a free token,
    /// a finished worker or newly scheduled work.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let started = clock.now()
                let (work, wake) = await claimDue()
                for w in work {
                    group.addTask { await self.perform(w) }
                }
                if wake <= clock.now() { await Task.yield(); continue } // a full batch: more is due now
                await sleep(until: max(wake, started.addingTimeInterval(configuration.coalesceSeconds)))
            }
        }
    }

    /// Dispatches everything due now that the caps and rate limits allow, waits for it to finish, and returns
    /// how many pieces of work ran (tests drive the scheduler with this and a manual clock).
    @discardableResult
    public func runDue() async -> Int {
        let (work, _) = await claimDue()
        await withTaskGroup(of: Void.self) { group in
            for w in work { group.addTask { await self.perform(w) } }
        }
        return work.count
    }

    // MARK: Dispatch

    /// Claims due work within the caps; returns it and when to look again (a worker that frees a capped
    /// platform's slot also wakes the loop).
    private func claimDue() async -> ([ClaimedWork], Date) {
        let nowDate = clock.now()
        let now = AccountVault.ms(nowDate)
        let idle = nowDate.addingTimeInterval(configuration.maxIdleSeconds)
        let (saturated, outOfTokens) = dispatch.withLock { d -> (Set<String>, Set<String>) in
            var full = Set<String>()
            for (platform, n) in d.running where n >= cap(platform) { full.insert(platform) }
            var empty = Set<String>()
            for (platform, var bucket) in d.buckets {
                bucket.refill(now: nowDate)
                d.buckets[platform] = bucket
                if bucket.tokens < 1 { empty.insert(platform) }
            }
            d.waitingForSlot.formUnion(full)
            return (full, empty)
        }
        let rows: [DueRow]
        do {
            rows = try await outbox.dueRows(now: now, limit: configuration.batchSize, saturated: saturated, outOfTokens: outOfTokens)
        } catch {
            return ([], nowDate.addingTimeInterval(1))
        }
        var chosen: [DueRow] = []
        dispatch.withLock { d in
            for r in rows {
                if d.running[r.platform, default: 0] >= cap(r.platform) {
                    d.waitingForSlot.insert(r.platform)
                    continue
                }
                if r.state == .pending, let limit = rateLimit(r.platform) {
                    var bucket = d.buckets[r.platform] ?? TokenBucket(limit: limit, now: nowDate)
                    let took = bucket.take(now: nowDate)
                    d.buckets[r.platform] = bucket
                    if !took { continue }
                }
                d.running[r.platform, default: 0] += 1
                chosen.append(r)
            }
        }
        var work: [ClaimedWork] = []
        if !chosen.isEmpty {
            do {
                work = try await outbox.claim(chosen, now: now, leaseMS: 300_000)
            } catch {
                work = []
            }
            let claimed = Set(work.map(\.publication.id))
            dispatch.withLock { d in
                for r in chosen where !claimed.contains(r.id) { d.running[r.platform, default: 1] -= 1 }
            }
        }
        // More may be due right now.
        if rows.count == configuration.batchSize && !chosen.isEmpty { return (work, nowDate) }
        var wake = idle
        if let next = try? await outbox.nextDue(after: now) { wake = min(wake, AccountVault.date(next)) }
        let tokenWake = dispatch.withLock { d in
            d.buckets.values.filter { $0.tokens < 1 }.map { $0.nextToken(now: nowDate) }.min()
        }
        if let tokenWake { wake = min(wake, tokenWake) }
        return (work, wake)
    }

    private func cap(_ platform: String) -> Int {
        max(1, configuration.concurrency[platform] ?? configuration.defaultConcurrency)
    }

    private func rateLimit(_ platform: String) -> RateLimit? {
        if let r = configuration.rateLimits[platform] { return r }
        return outbox.catalog.profile(platform)?.rateLimit
    }

    private func sleep(until deadline: Date) async {
        let clock = self.clock
        let signal = self.signal
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await signal.wait() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    // MARK: Work

    private func perform(_ work: ClaimedWork) async {
        let resolution = await resolve(work)
        do {
            let changes = try await committer.submit(resolution)
            outbox.emit(changes)
        } catch {
            // The outcome could not be written: the row stays `publishing` (or leased), and the next start's
            // recovery treats it as an unknown outcome. Nothing is retried blindly.
        }
        let platform = work.publication.platform
        let wake = dispatch.withLock { d -> Bool in
            d.running[platform, default: 1] -= 1
            return d.waitingForSlot.remove(platform) != nil
        }
        // Wake the dispatcher only when due work was waiting for this platform's slot (or a retry may be due at
        // once); otherwise it already sleeps until the next due time.
        if wake || resolution.newState == .pending || resolution.newState == .unconfirmed { signal.fire() }
    }

    private func resolve(_ work: ClaimedWork) async -> Resolution {
        let p = work.publication
        let expected: PublicationState = work.kind == .publish ? .publishing : .unconfirmed
        func finish(_ outcome: String, _ state: PublicationState, next: Date? = nil, error: ConnectorError? = nil, message: String? = nil,
                    post: PublishedPost? = nil, partIDs: [String]? = nil, event: String?) -> Resolution {
            let now = AccountVault.ms(clock.now())
            return Resolution(publication: p, publicationID: p.id, attemptID: work.attemptID, expected: expected, finishedAt: now, outcome: outcome,
                              error: error?.message ?? message, httpStatus: error?.status, retryAfter: error?.retryAfterSeconds,
                              newState: state, nextAttemptAt: next.map(AccountVault.ms), postID: post?.id, postURL: post?.url,
                              partIDs: partIDs ?? post?.partIDs ?? p.partIDs, reason: state == .published ? nil : (message ?? error?.message), event: event)
        }
        guard let connector = connectors[p.platform] else {
            if work.kind == .reconcile {
                return finish("error", .unconfirmed, next: clock.now().addingTimeInterval(policy.capSeconds), message: "no connector is configured for \(p.platform); cannot check the platform", event: nil)
            }
            return finish("error", .failed, message: "no connector is configured for the platform \(p.platform)", event: "publication.failed")
        }
        guard work.accountExists else {
            return finish("error", .failed, message: "the account was disconnected before the post went out", event: "publication.failed")
        }
        let credentials: [String: String]
        do { credentials = try work.sealedCredentials.map { bytes throws(PublishingError) in try openCredentials(bytes, accountID: p.accountID) } ?? [:] } catch {
            return finish("unauthorized", .failed, message: error.message, event: "publication.failed")
        }
        let post = OutgoingPost(publicationID: String(p.id), parts: p.parts, idempotencyKey: p.idempotencyKey, language: work.language, media: work.media)

        if work.kind == .reconcile {
            do {
                if let found = try await connector.find(post, credentials: credentials) {
                    if !found.awaitingManual && found.partIDs.count < p.parts.count && found.partIDs.count > 0 {
                        // Part of the thread is there: continue after it instead of starting again.
                        return finish("found", .pending, next: clock.now(), message: "\(found.partIDs.count) of \(p.parts.count) parts found on the platform; continuing the thread",
                                      partIDs: Self.merge(p.partIDs, found.partIDs), event: "publication.retrying")
                    }
                    return finish("found", found.awaitingManual ? .awaitingManual : .published, post: found,
                                  event: found.awaitingManual ? "publication.awaiting_manual" : "publication.published")
                }
                return finish("not_found", .pending, next: clock.now(), message: "not found on the platform; publishing again", event: "publication.retrying")
            } catch {
                switch error.kind {
                case .rateLimited, .transient, .unknownOutcome:
                    let wait = policy.delay(afterAttempt: work.roundAttempts, retryAfterSeconds: error.retryAfterSeconds, jitter: jitter)
                    return finish(error.kind.outcome, .unconfirmed, next: clock.now().addingTimeInterval(wait), error: error, event: nil)
                case .rejected, .unauthorized, .malformed:
                    return finish(error.kind.outcome, .failed, error: error, message: "could not confirm whether it was published: \(error.message)", event: "publication.failed")
                }
            }
        }

        do {
            let result = try await connector.publish(post, credentials: credentials, resumeAfter: p.partIDs)
            if result.awaitingManual {
                return finish("awaiting_manual", .awaitingManual, post: result, event: "publication.awaiting_manual")
            }
            return finish("published", .published, post: result, event: "publication.published")
        } catch {
            let parts = Self.merge(p.partIDs, error.createdPartIDs)
            let retryable: Bool
            switch error.kind {
            case .rateLimited, .transient: retryable = true
            case .unknownOutcome: retryable = connector.supportsIdempotencyKey
            case .rejected, .unauthorized, .malformed: retryable = false
            }
            if error.kind == .unknownOutcome && !connector.supportsIdempotencyKey {
                // Never re-post blind: look the post up first.
                let wait = policy.delay(afterAttempt: work.roundAttempts, retryAfterSeconds: error.retryAfterSeconds, jitter: jitter)
                return finish("unknown_outcome", .unconfirmed, next: clock.now().addingTimeInterval(wait), error: error,
                              message: "the outcome is unknown (\(error.message)); checking the platform before any retry", partIDs: parts, event: "publication.unconfirmed")
            }
            if retryable {
                let wait = policy.delay(afterAttempt: work.roundAttempts, retryAfterSeconds: error.retryAfterSeconds, jitter: jitter)
                if error.kind == .unknownOutcome && wait > configuration.idempotencyWindowSeconds {
                    // The platform will have forgotten the key by then: look the post up first instead.
                    return finish("unknown_outcome", .unconfirmed, next: clock.now().addingTimeInterval(wait), error: error,
                                  message: "the outcome is unknown (\(error.message)); checking the platform before any retry", partIDs: parts, event: "publication.unconfirmed")
                }
                if work.roundAttempts >= policy.maxAttempts {
                    return finish(error.kind.outcome, .failed, error: error, message: "gave up after \(work.roundAttempts) attempts; last error: \(error.message)",
                                  partIDs: parts, event: "publication.failed")
                }
                return finish(error.kind.outcome, .pending, next: clock.now().addingTimeInterval(wait), error: error, partIDs: parts, event: "publication.retrying")
            }
            return finish(error.kind.outcome, .failed, error: error, partIDs: parts, event: "publication.failed")
        }
    }

    private func openCredentials(_ sealed: [UInt8], accountID: String) throws(PublishingError) -> [String: String] {
        if let hit = credentialCache.withLock({ $0[accountID] }), hit.sealed == sealed { return hit.plain }
        let plain = try vault.open(sealed, accountID: accountID)
        credentialCache.withLock { $0[accountID] = (sealed, plain) }
        return plain
    }

    /// The part ids known after a failed attempt: those passed in, then the new ones the connector reported.
    static func merge(_ known: [String], _ reported: [String]) -> [String] {
        if reported.isEmpty { return known }
        if reported.starts(with: known) { return reported }
        return known + reported.filter { !known.contains($0) }
    }
}

extension ConnectorError.Kind {
    /// The attempt outcome recorded for this failure class.
    var outcome: String {
        switch self {
        case .rateLimited: "rate_limited"
        case .transient: "transient"
        case .unknownOutcome: "unknown_outcome"
        case .rejected: "rejected"
        case .unauthorized: "unauthorized"
        case .malformed: "malformed"
        }
    }
}

/// In-memory dispatch bookkeeping: calls in flight per platform and the token buckets.
struct DispatchState {
    var running: [String: Int] = [:]
    var waitingForSlot: Set<String> = []
    var buckets: [String: TokenBucket] = [:]
}

/// A token bucket: `posts` tokens, refilled continuously at `posts / windowSeconds` per second.
struct TokenBucket {
    let capacity: Double
    let perSecond: Double
    var tokens: Double
    var updated: Date

    init(limit: RateLimit, now: Date) {
        capacity = Double(max(1, limit.posts))
        perSecond = capacity / Double(max(1, limit.windowSeconds))
        tokens = capacity
        updated = now
    }

    mutating func refill(now: Date) {
        let elapsed = max(0, now.timeIntervalSince(updated))
        tokens = min(capacity, tokens + elapsed * perSecond)
        updated = now
    }

    mutating func take(now: Date) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    func nextToken(now: Date) -> Date {
        now.addingTimeInterval(max(0, 1 - tokens) / perSecond)
    }
}

/// Writes workers' outcomes in shared transactions (group commit): the first worker to arrive writes everything
/// queued, one fsync for many outcomes; the others wait for that commit.
final class ResolutionCommitter: Sendable {
    private struct State {
        var queue: [(Resolution, CheckedContinuation<[(String?, Publication)], any Error>)] = []
        var writing = false
    }
    private let state = Mutex(State())
    private let outbox: Outbox

    init(outbox: Outbox) { self.outbox = outbox }

    func submit(_ r: Resolution) async throws -> [(String?, Publication)] {
        try await withCheckedThrowingContinuation { c in
            let lead = state.withLock { s -> Bool in
                s.queue.append((r, c))
                if s.writing { return false }
                s.writing = true
                return true
            }
            if lead { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { s -> [(Resolution, CheckedContinuation<[(String?, Publication)], any Error>)] in
                let b = s.queue
                s.queue = []
                if b.isEmpty { s.writing = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                let changes = try await outbox.apply(batch.map(\.0))
                var byID: [Int64: [(String?, Publication)]] = [:]
                for c in changes { byID[c.1.id, default: []].append(c) }
                for (r, c) in batch { c.resume(returning: byID[r.publicationID] ?? []) }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }
}
