import Accounts
import AccountsAPI
import Crypto
import Foundation
import HTTP
import Testing

/// Sign-in, refresh with rotation and theft detection, sign-out, the cookie and `/me`.
@Suite struct SessionRouteTests {
    @Test func loginAnswersAnOAuthTokenResponseWithAnHttpOnlyCookie() throws {
        let h = try Harness()
        try h.user("ada@example.com", role: .creator)
        let reply = h.login("ada@example.com")
        #expect(reply.status == 200)
        #expect(reply.string("token_type") == "Bearer")
        #expect(reply.int("expires_in") == 900)
        let access = try #require(reply.string("access_token"))
        let refresh = try #require(reply.string("refresh_token"))
        #expect(access.split(separator: ".").count == 3)
        #expect(refresh.utf8.count == 43)
        #expect(reply.headers["Cache-Control"] == "no-store")
        let cookie = try #require(reply.setCookies.first)
        #expect(cookie.hasPrefix("studio_refresh=\(refresh);"))
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth", "Max-Age=604800"] { #expect(cookie.contains(attribute), "\(cookie)") }
        #expect(!cookie.contains("Secure"), "plain HTTP: no Secure attribute")
        #expect(!reply.text.contains(Harness.password))

        let overTLS = h.call(.POST, "/api/v1/auth/login", body: json(["email": "ada@example.com", "password": Harness.password]),
                             headers: [("X-Forwarded-Proto", "https")])
        #expect(overTLS.setCookies.first?.contains("; Secure") == true)

        let me = h.call(.GET, "/api/v1/me", bearer: access)
        #expect(me.status == 200)
        #expect(me.string("email") == "ada@example.com")
        #expect(me.string("role") == "creator")
        #expect(me.json?["scopes"] == .array([.string("read"), .string("write")]))
        #expect(me.headers["Cache-Control"] == "no-store")
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() throws {
        let h = try Harness()
        try h.user("ada@example.com", role: .viewer)
        let wrong = h.login("ada@example.com", password: "not-the-password-123")
        let unknown = h.login("nobody@example.com", password: "not-the-password-123")
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.string("detail") == unknown.string("detail"))
        #expect(!wrong.text.contains("not-the-password-123"))
        #expect(wrong.setCookies.isEmpty)
    }

    @Test func refreshRotatesAndReusingAnOldTokenRevokesTheWholeFamily() throws {
        let h = try Harness()
        try h.user("ada@example.com", role: .creator)
        let first = try #require(h.login("ada@example.com").string("refresh_token"))
        let second = h.call(.POST, "/api/v1/auth/refresh", body: json(["refresh_token": first]))
        #expect(second.status == 200, "\(second.text)")
        let newer = try #require(second.string("refresh_token"))
        #expect(newer != first)
        #expect(second.string("access_token") != nil)
        #expect(second.setCookies.first?.hasPrefix("studio_refresh=\(newer);") == true)

        // The thief replays the first token: refused, and the family dies...
        let replay = h.call(.POST, "/api/v1/auth/refresh", body: json(["refresh_token": first]))
        #expect(replay.status == 401)
        #expect(replay.problemType == "/problems/refresh-token-reused")
        #expect(replay.setCookies.first?.contains("Max-Age=0") == true)
        #expect(!replay.text.contains(first))
        // ...so the newer token the owner holds stops working too.
        let owner = h.call(.POST, "/api/v1/auth/refresh", body: json(["refresh_token": newer]))
        #expect(owner.status == 401)
        let revoked = try h.store.auditEntries(AuditQuery(event: .tokenFamilyRevoked)).data
        #expect(revoked.first?.detail["reason"] == "refresh_token_reused")
    }

    @Test func refreshAndLogoutWorkWithTheCookieAlone() throws {
        let h = try Harness()
        try h.user("ada@example.com", role: .viewer)
        let token = try #require(h.login("ada@example.com").string("refresh_token"))
        let refreshed = h.call(.POST, "/api/v1/auth/refresh", body: "{}", headers: [("Cookie", "theme=dark; studio_refresh=\(token)")])
        #expect(refreshed.status == 200, "\(refreshed.text)")
        let newer = try #require(refreshed.string("refresh_token"))

        let logout = h.call(.POST, "/api/v1/auth/logout", body: "{}", headers: [("Cookie", "studio_refresh=\(newer)")])
        #expect(logout.status == 204)
        #expect(logout.setCookies.first?.contains("Max-Age=0") == true)
        #expect(h.call(.POST, "/api/v1/auth/refresh", body: json(["refresh_token": newer])).status == 401)
        // Logging out again, or with nothing, is not an error.
        #expect(h.call(.POST, "/api/v1/auth/logout", body: "{}", headers: [("Cookie", "studio_refresh=\(newer)")]).status == 204)
        #expect(h.call(.POST, "/api/v1/auth/logout", body: "{}").status == 204)
        // No token at all is a 401 that says what to send.
        let none = h.call(.POST, "/api/v1/auth/refresh", body: "{}")
        #expect(none.status == 401)
        #expect(none.string("detail")?.contains("refresh_token") == true)
    }

