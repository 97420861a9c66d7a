import Connectors
import Foundation
import GRDB
import Platforms
import Synchronization
import Testing
@testable import Publishing

@Suite struct SchedulerTests {
    @Test func publishesOnceWhenDueAndNotBefore() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: m.id, at: h.clock.now().addingTimeInterval(120), post: h.post("Hi", on: "mastodon"))], timeZone: "UTC")[0]
        let fake = FakePlatform(platform: "mastodon", idempotent: true, clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 0)
        h.clock.advance(by: 120)
        #expect(await s.runDue() == 1)
        #expect(await s.runDue() == 0)
        let done = try await h.get(p.id)
        #expect(done.state == .published && done.postID == "mastodon-1" && done.postURL == "https://mastodon.example/mastodon-1" && done.attempts == 1)
        #expect(fake.created.count == 1 && fake.keys == [p.idempotencyKey])
        let history = try await h.outbox.history(id: p.id, creator: "u1")
        #expect(history.count == 1 && history[0].outcome == "published" && history[0].kind == "publish" && history[0].finishedAt != nil)
        #expect(h.log.all == ["publication.scheduled \(p.id)", "publication.published \(p.id)"])
    }

    @Test func fullJitterBackoffStaysWithinBoundsAndGivesUp() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        let failures = (0..<5).map { _ in FakePlatform.Step.fail(ConnectorError(.transient, "Service Unavailable", status: 503)) }
        let fake = FakePlatform(platform: "mastodon", idempotent: true, script: failures, clock: h.clock)
        let policy = RetryPolicy(baseSeconds: 2, capSeconds: 10, maxAttempts: 5)
        let s = h.scheduler([fake], policy: policy, seed: 7)
        var waits: [Double] = []
        for attempt in 1...4 {
            #expect(await s.runDue() == 1)
            let now = h.clock.now()
            let q = try await h.get(p.id)
            #expect(q.state == .pending && q.reason == "Service Unavailable")
            let wait = q.nextAttemptAt!.timeIntervalSince(now)
            #expect(wait >= 0 && wait < policy.ceiling(afterAttempt: attempt), "attempt \(attempt) waited \(wait)")
            #expect(policy.ceiling(afterAttempt: attempt) == min(10, 2 * pow(2, Double(attempt - 1))))
            waits.append(wait)
            // Not retried before its time.
            if wait > 0.002 {
                h.clock.advance(by: wait - 0.001)
                #expect(await s.runDue() == 0)
            }
            h.clock.set(q.nextAttemptAt!)
        }
        #expect(Set(waits).count == 4) // jittered, not a fixed schedule
        // The same seed gives the same waits (reproducible tests).
        let again = JitterSource.seeded(7)
        let expected = (1...4).map { again.unit() * policy.ceiling(afterAttempt: $0) }
        for (w, e) in zip(waits, expected) { #expect(abs(w - e) < 0.002) }
        #expect(await s.runDue() == 1)
        let failed = try await h.get(p.id)
        #expect(failed.state == .failed && failed.reason!.contains("gave up after 5 attempts") && failed.reason!.contains("Service Unavailable"))
        #expect(fake.publishCalls == 5 && fake.created.isEmpty)
        let history = try await h.outbox.history(id: p.id, creator: "u1")
        #expect(history.map(\.outcome) == Array(repeating: "transient", count: 5) && history.allSatisfy { $0.httpStatus == 503 })
        // A manual retry starts a new round with the same key and succeeds.
        _ = try await h.outbox.retry(id: p.id, creator: "u1")
        #expect(await s.runDue() == 1)
        let published = try await h.get(p.id)
        #expect(published.state == .published && published.attempts == 6)
        #expect(Set(fake.keys) == [p.idempotencyKey] && fake.created.count == 1)
    }

    @Test func unavailableThenRateLimitedThenSuccessPostsExactlyOnce() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        let fake = FakePlatform(platform: "mastodon", idempotent: true, script: [
            .fail(ConnectorError(.transient, "Service Unavailable", status: 503)),
            .fail(ConnectorError(.transient, "Service Unavailable", status: 503)),
            .fail(ConnectorError(.rateLimited, "Too many requests", status: 429, retryAfterSeconds: 30)),
        ], clock: h.clock)
        let s = h.scheduler([fake])
        for _ in 0..<2 {
            #expect(await s.runDue() == 1)
            h.clock.set(try await h.get(p.id).nextAttemptAt!)
        }
        let before429 = h.clock.now()
        #expect(await s.runDue() == 1)
        let limited = try await h.get(p.id)
        #expect(limited.state == .pending && limited.nextAttemptAt == before429.addingTimeInterval(30))
        h.clock.advance(by: 29.9)
        #expect(await s.runDue() == 0) // Retry-After honoured
        h.clock.advance(by: 0.1)
        #expect(await s.runDue() == 1)
        #expect(try await h.get(p.id).state == .published)
        #expect(fake.created.count == 1 && fake.publishCalls == 4)
        #expect(fake.callTimes[3].timeIntervalSince(fake.callTimes[2]) >= 30)
        let history = try await h.outbox.history(id: p.id, creator: "u1")
        #expect(history.map(\.outcome) == ["transient", "transient", "rate_limited", "published"])
        #expect(history[2].retryAfterSeconds == 30 && history[2].httpStatus == 429)
        #expect(h.log.all.filter { $0.hasPrefix("publication.retrying") }.count == 3)
    }

    @Test func rejectedFailsAtOnceWithThePlatformsMessage() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        let fake = FakePlatform(platform: "mastodon", idempotent: true, script: [
            .fail(ConnectorError(.rejected, "Validation failed: Text character limit of 500 exceeded", status: 422)),
        ], clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        h.clock.advance(by: 3600)
        #expect(await s.runDue() == 0)
        let q = try await h.get(p.id)
        #expect(q.state == .failed && q.reason == "Validation failed: Text character limit of 500 exceeded")
        #expect(fake.publishCalls == 1)
        #expect(h.log.all.last == "publication.failed \(p.id)")
    }

    @Test func unknownOutcomeWithIdempotencyKeyRetriesUnderTheSameKey() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        // The first call reaches the platform, but the answer is lost.
        let fake = FakePlatform(platform: "mastodon", idempotent: true, script: [.postThenFail(ConnectorError(.unknownOutcome, "timed out after sending"))], clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        let q = try await h.get(p.id)
        #expect(q.state == .pending)
        h.clock.set(q.nextAttemptAt!)
        #expect(await s.runDue() == 1)
        let done = try await h.get(p.id)
        #expect(done.state == .published && done.postID == "mastodon-1")
        #expect(fake.created.count == 1 && fake.keys == [p.idempotencyKey, p.idempotencyKey] && fake.findCalls == 0)
    }

    @Test func unknownOutcomeWithoutKeyIsReconciledFoundMeansNoRepost() async throws {
        let h = try Harness()
        let b = try await h.connect("bluesky")
        let p = try await h.scheduleNow(b)
        let fake = FakePlatform(platform: "bluesky", idempotent: false, script: [.postThenFail(ConnectorError(.unknownOutcome, "timed out after sending"))], clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        let q = try await h.get(p.id)
        #expect(q.state == .unconfirmed && q.reason!.contains("checking the platform"))
        #expect(h.log.all.last == "publication.unconfirmed \(p.id)")
        h.clock.set(q.nextAttemptAt!)
        #expect(await s.runDue() == 1)
        let done = try await h.get(p.id)
        #expect(done.state == .published && done.postID == "bluesky-1")
        #expect(fake.publishCalls == 1 && fake.findCalls == 1 && fake.created.count == 1)
        let history = try await h.outbox.history(id: p.id, creator: "u1")
        #expect(history.map(\.kind) == ["publish", "reconcile"] && history.map(\.outcome) == ["unknown_outcome", "found"])
    }

    @Test func unknownOutcomeWithoutKeyNotFoundIsPostedOnce() async throws {
        let h = try Harness()
        let b = try await h.connect("bluesky")
        let p = try await h.scheduleNow(b)
        // The request never reached the platform.
        let fake = FakePlatform(platform: "bluesky", idempotent: false, script: [.fail(ConnectorError(.unknownOutcome, "timed out"))], clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        h.clock.set(try await h.get(p.id).nextAttemptAt!)
        #expect(await s.runDue() == 1) // reconcile: not found → pending, due now
        #expect(try await h.get(p.id).state == .pending)
        #expect(await s.runDue() == 1) // publish again
        #expect(try await h.get(p.id).state == .published)
        #expect(fake.publishCalls == 2 && fake.findCalls == 1 && fake.created.count == 1)
    }

    @Test func unknownOutcomeRetryLaterThanTheKeyWindowIsReconciledFirst() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        // The platform asks for two hours; Mastodon keeps keys for one, so the retry must not rely on the key.
        let fake = FakePlatform(platform: "mastodon", idempotent: true, script: [.postThenFail(ConnectorError(.unknownOutcome, "gateway timeout", status: 504, retryAfterSeconds: 7200))], clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        let q = try await h.get(p.id)
        #expect(q.state == .unconfirmed && q.nextAttemptAt == h.clock.now().addingTimeInterval(7200))
        h.clock.advance(by: 7200)
        #expect(await s.runDue() == 1)
        #expect(try await h.get(p.id).state == .published)
        #expect(fake.publishCalls == 1 && fake.findCalls == 1 && fake.created.count == 1)
    }

    @Test func reconciliationFindingPartOfAThreadContinuesIt() async throws {
        let h = try Harness()
        let b = try await h.connect("bluesky")
        let long = (1...60).map { "word\($0)" }.joined(separator: " ")
        let p = try await h.scheduleNow(b, text: long, thread: true)
        // The first part goes out, then the connection drops: the outcome is unknown and no part ids come back.
        let fake = FakePlatform(platform: "bluesky", idempotent: false, script: [.fail(ConnectorError(.unknownOutcome, "reset"))], clock: h.clock)
        fake.state.withLock { $0.created.append(.init(publicationID: String(p.id), key: p.idempotencyKey, text: p.parts[0], id: "bluesky-pre")) }
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        h.clock.set(try await h.get(p.id).nextAttemptAt!)
        #expect(await s.runDue() == 1) // reconcile: finds part 1 only
        let q = try await h.get(p.id)
        #expect(q.state == .pending && q.partIDs == ["bluesky-pre"])
        #expect(await s.runDue() == 1)
        #expect(try await h.get(p.id).state == .published)
        #expect(fake.created.map(\.text) == p.parts)
        #expect(fake.resumeAfters.last == ["bluesky-pre"])
    }

    @Test func partialThreadContinuesAfterCreatedParts() async throws {
        let h = try Harness()
        let b = try await h.connect("bluesky")
        let long = (1...60).map { "word\($0)" }.joined(separator: " ") // over 300: a thread
        let p = try await h.scheduleNow(b, text: long, thread: true)
        #expect(p.parts.count >= 2)
        let fake = FakePlatform(platform: "bluesky", idempotent: false, script: [.partial(1, .transient)], clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 1)
        let q = try await h.get(p.id)
        #expect(q.state == .pending && q.partIDs == ["bluesky-1"])
        h.clock.set(q.nextAttemptAt!)
        #expect(await s.runDue() == 1)
        let done = try await h.get(p.id)
        #expect(done.state == .published && done.partIDs.count == p.parts.count && done.partIDs[0] == "bluesky-1")
        #expect(fake.resumeAfters == [[], ["bluesky-1"]])
        #expect(fake.created.map(\.text) == p.parts) // every part once, in order
    }

    @Test func crashWhilePublishingIsRecoveredWithoutBlindRepost() async throws {
        let dir = Harness.temporaryDirectory()
        var mastodonPub: Publication
        var blueskyPub: Publication
        var oldPub: Publication
        do {
            let h = try Harness(directory: dir)
            let m = try await h.connect("mastodon")
            let b = try await h.connect("bluesky")
            oldPub = try await h.scheduleNow(m, text: "old")
            mastodonPub = try await h.scheduleNow(m, text: "keyed")
            blueskyPub = try await h.scheduleNow(b, text: "unkeyed")
            // The crashed process had claimed all three (committed), sent them, and died before recording.
            let now = AccountVault.ms(h.clock.now())
            let rows = try await h.outbox.dueRows(now: now, limit: 10)
            let oldRow = rows.filter { $0.id == oldPub.id }
            _ = try await h.outbox.claim(oldRow, now: now - 2 * 3_600_000, leaseMS: 0) // claimed two hours ago
            _ = try await h.outbox.claim(rows.filter { $0.id != oldPub.id }, now: now, leaseMS: 0)
            #expect(try await h.get(mastodonPub.id).state == .publishing)
        }
        // Restart: same directory and key, a new store.
        let h = try Harness(directory: dir)
        let mastodon = FakePlatform(platform: "mastodon", idempotent: true, clock: h.clock)
        let bluesky = FakePlatform(platform: "bluesky", idempotent: false, clock: h.clock)
        // What the dead process had actually created on the platforms.
        for (fake, pub) in [(mastodon, mastodonPub), (bluesky, blueskyPub), (mastodon, oldPub)] {
            fake.state.withLock { s in
                s.created.append(.init(publicationID: String(pub.id), key: pub.idempotencyKey, text: pub.parts[0], id: "\(fake.platform)-pre-\(pub.id)"))
            }
        }
        let s = h.scheduler([mastodon, bluesky])
        #expect(try await s.recover() == 3)
        #expect(try await h.get(mastodonPub.id).state == .pending)    // key honoured: retry under it
        #expect(try await h.get(blueskyPub.id).state == .unconfirmed) // no key: look first
        #expect(try await h.get(oldPub.id).state == .unconfirmed)     // key too old to trust: look first
        let history = try await h.outbox.history(id: mastodonPub.id, creator: "u1")
        #expect(history.map(\.outcome) == ["interrupted"])
        #expect(await s.runDue() == 3)
        for pub in [mastodonPub, blueskyPub, oldPub] { #expect(try await h.get(pub.id).state == .published) }
        // Nothing doubled: the keyed retry was recognised, the others were found.
        #expect(mastodon.created.count == 2 && bluesky.created.count == 1)
        #expect(mastodon.publishCalls == 1 && mastodon.findCalls == 1 && bluesky.publishCalls == 0 && bluesky.findCalls == 1)
        #expect(try await s.recover() == 0)
    }

    @Test func disconnectedAccountAndMissingConnectorFailClearly() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let r = try await h.connect("reddit")
        let p1 = try await h.scheduleNow(m)
        let p2 = try await h.scheduleNow(r)
        try await h.vault.disconnect(id: m.id, creator: "u1")
        let s = h.scheduler([FakePlatform(platform: "mastodon", idempotent: true, clock: h.clock)])
        #expect(await s.runDue() == 2)
        #expect(try await h.get(p1.id).reason == "the account was disconnected before the post went out")
        #expect(try await h.get(p2.id).reason == "no connector is configured for the platform reddit")
    }

    @Test func tokenBucketLimitsPostsPerWindow() async throws {
        let h = try Harness()
        let a = try await h.connect("slowplat") // 2 posts per 60 s
        for i in 0..<4 { _ = try await h.scheduleNow(a, text: "post \(i)") }
        let fake = FakePlatform(platform: "slowplat", idempotent: true, clock: h.clock)
        let s = h.scheduler([fake], configuration: { var c = SchedulerConfiguration(); c.defaultConcurrency = 10; return c }())
        #expect(await s.runDue() == 2)
        #expect(await s.runDue() == 0)
        h.clock.advance(by: 30) // one token back
        #expect(await s.runDue() == 1)
        h.clock.advance(by: 30)
        #expect(await s.runDue() == 1)
        #expect(fake.created.count == 4)
    }

    @Test func perPlatformConcurrencyCapIsRespected() async throws {
        let h = try Harness(clock: ManualPublishingClock(Date()))
        let r = try await h.connect("reddit")
        let b = try await h.connect("bluesky")
        var ids: [Int64] = []
        for i in 0..<6 {
            ids.append(try await h.scheduleNow(r, text: "reddit \(i)").id)
            ids.append(try await h.scheduleNow(b, text: "bluesky \(i)").id)
        }
        let reddit = FakePlatform(platform: "reddit", idempotent: true, delay: .milliseconds(30))
        let bluesky = FakePlatform(platform: "bluesky", idempotent: true, delay: .milliseconds(30))
        // Real clock for the background loop.
        let s = Scheduler(outbox: h.outbox, vault: h.vault, connectors: ["reddit": reddit, "bluesky": bluesky], clock: SystemPublishingClock(), jitter: .seeded(1))
        let task = Task { await s.run() }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try await h.outbox.counts()[.published] == 12 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        await task.value
        #expect(try await h.outbox.counts()[.published] == 12)
        #expect(reddit.maxInFlight == 1)
        #expect(bluesky.maxInFlight == 2)
        #expect(reddit.created.count == 6 && bluesky.created.count == 6)
    }

    @Test func aBusyPlatformDoesNotHoldBackOthers() async throws {
        let h = try Harness(clock: ManualPublishingClock(Date()))
        let r = try await h.connect("reddit")
        let m = try await h.connect("mastodon")
        for i in 0..<8 { _ = try await h.scheduleNow(r, text: "reddit \(i)") }
        let late = try await h.scheduleNow(m, text: "mastodon")
        let reddit = FakePlatform(platform: "reddit", idempotent: true, delay: .milliseconds(40))
        let mastodon = FakePlatform(platform: "mastodon", idempotent: true)
        var config = SchedulerConfiguration()
        config.batchSize = 4 // smaller than the reddit backlog in front of the mastodon post
        let s = Scheduler(outbox: h.outbox, vault: h.vault, connectors: ["reddit": reddit, "mastodon": mastodon], configuration: config, clock: SystemPublishingClock())
        let task = Task { await s.run() }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try await h.get(late.id).state != .published { try await Task.sleep(for: .milliseconds(5)) }
        let redditDone = reddit.created.count
        task.cancel()
        await task.value
        #expect(try await h.get(late.id).state == .published)
        #expect(redditDone < 4, "the mastodon post waited for \(redditDone) reddit posts")
    }

    @Test func backgroundLoopWakesForNewWork() async throws {
        let h = try Harness(clock: ManualPublishingClock(Date()))
        let m = try await h.connect("mastodon")
        let fake = FakePlatform(platform: "mastodon", idempotent: true)
        var config = SchedulerConfiguration()
        config.maxIdleSeconds = 30
        let s = Scheduler(outbox: h.outbox, vault: h.vault, connectors: ["mastodon": fake], configuration: config, clock: SystemPublishingClock())
        let task = Task { await s.run() }
        try await Task.sleep(for: .milliseconds(100))
        let p = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: m.id, at: Date(), post: h.post("now", on: "mastodon"))], timeZone: "UTC")[0]
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, try await h.get(p.id).state != .published { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        await task.value
        #expect(try await h.get(p.id).state == .published)
    }
}
