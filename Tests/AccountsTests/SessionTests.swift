import Accounts
import Crypto
import Foundation
import Glibc
import GRDB
import Testing

@Suite("Sign-in, access tokens, refresh rotation, signing keys")
struct SessionTests {
    @Test("sign-in returns an OAuth-style pair; the access token carries iss, sub, aud, iat, exp (15 min), jti, kid, role")
    func signInClaims() throws {
        let t = try TestStore()
        let user = try t.user("ada@example.com", role: .creator)
        let pair = try t.store.signIn(email: "ADA@example.com", password: TestStore.goodPassword, ip: "203.0.113.7")
        #expect(pair.tokenType == "Bearer" && pair.expiresIn == 900 && pair.refreshExpiresIn == 7 * 86_400)
        #expect(pair.refreshToken.count == 43 && Base64URL.decode(pair.refreshToken)?.count == 32)
        #expect(!pair.accessToken.contains(pair.refreshToken))

        let parts = pair.accessToken.split(separator: ".")
        let header = String(decoding: Base64URL.decode(parts[0])!, as: UTF8.self)
        #expect(header.contains("\"alg\":\"RS256\"") && header.contains("\"kid\":\"\(t.store.activeKeyID)\""))
        // Verify with a verifier built only from the published JWKS, as an outside client would.
        let jwks = t.store.jwks()
        #expect(jwks.keys.count == 1)
        let verifier = JWTVerifier(keys: try jwks.keys.map { try RSAPublicKey(jwk: $0) }, issuer: "creator-studio", audience: "creator-studio-api")
        let claims = try verifier.verify(pair.accessToken, now: Int64(TestStore.start.timeIntervalSince1970))
        #expect(claims.subject == user.id.uuidString.lowercased())
        #expect(claims.issuedAt.map { claims.expiresAt! - $0 } == 900)
        #expect(claims.role == "creator" && claims.id?.isEmpty == false && claims.audience == ["creator-studio-api"])

        let principal = try t.store.authenticate(bearer: "Bearer " + pair.accessToken)
        #expect(principal == Principal(userID: user.id, role: .creator, scopes: [.read, .write], tokenID: claims.id))
    }

