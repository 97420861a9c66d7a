import Foundation
import Platforms
import Testing
@testable import Publishing

@Suite struct ZonedTimeTests {
    func utc(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    @Test func berlinSpringForwardGapMovesForward() throws {
        let berlin = try ZonedTime.zone("Europe/Berlin")
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30), in: berlin) == utc("2026-03-29T01:30:00Z"))
        #expect(ZonedTime.local(utc("2026-03-29T01:30:00Z"), in: berlin) == LocalDateTime(year: 2026, month: 3, day: 29, hour: 3, minute: 30))
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 3, day: 29, hour: 1, minute: 30), in: berlin) == utc("2026-03-29T00:30:00Z"))
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 3, day: 29, hour: 3, minute: 30), in: berlin) == utc("2026-03-29T01:30:00Z"))
    }

    @Test func berlinFallBackAmbiguityPicksFirst() throws {
        let berlin = try ZonedTime.zone("Europe/Berlin")
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice, first at 00:30Z.
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 10, day: 25, hour: 2, minute: 30), in: berlin) == utc("2026-10-25T00:30:00Z"))
        #expect(ZonedTime.local(utc("2026-10-25T01:30:00Z"), in: berlin).hour == 2)
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 10, day: 25, hour: 3, minute: 30), in: berlin) == utc("2026-10-25T02:30:00Z"))
    }

    @Test func newYorkTransitions() throws {
        let ny = try ZonedTime.zone("America/New_York")
        // 2026-03-08: 02:00 EST → 03:00 EDT.
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 3, day: 8, hour: 2, minute: 30), in: ny) == utc("2026-03-08T07:30:00Z"))
        #expect(ZonedTime.local(utc("2026-03-08T07:30:00Z"), in: ny) == LocalDateTime(year: 2026, month: 3, day: 8, hour: 3, minute: 30))
        // 2026-11-01: 02:00 EDT → 01:00 EST; 01:30 twice, first is EDT (05:30Z).
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2026, month: 11, day: 1, hour: 1, minute: 30), in: ny) == utc("2026-11-01T05:30:00Z"))
        // Far future dates use the zone's rules: July 2040 is EDT.
        #expect(ZonedTime.instant(of: LocalDateTime(year: 2040, month: 7, day: 1, hour: 12), in: ny) == utc("2040-07-01T16:00:00Z"))
    }

    @Test func unknownZoneIsRefused() {
        #expect(throws: PublishingError.self) { _ = try ZonedTime.zone("Mars/Olympus_Mons") }
        #expect(throws: PublishingError.self) { _ = try ZonedTime.zone("") }
    }

    @Test func weekdays() {
        #expect(LocalDateTime(year: 2026, month: 12, day: 1).weekday == 2) // a Tuesday
        #expect(LocalDateTime(year: 2026, month: 3, day: 29).weekday == 7) // a Sunday
        #expect(LocalDateTime(year: 1969, month: 12, day: 29).weekday == 1)
    }

    @Test func nextGoodSlotAcrossSpringForward() throws {
        let berlin = try ZonedTime.zone("Europe/Berlin")
        // A Sunday 02:00 slot on the spring-forward day does not exist: it moves to 03:00 CEST (01:00Z).
        let after = utc("2026-03-28T12:00:00Z")
        let next = BestTimes.nextGoodSlot(after: after, slots: [WeeklySlot(day: 7, hour: 2)], timeZone: berlin)
        #expect(next == utc("2026-03-29T01:00:00Z"))
        // Tuesday 09:00 Berlin after the change is 07:00Z; before it (in March 24) 08:00Z.
        #expect(BestTimes.nextGoodSlot(after: utc("2026-03-23T12:00:00Z"), slots: [WeeklySlot(day: 2, hour: 9)], timeZone: berlin) == utc("2026-03-24T08:00:00Z"))
        #expect(BestTimes.nextGoodSlot(after: utc("2026-03-30T12:00:00Z"), slots: [WeeklySlot(day: 2, hour: 9)], timeZone: berlin) == utc("2026-03-31T07:00:00Z"))
        // Earliest of several slots; a slot exactly now is next week's.
        let monday9 = utc("2026-03-30T07:00:00Z")
        #expect(BestTimes.nextGoodSlot(after: monday9, slots: [WeeklySlot(day: 1, hour: 9), WeeklySlot(day: 3, hour: 18)], timeZone: berlin) == utc("2026-04-01T16:00:00Z"))
        // No slots: the top of the next hour.
        #expect(BestTimes.nextGoodSlot(after: utc("2026-03-30T07:20:00Z"), slots: [], timeZone: berlin) == utc("2026-03-30T08:00:00Z"))
    }
}
