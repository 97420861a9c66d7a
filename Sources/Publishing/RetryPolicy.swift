/// When to try again: exponential backoff with full jitter, honouring the platform's `Retry-After`.
///
/// The n-th retry waits a uniformly random time in `[0, min(cap, base · 2^(n-1)))` ("full jitter", so retries of
/// many publications after one outage spread out instead of arriving together). When the platform said how long to
/// wait (`Retry-After`, `ratelimit-reset`), exactly that long is waited instead.
public struct RetryPolicy: Sendable, Hashable {
    /// The first backoff ceiling in seconds (2).
    public var baseSeconds: Double
    /// The largest backoff ceiling in seconds (600 = 10 minutes).
    public var capSeconds: Double
    /// Attempts per round before a publication fails (a manual retry starts a new round).
    public var maxAttempts: Int

    /// A policy; the defaults are base 2 s, cap 10 min, 8 attempts.
    public init(baseSeconds: Double = 2, capSeconds: Double = 600, maxAttempts: Int = 8) {
        self.baseSeconds = max(0.001, baseSeconds)
        self.capSeconds = max(self.baseSeconds, capSeconds)
        self.maxAttempts = max(1, maxAttempts)
    }

    /// The ceiling of the wait after the `attempt`-th failed attempt (1-based): `min(cap, base · 2^(attempt-1))`.
    public func ceiling(afterAttempt attempt: Int) -> Double {
        let exponent = Double(min(max(attempt, 1) - 1, 60))
        return min(capSeconds, baseSeconds * Double.pow2(exponent))
    }

    /// The wait in seconds after the `attempt`-th failed attempt.
    public func delay(afterAttempt attempt: Int, retryAfterSeconds: Int?, jitter: JitterSource) -> Double {
        if let r = retryAfterSeconds, r >= 0 { return Double(r) }
        return jitter.unit() * ceiling(afterAttempt: attempt)
    }
}

extension Double {
    static func pow2(_ e: Double) -> Double {
        var r = 1.0
        var i = 0.0
        while i < e { r *= 2; i += 1 }
        return r
    }
}
