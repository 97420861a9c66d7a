import Accounts
import Crypto
import Foundation
import GRDB
import Testing

@Suite("API keys")
struct APIKeyTests {
    @Test("a key is shown once as sk_…, stored only as a hash with a visible prefix, and authenticates as its owner")
    func createAndUse() throws {
        let t = try TestStore()
        let owner = try t.user("ada@example.com", role: .creator)
        let created = try t.store.createAPIKey(ownerID: owner.id, name: "cron job", scopes: [.read])
        #expect(created.secret.hasPrefix("sk_") && created.secret.count == 46)
        #expect(created.key.prefix == String(created.secret.prefix(11)))
        let stored = try DatabaseQueue(path: t.databasePath).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys").map { row in row.columnNames.map { "\(row[$0] as DatabaseValue)" }.joined(separator: "|") }
        }
        #expect(stored.count == 1)
        #expect(!stored[0].contains(created.secret), "the secret itself must not be stored")

        let principal = try t.store.authenticate(bearer: "Bearer \(created.secret)")
        #expect(principal == Principal(userID: owner.id, role: .creator, scopes: [.read], apiKeyID: created.key.id))
        #expect(!principal.has(.write))
    }

    @Test("scopes may not exceed the owner's role, nor the creating credential's own scopes")
    func scopeLimits() throws {
        let t = try TestStore()
        let creator = try t.user("creator@example.com", role: .creator)
        let viewer = try t.user("viewer@example.com", role: .viewer)
        let admin = try t.user("admin@example.com", role: .admin)
        #expect(accountsError { try t.store.createAPIKey(ownerID: creator.id, name: "k", scopes: [.admin]) }?.code == .scopeTooWide)
        #expect(accountsError { try t.store.createAPIKey(ownerID: viewer.id, name: "k", scopes: [.read, .write]) }?.code == .scopeTooWide)
        #expect(accountsError { try t.store.createAPIKey(ownerID: viewer.id, name: "k", scopes: []) }?.code == .invalidInput)
        #expect(try t.store.createAPIKey(ownerID: admin.id, name: "k", scopes: [.read, .write, .admin]).key.scopes == [.read, .write, .admin])

        // A read-only key of a creator cannot mint a read-write key.
        let readKey = try t.store.createAPIKey(ownerID: creator.id, name: "ro", scopes: [.read])
        let readPrincipal = try t.store.authenticate(bearer: readKey.secret)
        #expect(accountsError { try t.store.createAPIKey(ownerID: creator.id, name: "rw", scopes: [.read, .write], by: readPrincipal) }?.code == .scopeTooWide)
        // Nor can one creator make keys for another.
        let session = Principal(userID: creator.id, role: .creator, scopes: Role.creator.allowedScopes)
        #expect(accountsError { try t.store.createAPIKey(ownerID: viewer.id, name: "x", scopes: [.read], by: session) }?.code == .forbidden)
    }

    @Test("lowering the owner's role narrows an existing key's scopes at once")
    func roleDowngrade() throws {
        let t = try TestStore()
        try t.user("root@example.com", role: .admin)
        let creator = try t.user("creator@example.com", role: .creator)
        let key = try t.store.createAPIKey(ownerID: creator.id, name: "rw", scopes: [.read, .write])
        #expect(try t.store.authenticate(bearer: key.secret).scopes == [.read, .write])
        _ = try t.store.updateUser(id: creator.id, UserChanges(role: .viewer))
        #expect(try t.store.authenticate(bearer: key.secret).scopes == [.read])
        _ = try t.store.updateUser(id: creator.id, UserChanges(status: .disabled))
        #expect(accountsError { try t.store.authenticate(bearer: key.secret) }?.reason == "account_disabled")
    }

    @Test("revoked and expired keys stop working; only the owner or an admin may see or revoke a key")
    func revokeAndExpire() throws {
        let t = try TestStore()
        let admin = try t.user("root@example.com", role: .admin)
        let ada = try t.user("ada@example.com", role: .creator)
        let bob = try t.user("bob@example.com", role: .creator)
        let adaKey = try t.store.createAPIKey(ownerID: ada.id, name: "a", scopes: [.read])
        let bobSession = Principal(userID: bob.id, role: .creator, scopes: Role.creator.allowedScopes)
        let adaSession = Principal(userID: ada.id, role: .creator, scopes: Role.creator.allowedScopes)
        let adminSession = Principal(userID: admin.id, role: .admin, scopes: Role.admin.allowedScopes)

        #expect(accountsError { try t.store.revokeAPIKey(id: adaKey.key.id, by: bobSession) }?.code == .notFound)
        #expect(accountsError { try t.store.apiKey(id: adaKey.key.id, visibleTo: bobSession) }?.code == .notFound)
        #expect(try t.store.listAPIKeys(visibleTo: bobSession).isEmpty)
        #expect(try t.store.listAPIKeys(visibleTo: adminSession).count == 1)
        #expect(throws: Never.self) { try t.store.authenticate(bearer: adaKey.secret) }
        try t.store.revokeAPIKey(id: adaKey.key.id, by: adaSession)
        #expect(accountsError { try t.store.authenticate(bearer: adaKey.secret) }?.reason == "api_key_revoked")
        #expect(try t.store.apiKey(id: adaKey.key.id, visibleTo: adminSession).revokedAt != nil)

        let shortLived = try t.store.createAPIKey(ownerID: ada.id, name: "s", scopes: [.read], expiresAt: t.clock.now().addingTimeInterval(3600))
        #expect(throws: Never.self) { try t.store.authenticate(bearer: shortLived.secret) }
        t.clock.advance(seconds: 3600)
        #expect(accountsError { try t.store.authenticate(bearer: shortLived.secret) }?.reason == "api_key_expired")
        #expect(accountsError { try t.store.createAPIKey(ownerID: ada.id, name: "p", scopes: [.read], expiresAt: t.clock.now()) }?.code == .invalidInput)
        // A key that was never issued, with a valid shape.
        let forged = "sk_" + Base64URL.encode(try SecureRandom.bytes(count: 32))
        #expect(accountsError { try t.store.authenticate(bearer: forged) }?.reason == "api_key_unknown")
        #expect(try t.store.auditEntries(AuditQuery(event: .apiKeyRevoked)).data.count == 1)
    }

    @Test("every request with a key is counted per key and per UTC day, and last use is recorded")
    func usageCounting() throws {
        let t = try TestStore()
        let ada = try t.user("ada@example.com", role: .creator)
        let a = try t.store.createAPIKey(ownerID: ada.id, name: "a", scopes: [.read])
        let b = try t.store.createAPIKey(ownerID: ada.id, name: "b", scopes: [.read])
        for _ in 0..<7 { _ = try t.store.authenticate(bearer: a.secret) }
        for _ in 0..<2 { _ = try t.store.authenticate(bearer: b.secret) }
        t.clock.advance(seconds: 86_400)
        for _ in 0..<3 { _ = try t.store.authenticate(bearer: a.secret) }
        let session = Principal(userID: ada.id, role: .creator, scopes: Role.creator.allowedScopes)
        // 1_800_000_000 is 2027-01-15 08:00 UTC.
        #expect(try t.store.apiKeyUsage(keyID: a.key.id, visibleTo: session).map { "\($0.day)=\($0.requests)" } == ["2027-01-15=7", "2027-01-16=3"])
        #expect(try t.store.apiKeyUsage(day: "2027-01-15").map(\.requests).sorted() == [2, 7])
        #expect(try t.store.apiKey(id: a.key.id, visibleTo: session).lastUsedAt == t.clock.now())
    }

    @Test("with batched flushing, counts are buffered and written by flushUsage")
    func batchedUsage() throws {
        let t = try TestStore { $0.usageFlushInterval = 3600 }
        let ada = try t.user("ada@example.com", role: .creator)
        let a = try t.store.createAPIKey(ownerID: ada.id, name: "a", scopes: [.read])
        for _ in 0..<50 { _ = try t.store.authenticate(bearer: a.secret) }
        let raw = { try DatabaseQueue(path: t.databasePath).read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(requests), 0) FROM api_key_usage") } }
        #expect(try raw() == 0)
        t.store.flushUsage()
        #expect(try raw() == 50)
    }
}
