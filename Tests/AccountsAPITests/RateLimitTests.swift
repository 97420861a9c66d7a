import Accounts
import AccountsAPI
import Foundation
import HTTP
import Testing

/// Token buckets per key, per user and per IP, announced on every API response.
@Suite struct RateLimitTests {
    @Test func everyAPIResponseCarriesTheHeadersAndTheLimitAnswers429WithRetryAfter() throws {
        let h = try Harness(rateLimits: RateLimitPolicy(defaultPerMinute: 5, anonymousPerMinute: 3))
        var remaining: [Int] = []
        for _ in 0..<3 {
            let reply = h.call(.GET, "/api/v1/dummy/public")
            #expect(reply.status == 200)
            #expect(reply.headers["RateLimit-Limit"] == "3")
            remaining.append(Int(reply.headers["RateLimit-Remaining"] ?? "") ?? -1)
            #expect(reply.headers["RateLimit-Reset"].flatMap(Int.init) != nil)
        }
        #expect(remaining == [2, 1, 0])
        let limited = h.call(.GET, "/api/v1/dummy/public")
        #expect(limited.status == 429)
        #expect(limited.headers["Retry-After"].flatMap(Int.init).map { $0 >= 1 && $0 <= 20 } == true, "\(limited.headers["Retry-After"] ?? "none")")
        #expect(limited.headers["RateLimit-Remaining"] == "0")
        #expect(limited.headers["Content-Type"] == "application/problem+json")
        // Another address has its own bucket; a signed-in user has theirs (sign-in itself is anonymous).
        #expect(h.call(.GET, "/api/v1/dummy/public", ip: "198.51.100.1").status == 200)
        // Errors and unknown API paths carry the headers too; paths outside /api/ do not.
        let missing = h.call(.GET, "/api/v1/nothing-here", ip: "198.51.100.2")
        #expect(missing.status == 404 && missing.headers["RateLimit-Limit"] == "3")
        let unauthorized = h.call(.GET, "/api/v1/dummy/admin", ip: "198.51.100.2")
        #expect(unauthorized.status == 401 && unauthorized.headers["RateLimit-Limit"] == "3")
        #expect(h.call(.GET, "/outside").headers["RateLimit-Limit"] == nil)

        // The bucket refills: one request per 20 s at 3 per minute.
        h.clock.advance(seconds: 21)
        #expect(h.call(.GET, "/api/v1/dummy/public").status == 200)
    }

    @Test func keysAndUsersHaveTheirOwnBuckets() throws {
        let h = try Harness(rateLimits: RateLimitPolicy(defaultPerMinute: 4, anonymousPerMinute: 1000))
        let (_, token) = try h.session(.creator)
        let key = h.apiKey(token: token, scopes: ["read"]).secret      // 1 request of the user's bucket
        for _ in 0..<3 { #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: token).status == 200) }
        let userLimited = h.call(.GET, "/api/v1/dummy/viewer", bearer: token)
        #expect(userLimited.status == 429 && userLimited.headers["Retry-After"] != nil)
        for _ in 0..<4 {
            let reply = h.call(.GET, "/api/v1/dummy/viewer", bearer: key)
            #expect(reply.status == 200 && reply.headers["RateLimit-Limit"] == "4")
        }
        #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: key).status == 429)
        let (_, other) = try h.session(.creator)
        #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: other).status == 200, "another user is unaffected")
    }

    @Test func perRoleLimitsApply() throws {
        let h = try Harness(rateLimits: RateLimitPolicy(defaultPerMinute: 2, perRole: [.admin: 50], anonymousPerMinute: 1000))
        let (_, admin) = try h.session(.admin)
        for _ in 0..<10 { #expect(h.call(.GET, "/api/v1/dummy/admin", bearer: admin).headers["RateLimit-Limit"] == "50") }
    }

    @Test func repeatedWrongPasswordsAreThrottledWhileOthersStillSignIn() throws {
        let h = try Harness()
        try h.user("victim@example.com", role: .creator)
        try h.user("other@example.com", role: .creator)
        var statuses: [Int] = []
        for _ in 0..<200 {
            statuses.append(h.call(.POST, "/api/v1/auth/login", body: json(["email": "victim@example.com", "password": "guess-guess-guess"]), ip: "192.0.2.66").status)
        }
        #expect(statuses.prefix(4).allSatisfy { $0 == 401 })
        #expect(statuses.suffix(150).allSatisfy { $0 == 429 })
        let throttled = h.call(.POST, "/api/v1/auth/login", body: json(["email": "victim@example.com", "password": Harness.password]), ip: "192.0.2.67")
        #expect(throttled.status == 429 && throttled.headers["Retry-After"] != nil, "even the right password waits: \(throttled.text)")
        #expect(throttled.problemType == "/problems/sign-in-throttled")
        let unknown = h.call(.POST, "/api/v1/auth/login", body: json(["email": "ghost@example.com", "password": "guess-guess-guess"]), ip: "192.0.2.68")
        #expect(unknown.status == 401, "an unknown email from a fresh address is not locked: nothing reveals who exists")
        #expect(h.login("other@example.com").status == 200)
    }
}
