import Accounts
import AccountsAPI
import Foundation
import HTTP
import Testing

/// API keys: shown once, used as bearer, counted per day, revocable, private to their owner.
@Suite struct APIKeyRouteTests {
    @Test func createUseCountAndRevoke() throws {
        let h = try Harness()
        let (owner, token) = try h.session(.creator)
        let created = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "nightly export", "scopes": ["read"], "expires_at": "2027-06-01T00:00:00Z"}"#, bearer: token)
        #expect(created.status == 201, "\(created.text)")
        let secret = try #require(created.string("secret"))
        let id = try #require(created.string("id"))
        #expect(secret.hasPrefix("sk_") && secret.utf8.count == 46)
        #expect(created.string("prefix") == String(secret.prefix(11)))
        #expect(created.string("expires_at") == "2027-06-01T00:00:00Z")
        #expect(created.headers["Cache-Control"] == "no-store")

        let listed = h.call(.GET, "/api/v1/api-keys", bearer: token)
        #expect(listed.status == 200)
        #expect(!listed.text.contains(secret), "the secret is shown once")
        #expect(listed.text.contains(id))

        for _ in 0..<3 {
            let me = h.call(.GET, "/api/v1/me", bearer: secret)
            #expect(me.status == 200)
            #expect(me.string("id") == owner.id.uuidString.lowercased())
            #expect(me.string("api_key_id") == id)
            #expect(!me.everything.contains(secret))
        }
        let usage = h.call(.GET, "/api/v1/api-keys/\(id)/usage", bearer: token)
        #expect(usage.json?["data"] == .array([.object(["day": .string("2027-01-15"), "requests": .int(3)])]), "\(usage.text)")

        #expect(h.call(.POST, "/api/v1/api-keys", body: #"{"name": "x", "scopes": ["read"]}"#, bearer: secret).status == 403, "a key cannot mint keys")
        #expect(h.call(.DELETE, "/api/v1/api-keys/\(id)", bearer: token).status == 204)
        let after = h.call(.GET, "/api/v1/me", bearer: secret)
        #expect(after.status == 401)
        #expect(!after.everything.contains(secret))
        #expect(try h.store.auditEntries(AuditQuery(event: .apiKeyRevoked)).data.first?.subjectID == id)
    }

    @Test func aCreatorCannotSeeOrRevokeAnotherCreatorsKeys() throws {
        let h = try Harness()
        let (alice, aliceToken) = try h.session(.creator)
        let (_, bobToken) = try h.session(.creator)
        let aliceKey = h.apiKey(token: aliceToken, scopes: ["read", "write"], name: "alice-key")
        let bobKey = h.apiKey(token: bobToken, scopes: ["read"], name: "bob-key")

        let bobList = h.call(.GET, "/api/v1/api-keys", bearer: bobToken)
        #expect(bobList.text.contains(bobKey.id) && !bobList.text.contains(aliceKey.id) && !bobList.text.contains("alice-key"))
        let snoop = h.call(.GET, "/api/v1/api-keys", query: [("user_id", alice.id.uuidString)], bearer: bobToken)
        #expect(snoop.status == 403)
        #expect(!snoop.text.contains(aliceKey.id))
        #expect(h.call(.GET, "/api/v1/api-keys/\(aliceKey.id)/usage", bearer: bobToken).status == 404)
        #expect(h.call(.DELETE, "/api/v1/api-keys/\(aliceKey.id)", bearer: bobToken).status == 404)
        #expect(h.call(.POST, "/api/v1/api-keys", body: json(["name": "x", "user_id": alice.id.uuidString]).replacing("}", with: #", "scopes": ["read"]}"#), bearer: bobToken).status == 403)
        #expect(h.call(.GET, "/api/v1/me", bearer: aliceKey.secret).status == 200, "alice's key still works")

        let (_, admin) = try h.session(.admin)
        let all = h.call(.GET, "/api/v1/api-keys", bearer: admin)
        #expect(all.text.contains(aliceKey.id) && all.text.contains(bobKey.id))
        #expect(h.call(.DELETE, "/api/v1/api-keys/\(aliceKey.id)", bearer: admin).status == 204)
        #expect(h.call(.GET, "/api/v1/me", bearer: aliceKey.secret).status == 401)
    }

    @Test func expiredKeysStopWorking() throws {
        let h = try Harness()
        let (_, token) = try h.session(.viewer)
        let created = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "short", "scopes": ["read"], "expires_at": "2027-01-15T09:00:00Z"}"#, bearer: token)
        let secret = try #require(created.string("secret"))
        #expect(h.call(.GET, "/api/v1/me", bearer: secret).status == 200)
        h.clock.advance(seconds: 3600)
        #expect(h.call(.GET, "/api/v1/me", bearer: secret).status == 401)
        let (_, token2) = try h.session(.viewer)
        let past = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "old", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"}"#, bearer: token2)
        #expect(past.status == 400 && past.errorFields == ["expires_at"])
        let nonsense = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "old", "scopes": ["read"], "expires_at": "2027-02-30"}"#, bearer: token2)
        #expect(nonsense.status == 400 && nonsense.errorFields == ["expires_at"])
    }
}
