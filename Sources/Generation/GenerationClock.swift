import CivilDate
import Glibc

/// Time as the orchestrator sees it: a monotonic reading for cooldowns and a wall-clock reading for the budget day.
///
/// A struct of closures so a test can drive the circuit breaker through its cooldown without sleeping:
///
/// ```swift
/// let clock = GenerationClock(monotonic: { manual.now }, unixSeconds: { 1_767_225_600 })
/// ```
public struct GenerationClock: Sendable {
    /// Time since an arbitrary fixed origin; never goes backwards.
    public var monotonic: @Sendable () -> Duration
    /// Seconds since 1970-01-01T00:00:00Z (UTC).
    public var unixSeconds: @Sendable () -> Int64

    /// A clock from two readings.
    public init(monotonic: @escaping @Sendable () -> Duration, unixSeconds: @escaping @Sendable () -> Int64) {
        self.monotonic = monotonic
        self.unixSeconds = unixSeconds
    }

    /// The real clocks: `ContinuousClock` and `CLOCK_REALTIME`.
    public static let system: GenerationClock = {
        let origin = ContinuousClock.now
        return GenerationClock(
            monotonic: { ContinuousClock.now - origin },
            unixSeconds: {
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                return Int64(ts.tv_sec)
            })
    }()

    /// The UTC calendar day of now, `"2026-12-01"`: the key a creator's daily spend is kept under.
    public func day() -> String { GenerationClock.day(unixSeconds: unixSeconds()) }

    /// The UTC calendar day of a Unix time, `"2026-12-01"` (proleptic Gregorian, days-from-civil inverse).
    public static func day(unixSeconds: Int64) -> String { CivilDate.day(unixSeconds: unixSeconds) }
}
