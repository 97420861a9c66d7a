import Foundation
import Platforms

/// One performance reading of a creator's post: when it was published, and how it did.
public struct MetricSnapshot: Sendable, Hashable {
    /// Platform profile id.
    public var platform: String
    /// When the post went out (UTC).
    public var at: Date
    /// Likes + replies + reposts (whatever the metrics source counts as engagement).
    public var engagement: Int
    /// Views or impressions; readings with no views are ignored (no rate).
    public var views: Int

    /// A snapshot.
    public init(platform: String, at: Date, engagement: Int, views: Int) {
        self.platform = platform
        self.at = at
        self.engagement = engagement
        self.views = views
    }
}

/// An hour of the week with its estimated engagement rate.
public struct RankedSlot: Sendable, Hashable, Codable {
    /// The slot (day 1 = Monday … 7, hour 0–23, in the creator's time zone).
    public var slot: WeeklySlot
    /// The shrunk engagement rate used for ranking: `(n·mean + k·prior) / (n + k)`.
    public var score: Double
    /// The creator's own mean engagement rate in this slot, nil when there is no data.
    public var observedRate: Double?
    /// The prior the score is shrunk toward.
    public var prior: Double
    /// How many snapshots the slot rests on.
    public var n: Int
    /// Whether the platform profile lists this slot as a default good time.
    public var isDefault: Bool

    enum CodingKeys: String, CodingKey {
        case slot, score, prior, n
        case observedRate = "observed_rate", isDefault = "is_default"
    }
}

/// Good posting times per creator and platform, from the creator's own metrics, by hour of week.
///
/// Each of the 168 hours of the week gets the creator's mean engagement rate (engagement ÷ views) in that hour,
/// shrunk toward a prior with empirical-Bayes weighting:
///
///     score = (n · mean + k · prior) / (n + k)
///
/// - `n` is the number of snapshots in the slot and `k` (``shrinkage``, default 5) is how many snapshots the
///   prior is worth: a slot needs 5 of its own readings before its data weigh as much as the prior, so one lucky
///   post cannot top the ranking.
/// - The prior is the creator's overall mean rate on the platform, raised by ``defaultLift`` (20 %) for the
///   profile's default good slots, so with thin data the ranking follows the platform's defaults and, as data
///   accumulates, the creator's own audience takes over.
/// - With no data at all, the overall mean is taken as 1 (a relative scale): the defaults come first, `n` is 0.
///
/// ```swift
/// let ranked = BestTimes.rank(snapshots, platform: "mastodon", profile: mastodon, timeZone: berlin)
/// let next = BestTimes.nextGoodSlot(after: now, slots: ranked.prefix(3).map(\.slot), timeZone: berlin)
/// ```
public enum BestTimes {
    /// How many snapshots the prior is worth (`k`).
    public static let shrinkage = 5.0
    /// How much the prior is raised for the profile's default slots.
    public static let defaultLift = 0.2

    /// All 168 slots of the week ranked best first (ties: more data first, then earlier in the week).
    public static func rank(_ snapshots: [MetricSnapshot], platform: String, profile: PlatformProfile?, timeZone: TimeZone,
                            k: Double = shrinkage) -> [RankedSlot] {
        var sums = [Double](repeating: 0, count: 168)
        var counts = [Int](repeating: 0, count: 168)
        var total = 0.0
        var totalN = 0
        for s in snapshots where s.platform == platform && s.views > 0 && s.engagement >= 0 {
            let rate = Double(s.engagement) / Double(s.views)
            let local = ZonedTime.local(s.at, in: timeZone)
            let index = (local.weekday - 1) * 24 + local.hour
            sums[index] += rate
            counts[index] += 1
            total += rate
            totalN += 1
        }
        let overall = totalN > 0 ? total / Double(totalN) : 1
        let defaults = Set((profile?.bestTimes ?? []).map { ($0.day - 1) * 24 + $0.hour })
        var out: [RankedSlot] = []
        out.reserveCapacity(168)
        for index in 0..<168 {
            let isDefault = defaults.contains(index)
            let prior = overall * (isDefault ? 1 + defaultLift : 1)
            let n = counts[index]
            let mean = n > 0 ? sums[index] / Double(n) : nil
            let score = (Double(n) * (mean ?? 0) + k * prior) / (Double(n) + k)
            out.append(RankedSlot(slot: WeeklySlot(day: index / 24 + 1, hour: index % 24), score: score, observedRate: mean, prior: prior, n: n, isDefault: isDefault))
        }
        out.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.n != b.n { return a.n > b.n }
            return (a.slot.day, a.slot.hour) < (b.slot.day, b.slot.hour)
        }
        return out
    }

    /// The earliest start of one of `slots` strictly after `after`, in `timeZone` (a slot whose hour does not exist
    /// that day, skipped by a daylight-saving change, moves forward with the clock). With no slots: the start of
    /// the next hour.
    public static func nextGoodSlot(after: Date, slots: [WeeklySlot], timeZone: TimeZone) -> Date {
        let start = ZonedTime.local(after, in: timeZone)
        var best: Date?
        let wanted = Set(slots.filter { (1...7).contains($0.day) && (0...23).contains($0.hour) }.map { $0.day * 100 + $0.hour })
        if !wanted.isEmpty {
            for offset in 0...8 {
                let day = ZonedTime.addingDays(offset, to: LocalDateTime(year: start.year, month: start.month, day: start.day))
                let weekday = day.weekday
                for hour in 0..<24 where wanted.contains(weekday * 100 + hour) {
                    var wall = day
                    wall.hour = hour
                    let instant = ZonedTime.instant(of: wall, in: timeZone)
                    if instant > after, best == nil || instant < best! { best = instant }
                }
                if best != nil && offset >= 1 { break }
            }
        }
        if let best { return best }
        let seconds = (after.timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 3600
        return Date(timeIntervalSince1970: seconds)
    }

    /// The next good slot for `platform` from the creator's snapshots: the earliest upcoming of the `top` best
    /// ranked slots.
    public static func nextGoodSlot(after: Date, platform: String, profile: PlatformProfile?, timeZone: TimeZone,
                                    snapshots: [MetricSnapshot] = [], top: Int = 3) -> Date {
        let ranked = rank(snapshots, platform: platform, profile: profile, timeZone: timeZone)
        return nextGoodSlot(after: after, slots: ranked.prefix(max(1, top)).map(\.slot), timeZone: timeZone)
    }
}
