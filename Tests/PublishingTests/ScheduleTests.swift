import Connectors
import Foundation
import GRDB
import Platforms
import Testing
@testable import Publishing

@Suite struct ScheduleTests {
    func expectError(_ code: PublishingError.Code, containing text: String, field: String? = nil, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(code) error")
        } catch let e as PublishingError {
            #expect(e.code == code, "\(e)")
            #expect(e.message.contains(text), "\(e.message)")
            if let field { #expect(e.field == field) }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func schedulesOnePublicationPerTargetInUTC() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let b = try await h.connect("bluesky")
        let at = h.clock.now().addingTimeInterval(3600)
        let pubs = try await h.outbox.schedule(contentID: "c9", creator: "u1", targets: [
            PublicationTarget(accountID: m.id, at: at, post: h.post("Hello Mastodon", on: "mastodon")),
            PublicationTarget(accountID: b.id, at: at, post: h.post("Hello Bluesky", on: "bluesky")),
        ], timeZone: "America/New_York")
        #expect(pubs.count == 2)
        #expect(pubs.allSatisfy { $0.state == .pending && $0.dueAt == at && $0.contentID == "c9" && $0.timeZone == "America/New_York" })
        #expect(pubs[0].parts == ["Hello Mastodon"] && pubs[1].platform == "bluesky")
        #expect(pubs[0].idempotencyKey.hasPrefix("pub-\(pubs[0].id)-") && pubs[0].idempotencyKey != pubs[1].idempotencyKey)
        #expect(h.log.all == ["publication.scheduled \(pubs[0].id)", "publication.scheduled \(pubs[1].id)"])
        let stored = try await h.writer.read { db in try Int64.fetchOne(db, sql: "SELECT due_at FROM publications WHERE id = ?", arguments: [pubs[0].id]) }
        #expect(stored == Int64(at.timeIntervalSince1970 * 1000))
    }

    @Test func validationMessagesAndAllOrNothing() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let theirs = try await h.connect("bluesky", creator: "u2")
        let now = h.clock.now()
        let ok = PublicationTarget(accountID: m.id, at: now.addingTimeInterval(60), post: h.post("fine", on: "mastodon"))

        await expectError(.accountNotConnected, containing: "acc_nope' is not connected", field: "targets[1].account") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [ok, PublicationTarget(accountID: "acc_nope", post: h.post("x", on: "mastodon"))], timeZone: "UTC")
        }
        await expectError(.accountNotConnected, containing: "not one of your connected accounts") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: theirs.id, post: h.post("x", on: "bluesky"))], timeZone: "UTC")
        }
        await expectError(.timeInPast, containing: "is in the past", field: "targets[0].at") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: m.id, at: now.addingTimeInterval(-61), post: h.post("x", on: "mastodon"))], timeZone: "UTC")
        }
        let long = String(repeating: "word ", count: 80) // 400 characters: over Bluesky's 300
        let b = try await h.connect("bluesky")
        await expectError(.doesNotFit, containing: "does not fit", field: "targets[0].post") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: b.id, post: h.post(long, on: "bluesky"))], timeZone: "UTC")
        }
        await expectError(.doesNotFit, containing: "make it a thread") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: b.id, post: h.post(long, on: "bluesky"))], timeZone: "UTC")
        }
        await expectError(.unknownTimeZone, containing: "not an IANA time zone", field: "time_zone") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [ok], timeZone: "Europe/Atlantis")
        }
        await expectError(.invalidInput, containing: "listed twice") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [ok, ok], timeZone: "UTC")
        }
        await expectError(.invalidInput, containing: "formatted for bluesky") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: m.id, post: h.post("x", on: "bluesky"))], timeZone: "UTC")
        }
        await expectError(.invalidInput, containing: "at least one target") {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [], timeZone: "UTC")
        }
        // None of the refused requests left a publication behind (the first had a valid target).
        #expect(try await h.outbox.counts().isEmpty)
        // Within the 60 s grace, a slightly past time is accepted; a thread of the long text fits.
        _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [
            PublicationTarget(accountID: m.id, at: now.addingTimeInterval(-30), post: h.post("fine", on: "mastodon")),
            PublicationTarget(accountID: b.id, post: h.post(long, on: "bluesky", thread: true)),
        ], timeZone: "UTC")
        #expect(try await h.outbox.counts()[.pending] == 2)
    }

    @Test func accountTextLimitIsChecked() async throws {
        let h = try Harness()
        let small = try await h.vault.connect(creator: "u1", platform: "mastodon", label: "", info: AccountInfo(handle: "@a@tiny.example", textLimit: 10), credentials: ["token": "good"])
        #expect(small.label == "@a@tiny.example")
        do {
            _ = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: small.id, post: h.post("twenty characters!!!", on: "mastodon"))], timeZone: "UTC")
            Issue.record("accepted")
        } catch {
            #expect(error.code == .doesNotFit && error.message.contains("this account's limit is 10"))
        }
    }

    @Test func omittedTimeTakesNextGoodSlotInCreatorsZone() async throws {
        let h = try Harness() // Monday 2026-09-21 14:13:20Z
        let m = try await h.connect("mastodon") // profile default slot: Tuesday 09:00
        let pubs = try await h.outbox.schedule(contentID: "c", creator: "u1", targets: [PublicationTarget(accountID: m.id, post: h.post("hi", on: "mastodon"))], timeZone: "America/New_York")
        // Tuesday 2026-09-22 09:00 EDT = 13:00Z.
        #expect(pubs[0].dueAt == ISO8601DateFormatter().date(from: "2026-09-22T13:00:00Z"))
        // The creator's own ranked slots win over the profile's.
        let own = try await h.outbox.schedule(contentID: "c2", creator: "u1", targets: [PublicationTarget(accountID: m.id, post: h.post("hi", on: "mastodon"))],
                                              timeZone: "Europe/Berlin", goodSlots: ["mastodon": [WeeklySlot(day: 1, hour: 20)]])
        #expect(own[0].dueAt == ISO8601DateFormatter().date(from: "2026-09-21T18:00:00Z"))
    }

    @Test func cancelOnlyWhilePendingAndRetryOnlyWhenFailed() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        await expectError(.invalidState, containing: "only failed publications can be retried") { _ = try await h.outbox.retry(id: p.id, creator: "u1") }
        await expectError(.notFound, containing: "no publication") { _ = try await h.outbox.cancel(id: p.id, creator: "u2") }
        let c = try await h.outbox.cancel(id: p.id, creator: "u1")
        #expect(c.state == .cancelled)
        await expectError(.invalidState, containing: "is cancelled and can no longer be cancelled") { _ = try await h.outbox.cancel(id: p.id, creator: "u1") }
        // A cancelled publication is never sent.
        let fake = FakePlatform(platform: "mastodon", idempotent: true, clock: h.clock)
        #expect(await h.scheduler([fake]).runDue() == 0)
        #expect(fake.publishCalls == 0)
        #expect(h.log.all.last == "publication.cancelled \(p.id)")
    }

    @Test func rescheduleMovesOnlyPendingPublications() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let p = try await h.scheduleNow(m)
        let later = h.clock.now().addingTimeInterval(7200)
        let moved = try await h.outbox.reschedule(id: p.id, creator: "u1", at: later)
        #expect(moved.dueAt == later && moved.nextAttemptAt == later)
        let fake = FakePlatform(platform: "mastodon", idempotent: true, clock: h.clock)
        let s = h.scheduler([fake])
        #expect(await s.runDue() == 0)
        await expectError(.timeInPast, containing: "in the past") { _ = try await h.outbox.reschedule(id: p.id, creator: "u1", at: h.clock.now().addingTimeInterval(-120)) }
        h.clock.set(later)
        #expect(await s.runDue() == 1)
        await expectError(.invalidState, containing: "only pending publications can be moved") { _ = try await h.outbox.reschedule(id: p.id, creator: "u1", at: later.addingTimeInterval(60)) }
    }

    @Test func listFiltersAndPages() async throws {
        let h = try Harness()
        let m = try await h.connect("mastodon")
        let b = try await h.connect("bluesky")
        for i in 0..<5 {
            _ = try await h.outbox.schedule(contentID: "c\(i)", creator: "u1", targets: [
                PublicationTarget(accountID: m.id, at: h.clock.now().addingTimeInterval(Double(100 * (5 - i))), post: h.post("m\(i)", on: "mastodon")),
                PublicationTarget(accountID: b.id, at: h.clock.now().addingTimeInterval(Double(100 * (5 - i))), post: h.post("b\(i)", on: "bluesky")),
            ], timeZone: "UTC")
        }
        var q = PublicationQuery(creator: "u1")
        q.platform = "mastodon"
        q.limit = 2
        let page1 = try await h.outbox.list(q)
        #expect(page1.publications.map(\.parts[0]) == ["m4", "m3"])
        q.after = page1.next
        let page2 = try await h.outbox.list(q)
        #expect(page2.publications.map(\.parts[0]) == ["m2", "m1"])
        q.after = page2.next
        let page3 = try await h.outbox.list(q)
        #expect(page3.publications.map(\.parts[0]) == ["m0"] && page3.next == nil)
        var byContent = PublicationQuery(creator: "u1")
        byContent.contentID = "c2"
        #expect(try await h.outbox.list(byContent).publications.count == 2)
        #expect(try await h.outbox.list(PublicationQuery(creator: "u2")).publications.isEmpty)
    }
}