    @Test("the access token expires after 15 minutes (plus the small leeway)")
    func accessExpiry() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        let pair = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        t.clock.advance(seconds: 900)
        #expect(throws: Never.self) { try t.store.verifyAccessToken(pair.accessToken) }
        t.clock.advance(seconds: 31)
        let error = accountsError { try t.store.verifyAccessToken(pair.accessToken) }
        #expect(error?.code == .invalidToken && error?.reason == "token_expired")
    }

    @Test("refresh rotates; reusing a rotated token revokes the family, so the newer token dies too")
    func refreshReuse() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        let first = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        t.clock.advance(seconds: 60)
        let second = try t.store.refresh(refreshToken: first.refreshToken)
        #expect(second.refreshToken != first.refreshToken)
        #expect(try t.store.verifyAccessToken(second.accessToken).userID == second.userID)
        t.clock.advance(seconds: 60)
        let third = try t.store.refresh(refreshToken: second.refreshToken)

        // The thief replays the first (already rotated) token.
        #expect(accountsError { try t.store.refresh(refreshToken: first.refreshToken) }?.code == .refreshTokenReused)
        // The legitimate newest token no longer works either.
        let after = accountsError { try t.store.refresh(refreshToken: third.refreshToken) }
        #expect(after?.code == .invalidToken && after?.reason == "refresh_revoked")
        let events = try t.store.auditEntries(AuditQuery(event: .tokenFamilyRevoked)).data
        #expect(events.count == 1 && events[0].detail["reason"] == "refresh_token_reused")

        // Another session of the same user is unaffected.
        let other = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        #expect(throws: Never.self) { try t.store.refresh(refreshToken: other.refreshToken) }
    }

    @Test("logout revokes the family; refresh tokens expire after 7 days; malformed ones are refused")
    func logoutAndExpiry() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        let a = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        let b = try t.store.refresh(refreshToken: a.refreshToken)
        #expect(try t.store.signOut(refreshToken: b.refreshToken) == true)
        #expect(try t.store.signOut(refreshToken: b.refreshToken) == false)
        #expect(accountsError { try t.store.refresh(refreshToken: b.refreshToken) }?.reason == "refresh_revoked")

        let c = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        t.clock.advance(seconds: 7 * 86_400 + 1)
        #expect(accountsError { try t.store.refresh(refreshToken: c.refreshToken) }?.reason == "refresh_expired")
        for bad in ["", "x", String(repeating: "A", count: 43), c.refreshToken + "A", "'; DROP TABLE refresh_tokens; --"] {
            let error = accountsError { try t.store.refresh(refreshToken: bad) }
            #expect(error?.code == .invalidToken)
        }
    }

    @Test("disabling a user or changing their role refuses their existing access tokens and sessions")
    func revocationOnChange() throws {
        let t = try TestStore()
        let admin = try t.user("root@example.com", role: .admin)
        let user = try t.user("ada@example.com", role: .creator)
        let pair = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        #expect(throws: Never.self) { try t.store.verifyAccessToken(pair.accessToken) }
        let actor = Principal(userID: admin.id, role: .admin, scopes: Role.admin.allowedScopes)
        _ = try t.store.updateUser(id: user.id, UserChanges(role: .viewer), by: actor)
        #expect(accountsError { try t.store.verifyAccessToken(pair.accessToken) }?.reason == "token_revoked")
        #expect(accountsError { try t.store.refresh(refreshToken: pair.refreshToken) }?.reason == "refresh_revoked")

        t.clock.advance(seconds: 2)
        let again = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        #expect(try t.store.verifyAccessToken(again.accessToken).role == .viewer)
        _ = try t.store.updateUser(id: user.id, UserChanges(status: .disabled), by: actor)
        #expect(accountsError { try t.store.verifyAccessToken(again.accessToken) }?.reason == "token_revoked")
        #expect(accountsError { try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword) }?.code == .accountDisabled)

        // A restart keeps the revocation (it is stored, not only in memory).
        let reopened = try TestStore(directory: t.directory, clock: t.clock)
        #expect(accountsError { try reopened.store.verifyAccessToken(again.accessToken) }?.reason == "token_revoked")
    }

    @Test("changing one's password checks the old one, ends other sessions and returns fresh tokens")
    func changePassword() throws {
        let t = try TestStore()
        let user = try t.user("ada@example.com")
        let before = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        t.clock.advance(seconds: 5)
        #expect(accountsError { try t.store.changePassword(userID: user.id, currentPassword: "wrong-password-123", newPassword: "marble-falcon-river-77") }?.code == .invalidCredentials)
        #expect(accountsError { try t.store.changePassword(userID: user.id, currentPassword: TestStore.goodPassword, newPassword: "password1234") }?.code == .commonPassword)
        let fresh = try t.store.changePassword(userID: user.id, currentPassword: TestStore.goodPassword, newPassword: "marble-falcon-river-77")
        #expect(throws: Never.self) { try t.store.verifyAccessToken(fresh.accessToken) }
        #expect(accountsError { try t.store.verifyAccessToken(before.accessToken) }?.reason == "token_revoked")
        #expect(accountsError { try t.store.refresh(refreshToken: before.refreshToken) }?.reason == "refresh_revoked")
        #expect(accountsError { try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword) }?.code == .invalidCredentials)
        #expect(throws: Never.self) { try t.store.signIn(email: "ada@example.com", password: "marble-falcon-river-77") }
    }

    @Test("a hash made with older parameters is upgraded at the next successful sign-in")
    func rehashOnSignIn() throws {
        let old = Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)
        let new = Argon2Parameters(memoryKiB: 256, iterations: 2, parallelism: 2)
        let t = try TestStore(hashing: old)
        let user = try t.user("ada@example.com")
        func stored() throws -> String {
            try DatabaseQueue(path: t.databasePath).read { db in
                try String.fetchOne(db, sql: "SELECT password_hash FROM users WHERE id = ?", arguments: [user.id.uuidString.lowercased()])!
            }
        }
        #expect(try stored().hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
        let upgraded = try TestStore(hashing: new, directory: t.directory, clock: t.clock)
        #expect(accountsError { try upgraded.store.signIn(email: "ada@example.com", password: "not-the-password-1") }?.code == .invalidCredentials)
        #expect(try stored().hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"), "a failed sign-in must not rehash")
        _ = try upgraded.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        #expect(try stored().hasPrefix("$argon2id$v=19$m=256,t=2,p=2$"))
        #expect(throws: Never.self) { try upgraded.store.signIn(email: "ada@example.com", password: TestStore.goodPassword) }
    }

    @Test("with the production parameters the stored hash is $argon2id$v=19$m=65536,t=3,p=4$…")
    func productionHashFormat() throws {
        let t = try TestStore(hashing: .standard)
        let user = try t.user("ada@example.com")
        let phc = try DatabaseQueue(path: t.databasePath).read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM users WHERE id = ?", arguments: [user.id.uuidString.lowercased()])!
        }
        #expect(phc.hasPrefix("$argon2id$v=19$m=65536,t=3,p=4$"))
        #expect(try Argon2id.verify(password: TestStore.goodPassword, phc: phc))
    }

    @Test("the signing key is created at first start in keys/ with mode 0600 and reused at the next start")
    func keyFiles() throws {
        let t = try TestStore()
        let kid = t.store.activeKeyID
        var info = stat()
        #expect(stat(t.directory + "/keys/\(kid).pem", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(t.directory + "/keys", &info) == 0 && info.st_mode & 0o077 == 0)
        let again = try TestStore(directory: t.directory)
        #expect(again.store.activeKeyID == kid)
    }

    @Test("rotation keeps the old public key in the JWKS until its tokens have expired")
    func rotation() throws {
        let t = try TestStore()
        try t.user("ada@example.com")
        let oldKid = t.store.activeKeyID
        let oldToken = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword)
        let newKid = try t.store.rotateSigningKey()
        #expect(newKid != oldKid && t.store.activeKeyID == newKid)
        #expect(t.store.jwks().keys.map(\.kid) == [newKid, oldKid])
        #expect(throws: Never.self) { try t.store.verifyAccessToken(oldToken.accessToken) }
        let newToken = try t.store.refresh(refreshToken: oldToken.refreshToken)
        #expect(newToken.accessToken.split(separator: ".").first.map { String(decoding: Base64URL.decode($0)!, as: UTF8.self) }?.contains(newKid) == true)

        t.clock.advance(seconds: 900 + 30 + 1)
        #expect(t.store.jwks().keys.map(\.kid) == [newKid])
        try t.store.reloadSigningKeys()
        #expect(t.store.jwks().keys.map(\.kid) == [newKid])
        #expect(try t.store.auditEntries(AuditQuery(event: .signingKeyRotated)).data.first?.subjectID == newKid)
    }

    @Test("bad bearer strings are refused as invalid_token with the JWT reason; none echo the credential",
          arguments: ["", "Bearer", "Bearer    ", "garbage", "a.b.c", "sk_", "sk_short", "sk_" + String(repeating: "A", count: 43),
                      String(repeating: "x", count: 10_000), "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
    func badBearers(bearer: String) throws {
        let t = try TestStore()
        let error = accountsError { try t.store.authenticate(bearer: bearer) }
        #expect(error?.code == .invalidToken)
        if bearer.count > 8 { #expect(error?.message.contains(bearer) == false) }
    }

    @Test("alg none, HS256 with the public key, and a foreign audience are refused by the store")
    func forgedTokens() throws {
        let t = try TestStore()
        let user = try t.user("ada@example.com", role: .creator)
        let kid = t.store.activeKeyID
        let now = Int64(TestStore.start.timeIntervalSince1970)
        let payload = Base64URL.encode("{\"iss\":\"creator-studio\",\"sub\":\"\(user.id.uuidString.lowercased())\",\"aud\":\"creator-studio-api\",\"iat\":\(now),\"exp\":\(now + 900),\"jti\":\"x\",\"role\":\"admin\"}")
        let none = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"\(kid)\"}") + "." + payload + "."
        #expect(accountsError { try t.store.authenticate(bearer: none) }?.reason == "token_algorithm_rejected")
        let hsHeader = Base64URL.encode("{\"alg\":\"HS256\",\"kid\":\"\(kid)\",\"typ\":\"JWT\"}")
        let secret = try RSAPublicKey(jwk: t.store.jwks().keys[0]).derRepresentation()
        let hs = hsHeader + "." + payload + "." + Base64URL.encode(HMACSHA256.authenticationCode(key: secret, message: Array((hsHeader + "." + payload).utf8)))
        #expect(accountsError { try t.store.authenticate(bearer: hs) }?.reason == "token_algorithm_rejected")

        // A genuine token from another deployment (other key, other audience) is refused too.
        let foreign = JWTSigner(key: try RSAPrivateKey.generate())
        let token = try foreign.sign(JWTClaims(issuer: "creator-studio", subject: user.id.uuidString.lowercased(), audience: ["other"],
                                               issuedAt: now, expiresAt: now + 900, id: "y", role: "admin"))
        #expect(accountsError { try t.store.authenticate(bearer: token) }?.reason == "token_unknown_key")
    }
}
