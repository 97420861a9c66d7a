import Dispatch
import Synchronization

/// Bounds how many argon2 computations run at once.
///
/// Each argon2id hash holds its memory cost (64 MiB by default) for its whole duration, so a burst of
/// sign-ins on many HTTP threads could exhaust memory. The gate admits at most `capacity` computations;
/// others wait up to `queueTimeout` seconds and then fail with ``AccountsError/Code/busy`` (HTTP 503
/// with Retry-After) rather than pile up. Peak argon2 memory is `capacity × memoryKiB`.
public final class HashingGate: Sendable {
    /// Most computations running at once.
    public let capacity: Int
    /// Seconds a caller waits for a slot before giving up.
    public let queueTimeout: Double
    private let slots: DispatchSemaphore
    private let completed = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let running = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)

    /// Creates a gate with `capacity` slots (at least 1).
    public init(capacity: Int, queueTimeout: Double = 10) {
        self.capacity = max(1, capacity)
        self.queueTimeout = queueTimeout
        self.slots = DispatchSemaphore(value: max(1, capacity))
    }

    /// Runs `body` once a slot is free.
    /// - Throws: ``AccountsError/Code/busy`` if no slot frees up within `queueTimeout`.
    public func run<T>(_ body: () throws(AccountsError) -> T) throws(AccountsError) -> T {
        guard slots.wait(timeout: .now() + queueTimeout) == .success else {
            refused.add(1, ordering: .relaxed)
            throw AccountsError(.busy, "the server is busy checking passwords; try again shortly", retryAfter: 2)
        }
        let now = running.add(1, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
        defer {
            running.subtract(1, ordering: .relaxed)
            completed.add(1, ordering: .relaxed)
            slots.signal()
        }
        return try body()
    }

    /// Counters for `/metrics`.
    public struct Statistics: Sendable, Equatable {
        /// Computations finished since start.
        public var completed: Int
        /// Callers turned away after waiting.
        public var refused: Int
        /// Computations running now.
        public var running: Int
        /// Most computations ever seen running at once (never above `capacity`).
        public var peak: Int
    }

    /// Current counters.
    public var statistics: Statistics {
        Statistics(completed: completed.load(ordering: .relaxed), refused: refused.load(ordering: .relaxed),
                   running: running.load(ordering: .relaxed), peak: peak.load(ordering: .relaxed))
    }
}
