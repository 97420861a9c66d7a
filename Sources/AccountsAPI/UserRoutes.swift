import Accounts
import FoundationEssentials
import HTTP

/// The caller's own account (`/me`) and, for admins, everyone's (`/users`).
enum UserRoutes {
    static func install(on router: inout Router, service: AccountsService) {
        let store = service.store

        router.get("/api/v1/me", RouteInfo(summary: "The signed-in user, with the scopes of the credential used.", access: "self")) { request in
            let principal = try request.accountsPrincipal()
            guard let user = try accounts({ () throws(AccountsError) in try service.cachedUser(principal.userID) }) else {
                throw APIError.unauthorized("This account no longer exists.")
            }
            return Response.json(me(user, principal: principal, service: service)).noStore()
        }

        router.patch("/api/v1/me", RouteInfo(summary: "Change your display name, or your password (with the current one).", access: "self", acceptsJSON: true, invalidates: ["users"])) { request in
            let principal = try request.accountsPrincipal()
            let body = try JSONFields(request, allowed: ["display_name", "password", "current_password"])
            let name = try body.string("display_name", maxBytes: 1024)
            let password = try body.string("password", maxBytes: 4096)
            let current = try body.string("current_password", maxBytes: 4096)
            if let name { try checkDisplayName(name) }
            if password != nil, current == nil {
                throw APIError.invalidField("current_password", "is required to change the password")
            }
            if current != nil, password == nil {
                throw APIError.invalidField("password", "is required with current_password (the new password)")
            }
            let ip = service.clientAddress(request)
            service.forgetUser(principal.userID)
            defer { service.forgetUser(principal.userID) }
            var session: TokenPair?
            // The password first: a wrong current password must leave the name unchanged too.
            if let password, let current {
                do {
                    session = try accounts { () throws(AccountsError) in
                        try store.changePassword(userID: principal.userID, currentPassword: current, newPassword: password, ip: ip)
                    }
                } catch let problem as APIError where problem.type == "invalid-credentials" {
                    // A wrong password in the body is bad input, not a bad bearer token: 401 would make
                    // clients refresh their session and send the password again.
                    throw APIError.invalidField("current_password", "is wrong")
                }
            }
            if let name {
                _ = try accounts { () throws(AccountsError) in try store.updateProfile(userID: principal.userID, displayName: name, ip: ip) }
            }
            guard let user = try accounts({ () throws(AccountsError) in try store.user(id: principal.userID) }) else {
                throw APIError.notFound("This account no longer exists.")
            }
            guard case .object(var members) = me(user, principal: principal, service: service) else { throw APIError.internalError(requestID: request.requestID) }
            var response: Response
            if let session {
                members["session"] = Representation.tokens(session)
                response = AuthRoutes.tokenResponse(session, request: request, service: service)
                response.body = .bytes(JSONValue.object(members).serialized())
            } else {
                response = Response.json(.object(members))
            }
            return response.noStore()
        }

        router.get("/api/v1/users", RouteInfo(summary: "List users, oldest first (cursor-paginated).", access: "admin")) { request in
            let limit = try intQuery(request, "limit", range: 1...200) ?? 50
            let page = try accounts { () throws(AccountsError) in try store.listUsers(limit: limit, after: request.queryValue("after")) }
            return Response.json(Representation.page(page.data.map { userJSON($0, service) }, next: page.nextCursor)).noStore()
        }

        router.post("/api/v1/users", RouteInfo(summary: "Create a user (a creator also gets a :Creator graph node).", access: "admin", acceptsJSON: true)) { request in
            let actor = try request.accountsPrincipal()
            let body = try JSONFields(request, allowed: ["email", "display_name", "role", "password"])
            let email = try body.string("email", required: true, maxBytes: 1024)!
            let password = try body.string("password", required: true, maxBytes: 4096)!
            let role = try parseRole(body.string("role", required: true)!)
            let name = try body.string("display_name", maxBytes: 1024) ?? AuthRoutes.defaultDisplayName(email)
            let ip = service.clientAddress(request)
            let user = try accounts { () throws(AccountsError) in
                try store.createUser(NewUser(email: email, displayName: name, role: role, password: password), by: actor, ip: ip)
            }
            var response = Response.json(userJSON(user, service), status: 201).noStore()
            response.headers["Location"] = "/api/v1/users/\(user.id.uuidString.lowercased())"
            return response
        }

        router.get("/api/v1/users/{id}", RouteInfo(summary: "One user.", access: "admin")) { request in
            let id = try userID(request)
            guard let user = try accounts({ () throws(AccountsError) in try store.user(id: id) }) else { throw APIError.notFound("No user with this id.") }
            return Response.json(userJSON(user, service)).noStore()
        }

        router.patch("/api/v1/users/{id}", RouteInfo(summary: "Change a user's email, name, role, status or password.", access: "admin", acceptsJSON: true)) { request in
            let actor = try request.accountsPrincipal()
            let id = try userID(request)
            let body = try JSONFields(request, allowed: ["email", "display_name", "role", "status", "password"])
            var changes = UserChanges()
            changes.email = try body.string("email", maxBytes: 1024)
            changes.displayName = try body.string("display_name", maxBytes: 1024)
            changes.role = try body.string("role").map { text throws(APIError) in try parseRole(text) }
            changes.password = try body.string("password", maxBytes: 4096)
            if let status = try body.string("status") {
                guard let value = UserStatus(rawValue: status) else { throw APIError.invalidField("status", "must be active or disabled") }
                changes.status = value
            }
            let ip = service.clientAddress(request)
            defer { service.forgetUser(id) }
            let user = try accounts { () throws(AccountsError) in try store.updateUser(id: id, changes, by: actor, ip: ip) }
            return Response.json(userJSON(user, service)).noStore()
        }

        router.delete("/api/v1/users/{id}", RouteInfo(summary: "Delete a user with their sessions and API keys (the audit log keeps their id).", access: "admin")) { request in
            let actor = try request.accountsPrincipal()
            let id = try userID(request)
            let ip = service.clientAddress(request)
            defer { service.forgetUser(id) }
            try accounts { () throws(AccountsError) in try store.deleteUser(id: id, by: actor, ip: ip) }
            return Response.noContent.noStore()
        }
    }

