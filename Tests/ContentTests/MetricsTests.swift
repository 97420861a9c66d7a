import CivilDate
import Dispatch
import Foundation
import Content
import Graph
import Testing
import Writing

@Suite struct MetricsTests {
    let t0 = Timestamp.parse("2026-06-01T12:00:00Z")!

    @Test func sameSnapshotTwiceIsOneSnapshot() throws {
        let h = try ContentHarness()
        let item = try h.make(alice)
        let snap = MetricSnapshot(contentID: item.id, platform: "youtube", at: t0, views: 200, likes: 10, comments: 4, shares: 4, saves: 2, watchSeconds: 900)
        let first = try h.store.ingest([snap], by: alice)
        #expect((first.created, first.updated, first.unchanged) == (1, 0, 0))
        let again = try h.store.ingest([snap, snap], by: alice)
        #expect((again.created, again.updated, again.unchanged) == (0, 0, 2))
        let series = try h.store.metrics(contentID: item.id, by: alice)
        #expect(series.count == 1)
        #expect(series[0].points.count == 1)
        #expect(series[0].points[0].views == 200)
        let m = try h.store.creatorMetrics(creatorID: alice.userID, by: alice)
        #expect(m.measuredPairs == 1)
        #expect(m.averageEngagement == 0.1)  // (10+4+4+2)/200
        // A changed figure for the same (content, platform, at) updates it.
        var changed = snap
        changed.likes = 30
        let update = try h.store.ingest([changed], by: alice)
        #expect((update.created, update.updated) == (0, 1))
        #expect(try h.store.metrics(contentID: item.id, by: alice)[0].points.map(\.likes) == [30])
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).averageEngagement == 0.2)
        #expect(try h.graph.read { txn in try txn.count(label: "Metric") } == 1)
    }

    @Test func seriesArePerPlatformAndOrderedByTime() throws {
        let h = try ContentHarness()
        let item = try h.make(alice)
        _ = try h.store.ingest([
            MetricSnapshot(contentID: item.id, platform: "x", at: t0 + 2000, views: 30),
            MetricSnapshot(contentID: item.id, platform: "youtube", at: t0, views: 5),
            MetricSnapshot(contentID: item.id, platform: "x", at: t0, views: 10),
            MetricSnapshot(contentID: item.id, platform: "x", at: t0 + 1000, views: 20),
        ], by: alice)
        let series = try h.store.metrics(contentID: item.id, by: alice)
        #expect(series.map(\.platform) == ["x", "youtube"])
        #expect(series[0].points.map(\.views) == [10, 20, 30])
        #expect(try h.store.metrics(contentID: item.id, platform: "youtube", by: alice).map(\.platform) == ["youtube"])
        // Older snapshots arriving late do not replace the latest in the average.
        _ = try h.store.ingest([MetricSnapshot(contentID: item.id, platform: "x", at: t0 - 5000, views: 10, likes: 10)], by: alice)
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).averageEngagement == 0)
        #expect(contentError { _ = try h.store.metrics(contentID: item.id, by: bob) }?.code == .notFound)
    }

    @Test func aBadItemRejectsTheWholeBatch() throws {
        let h = try ContentHarness()
        let item = try h.make(alice)
        let other = try h.make(bob)
        let good = MetricSnapshot(contentID: item.id, platform: "x", at: t0, views: 1)
        var negative = good
        negative.at += 1
        negative.shares = -1
        let e1 = contentError { _ = try h.store.ingest([good, negative], by: alice) }
        #expect(e1?.field == "snapshots[1].shares")
        let e2 = contentError { _ = try h.store.ingest([good, MetricSnapshot(contentID: other.id, platform: "x", at: t0, views: 1)], by: alice) }
        #expect(e2?.code == .unknownReference)
        #expect(e2?.field == "snapshots[1].content_id")
        let e3 = contentError { _ = try h.store.ingest([good, MetricSnapshot(contentID: item.id, platform: "You Tube", at: t0, views: 1)], by: alice) }
        #expect(e3?.field == "snapshots[1].platform")
        let missing = MetricSnapshot(contentID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", platform: "x", at: t0, views: 1)
        #expect(contentError { _ = try h.store.ingest([good, good, missing], by: alice) }?.field == "snapshots[2].content_id")
        #expect(contentError { _ = try h.store.ingest([], by: alice) }?.field == "snapshots")
        // Nothing was written by any refused batch.
        #expect(try h.graph.read { txn in try txn.count(label: "Metric") } == 0)
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).measuredPairs == 0)
    }

    @Test func engagementIsInteractionsOverViewsAndZeroWithoutViews() {
        let s = MetricSnapshot(contentID: "", platform: "x", at: 0, views: 3, likes: 1)
        #expect(s.engagement == 1.0 / 3.0)
        #expect(s.engagementPPB == 333_333_333)
        #expect(MetricSnapshot(contentID: "", platform: "x", at: 0, views: 0, likes: 9).engagement == 0)
        #expect(MetricSnapshot(contentID: "", platform: "x", at: 0, views: 3, likes: 2).engagementPPB == 666_666_667)
    }

    @Test func revenueComesFromTheInjectedSource() throws {
        let h = try ContentHarness(revenue: { id in id == alice.userID ? (minor: 12_345, currency: "EUR") : nil })
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).totalRevenueMinor == 12_345)
        #expect(try h.store.creatorMetrics(creatorID: alice.userID, by: alice).currency == "EUR")
        #expect(try h.store.creatorMetrics(creatorID: bob.userID, by: bob).totalRevenueMinor == 0)
        #expect(contentError { _ = try h.store.creatorMetrics(creatorID: alice.userID, by: bob) }?.code == .notFound)
    }

    /// Random creates, deletes and ingests (re-posts, late and changed snapshots included) by two
    /// creators: the maintained counters always equal a full recount.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func maintainedCountersEqualARecount(seed: UInt64) throws {
        let h = try ContentHarness()
        var rng = SeededGenerator(seed: seed)
        var owned: [ContentCaller: [String]] = [alice: [], bob: []]
        var posted: [MetricSnapshot] = []
        let platforms = ["x", "youtube", "tiktok"]
        for _ in 0..<120 {
            let who = Bool.random(using: &rng) ? alice : bob
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<3:
                owned[who]!.append(try h.make(who, title: "t").id)
            case 3:
                if let victim = owned[who]!.randomElement(using: &rng) {
                    try h.store.delete(victim, by: who)
                    owned[who]!.removeAll { $0 == victim }
                    posted.removeAll { $0.contentID == victim }
                }
            default:
                guard !owned[who]!.isEmpty else { continue }
                var batch: [MetricSnapshot] = []
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    if Int.random(in: 0..<4, using: &rng) == 0,
                       var again = posted.filter({ owned[who]!.contains($0.contentID) }).randomElement(using: &rng) {
                        if Bool.random(using: &rng) { again.likes += 1 }  // a changed figure for the same key
                        batch.append(again)
                        continue
                    }
                    batch.append(MetricSnapshot(contentID: owned[who]!.randomElement(using: &rng)!, platform: platforms.randomElement(using: &rng)!,
                                                at: t0 + Int64.random(in: 0..<20, using: &rng) * 1000, views: Int64.random(in: 0..<500, using: &rng),
                                                likes: Int64.random(in: 0..<50, using: &rng), comments: Int64.random(in: 0..<9, using: &rng),
                                                shares: Int64.random(in: 0..<5, using: &rng), saves: Int64.random(in: 0..<5, using: &rng)))
                }
                if batch.isEmpty { continue }
                _ = try h.store.ingest(batch, by: who)
                posted += batch
            }
            for c in [alice, bob] {
                let kept = try h.store.creatorMetrics(creatorID: c.userID, by: c)
                let counted = try h.store.recount(creatorID: c.userID)
                #expect(kept == counted, "seed \(seed): \(kept) vs \(counted)")
                #expect(kept.contentCount == owned[c]!.count)
            }
        }
        let total = try h.store.creatorMetrics(creatorID: alice.userID, by: alice)
        #expect(total.averageEngagement >= 0)
    }
}

