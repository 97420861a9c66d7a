import Accounts
import FoundationEssentials
import HTTP

/// API keys for scripts: made by their owner (or an admin), shown once, revocable, counted per day.
enum APIKeyRoutes {
    static func install(on router: inout Router, service: AccountsService) {
        let store = service.store

        router.get("/api/v1/api-keys", RouteInfo(summary: "Your API keys (an admin: everyone's, or one user's with ?user_id=).", access: "self")) { request in
            let principal = try request.accountsPrincipal()
            var owner: UUID?
            if let text = request.queryValue("user_id") {
                guard let id = UUID(uuidString: text) else { throw APIError.invalidField("user_id", "must be a user id (UUID)") }
                guard id == principal.userID || principal.isAdmin else {
                    throw APIError.forbidden("Only an admin may list another user's API keys.")
                }
                owner = id
            }
            let keys = try accounts { () throws(AccountsError) in try store.listAPIKeys(visibleTo: principal, ownerID: owner) }
            return Response.json(Representation.page(keys.map(Representation.apiKey), next: nil)).noStore()
        }

        router.post("/api/v1/api-keys", RouteInfo(summary: "Create an API key; the secret sk_… is in this response only.", access: "self", acceptsJSON: true)) { request in
            let principal = try request.accountsPrincipal()
            let body = try JSONFields(request, allowed: ["name", "scopes", "expires_at", "user_id"])
            let name = try body.string("name", required: true, maxBytes: 1024)!
            var scopes = Set<Scope>()
            for (index, text) in try body.strings("scopes", required: true)!.enumerated() {
                guard let scope = Scope(rawValue: text) else { throw APIError.invalidField("scopes[\(index)]", "must be read, write or admin") }
                scopes.insert(scope)
            }
            var expiry: Date?
            if let text = try body.string("expires_at", maxBytes: 64) {
                guard let date = Timestamp.parse(text) else { throw APIError.invalidField("expires_at", "must be an RFC 3339 time such as 2027-01-31T00:00:00Z") }
                expiry = date
            }
            var owner = principal.userID
            if let text = try body.string("user_id", maxBytes: 64) {
                guard let id = UUID(uuidString: text) else { throw APIError.invalidField("user_id", "must be a user id (UUID)") }
                guard id == principal.userID || principal.isAdmin else { throw APIError.forbidden("You may create keys only for yourself.") }
                owner = id
            }
            let ip = service.clientAddress(request)
            let created = try accounts { () throws(AccountsError) in
                try store.createAPIKey(ownerID: owner, name: name, scopes: scopes, expiresAt: expiry, by: principal, ip: ip)
            }
            guard case .object(var members) = Representation.apiKey(created.key) else { throw APIError.internalError(requestID: request.requestID) }
            members["secret"] = .string(created.secret)
            var response = Response.json(.object(members), status: 201).noStore()
            response.headers["Location"] = "/api/v1/api-keys/\(created.key.id.uuidString.lowercased())"
            return response
        }

        router.delete("/api/v1/api-keys/{id}", RouteInfo(summary: "Revoke an API key at once (owner or admin).", access: "self")) { request in
            let principal = try request.accountsPrincipal()
            let id = try keyID(request)
            let ip = service.clientAddress(request)
            try accounts { () throws(AccountsError) in try store.revokeAPIKey(id: id, by: principal, ip: ip) }
            return Response.noContent.noStore()
        }

        router.get("/api/v1/api-keys/{id}/usage", RouteInfo(summary: "Requests made with a key, per UTC day (owner or admin).", access: "self")) { request in
            let principal = try request.accountsPrincipal()
            let id = try keyID(request)
            let usage = try accounts { () throws(AccountsError) in try store.apiKeyUsage(keyID: id, visibleTo: principal) }
            let items: [JSONValue] = usage.map { .object(["day": .string($0.day), "requests": .int($0.requests)]) }
            return Response.json(Representation.page(items, next: nil)).noStore()
        }
    }

    static func keyID(_ request: Request) throws(APIError) -> UUID {
        guard let id = UUID(uuidString: request.parameter("id")) else { throw APIError.notFound("No API key with this id.") }
        return id
    }
}