    /// A user as admins see it; a creator's graph node is created (through the app's hook) on first sight.
    static func userJSON(_ user: User, _ service: AccountsService) -> JSONValue {
        let node = user.status == .active ? service.creatorNode(for: user.id, role: user.role, displayName: { user.displayName }) : nil
        return Representation.user(user, creatorNode: node)
    }

    static func me(_ user: User, principal: Accounts.Principal, service: AccountsService) -> JSONValue {
        guard case .object(var members) = userJSON(user, service) else { return .null }
        members["scopes"] = .array(principal.scopes.sorted().map { .string($0.rawValue) })
        members["api_key_id"] = principal.apiKeyID.map { .string($0.uuidString.lowercased()) } ?? .null
        return .object(members)
    }

    static func userID(_ request: Request) throws(APIError) -> UUID {
        guard let id = UUID(uuidString: request.parameter("id")) else { throw APIError.notFound("No user with this id (ids are UUIDs).") }
        return id
    }

    static func parseRole(_ text: String) throws(APIError) -> Role {
        guard let role = Role(rawValue: text) else { throw APIError.invalidField("role", "must be admin, creator or viewer") }
        return role
    }

    /// The store's display-name rule, checked before any change so a bad name never follows a password change.
    static func checkDisplayName(_ name: String) throws(APIError) {
        let trimmed = name.trimming(" \t\n\r")
        guard (1...200).contains(trimmed.count) else { throw APIError.invalidField("display_name", "a display name has 1 to 200 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalidField("display_name", "a display name cannot contain control characters")
        }
    }

    static func intQuery(_ request: Request, _ name: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = request.queryValue(name) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw APIError.invalidField(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }
}
