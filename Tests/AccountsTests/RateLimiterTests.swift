import Accounts
import Foundation
import Testing

@Suite("Token-bucket rate limiter")
struct RateLimiterTests {
    @Test("a bucket of 5 per minute allows 5, refuses the 6th with Retry-After, and refills at 1 per 12 s")
    func bucket() {
        let clock = ManualAccountsClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = RateLimiter(policy: RateLimitPolicy(defaultPerMinute: 5), clock: clock)
        let key = RateLimitKey.ip("203.0.113.1")
        let decisions = (0..<6).map { _ in limiter.check(key, capacityPerMinute: 5) }
        #expect(decisions.map(\.allowed) == [true, true, true, true, true, false])
        #expect(decisions.map(\.remaining) == [4, 3, 2, 1, 0, 0])
        #expect(decisions.allSatisfy { $0.limit == 5 })
        #expect(decisions[0].resetSeconds == 12 && decisions[4].resetSeconds == 60)
        #expect(decisions[5].retryAfterSeconds == 12)
        #expect(decisions[0].retryAfterSeconds == nil)

        clock.advance(seconds: 11)
        #expect(!limiter.check(key, capacityPerMinute: 5).allowed)
        clock.advance(seconds: 1)
        #expect(limiter.check(key, capacityPerMinute: 5).allowed)
        clock.advance(seconds: 600)
        #expect(limiter.check(key, capacityPerMinute: 5).remaining == 4, "a bucket never holds more than its capacity")
    }

    @Test("keys, users and IPs have separate buckets; capacity follows the role, anonymous callers the IP")
    func separation() {
        let clock = ManualAccountsClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = RateLimiter(policy: RateLimitPolicy(defaultPerMinute: 3, perRole: [.admin: 10], anonymousPerMinute: 2), clock: clock)
        let creator = Principal(userID: UUID(), role: .creator, scopes: [.read, .write])
        let admin = Principal(userID: UUID(), role: .admin, scopes: [.read, .write, .admin])
        var viaKey = creator
        viaKey.apiKeyID = UUID()

        #expect((0..<4).map { _ in limiter.check(principal: creator, ip: "192.0.2.1").allowed } == [true, true, true, false])
        #expect(limiter.check(principal: viaKey, ip: "192.0.2.1").allowed, "an API key has its own bucket")
        #expect(limiter.check(principal: admin, ip: "192.0.2.1").limit == 10)
        #expect((0..<3).map { _ in limiter.check(principal: nil, ip: "192.0.2.1").allowed } == [true, true, false])
        #expect(limiter.check(principal: nil, ip: "192.0.2.2").allowed)
        #expect(RateLimitKey.for(viaKey, ip: "x") == .apiKey(viaKey.apiKeyID!))
    }

    @Test("concurrent callers never get more than the capacity")
    func concurrent() async {
        let clock = ManualAccountsClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = RateLimiter(clock: clock)
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<50).filter { _ in limiter.check(.ip("198.51.100.1"), capacityPerMinute: 100).allowed }.count }
            }
            return await group.reduce(0, +)
        }
        #expect(allowed == 100)
    }
}
