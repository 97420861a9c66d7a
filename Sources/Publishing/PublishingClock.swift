import Foundation
import Synchronization

/// Where the outbox and scheduler read the time and how they wait; tests inject a manual clock.
public protocol PublishingClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `deadline` (or returns at once if it has passed); throws when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system clock.
public struct SystemPublishingClock: PublishingClock {
    /// Creates the system clock.
    public init() {}
    /// The current instant.
    public func now() -> Date { Date() }
    /// Sleeps with `Task.sleep`.
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
    }
}

/// A clock that only moves when told to (tests). Sleeping returns at once: the scheduler's test entry point
/// ``Scheduler/runDue()`` never sleeps, and the background loop is not used with this clock.
public final class ManualPublishingClock: PublishingClock {
    private let current: Mutex<Date>

    /// A clock reading `start`.
    public init(_ start: Date) { current = Mutex(start) }
    /// The current instant.
    public func now() -> Date { current.withLock { $0 } }
    /// Moves the clock forward.
    public func advance(by seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }
    /// Returns at once (yielding once so other tasks progress).
    public func sleep(until deadline: Date) async throws { await Task.yield() }
}

/// A source of uniformly distributed random numbers for retry jitter; seeded in tests so delays are reproducible.
public final class JitterSource: Sendable {
    private let state: Mutex<UInt64>
    private let system: Bool

    /// The system random generator.
    public static func system() -> JitterSource { JitterSource(seed: 0, system: true) }
    /// A reproducible generator (SplitMix64) starting from `seed`.
    public static func seeded(_ seed: UInt64) -> JitterSource { JitterSource(seed: seed, system: false) }

    private init(seed: UInt64, system: Bool) {
        state = Mutex(seed)
        self.system = system
    }

    /// A number in [0, 1).
    public func unit() -> Double {
        let bits: UInt64
        if system {
            var g = SystemRandomNumberGenerator()
            bits = g.next()
        } else {
            bits = state.withLock { s in
                s &+= 0x9E37_79B9_7F4A_7C15
                var z = s
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
        }
        return Double(bits >> 11) / Double(UInt64(1) << 53)
    }
}
