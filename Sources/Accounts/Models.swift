import Foundation

/// What a user may do. Admins run the box; creators see only their own work; viewers read.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Full access, including users, keys of others and the audit log.
    case admin
    /// Reads and writes their own content.
    case creator
    /// Reads only.
    case viewer

    /// The widest set of scopes a principal with this role may hold.
    public var allowedScopes: Set<Scope> {
        switch self {
        case .admin: [.read, .write, .admin]
        case .creator: [.read, .write]
        case .viewer: [.read]
        }
    }

    /// Orders by privilege: viewer < creator < admin.
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .creator: 1
        case .admin: 2
        }
    }
}

/// Whether a user may sign in.
public enum UserStatus: String, Sendable, Codable, CaseIterable {
    /// May sign in and use keys.
    case active
    /// Refused everywhere; sessions and keys stop working.
    case disabled
}

/// What a request may do: `read` (GET), `write` (changes to own content), `admin` (administration).
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    /// Read access.
    case read
    /// Write access.
    case write
    /// Administrative access.
    case admin

    /// Orders read < write < admin.
    public static func < (a: Scope, b: Scope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a space- or comma-separated list (`"read write"`); nil if any item is unknown.
    public static func parseList(_ text: String) -> Set<Scope>? {
        var out = Set<Scope>()
        for item in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let scope = Scope(rawValue: String(item)) else { return nil }
            out.insert(scope)
        }
        return out
    }

    /// Formats scopes space-separated in canonical order.
    public static func format(_ scopes: Set<Scope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: " ")
    }
}

/// A person (or the owner of scripts) known to the studio.
public struct User: Sendable, Equatable, Codable {
    /// Stable id.
    public var id: UUID
    /// The email as entered (NFKC-normalised, trimmed); unique ignoring case and lookalikes.
    public var email: String
    /// The name shown in the admin page.
    public var displayName: String
    /// The user's role.
    public var role: Role
    /// Whether the user may sign in.
    public var status: UserStatus
    /// When the user was created.
    public var createdAt: Date
    /// When the user was last changed.
    public var updatedAt: Date
}

/// The input to create a user.
public struct NewUser: Sendable {
    /// Email address.
    public var email: String
    /// Display name (1–200 characters).
    public var displayName: String
    /// Role.
    public var role: Role
    /// Password (checked against the policy, stored only as argon2id).
    public var password: String

    /// Creates the input.
    public init(email: String, displayName: String, role: Role, password: String) {
        self.email = email
        self.displayName = displayName
        self.role = role
        self.password = password
    }
}

/// Changes an admin may make to a user; nil fields stay as they are.
public struct UserChanges: Sendable {
    /// New email.
    public var email: String?
    /// New display name.
    public var displayName: String?
    /// New role.
    public var role: Role?
    /// New status.
    public var status: UserStatus?
    /// New password (an admin reset).
    public var password: String?

    /// Creates a change set.
    public init(email: String? = nil, displayName: String? = nil, role: Role? = nil, status: UserStatus? = nil, password: String? = nil) {
        self.email = email
        self.displayName = displayName
        self.role = role
        self.status = status
        self.password = password
    }
}

/// A page of a cursor-paginated list.
public struct Page<Item: Sendable>: Sendable {
    /// The items.
    public var data: [Item]
    /// Pass as `after` to get the next page; nil on the last page.
    public var nextCursor: String?
}

/// Who is making a request, as established by ``AccountStore/authenticate(bearer:)``.
public struct Principal: Sendable, Hashable {
    /// The user acting (for an API key, its owner).
    public var userID: UUID
    /// The user's role.
    public var role: Role
    /// What this request may do: the role's scopes for a signed-in user, the key's (narrowed to the
    /// owner's current role) for an API key.
    public var scopes: Set<Scope>
    /// The API key used, if any.
    public var apiKeyID: UUID?
    /// The access token's `jti`, if a token was used.
    public var tokenID: String?

    /// Creates a principal.
    public init(userID: UUID, role: Role, scopes: Set<Scope>, apiKeyID: UUID? = nil, tokenID: String? = nil) {
        self.userID = userID
        self.role = role
        self.scopes = scopes
        self.apiKeyID = apiKeyID
        self.tokenID = tokenID
    }

    /// True when the principal holds `scope`.
    public func has(_ scope: Scope) -> Bool { scopes.contains(scope) }

    /// True for an admin role holding the `admin` scope.
    public var isAdmin: Bool { role == .admin && scopes.contains(.admin) }
}

/// The answer to a sign-in or refresh, shaped like an OAuth 2 token response.
public struct TokenPair: Sendable, Equatable {
    /// RS256 JWT, for `Authorization: Bearer`.
    public var accessToken: String
    /// Always `Bearer`.
    public var tokenType: String
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// Opaque refresh token (256 bits, base64url); shown once.
    public var refreshToken: String
    /// Seconds until the refresh token expires (for the cookie's Max-Age).
    public var refreshExpiresIn: Int
    /// The signed-in user.
    public var userID: UUID
}

/// An API key's metadata (never its secret).
public struct APIKey: Sendable, Equatable, Codable {
    /// Key id.
    public var id: UUID
    /// Owner.
    public var userID: UUID
    /// The owner's label for it.
    public var name: String
    /// The visible start of the key (`sk_` + 8 characters), to recognise it.
    public var prefix: String
    /// Granted scopes.
    public var scopes: Set<Scope>
    /// When it was made.
    public var createdAt: Date
    /// When it stops working, if ever.
    public var expiresAt: Date?
    /// When it was last used (updated in batches, see ``AccountsConfiguration/usageFlushInterval``).
    public var lastUsedAt: Date?
    /// When it was revoked.
    public var revokedAt: Date?
}

/// A newly made API key: the secret is in `secret` and is never shown again.
public struct CreatedAPIKey: Sendable {
    /// The full key, `sk_` + 43 base64url characters.
    public var secret: String
    /// Its metadata.
    public var key: APIKey
}

/// Requests made with a key on one UTC day.
public struct APIKeyUsage: Sendable, Equatable {
    /// The key.
    public var keyID: UUID
    /// UTC day, `YYYY-MM-DD`.
    public var day: String
    /// Number of authenticated requests.
    public var requests: Int64
}