/// Writers on several threads at once (creates, ingests, deletes): the counters still equal a recount.
@Suite struct ConcurrentMetricsTests {
    @Test func concurrentWritersKeepCountersExact() throws {
        let h = try ContentHarness()
        let t0 = Timestamp.parse("2026-06-01T12:00:00Z")!
        let failures = FailureLog()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let who = worker % 2 == 0 ? alice : bob
            var mine: [String] = []
            do {
                for round in 0..<15 {
                    mine.append(try h.store.create(NewContent(kind: .socialPost, title: "w\(worker) r\(round)", body: "x"), by: who).id)
                    let batch = mine.map { MetricSnapshot(contentID: $0, platform: "x", at: t0 + Int64(round), views: 100, likes: Int64(worker + round)) }
                    _ = try h.store.ingest(batch, by: who)
                    if round % 5 == 4 { try h.store.delete(mine.removeFirst(), by: who) }
                }
            } catch {
                failures.record("\(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        for c in [alice, bob] {
            let kept = try h.store.creatorMetrics(creatorID: c.userID, by: c)
            #expect(kept == (try h.store.recount(creatorID: c.userID)))
            #expect(kept.contentCount == 2 * (15 - 3))
        }
    }
}

final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func record(_ text: String) { lock.lock(); items.append(text); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
