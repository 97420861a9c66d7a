import Foundation
import Platforms
import Testing
@testable import Publishing

@Suite struct BestTimesTests {
    let utc = TimeZone(identifier: "UTC")!
    // Monday 2026-09-21 00:00Z.
    let monday = Date(timeIntervalSince1970: 1_789_948_800)

    func at(day: Int, hour: Int, week: Int = 0) -> Date {
        monday.addingTimeInterval(Double(((week * 7 + day - 1) * 24 + hour) * 3600))
    }

    @Test func noDataFollowsTheProfileDefaults() {
        let profile = TestProfiles.profile("mastodon", best: [WeeklySlot(day: 3, hour: 14), WeeklySlot(day: 1, hour: 10)])
        let ranked = BestTimes.rank([], platform: "mastodon", profile: profile, timeZone: utc)
        #expect(ranked.count == 168)
        #expect(Set(ranked.prefix(2).map(\.slot)) == [WeeklySlot(day: 3, hour: 14), WeeklySlot(day: 1, hour: 10)])
        #expect(ranked.allSatisfy { $0.n == 0 && $0.observedRate == nil })
        #expect(ranked[0].isDefault && !ranked[2].isDefault)
    }

    @Test func oneLuckyPostDoesNotBeatWellSupportedData() {
        let profile = TestProfiles.profile("mastodon", best: [WeeklySlot(day: 2, hour: 9)])
        var snaps: [MetricSnapshot] = []
        // Wednesday 18:00: 20 posts at 8 %.
        for w in 0..<20 { snaps.append(MetricSnapshot(platform: "mastodon", at: at(day: 3, hour: 18, week: w), engagement: 80, views: 1000)) }
        // Friday 07:00: one post at 12 % (a raw mean would rank it first).
        snaps.append(MetricSnapshot(platform: "mastodon", at: at(day: 5, hour: 7), engagement: 120, views: 1000))
        // Elsewhere: 20 posts at 2 %.
        for w in 0..<20 { snaps.append(MetricSnapshot(platform: "mastodon", at: at(day: 6, hour: 12, week: w), engagement: 20, views: 1000)) }
        // Other platforms and zero-view readings are ignored.
        snaps.append(MetricSnapshot(platform: "x", at: at(day: 1, hour: 1), engagement: 999, views: 1000))
        snaps.append(MetricSnapshot(platform: "mastodon", at: at(day: 1, hour: 2), engagement: 5, views: 0))
        let ranked = BestTimes.rank(snaps, platform: "mastodon", profile: profile, timeZone: utc)
        let wed = ranked.first { $0.slot == WeeklySlot(day: 3, hour: 18) }!
        let fri = ranked.first { $0.slot == WeeklySlot(day: 5, hour: 7) }!
        #expect(ranked[0].slot == WeeklySlot(day: 3, hour: 18))
        #expect(wed.n == 20 && fri.n == 1)
        #expect(abs(wed.observedRate! - 0.08) < 1e-9 && abs(fri.observedRate! - 0.12) < 1e-9)
        // Empirical Bayes with k = 5: overall mean m = (20·0.08 + 0.3 + 20·0.02)/41.
        let m = (20 * 0.08 + 0.12 + 20 * 0.02) / 41
        #expect(abs(fri.score - (1 * 0.12 + 5 * m) / 6) < 1e-9)
        #expect(abs(wed.score - (20 * 0.08 + 5 * m) / 25) < 1e-9)
        #expect(fri.score < wed.score)
        // The profile's default slot with no data sits at its lifted prior, above plain empty slots.
        let tue = ranked.first { $0.slot == WeeklySlot(day: 2, hour: 9) }!
        #expect(tue.n == 0 && abs(tue.score - m * 1.2) < 1e-9)
        #expect(ranked.firstIndex { $0.slot == tue.slot }! < ranked.firstIndex { $0.n == 0 && !$0.isDefault }!)
        #expect(ranked.first { $0.slot == WeeklySlot(day: 1, hour: 1) }!.n == 0)
        // With many lucky posts the creator's own data win.
        for w in 1..<30 { snaps.append(MetricSnapshot(platform: "mastodon", at: at(day: 5, hour: 7, week: w), engagement: 120, views: 1000)) }
        #expect(BestTimes.rank(snaps, platform: "mastodon", profile: profile, timeZone: utc)[0].slot == WeeklySlot(day: 5, hour: 7))
    }

    @Test func slotsAreHoursOfTheWeekInTheCreatorsZone() throws {
        let ny = try ZonedTime.zone("America/New_York")
        // Monday 02:00Z is Sunday 22:00 in New York (EDT).
        let snaps = (0..<3).map { MetricSnapshot(platform: "bluesky", at: at(day: 1, hour: 2, week: $0), engagement: 50, views: 100) }
        let ranked = BestTimes.rank(snaps, platform: "bluesky", profile: nil, timeZone: ny)
        #expect(ranked[0].slot == WeeklySlot(day: 7, hour: 22) && ranked[0].n == 3)
        let next = BestTimes.nextGoodSlot(after: monday, platform: "bluesky", profile: nil, timeZone: ny, snapshots: snaps, top: 1)
        #expect(next == at(day: 1, hour: 2)) // Sunday 22:00 New York time, two hours later
    }
}
