import Foundation
import Synchronization

/// Requests per minute allowed per API key, per user and per IP for anonymous calls.
public struct RateLimitPolicy: Sendable, Equatable {
    /// Capacity for signed-in users and keys whose role has no entry in `perRole`.
    public var defaultPerMinute: Int = 100
    /// Capacity per role, overriding the default.
    public var perRole: [Role: Int] = [:]
    /// Capacity per IP address for calls without credentials.
    public var anonymousPerMinute: Int = 100

    /// Creates a policy (100 requests per minute for everyone by default).
    public init(defaultPerMinute: Int = 100, perRole: [Role: Int] = [:], anonymousPerMinute: Int = 100) {
        self.defaultPerMinute = defaultPerMinute
        self.perRole = perRole
        self.anonymousPerMinute = anonymousPerMinute
    }

    /// Capacity that applies to `principal` (nil: anonymous).
    public func capacity(for principal: Principal?) -> Int {
        guard let principal else { return anonymousPerMinute }
        return perRole[principal.role] ?? defaultPerMinute
    }
}

/// What a bucket is keyed on.
public enum RateLimitKey: Hashable, Sendable {
    /// An API key's own bucket.
    case apiKey(UUID)
    /// A signed-in user's bucket.
    case user(UUID)
    /// An anonymous caller's address.
    case ip(String)

    /// The bucket for a request: the API key if one was used, else the user, else the IP.
    public static func `for`(_ principal: Principal?, ip: String) -> RateLimitKey {
        if let key = principal?.apiKeyID { return .apiKey(key) }
        if let user = principal?.userID { return .user(user) }
        return .ip(ip)
    }
}

/// The outcome of one rate-limit check, with everything the response headers need.
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request may proceed.
    public var allowed: Bool
    /// `RateLimit-Limit`: the bucket's capacity per minute.
    public var limit: Int
    /// `RateLimit-Remaining`: requests left right now.
    public var remaining: Int
    /// `RateLimit-Reset`: seconds until the bucket is full again.
    public var resetSeconds: Int
    /// `Retry-After` for a refused request: seconds until one request is allowed.
    public var retryAfterSeconds: Int?
}

/// Token buckets: each key holds up to `capacity` tokens, refilled at `capacity` per minute; a
/// request takes one. Buckets live in memory, sharded to keep lock contention low.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
        var capacity: Int
    }

    /// The policy in force.
    public let policy: RateLimitPolicy
    private let clock: any AccountsClock
    private let shards: [Shard]
    private let maximumBucketsPerShard: Int

    /// Creates a limiter.
    /// - Parameters:
    ///   - policy: capacities.
    ///   - clock: time source (a manual clock in tests).
    ///   - maximumBuckets: memory bound; full (idle) buckets are dropped first when it is reached.
    public init(policy: RateLimitPolicy = RateLimitPolicy(), clock: any AccountsClock = SystemAccountsClock(), maximumBuckets: Int = 200_000) {
        self.policy = policy
        self.clock = clock
        self.shards = (0..<16).map { _ in Shard() }
        self.maximumBucketsPerShard = max(1, maximumBuckets / 16)
    }

    /// Takes one request from the bucket that applies to `principal` (or `ip` when anonymous).
    public func check(principal: Principal?, ip: String) -> RateLimitDecision {
        check(.for(principal, ip: ip), capacityPerMinute: policy.capacity(for: principal))
    }

    /// Takes `cost` requests from `key`'s bucket of `capacityPerMinute`.
    public func check(_ key: RateLimitKey, capacityPerMinute: Int, cost: Int = 1) -> RateLimitDecision {
        let capacity = max(1, capacityPerMinute)
        let rate = Double(capacity) / 60
        let now = clock.now().timeIntervalSince1970
        let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
        return shard.buckets.withLock { table in
            if table.count >= maximumBucketsPerShard, table[key] == nil { evictIdle(&table, now: now) }
            var bucket = table[key] ?? Bucket(tokens: Double(capacity), updated: now, capacity: capacity)
            if bucket.capacity != capacity {
                bucket.tokens = min(bucket.tokens, Double(capacity))
                bucket.capacity = capacity
            }
            bucket.tokens = min(Double(capacity), bucket.tokens + max(0, now - bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= Double(cost)
            if allowed { bucket.tokens -= Double(cost) }
            table[key] = bucket
            let reset = Int(((Double(capacity) - bucket.tokens) / rate).rounded(.up))
            let retry = allowed ? nil : max(1, Int(((Double(cost) - bucket.tokens) / rate).rounded(.up)))
            return RateLimitDecision(allowed: allowed, limit: capacity, remaining: max(0, Int(bucket.tokens.rounded(.down))),
                                     resetSeconds: max(0, reset), retryAfterSeconds: retry)
        }
    }

    /// One lock and its buckets; a class because `Mutex` cannot live in an array.
    private final class Shard: Sendable {
        let buckets = Mutex<[RateLimitKey: Bucket]>([:])
    }

    private func evictIdle(_ table: inout [RateLimitKey: Bucket], now: Double) {
        table = table.filter { _, b in
            b.tokens + (now - b.updated) * Double(b.capacity) / 60 < Double(b.capacity)
        }
        if table.count >= maximumBucketsPerShard { table.removeAll(keepingCapacity: true) }
    }
}
