import Synchronization

/// How sign-in failures slow down further attempts.
public struct LoginThrottlePolicy: Sendable, Equatable {
    /// Failures for one account (by normalised email, existing or not) before delays start.
    public var freeFailuresPerAccount: Int = 5
    /// Failures from one IP address before delays start.
    public var freeFailuresPerIP: Int = 20
    /// The first delay, in seconds; each further failure doubles it.
    public var baseDelay: Int64 = 1
    /// The longest delay, in seconds: at this point the account is effectively locked.
    public var maximumDelay: Int64 = 900
    /// Seconds without failures after which a counter starts over.
    public var forgetAfter: Int64 = 3600
    /// Most entries kept in memory; beyond it, idle entries are dropped first.
    public var maximumEntries: Int = 100_000

    /// The defaults: 5 free failures per account, 20 per IP, delays 1 s doubling up to 15 min.
    public init() {}
}

/// Counts failed sign-ins per account and per IP and blocks attempts for growing delays.
///
/// A blocked attempt is refused before any password hashing, so 10,000 wrong passwords cost a
/// handful of argon2 computations. The account key is the normalised email whether or not a user
/// has it, so the answer never reveals whether an email is registered.
final class LoginThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var lastFailure: Int64
        var blockedUntil: Int64
    }

    enum Subject: Hashable {
        case account(String)
        case ip(String)
    }

    let policy: LoginThrottlePolicy
    private let entries = Mutex<[Subject: Entry]>([:])

    init(policy: LoginThrottlePolicy) {
        self.policy = policy
    }

    /// Seconds to wait if either subject is blocked at `now`; nil when the attempt may proceed.
    func retryAfter(account: String, ip: String?, now: Int64) -> Int? {
        entries.withLock { table in
            var wait: Int64 = 0
            for subject in subjects(account, ip) {
                if let entry = table[subject], entry.blockedUntil > now {
                    wait = max(wait, entry.blockedUntil - now)
                }
            }
            return wait > 0 ? Int(wait) : nil
        }
    }

    /// Records a failure. Returns the delay now imposed on the account, if this failure started one.
    @discardableResult
    func recordFailure(account: String, ip: String?, now: Int64) -> Int64? {
        entries.withLock { table in
            if table.count >= policy.maximumEntries { prune(&table, now: now) }
            var imposed: Int64?
            for subject in subjects(account, ip) {
                var entry = table[subject] ?? Entry(failures: 0, lastFailure: now, blockedUntil: 0)
                if now - entry.lastFailure > policy.forgetAfter && entry.blockedUntil <= now { entry.failures = 0 }
                entry.failures += 1
                entry.lastFailure = now
                let free: Int
                switch subject {
                case .account: free = policy.freeFailuresPerAccount
                case .ip: free = policy.freeFailuresPerIP
                }
                if entry.failures >= free {
                    let doublings = min(entry.failures - free, 30)
                    let delay = min(policy.baseDelay << Int64(doublings), policy.maximumDelay)
                    entry.blockedUntil = now + delay
                    if case .account = subject { imposed = delay }
                }
                table[subject] = entry
            }
            return imposed
        }
    }

    /// Forgets the account's failures after a successful sign-in (the IP's count is kept).
    func recordSuccess(account: String) {
        _ = entries.withLock { $0.removeValue(forKey: .account(account)) }
    }

    /// Number of subjects tracked (for tests and metrics).
    var trackedCount: Int { entries.withLock { $0.count } }

    private func subjects(_ account: String, _ ip: String?) -> [Subject] {
        if let ip, !ip.isEmpty { return [.account(account), .ip(ip)] }
        return [.account(account)]
    }

    private func prune(_ table: inout [Subject: Entry], now: Int64) {
        table = table.filter { $0.value.blockedUntil > now || now - $0.value.lastFailure <= policy.forgetAfter }
        if table.count >= policy.maximumEntries {
            // Still full under attack: keep only subjects that are blocked right now.
            table = table.filter { $0.value.blockedUntil > now }
        }
    }
}
