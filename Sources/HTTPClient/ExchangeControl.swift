import Synchronization

/// What the calling task and the exchange thread share: the continuation to resume exactly once,
/// whether the caller gave up, and how far the request got.
final class ExchangeControl: Sendable {
    typealias Outcome = Result<HTTPClientResponse, HTTPClientError>

    private struct State {
        var continuation: CheckedContinuation<Outcome, Never>?
        var outcome: Outcome?
        var resumed = false
    }

    private let state = Mutex(State())
    /// Set when the caller stopped waiting (cancelled, or the deadline backstop fired): the thread stops at its next wait.
    let abandoned = Atomic<Bool>(false)
    /// Set once any request byte was written.
    let wroteAny = Atomic<Bool>(false)
    /// Set once every request byte was written.
    let wroteAll = Atomic<Bool>(false)

    /// Hands over the continuation; resumes it at once if the outcome is already known.
    func install(_ continuation: CheckedContinuation<Outcome, Never>) {
        let ready: Outcome? = state.withLock { state in
            if let outcome = state.outcome, !state.resumed {
                state.resumed = true
                return outcome
            }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Records the outcome; the first call wins, later ones are ignored.
    func finish(_ outcome: Outcome) {
        let waiting: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            guard let continuation = state.continuation else { return nil }
            state.continuation = nil
            state.resumed = true
            return continuation
        }
        waiting?.resume(returning: outcome)
    }

    /// Stops waiting for the exchange: the caller gets a `timeout` error now and the thread winds down.
    ///
    /// `requestSent` is `true` if any byte was written: the rest may have gone out at this very moment,
    /// and "outcome unknown" is the safe answer for a caller that must not act twice.
    func abandon(_ message: String) {
        abandoned.store(true, ordering: .sequentiallyConsistent)
        let sent = wroteAny.load(ordering: .sequentiallyConsistent)
        finish(.failure(HTTPClientError(code: .timeout, message: message, requestSent: sent)))
    }
}
