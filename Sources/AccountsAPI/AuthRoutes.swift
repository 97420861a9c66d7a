import Accounts
import Crypto
import FoundationEssentials
import HTTP

/// Sign-in, refresh, sign-out, first-admin setup and the public signing keys.
enum AuthRoutes {
    static func install(on router: inout Router, service: AccountsService) {
        let store = service.store

        router.post("/api/v1/auth/login", RouteInfo(summary: "Sign in with email and password; answers an OAuth 2 token response.", access: "public", acceptsJSON: true)) { request in
            let body = try JSONFields(request, allowed: ["email", "password"])
            let email = try body.string("email", required: true, maxBytes: 1024)!
            let password = try body.string("password", required: true, maxBytes: 4096)!
            let ip = service.clientAddress(request)
            let pair = try accounts { () throws(AccountsError) in try store.signIn(email: email, password: password, ip: ip) }
            return tokenResponse(pair, request: request, service: service)
        }

        router.post("/api/v1/auth/refresh", RouteInfo(summary: "Exchange a refresh token (body or cookie) for new tokens; the old one stops working.", access: "public", acceptsJSON: true)) { request in
            let body = try JSONFields(request, allowed: ["refresh_token"])
            guard let token = try body.string("refresh_token", maxBytes: 512) ?? cookie(service.configuration.refreshCookieName, in: request) else {
                var problem = APIError.unauthorized("Send {\"refresh_token\": …} or the session cookie.")
                problem.type = "invalid-token"
                throw problem
            }
            let ip = service.clientAddress(request)
            do {
                let pair = try accounts { () throws(AccountsError) in try store.refresh(refreshToken: token, ip: ip) }
                return tokenResponse(pair, request: request, service: service)
            } catch let problem as APIError {
                // The session is over: tell the browser to drop its cookie so it stops retrying.
                var response = problem.response(instance: request.path).noStore()
                response.headers.add("Set-Cookie", clearingCookie(request: request, service: service))
                return response
            }
        }

        router.post("/api/v1/auth/logout", RouteInfo(summary: "End the session (the refresh token's whole family); idempotent.", access: "public", acceptsJSON: true)) { request in
            let body = try JSONFields(request, allowed: ["refresh_token"])
            let token = try body.string("refresh_token", maxBytes: 512) ?? cookie(service.configuration.refreshCookieName, in: request)
            if let token {
                let ip = service.clientAddress(request)
                _ = try accounts { () throws(AccountsError) in try store.signOut(refreshToken: token, ip: ip) }
            }
            var response = Response.noContent.noStore()
            response.headers.add("Set-Cookie", clearingCookie(request: request, service: service))
            return response
        }

        router.get("/api/v1/setup", RouteInfo(summary: "Whether first-admin setup is needed (no user exists yet).", access: "public")) { _ in
            let needed = try accounts { () throws(AccountsError) in try store.needsSetup() }
            return Response.json(.object(["needed": .bool(needed)])).noStore()
        }

        router.post("/api/v1/setup", RouteInfo(summary: "Create the first admin with the one-time setup token the daemon printed.", access: "public", acceptsJSON: true, invalidates: ["users"])) { request in
            let body = try JSONFields(request, allowed: ["setup_token", "email", "password", "display_name"])
            let token = try body.string("setup_token", required: true, maxBytes: 200)!
            let email = try body.string("email", required: true, maxBytes: 1024)!
            let password = try body.string("password", required: true, maxBytes: 4096)!
            let name = try body.string("display_name", maxBytes: 1024) ?? defaultDisplayName(email)
            let ip = service.clientAddress(request)
            let user = try accounts { () throws(AccountsError) in
                try store.completeSetup(token: token, email: email, displayName: name, password: password, ip: ip)
            }
            var response = Response.json(Representation.user(user, creatorNode: nil), status: 201).noStore()
            response.headers["Location"] = "/api/v1/users/\(user.id.uuidString.lowercased())"
            return response
        }

        router.get("/.well-known/jwks.json", RouteInfo(summary: "The public keys that verify access tokens (RFC 7517 JWK Set).", access: "public")) { _ in
            let set = store.jwks()
            let keys: [JSONValue] = set.keys.map { key in
                .object(["kty": .string(key.kty), "use": .string(key.use), "alg": .string(key.alg), "kid": .string(key.kid),
                         "n": .string(key.n), "e": .string(key.e)])
            }
            var response = Response.json(.object(["keys": .array(keys)]))
            response.headers["Content-Type"] = "application/jwk-set+json"
            // Short: after a rotation, verifiers that meet an unknown kid fetch again anyway.
            response.headers["Cache-Control"] = "public, max-age=60"
            return response
        }
    }

    /// The token response, with the refresh token also in the HttpOnly cookie for the browser.
    static func tokenResponse(_ pair: TokenPair, request: Request, service: AccountsService) -> Response {
        var response = Response.json(Representation.tokens(pair)).noStore()
        var cookie = "\(service.configuration.refreshCookieName)=\(pair.refreshToken); Path=/api/v1/auth; Max-Age=\(pair.refreshExpiresIn); HttpOnly; SameSite=Strict"
        if secure(request, service: service) { cookie += "; Secure" }
        response.headers.add("Set-Cookie", cookie)
        return response
    }

    static func clearingCookie(request: Request, service: AccountsService) -> String {
        var cookie = "\(service.configuration.refreshCookieName)=; Path=/api/v1/auth; Max-Age=0; HttpOnly; SameSite=Strict"
        if secure(request, service: service) { cookie += "; Secure" }
        return cookie
    }

    static func secure(_ request: Request, service: AccountsService) -> Bool {
        service.configuration.secureCookies == .always
            || request.headers["X-Forwarded-Proto"]?.trimming(" ").lowercased() == "https"
    }

    /// The value of cookie `name` from the `Cookie` header(s).
    static func cookie(_ name: String, in request: Request) -> String? {
        for field in request.headers where field.name.caseInsensitiveEquals("Cookie") {
            for pair in field.value.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let eq = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<eq] == name {
                    let value = String(trimmed[trimmed.index(after: eq)...]).trimming(" \"")
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    static func defaultDisplayName(_ email: String) -> String {
        let local = email.split(separator: "@").first.map(String.init)?.trimming(" ") ?? ""
        return local.isEmpty ? "Admin" : String(local.prefix(200))
    }
}
