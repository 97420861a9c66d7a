import Accounts
import Foundation
import Glibc
import Synchronization
import Testing

@Suite("Sign-in throttling and the hashing gate")
struct ThrottleTests {
    @Test("10,000 wrong passwords in a row are throttled quickly, with only a handful of argon2 computations")
    func tenThousandWrongPasswords() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        let hashesBefore = t.store.hashingGate.statistics.completed
        let start = monotonicSeconds()
        var codes: [AccountsError.Code: Int] = [:]
        for index in 0..<10_000 {
            let error = accountsError { try t.store.signIn(email: "ada@example.com", password: "wrong-password-\(index)", ip: "198.51.100.9") }
            codes[error?.code ?? .storage, default: 0] += 1
            if index % 1000 == 999 { t.clock.advance(seconds: 0.5) }  // the attack keeps going while the clock moves
        }
        let elapsed = monotonicSeconds() - start
        let hashes = t.store.hashingGate.statistics.completed - hashesBefore
        #expect(codes[.invalidCredentials, default: 0] <= 10)
        #expect(codes[.throttled, default: 0] >= 9_990)
        #expect(hashes <= 12, "argon2 ran \(hashes) times")
        #expect(elapsed < 20, "took \(elapsed) s")
        // Meanwhile another user signs in normally from another address.
        try t.user("bob@example.com")
        #expect(throws: Never.self) { try t.store.signIn(email: "bob@example.com", password: TestStore.goodPassword, ip: "192.0.2.1") }
    }

    @Test("delays grow with each failure and say when to retry; the right password works after waiting")
    func growingDelays() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        for _ in 0..<5 {
            #expect(accountsError { try t.store.signIn(email: "ada@example.com", password: "wrong-password-1") }?.code == .invalidCredentials)
        }
        var delays: [Int] = []
        for _ in 0..<4 {
            let blocked = accountsError { try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword) }
            #expect(blocked?.code == .throttled)
            let wait = try #require(blocked?.retryAfter)
            delays.append(wait)
            t.clock.advance(seconds: Double(wait))
            #expect(accountsError { try t.store.signIn(email: "ada@example.com", password: "wrong-password-1") }?.code == .invalidCredentials)
        }
        #expect(delays == [1, 2, 4, 8])
        let wait = try #require(accountsError { try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword) }?.retryAfter)
        t.clock.advance(seconds: Double(wait))
        #expect(throws: Never.self) { try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword) }
        // Success clears the account's count.
        #expect(accountsError { try t.store.signIn(email: "ada@example.com", password: "wrong-password-1") }?.code == .invalidCredentials)
    }

    @Test("an unknown email is answered exactly like a known one, including the lock")
    func noEnumeration() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        var known: [String] = []
        var unknown: [String] = []
        for _ in 0..<8 {
            let a = accountsError { try t.store.signIn(email: "ada@example.com", password: "wrong-password-1") }
            let b = accountsError { try t.store.signIn(email: "nobody@example.com", password: "wrong-password-1") }
            known.append("\(a!.code)|\(a!.message)|\(a!.retryAfter ?? -1)")
            unknown.append("\(b!.code)|\(b!.message)|\(b!.retryAfter ?? -1)")
        }
        #expect(known == unknown)
        #expect(known.last!.hasPrefix("sign_in_throttled"))
    }

    @Test("one address failing against many accounts is throttled per IP")
    func perIP() throws {
        let t = try TestStore()
        var lastCode: AccountsError.Code?
        for index in 0..<25 {
            lastCode = accountsError { try t.store.signIn(email: "user\(index)@example.com", password: "wrong-password-1", ip: "203.0.113.50") }?.code
        }
        #expect(lastCode == .throttled)
        try t.user("fresh@example.com")
        #expect(accountsError { try t.store.signIn(email: "fresh@example.com", password: TestStore.goodPassword, ip: "203.0.113.50") }?.code == .throttled)
        #expect(throws: Never.self) { try t.store.signIn(email: "fresh@example.com", password: TestStore.goodPassword, ip: "203.0.113.51") }
    }

    @Test("the hashing gate never runs more computations at once than its capacity")
    func gateBound() async throws {
        let gate = HashingGate(capacity: 2, queueTimeout: 30)
        let counters = Concurrency()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    _ = try? gate.run { () throws(AccountsError) -> Void in
                        counters.state.withLock { $0.inside += 1; $0.maximum = max($0.maximum, $0.inside) }
                        usleep(20_000)
                        counters.state.withLock { $0.inside -= 1 }
                    }
                }
            }
        }
        #expect(counters.state.withLock { $0.maximum } <= 2)
        #expect(gate.statistics.completed == 8 && gate.statistics.peak <= 2)

        // With no free slot within its patience, a caller is told to come back later.
        let impatient = HashingGate(capacity: 1, queueTimeout: 0.05)
        var inner: AccountsError?
        try impatient.run { () throws(AccountsError) -> Void in
            inner = accountsError { try impatient.run { () throws(AccountsError) -> Void in } }
        }
        #expect(inner?.code == .busy && inner?.retryAfter != nil)
        #expect(impatient.statistics.refused == 1)
    }
}

/// Counts how many closures run at once.
final class Concurrency: Sendable {
    let state = Mutex((inside: 0, maximum: 0))
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
