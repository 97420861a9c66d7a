/// Who is calling: set by the authentication middleware, read by handlers.
///
/// Route modules check ownership with it (a creator sees only their own work) without
/// knowing how the caller signed in.
public struct Principal: Sendable, Hashable {
    /// The roles, from least to most privileged.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case viewer, creator, admin

        /// Privilege order: viewer < creator < admin.
        public static func < (a: Role, b: Role) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// API-key scopes.
    public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
        case read, write, admin
    }

    /// The user's id (UUID text).
    public var userID: String
    /// The user's role.
    public var role: Role
    /// What this credential may do: all scopes of the role for a session, the key's scopes for an API key.
    public var scopes: Set<Scope>
    /// The user's `:Creator` node in the graph, when the user is a creator.
    public var creatorNode: UInt64?
    /// The API key's id when the request used one.
    public var apiKeyID: String?

    /// A principal.
    public init(userID: String, role: Role, scopes: Set<Scope>, creatorNode: UInt64? = nil, apiKeyID: String? = nil) {
        self.userID = userID
        self.role = role
        self.scopes = scopes
        self.creatorNode = creatorNode
        self.apiKeyID = apiKeyID
    }

    /// Whether this principal is an admin with admin scope.
    public var isAdmin: Bool { role == .admin && scopes.contains(.admin) }

    /// Whether this credential may change data.
    public var canWrite: Bool { scopes.contains(.write) || scopes.contains(.admin) }
}

/// The request-context key for the authenticated principal.
public enum PrincipalKey: RequestContextKey {
    public typealias Value = Principal
}

extension Request {
    /// The authenticated caller, if any.
    public var principal: Principal? {
        get { context[PrincipalKey.self] }
        set { context[PrincipalKey.self] = newValue }
    }

    /// The authenticated caller, or 401.
    public func requirePrincipal() throws(APIError) -> Principal {
        guard let principal else { throw APIError.unauthorized() }
        return principal
    }
}
