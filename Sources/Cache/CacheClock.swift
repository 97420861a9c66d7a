import Glibc
import Synchronization

/// The time source of a ``TieredCache``: monotonic nanoseconds.
///
/// Production code uses ``monotonic``; tests use a ``ManualCacheClock`` and move time by hand.
///
/// ```swift
/// let clock = ManualCacheClock()
/// let cache = try TieredCache(configuration: .init(clock: clock.cacheClock))
/// clock.advance(by: .seconds(301))   // hot entries written before are now expired
/// ```
public struct CacheClock: Sendable {
    private let read: @Sendable () -> Int64

    /// Creates a clock from a closure returning monotonic nanoseconds (never decreasing).
    public init(nanoseconds: @escaping @Sendable () -> Int64) {
        self.read = nanoseconds
    }

    /// The current time in nanoseconds.
    @inline(__always)
    public func nanoseconds() -> Int64 { read() }

    /// `CLOCK_MONOTONIC_COARSE`: a few nanoseconds to read, millisecond-level resolution, plenty for TTLs.
    public static let monotonic = CacheClock {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}

/// A clock that only moves when told to; thread-safe.
public final class ManualCacheClock: Sendable {
    private let now: Atomic<Int64>

    /// Creates a clock that starts at `start` nanoseconds.
    public init(start: Int64 = 0) {
        now = Atomic(start)
    }

    /// Moves the clock forward.
    public func advance(by duration: Duration) {
        now.add(duration.nanoseconds, ordering: .sequentiallyConsistent)
    }

    /// The current reading in nanoseconds.
    public var nanoseconds: Int64 { now.load(ordering: .sequentiallyConsistent) }

    /// A ``CacheClock`` reading this clock.
    public var cacheClock: CacheClock {
        CacheClock { [self] in self.nanoseconds }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int64.max`.
    var nanoseconds: Int64 {
        let (s, atto) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        return ns &+ atto / 1_000_000_000
    }
}
