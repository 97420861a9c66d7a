import Foundation
import Synchronization

/// Where the Accounts store reads "now" from: the system clock in the daemon, a manual clock in tests.
public protocol AccountsClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The wall clock.
public struct SystemAccountsClock: AccountsClock {
    /// Creates the wall clock.
    public init() {}
    /// `Date()`.
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; safe to share between threads.
public final class ManualAccountsClock: AccountsClock {
    private let current: Mutex<Date>

    /// Starts at `start`.
    public init(_ start: Date) { current = Mutex(start) }

    /// The clock's current instant.
    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward by `seconds`.
    public func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}

extension AccountsClock {
    /// Whole seconds since the Unix epoch.
    var seconds: Int64 { Int64(now().timeIntervalSince1970.rounded(.down)) }
}
