import CivilDate
import Foundation
import Content
import Graph
import Testing
import Writing

@Suite struct ContentStoreTests {
    @Test func createdItemReadsBackWithItsCreatorAndGenerationRecord() throws {
        let h = try ContentHarness()
        let record = GenerationRecord(model: "builtin", policy: "cost", costMicros: 0, inputTokens: 120, outputTokens: 14,
                                      latencyMilliseconds: 3, qualityScore: 0.81, attemptsJSON: #"[{"model":"builtin","ok":true}]"#)
        let made = try h.store.create(NewContent(kind: .title, title: "Ten tips for bread", body: "Knead well.", language: "en-GB",
                                                 tags: ["Baking", "bread", "baking"], generation: record), by: alice)
        #expect(UUIDv7.milliseconds(of: made.id) != nil)
        #expect(made.tags == ["Baking", "bread"])  // duplicates dropped case-insensitively
        let read = try h.store.get(made.id, by: alice)
        #expect(read == made)
        #expect(read.creatorID == alice.userID)
        #expect(read.generation == record)
        #expect(read.status == .draft)
        #expect(Timestamp.parse(read.createdAt) != nil)
        // The graph holds (:Creator)-[:CREATED]->(:Content).
        let linked = try h.graph.read { txn -> Bool in
            let creator = try #require(try CreatorNodes.find(in: txn, userID: alice.userID))
            return try txn.adjacency(of: creator, direction: .outgoing, types: ["CREATED"]).count == 1
        }
        #expect(linked)
    }

    @Test func aChosenIdCreatesAtMostOnce() throws {
        let h = try ContentHarness()
        var new = NewContent(kind: .title, title: "Job result", body: "x")
        new.id = "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"
        let first = try h.store.create(new, by: alice)
        #expect(first.id == "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        let again = contentError { _ = try h.store.create(new, by: alice) }
        #expect(again?.code == .conflict)
        #expect(again?.field == "id")
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).contentCount == 1)
        new.id = "job-7"
        #expect(contentError { _ = try h.store.create(new, by: alice) }?.field == "id")
    }

    @Test func anotherCreatorsContentIsNotFoundButAdminsSeeIt() throws {
        let h = try ContentHarness()
        let item = try h.make(alice)
        #expect(contentError { _ = try h.store.get(item.id, by: bob) }?.code == .notFound)
        #expect(contentError { _ = try h.store.update(item.id, ContentPatch(title: "mine"), by: bob) }?.code == .notFound)
        #expect(contentError { try h.store.delete(item.id, by: bob) }?.code == .notFound)
        #expect(try h.store.get(item.id, by: admin).id == item.id)
        #expect(try h.store.list(ContentQuery(), by: bob).items.isEmpty)
        #expect(try h.store.list(ContentQuery(), by: admin).items.map(\.id) == [item.id])
        #expect(contentError { _ = try h.store.list(ContentQuery(creatorID: alice.userID), by: bob) }?.field == "creator_id")
    }

    @Test func filtersCombine() throws {
        let h = try ContentHarness()
        let a = try h.make(alice, title: "Sourdough Basics", body: "flour and water", kind: .article, tags: ["Bread"], status: .draft)
        let b = try h.make(alice, title: "Quick post", body: "Try SOURDOUGH today", kind: .socialPost, tags: ["bread", "quick"], status: .ready)
        let c = try h.make(alice, title: "Pasta", body: "semolina", kind: .socialPost, tags: ["pasta"], status: .ready)
        func ids(_ q: ContentQuery) throws -> [String] { try h.store.list(q, by: alice).items.map(\.id) }
        #expect(try ids(ContentQuery()) == [c.id, b.id, a.id])  // newest first
        #expect(try ids(ContentQuery(status: .ready)) == [c.id, b.id])
        #expect(try ids(ContentQuery(kind: .article)) == [a.id])
        #expect(try ids(ContentQuery(tag: "BREAD")) == [b.id, a.id])
        #expect(try ids(ContentQuery(text: "sourdough")) == [b.id, a.id])  // title or body, any case
        #expect(try ids(ContentQuery(status: .ready, tag: "bread", text: "sour")) == [b.id])
        #expect(try ids(ContentQuery(text: "nothing like this")) == [])
    }

    @Test func dateRangeFiltersOnCreation() throws {
        let h = try ContentHarness()
        h.clock.set(Timestamp.parse("2026-03-01T10:00:00Z")!)
        let march = try h.make(alice, title: "March")
        h.clock.set(Timestamp.parse("2026-04-15T10:00:00Z")!)
        let april = try h.make(alice, title: "April")
        h.clock.set(Timestamp.parse("2026-05-20T10:00:00Z")!)
        let may = try h.make(alice, title: "May")
        func ids(_ from: String?, _ before: String?) throws -> [String] {
            try h.store.list(ContentQuery(createdFrom: from.flatMap(Timestamp.parse), createdBefore: before.flatMap(Timestamp.parse)), by: alice).items.map(\.id)
        }
        #expect(try ids("2026-04-01T00:00:00Z", nil) == [may.id, april.id])
        #expect(try ids(nil, "2026-04-01T00:00:00Z") == [march.id])
        #expect(try ids("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z") == [april.id])
    }

    @Test func pagesAreStableWhileContentIsAdded() throws {
        let h = try ContentHarness()
        var made: [String] = []
        for i in 0..<25 { made.append(try h.make(alice, title: "Item \(i)", tags: i % 2 == 0 ? ["even"] : []).id) }
        let newestFirst = Array(made.reversed())
        let first = try h.store.list(ContentQuery(limit: 10), by: alice)
        #expect(first.items.map(\.id) == Array(newestFirst[0..<10]))
        let cursor = try #require(first.nextCursor)
        // Content created between pages does not shift the next page.
        for i in 0..<3 { try h.make(alice, title: "Late \(i)") }
        let second = try h.store.list(ContentQuery(limit: 10, cursor: cursor), by: alice)
        #expect(second.items.map(\.id) == Array(newestFirst[10..<20]))
        let third = try h.store.list(ContentQuery(limit: 10, cursor: try #require(second.nextCursor)), by: alice)
        #expect(third.items.map(\.id) == Array(newestFirst[20..<25]))
        #expect(third.nextCursor == nil)
        // Filtered paging visits every match once.
        var seen: [String] = []
        var next: String? = nil
        repeat {
            let page = try h.store.list(ContentQuery(tag: "even", limit: 4, cursor: next), by: alice)
            seen += page.items.map(\.id)
            next = page.nextCursor
        } while next != nil
        #expect(seen == newestFirst.enumerated().filter { (25 - 1 - $0.offset) % 2 == 0 }.map(\.element))
    }

    @Test func badCursorAndLimitAreNamed() throws {
        let h = try ContentHarness()
        #expect(contentError { _ = try h.store.list(ContentQuery(cursor: "12"), by: alice) }?.field == "cursor")
        #expect(contentError { _ = try h.store.list(ContentQuery(cursor: "c5x"), by: alice) }?.field == "cursor")
        #expect(contentError { _ = try h.store.list(ContentQuery(limit: 0), by: alice) }?.field == "limit")
        #expect(contentError { _ = try h.store.list(ContentQuery(limit: 101), by: alice) }?.field == "limit")
    }

    @Test func statusTransitionsAreValidated() throws {
        let h = try ContentHarness()
        let item = try h.make(alice)
        #expect(try h.store.update(item.id, ContentPatch(status: .published), by: alice).status == .published)
        let refused = contentError { _ = try h.store.update(item.id, ContentPatch(status: .draft), by: alice) }
        #expect(refused?.code == .conflict)
        #expect(refused?.field == "status")
        #expect(try h.store.get(item.id, by: alice).status == .published)
        #expect(try h.store.update(item.id, ContentPatch(status: .archived), by: alice).status == .archived)
        #expect(try h.store.update(item.id, ContentPatch(status: .draft), by: alice).status == .draft)
    }

    @Test func patchChangesOnlyWhatItNames() throws {
        let h = try ContentHarness()
        let item = try h.make(alice, title: "Old", body: "Body stays", tags: ["a"])
        let changed = try h.store.update(item.id, ContentPatch(title: "New", tags: ["b", "c"]), by: alice)
        #expect(changed.title == "New")
        #expect(changed.body == "Body stays")
        #expect(changed.tags == ["b", "c"])
        #expect(changed.createdAt == item.createdAt)
        #expect(changed.updatedAt > item.updatedAt)
    }

    @Test func sizeLimitsNameTheField() throws {
        let h = try ContentHarness()
        func refusal(_ new: NewContent) -> ContentError? { contentError { _ = try h.store.create(new, by: alice) } }
        #expect(refusal(NewContent(kind: .title, title: String(repeating: "é", count: 301), body: "x"))?.field == "title")
        // 300 graphemes built from several scalars each are fine.
        #expect(refusal(NewContent(kind: .title, title: String(repeating: "👩‍👩‍👧", count: 300), body: "x")) == nil)
        #expect(refusal(NewContent(kind: .article, title: "t", body: String(repeating: "a", count: (1 << 20) + 1)))?.code == .tooLarge)
        // Few characters, many bytes (combining marks stacked on one letter) is still refused.
        let zalgo = "e" + String(repeating: "\u{301}", count: 20_000)
        #expect(refusal(NewContent(kind: .title, title: zalgo, body: "x"))?.field == "title")
        #expect(refusal(NewContent(kind: .title, title: "t", body: "x", tags: [zalgo]))?.field == "tags[0]")
        #expect(refusal(NewContent(kind: .article, title: "t", body: "x", tags: (0..<31).map { "t\($0)" }))?.field == "tags")
        #expect(refusal(NewContent(kind: .article, title: "t", body: "x", tags: [String(repeating: "t", count: 65)]))?.field == "tags[0]")
        #expect(refusal(NewContent(kind: .article, title: "t", body: "x", tags: ["  "]))?.field == "tags[0]")
        #expect(refusal(NewContent(kind: .article, title: "bad\u{0}title", body: "x"))?.field == "title")
        #expect(refusal(NewContent(kind: .article, title: "t", body: "x", language: "english!"))?.field == "language")
        #expect(refusal(NewContent(kind: .article, title: " ", body: ""))?.field == "body")
        #expect(refusal(NewContent(kind: .article, title: "t", body: "x", variantOf: "not-an-id"))?.field == "variant_of")
        // Nothing of the refused items was stored.
        #expect(try h.store.list(ContentQuery(), by: alice).items.count == 1)
    }

    @Test func derivedContentIsLinkedAndOnlyToOwnItems() throws {
        let h = try ContentHarness()
        let source = try h.make(alice, title: "Article", kind: .article)
        let variant = try h.store.create(NewContent(kind: .title, title: "Variant", body: "x", variantOf: source.id), by: alice)
        let thread = try h.store.create(NewContent(kind: .repurpose, title: "Thread", body: "x", repurposedFrom: source.id), by: alice)
        #expect(try h.store.get(variant.id, by: alice).variantOf == source.id)
        #expect(try h.store.get(thread.id, by: alice).repurposedFrom == source.id)
        let foreign = contentError { _ = try h.store.create(NewContent(kind: .title, title: "Steal", body: "x", variantOf: source.id), by: bob) }
        #expect(foreign?.code == .unknownReference)
        #expect(foreign?.field == "variant_of")
        // An admin creating for a creator may link only that creator's items; the item is the creator's.
        let bobs = try h.make(bob, title: "Bob's")
        let crossed = contentError { _ = try h.store.create(NewContent(kind: .title, title: "X", body: "x", variantOf: bobs.id), by: admin, for: alice.userID) }
        #expect(crossed?.field == "variant_of")
        let onBehalf = try h.store.create(NewContent(kind: .title, title: "For Alice", body: "x", variantOf: source.id), by: admin, for: alice.userID)
        #expect(onBehalf.creatorID == alice.userID)
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).contentCount == 4)
        #expect(contentError { _ = try h.store.create(NewContent(kind: .title, title: "X", body: "x"), by: bob, for: alice.userID) }?.field == "creator_id")
        // Deleting the source drops the links, not the derived items.
        try h.store.delete(source.id, by: alice)
        #expect(try h.store.get(variant.id, by: alice).variantOf == nil)
    }

    @Test func deleteRemovesRelationshipsAndMetrics() throws {
        let h = try ContentHarness()
        let keep = try h.make(alice, title: "Keep")
        let gone = try h.make(alice, title: "Gone")
        _ = try h.store.create(NewContent(kind: .title, title: "V", body: "x", variantOf: gone.id), by: alice)
        let at = Timestamp.parse("2026-06-01T00:00:00Z")!
        _ = try h.store.ingest([MetricSnapshot(contentID: gone.id, platform: "x", at: at, views: 10, likes: 1),
                                MetricSnapshot(contentID: gone.id, platform: "youtube", at: at, views: 10, likes: 1),
                                MetricSnapshot(contentID: keep.id, platform: "x", at: at, views: 10, likes: 5)], by: alice)
        let before = try h.graph.read { txn in (try txn.count(label: "Metric"), try txn.count(type: "PERFORMS"), try txn.count(type: "VARIANT_OF")) }
        #expect(before == (3, 3, 1))
        try h.store.delete(gone.id, by: alice)
        #expect(contentError { _ = try h.store.get(gone.id, by: alice) }?.code == .notFound)
        let after = try h.graph.read { txn in (try txn.count(label: "Metric"), try txn.count(type: "PERFORMS"), try txn.count(type: "VARIANT_OF"), try txn.count(label: "Content")) }
        #expect(after == (1, 1, 0, 2))
        let kept = try h.store.creatorMetrics(creatorID: alice.userID, by: alice)
        #expect(kept == (try h.store.recount(creatorID: alice.userID)))
        #expect(kept.contentCount == 2)
        #expect(kept.measuredPairs == 1)
        #expect(kept.averageEngagement == 0.5)
    }

    @Test func itemsSurviveAReopen() throws {
        let h = try ContentHarness()
        let item = try h.make(alice, title: "Durable")
        h.graph.close()
        let graph = try GraphStore(directory: h.directory + "/graph")
        defer { graph.close() }
        let store = try ContentStore(graph: graph)
        #expect(try store.get(item.id, by: alice).title == "Durable")
    }
}
