import Accounts
import AccountsAPI
import Crypto
import Foundation
import HTTP
import Testing

/// Every forged, stale, foreign or mangled credential is a 401 that never repeats the credential.
@Suite struct TokenRejectionTests {
    static let now = Int64(Harness.start.timeIntervalSince1970)

    static func claims(_ user: User, audience: String = "creator-studio-api", issuedAt: Int64 = now, expiresAt: Int64 = now + 900,
                       notBefore: Int64? = nil) -> JWTClaims {
        JWTClaims(issuer: "creator-studio", subject: user.id.uuidString.lowercased(), audience: [audience], issuedAt: issuedAt,
                  expiresAt: expiresAt, notBefore: notBefore, id: UUID().uuidString, role: user.role.rawValue, scope: "read write admin")
    }

    static func expectRefused(_ h: Harness, _ credential: String, _ why: Comment) {
        let reply = h.call(.GET, "/api/v1/dummy/viewer", bearer: credential)
        #expect(reply.status == 401, why)
        #expect(reply.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true, why)
        if credential.count >= 8 { #expect(!reply.everything.contains(credential), why) }
        // A public route with a bad credential is refused too: the caller believes they are signed in.
        #expect(h.call(.GET, "/api/v1/dummy/public", bearer: credential).status == 401, why)
    }

    @Test func forgedTokensAreRefused() throws {
        let h = try Harness()
        let admin = try h.user("root@example.com", role: .admin)
        let genuine = try JWTSigner(key: Harness.fixedKey).sign(Self.claims(admin))
        #expect(h.call(.GET, "/api/v1/dummy/admin", bearer: genuine).status == 200, "the control token works")
        let parts = genuine.split(separator: ".").map(String.init)
        let kid = Harness.fixedKey.publicKey.keyID

        let noneHeader = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"\(kid)\",\"typ\":\"JWT\"}")
        Self.expectRefused(h, noneHeader + "." + parts[1] + ".", "alg none")
        Self.expectRefused(h, noneHeader + "." + parts[1] + "." + parts[2], "alg none with a signature")

        // HS256 keyed with the public key (the classic algorithm-confusion attack), in each form a verifier might hold.
        let hsHeader = Base64URL.encode("{\"alg\":\"HS256\",\"kid\":\"\(kid)\",\"typ\":\"JWT\"}")
        let publicDER = Harness.fixedKey.publicKey.derRepresentation()
        for secret in [publicDER, Array(Harness.fixedKey.publicKey.jwk.n.utf8)] {
            let input = hsHeader + "." + parts[1]
            let mac = HMACSHA256.authenticationCode(key: secret, message: Array(input.utf8))
            Self.expectRefused(h, input + "." + Base64URL.encode(mac), "HS256 with the public key")
        }

        let otherKid = try JWTSigner(key: Harness.otherKey).sign(Self.claims(admin))
        Self.expectRefused(h, otherKid, "signed by a key the daemon does not have (unknown kid)")
        let swappedKid = Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"\(kid)\",\"typ\":\"JWT\"}") + "." + otherKid.split(separator: ".")[1] + "." + otherKid.split(separator: ".")[2]
        Self.expectRefused(h, swappedKid, "another key's signature under our kid")
        let wrongKid = Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"not-a-key\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2]
        Self.expectRefused(h, wrongKid, "wrong kid")

        Self.expectRefused(h, try JWTSigner(key: Harness.fixedKey).sign(Self.claims(admin, audience: "someone-else")), "wrong audience")
        Self.expectRefused(h, try JWTSigner(key: Harness.fixedKey).sign(Self.claims(admin, issuedAt: Self.now - 2000, expiresAt: Self.now - 1000)), "expired")
        Self.expectRefused(h, try JWTSigner(key: Harness.fixedKey).sign(Self.claims(admin, notBefore: Self.now + 3600)), "not valid yet")

        // A payload edited to claim admin while keeping the signature.
        let viewer = try h.user("vi@example.com", role: .viewer)
        let viewerToken = try JWTSigner(key: Harness.fixedKey).sign(Self.claims(viewer))
        let viewerParts = viewerToken.split(separator: ".").map(String.init)
        let promoted = String(decoding: Base64URL.decode(viewerParts[1])!, as: UTF8.self).replacing("\"viewer\"", with: "\"admin\"")
        Self.expectRefused(h, viewerParts[0] + "." + Base64URL.encode(promoted) + "." + viewerParts[2], "edited payload")
    }

    @Test func issuedTokensExpireAfterFifteenMinutes() throws {
        let h = try Harness()
        let (_, token) = try h.session(.creator)
        #expect(h.call(.GET, "/api/v1/me", bearer: token).status == 200)
        h.clock.advance(seconds: 900 + 31)
        Self.expectRefused(h, token, "expired after 15 minutes and the leeway")
    }

    @Test(arguments: [
        "", "abc", "a.b", "a.b.c", "...", "eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJSUzI1NiJ9.e30.", "sk_", "sk_short",
        "sk_" + String(repeating: "A", count: 43), "sk_" + String(repeating: "!", count: 43), "sk_' OR '1'='1",
        "Robert'); DROP TABLE users;--", "\u{0}\u{0}\u{0}", "ключ.ключ.ключ", String(repeating: "a", count: 9000),
        String(repeating: "eyJ", count: 3000) + "." + String(repeating: "A", count: 3000) + "." + String(repeating: "B", count: 3000),
    ])
    func malformedTruncatedAndOversizedCredentialsAreRefused(credential: String) throws {
        let h = try Harness()
        let reply = h.call(.GET, "/api/v1/dummy/viewer", bearer: credential)
        #expect(reply.status == 401, "\(credential.prefix(40))")
        if credential.count >= 8 { #expect(!reply.everything.contains(credential)) }
        #expect(reply.headers["Content-Type"] == "application/problem+json")
    }

    @Test func truncatedGenuineTokensAndKeysAreRefused() throws {
        let h = try Harness()
        let (_, token) = try h.session(.admin)
        let key = h.apiKey(token: token, scopes: ["read"]).secret
        for credential in [token, key] {
            for cut in [1, 10, credential.count / 2, credential.count - 1] {
                let truncated = String(credential.prefix(cut))
                #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: truncated).status == 401, "cut at \(cut)")
            }
            #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: credential + "x").status == 401)
        }
    }

    @Test func onlyTheBearerSchemeIsRead() throws {
        let h = try Harness()
        let (_, token) = try h.session(.admin)
        #expect(h.call(.GET, "/api/v1/dummy/viewer", headers: [("Authorization", "Basic \(token)")]).status == 401)
        #expect(h.call(.GET, "/api/v1/dummy/viewer", headers: [("Authorization", token)]).status == 401)
        #expect(h.call(.GET, "/api/v1/dummy/viewer", headers: [("Authorization", "bearer \(token)")]).status == 200)
        // The refresh cookie is not a credential for ordinary routes.
        let email = try #require(try h.store.listUsers().data.first?.email)
        let refresh = try #require(h.login(email).string("refresh_token"))
        #expect(h.call(.GET, "/api/v1/dummy/viewer", headers: [("Cookie", "studio_refresh=\(refresh)")]).status == 401)
        // Outside /api/ the Authorization header is left alone (for /metrics' own token).
        #expect(h.call(.GET, "/outside", bearer: "metrics-token").status == 200)
    }
}
