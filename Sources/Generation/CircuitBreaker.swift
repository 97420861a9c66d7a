import Synchronization

/// When a model is cooled down after failing: consecutive failures before it opens, and for how long.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Consecutive failures that open the circuit (LiteLLM's `allowed_fails` is 3 too).
    public var failureThreshold: Int
    /// How long an open circuit refuses calls before one half-open trial is let through.
    public var cooldown: Duration

    /// Defaults: 3 failures, 30 seconds.
    public init(failureThreshold: Int = 3, cooldown: Duration = .seconds(30)) {
        self.failureThreshold = max(1, failureThreshold)
        self.cooldown = cooldown
    }
}

/// A model's circuit as a caller sees it.
public enum CircuitState: Sendable, Equatable {
    /// Calls go through; `failures` consecutive failures so far.
    case closed(failures: Int)
    /// Calls are refused for `remaining` more time.
    case open(remaining: Duration)
    /// The cooldown is over and one trial call is in flight; others wait for its outcome.
    case halfOpen
}

/// A circuit breaker per model: a model that keeps failing is skipped for a while instead of slowing every request.
///
/// Closed → (``CircuitBreakerSettings/failureThreshold`` consecutive failures) → open for the cooldown →
/// the next request gets one half-open trial: success closes the circuit, failure opens it again. A 429 opens it
/// at once, for the longer of the cooldown and the server's `Retry-After`. Thread-safe; time comes from an
/// injectable ``GenerationClock``.
public final class CircuitBreaker: Sendable {
    /// The thresholds in use.
    public let settings: CircuitBreakerSettings
    private let clock: GenerationClock
    private let circuits: Mutex<[String: Circuit]>

    private struct Circuit {
        var failures = 0
        var openUntil: Duration?
        var trialStarted: Duration?
    }

    /// A breaker with every circuit closed.
    public init(settings: CircuitBreakerSettings = CircuitBreakerSettings(), clock: GenerationClock = .system) {
        self.settings = settings
        self.clock = clock
        self.circuits = Mutex([:])
    }

    /// Asks to call `model`. True when the circuit is closed, or when this caller gets the half-open trial
    /// (and must then report its outcome); false while it is open or another trial is in flight.
    public func permit(_ model: String) -> Bool {
        let now = clock.monotonic()
        let cooldown = settings.cooldown
        return circuits.withLock { all in
            var circuit = all[model] ?? Circuit()
            defer { all[model] = circuit }
            guard let until = circuit.openUntil else { return true }
            if now < until { return false }
            // A trial that never reported (its task was cancelled) does not block the model forever.
            if let started = circuit.trialStarted, now - started < cooldown { return false }
            circuit.trialStarted = now
            return true
        }
    }

    /// The model answered (even if the answer was later judged low quality): close its circuit.
    public func recordSuccess(_ model: String) {
        circuits.withLock { $0[model] = Circuit() }
    }

    /// The model failed (5xx, timeout, connection, garbage): count it; open the circuit at the threshold,
    /// or at once when this was the half-open trial.
    public func recordFailure(_ model: String) {
        let now = clock.monotonic()
        let settings = settings
        circuits.withLock { all in
            var circuit = all[model] ?? Circuit()
            circuit.failures += 1
            if circuit.trialStarted != nil || circuit.failures >= settings.failureThreshold {
                circuit.openUntil = now + settings.cooldown
                circuit.trialStarted = nil
            }
            all[model] = circuit
        }
    }

    /// The model said 429: open the circuit at once for max(cooldown, Retry-After).
    public func recordRateLimit(_ model: String, retryAfterSeconds: Int?) {
        let now = clock.monotonic()
        let wait = max(settings.cooldown, .seconds(max(0, min(retryAfterSeconds ?? 0, 86_400))))
        circuits.withLock { all in
            var circuit = all[model] ?? Circuit()
            circuit.failures += 1
            circuit.openUntil = now + wait
            circuit.trialStarted = nil
            all[model] = circuit
        }
    }

    /// A half-open trial ended without telling anything about the model (the request was cancelled or the
    /// input was refused): let the next caller try.
    public func releaseTrial(_ model: String) {
        circuits.withLock { all in
            if all[model]?.trialStarted != nil { all[model]?.trialStarted = nil }
        }
    }

    /// The circuit of `model` right now.
    public func state(of model: String) -> CircuitState {
        let now = clock.monotonic()
        return circuits.withLock { all in
            guard let circuit = all[model] else { return .closed(failures: 0) }
            guard let until = circuit.openUntil else { return .closed(failures: circuit.failures) }
            if now < until { return .open(remaining: until - now) }
            return circuit.trialStarted != nil ? .halfOpen : .open(remaining: .zero)
        }
    }
}
