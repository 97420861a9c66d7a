import Synchronization

/// A wake-up flag one task waits on and others raise; a raise with nobody waiting is remembered once.
final class Signal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Wakes the waiter (or the next one to wait).
    func fire() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter { s.waiter = nil; return w }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when fired or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled { s.pending = false; return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                let w = s.waiter
                s.waiter = nil
                return w
            }
            waiter?.resume()
        }
    }
}

/// The outbox's way to wake the scheduler after it adds or re-queues work.
final class WakeHook: Sendable {
    private let action = Mutex<(@Sendable () -> Void)?>(nil)
    func set(_ f: @escaping @Sendable () -> Void) { action.withLock { $0 = f } }
    func fire() { action.withLock { $0 }?() }
}
