#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A pthread mutex and condition variable pair on the heap (pthread objects must not move).
/// `@unchecked Sendable`: every access to the guarded state goes through `lock`/`unlock`.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func wait() { pthread_cond_wait(cond, mutex) }
    func broadcast() { pthread_cond_broadcast(cond) }

    /// Waits at most `milliseconds` (spurious wake-ups allowed: callers re-check their condition).
    func wait(milliseconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var deadline = now
        deadline.tv_nsec += milliseconds * 1_000_000
        deadline.tv_sec += deadline.tv_nsec / 1_000_000_000
        deadline.tv_nsec %= 1_000_000_000
        pthread_cond_timedwait(cond, mutex, &deadline)
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// Lets read transactions run freely and gives map growth a moment with none active,
/// as `mdb_env_set_mapsize` requires. Readers pay two atomic operations.
final class ActivityGate: Sendable {
    private let readers = Atomic<Int>(0)
    private let closing = Atomic<Bool>(false)
    private let monitor = Monitor()

    /// Blocks while a resize is in progress, then counts the caller as an active reader.
    func enter() {
        while true {
            if closing.load(ordering: .sequentiallyConsistent) {
                monitor.withLock {
                    while closing.load(ordering: .sequentiallyConsistent) { monitor.wait(milliseconds: 5) }
                }
                continue
            }
            readers.add(1, ordering: .sequentiallyConsistent)
            if !closing.load(ordering: .sequentiallyConsistent) { return }
            leave()
        }
    }

    /// Counts the caller out.
    func leave() {
        let left = readers.subtract(1, ordering: .sequentiallyConsistent).newValue
        if left == 0 && closing.load(ordering: .sequentiallyConsistent) {
            monitor.withLock { monitor.broadcast() }
        }
    }

    /// Runs `body` with no reader active and new readers held back.
    func exclusive<R>(_ body: () throws -> R) rethrows -> R {
        monitor.lock()
        closing.store(true, ordering: .sequentiallyConsistent)
        while readers.load(ordering: .sequentiallyConsistent) > 0 { monitor.wait(milliseconds: 1) }
        defer {
            closing.store(false, ordering: .sequentiallyConsistent)
            monitor.broadcast()
            monitor.unlock()
        }
        return try body()
    }
}

/// Holds a value across threads where a happens-before edge (a semaphore, a continuation) orders the accesses.
/// `@unchecked Sendable`: written by the writer thread before it completes the request, read by the caller after.
final class Box<T>: @unchecked Sendable {
    var value: T?
    init() {}
}
