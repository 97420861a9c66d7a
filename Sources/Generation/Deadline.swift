import Synchronization

/// Runs a provider call with a hard deadline that holds even if the provider ignores it.
///
/// A task group would wait for a child that does not honour cancellation, so the call runs in its own task and
/// whichever comes first — its result, the timer, or the caller's cancellation — resumes the caller once. The
/// loser is cancelled; a provider that never returns is left behind rather than holding the request.
enum Deadline {
    static func run(_ limit: Duration, model: String,
                    _ operation: @escaping @Sendable () async throws(ProviderError) -> ProviderOutput) async throws(ProviderError) -> ProviderOutput {
        let race = Race()
        let result: Result<ProviderOutput, ProviderError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.install(continuation)
                let work = Task {
                    do throws(ProviderError) {
                        race.finish(.success(try await operation()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if !Task.isCancelled {
                        race.finish(.failure(ProviderError(.timeout, "\(model) gave no complete answer within \(limit)")))
                    }
                }
                race.attach(work: work, timer: timer)
            }
        } onCancel: {
            race.finish(.failure(ProviderError(.cancelled, "the request was cancelled")))
        }
        return try result.get()
    }

    /// The one-shot meeting point of the call, the timer and cancellation.
    private final class Race: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Result<ProviderOutput, ProviderError>, Never>?
            var early: Result<ProviderOutput, ProviderError>?
            var work: Task<Void, Never>?
            var timer: Task<Void, Never>?
            var done = false
        }

        private let state = Mutex(State())

        func install(_ continuation: CheckedContinuation<Result<ProviderOutput, ProviderError>, Never>) {
            let early: Result<ProviderOutput, ProviderError>? = state.withLock { s in
                if let early = s.early { s.early = nil; return early }
                s.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func attach(work: Task<Void, Never>, timer: Task<Void, Never>) {
            let finished = state.withLock { s in
                s.work = work
                s.timer = timer
                return s.done
            }
            if finished { work.cancel(); timer.cancel() }
        }

        func finish(_ result: Result<ProviderOutput, ProviderError>) {
            let (continuation, work, timer): (CheckedContinuation<Result<ProviderOutput, ProviderError>, Never>?, Task<Void, Never>?, Task<Void, Never>?) =
                state.withLock { s in
                    guard !s.done else { return (nil, nil, nil) }
                    s.done = true
                    let c = s.continuation
                    s.continuation = nil
                    if c == nil { s.early = result }
                    return (c, s.work, s.timer)
                }
            continuation?.resume(returning: result)
            work?.cancel()
            timer?.cancel()
        }
    }
}
