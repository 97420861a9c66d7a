import Glibc

/// A mutex for state shared with C callbacks and worker threads.
///
/// A plain pthread mutex in a class, so escaping closures can capture it and generic
/// results need no `sending` annotations.
public final class Lock: @unchecked Sendable {
    // Sound: the mutex is only used through lock/unlock, and lives as long as the object.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// A new unlocked lock.
    public init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A value behind a lock, shareable across threads.
public final class Locked<Value>: @unchecked Sendable {
    // Sound: every access to `value` holds `lock`.
    private let lock = Lock()
    private var value: Value

    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}