    @Test func refreshAndLogoutRefuseBodiesThatAreNotJSONSoOtherSitesCannotPostForms() throws {
        let h = try Harness()
        var headers = Headers()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        let request = Request(method: .POST, path: "/api/v1/auth/logout", headers: headers, body: Array("a=b".utf8))
        #expect(h.router.respond(request).status == 415)
    }

    @Test func passwordChangeNeedsTheCurrentPasswordAndEndsOtherSessions() throws {
        let h = try Harness()
        let (_, token) = try h.session(.viewer, email: "vi@example.com")
        let otherDevice = try #require(h.login("vi@example.com").string("refresh_token"))
        h.clock.advance(seconds: 1)  // the store refuses tokens issued in seconds before the change
        let missing = h.call(.PATCH, "/api/v1/me", body: json(["password": "a-brand-new-secret-77"]), bearer: token)
        #expect(missing.status == 400 && missing.errorFields == ["current_password"])
        #expect(h.call(.GET, "/api/v1/me", bearer: token).string("display_name") == "Test viewer")
        let wrong = h.call(.PATCH, "/api/v1/me", body: json(["password": "a-brand-new-secret-77", "current_password": "wrong-password-000", "display_name": "New"]), bearer: token)
        #expect(wrong.status == 400 && wrong.errorFields == ["current_password"], "\(wrong.text)")
        #expect(!wrong.text.contains("wrong-password-000"))
        #expect(try h.store.user(email: "vi@example.com")?.displayName == "Test viewer", "a refused change changes nothing")
        let changed = h.call(.PATCH, "/api/v1/me", body: json(["password": "a-brand-new-secret-77", "current_password": Harness.password, "display_name": "Vi"]), bearer: token)
        #expect(changed.status == 200, "\(changed.text)")
        #expect(changed.string("display_name") == "Vi")
        let newAccess = try #require(changed.json?["session"]?["access_token"])
        guard case .string(let fresh) = newAccess else { Issue.record("no session"); return }
        #expect(!changed.text.contains("a-brand-new-secret-77"))
        #expect(h.call(.POST, "/api/v1/auth/refresh", body: json(["refresh_token": otherDevice])).status == 401)
        #expect(h.call(.GET, "/api/v1/me", bearer: token).status == 401, "the old access token is refused")
        #expect(h.call(.GET, "/api/v1/me", bearer: fresh).string("display_name") == "Vi", "the change shows at once")
        #expect(h.login("vi@example.com", password: "a-brand-new-secret-77").status == 200)
    }

    @Test func setupCreatesTheFirstAdminOnceWithTheToken() throws {
        let h = try Harness()
        #expect(h.call(.GET, "/api/v1/setup").json == .object(["needed": .bool(true)]))
        let token = try #require(try h.store.issueSetupToken())
        let wrong = h.call(.POST, "/api/v1/setup", body: json(["setup_token": "nope", "email": "root@example.com", "password": Harness.password]))
        #expect(wrong.status == 401 && wrong.errorFields == ["setup_token"])
        let weak = h.call(.POST, "/api/v1/setup", body: json(["setup_token": token, "email": "root@example.com", "password": "short"]))
        #expect(weak.status == 400 && weak.errorFields == ["password"])
        let done = h.call(.POST, "/api/v1/setup", body: json(["setup_token": token, "email": "root@example.com", "password": Harness.password]))
        #expect(done.status == 201, "\(done.text)")
        #expect(done.string("role") == "admin")
        #expect(!done.text.contains(token))
        #expect(h.call(.GET, "/api/v1/setup").json == .object(["needed": .bool(false)]))
        let again = h.call(.POST, "/api/v1/setup", body: json(["setup_token": token, "email": "two@example.com", "password": Harness.password]))
        #expect(again.status == 409)
        #expect(h.login("root@example.com").status == 200)
    }

    @Test func jwksServesTheKeyThatVerifiesIssuedTokens() throws {
        let h = try Harness()
        let (_, token) = try h.session(.viewer)
        let reply = h.call(.GET, "/.well-known/jwks.json")
        #expect(reply.status == 200)
        guard case .array(let keys)? = reply.json?["keys"], let first = keys.first,
              case .string(let kid)? = first["kid"], case .string(let n)? = first["n"], case .string(let e)? = first["e"] else {
            Issue.record("no keys: \(reply.text)"); return
        }
        #expect(first["alg"] == .string("RS256"))
        let key = try RSAPublicKey(jwk: JSONWebKey(kty: "RSA", use: "sig", alg: "RS256", kid: kid, n: n, e: e))
        let verifier = JWTVerifier(keys: [key], issuer: "creator-studio", audience: "creator-studio-api")
        let claims = try verifier.verify(token, now: Int64(Harness.start.timeIntervalSince1970))
        #expect(claims.role == "viewer")
        #expect(reply.headers["Cache-Control"]?.hasPrefix("public") == true)
    }
}
