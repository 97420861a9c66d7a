import Crypto
import Foundation
import GRDB
import Synchronization

extension AccountStore {
    /// Creates an API key for `ownerID` and returns its secret, which is shown this once.
    ///
    /// The secret is `sk_` + 43 base64url characters (256 random bits); only its SHA-256 is stored,
    /// with the first 11 characters kept visible as `prefix`.
    /// - Parameters:
    ///   - scopes: non-empty, and no wider than the owner's role allows (a viewer gets `read` only).
    ///   - expiresAt: optional expiry in the future.
    ///   - actor: who asks: the owner (whose own scopes also bound the new key) or an admin; nil for the shell.
    /// - Throws: `forbidden`, `not_found`, `scope_too_wide`, `invalid_input`.
    public func createAPIKey(ownerID: UUID, name: String, scopes: Set<Scope>, expiresAt: Date? = nil,
                             by actor: Principal? = nil, ip: String? = nil) throws(AccountsError) -> CreatedAPIKey {
        if let actor, actor.userID != ownerID, !actor.isAdmin {
            throw AccountsError(.forbidden, "you may create keys only for yourself")
        }
        let label = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(label.count), !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AccountsError(.invalidInput, "a key name has 1 to 100 characters and no control characters", field: "name")
        }
        guard !scopes.isEmpty else { throw AccountsError(.invalidInput, "choose at least one scope (read, write, admin)", field: "scopes") }
        if let actor, actor.userID == ownerID, !scopes.isSubset(of: actor.scopes) {
            throw AccountsError(.scopeTooWide, "a key cannot have scopes the credential creating it lacks", field: "scopes")
        }
        let now = clock.seconds
        var expiry: Int64?
        if let expiresAt {
            expiry = Int64(expiresAt.timeIntervalSince1970.rounded(.down))
            guard expiry! > now else { throw AccountsError(.invalidInput, "the expiry must be in the future", field: "expires_at") }
        }
        let secret = "sk_" + Base64URL.encode(try Self.random(32))
        let key = APIKey(id: UUID(), userID: ownerID, name: label, prefix: String(secret.prefix(11)), scopes: scopes,
                         createdAt: Date(timeIntervalSince1970: TimeInterval(now)), expiresAt: expiry.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                         lastUsedAt: nil, revokedAt: nil)
        try write { db in
            guard let owner = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [ownerID.lowercased]).map(Self.user) else {
                throw AccountsError(.notFound, "no user with this id")
            }
            guard scopes.isSubset(of: owner.role.allowedScopes) else {
                throw AccountsError(.scopeTooWide, "a \(owner.role.rawValue) may hold only \(Scope.format(owner.role.allowedScopes))", field: "scopes")
            }
            try db.execute(sql: """
                INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key.id.lowercased, ownerID.lowercased, label, key.prefix, SHA256.hexHash(secret), Scope.format(scopes), now, expiry])
            try AuditChain.append(db, at: now, event: .apiKeyCreated, actor: actor?.userID, subject: key.id.lowercased, ip: ip,
                                  detail: ["owner_id": ownerID.lowercased, "prefix": key.prefix, "scopes": Scope.format(scopes), "name": label])
        }
        return CreatedAPIKey(secret: secret, key: key)
    }

    /// API keys visible to `viewer`: their own, or for an admin everyone's (optionally one owner's).
    public func listAPIKeys(visibleTo viewer: Principal, ownerID: UUID? = nil) throws(AccountsError) -> [APIKey] {
        let owner = viewer.isAdmin ? ownerID : viewer.userID
        return try read { db in
            if let owner {
                return try Row.fetchAll(db, sql: "SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, id", arguments: [owner.lowercased]).map(Self.apiKey)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map(Self.apiKey)
        }
    }

    /// One key, if `viewer` owns it or is an admin (otherwise `not_found`, revealing nothing).
    public func apiKey(id: UUID, visibleTo viewer: Principal) throws(AccountsError) -> APIKey {
        let key = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id.lowercased]).map(Self.apiKey) }
        guard let key, key.userID == viewer.userID || viewer.isAdmin else { throw AccountsError(.notFound, "no API key with this id") }
        return key
    }

    /// Revokes a key at once. Only its owner or an admin may; for anyone else the key does not exist.
    public func revokeAPIKey(id: UUID, by actor: Principal?, ip: String? = nil) throws(AccountsError) {
        let now = clock.seconds
        try write { db in
            guard let key = try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id.lowercased]).map(Self.apiKey),
                  actor == nil || key.userID == actor!.userID || actor!.isAdmin
            else { throw AccountsError(.notFound, "no API key with this id") }
            guard key.revokedAt == nil else { return }
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?", arguments: [now, id.lowercased])
            try AuditChain.append(db, at: now, event: .apiKeyRevoked, actor: actor?.userID, subject: id.lowercased, ip: ip,
                                  detail: ["owner_id": key.userID.lowercased, "prefix": key.prefix])
        }
    }

    /// Daily request counts of one key (owner or admin), oldest day first, pending counts included.
    public func apiKeyUsage(keyID: UUID, visibleTo viewer: Principal) throws(AccountsError) -> [APIKeyUsage] {
        _ = try apiKey(id: keyID, visibleTo: viewer)
        flushUsage()
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT key_id, day, requests FROM api_key_usage WHERE key_id = ? ORDER BY day", arguments: [keyID.lowercased])
                .map { APIKeyUsage(keyID: UUID(uuidString: $0["key_id"])!, day: $0["day"], requests: $0["requests"]) }
        }
    }

    /// Request counts of every key on one UTC day (`YYYY-MM-DD`), for usage-based billing.
    public func apiKeyUsage(day: String) throws(AccountsError) -> [APIKeyUsage] {
        flushUsage()
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT key_id, day, requests FROM api_key_usage WHERE day = ? ORDER BY key_id", arguments: [day])
                .map { APIKeyUsage(keyID: UUID(uuidString: $0["key_id"])!, day: $0["day"], requests: $0["requests"]) }
        }
    }

    /// Writes buffered usage counts and last-used times now (call at shutdown; also runs by itself
    /// every ``AccountsConfiguration/usageFlushInterval`` seconds during authentication).
    public func flushUsage() {
        let pending = usage.withLock { buffer -> UsageBuffer in
            let taken = buffer
            buffer = UsageBuffer()
            buffer.lastFlush = clock.now().timeIntervalSince1970
            return taken
        }
        guard !pending.counts.isEmpty else { return }
        do {
            try writer.write { db in
                for (key, count) in pending.counts {
                    try db.execute(sql: """
                        INSERT INTO api_key_usage (key_id, day, requests) VALUES (?, ?, ?)
                        ON CONFLICT(key_id, day) DO UPDATE SET requests = requests + excluded.requests
                        """, arguments: [key.keyID.lowercased, key.day, count])
                }
                for (keyID, at) in pending.lastUsed {
                    try db.execute(sql: "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
                                   arguments: [at, keyID.lowercased])
                }
            }
        } catch {
            // Put the counts back so a transient failure (busy database) loses nothing.
            usage.withLock { buffer in
                for (key, count) in pending.counts { buffer.counts[key, default: 0] += count }
                for (keyID, at) in pending.lastUsed { buffer.lastUsed[keyID] = max(buffer.lastUsed[keyID] ?? 0, at) }
            }
        }
    }

    func authenticateAPIKey(_ secret: String) throws(AccountsError) -> Principal {
        guard secret.utf8.count == 46, let raw = Base64URL.decode(secret.dropFirst(3)), raw.count == 32 else {
            throw AccountsError(.invalidToken, "the API key is malformed", reason: "api_key_malformed")
        }
        let row = try read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT k.*, u.role AS owner_role, u.status AS owner_status FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?
                """), arguments: [SHA256.hexHash(secret)])
        }
        guard let row else { throw AccountsError(.invalidToken, "the API key is not valid", reason: "api_key_unknown") }
        let key = Self.apiKey(row)
        let now = clock.now()
        guard key.revokedAt == nil else { throw AccountsError(.invalidToken, "the API key was revoked", reason: "api_key_revoked") }
        if let expiry = key.expiresAt, expiry <= now { throw AccountsError(.invalidToken, "the API key has expired", reason: "api_key_expired") }
        guard (row["owner_status"] as String) == UserStatus.active.rawValue, let role = Role(rawValue: row["owner_role"]) else {
            throw AccountsError(.invalidToken, "the API key's owner is disabled", reason: "account_disabled")
        }
        recordUse(of: key.id, at: now)
        // A key never grants more than its owner's current role, even if the role was lowered later.
        return Principal(userID: key.userID, role: role, scopes: key.scopes.intersection(role.allowedScopes), apiKeyID: key.id)
    }

    func recordUse(of keyID: UUID, at now: Date) {
        let seconds = now.timeIntervalSince1970
        let day = Self.utcDay(seconds)
        let due = usage.withLock { buffer -> Bool in
            buffer.counts[UsageBuffer.Key(keyID: keyID, day: day), default: 0] += 1
            buffer.lastUsed[keyID] = max(buffer.lastUsed[keyID] ?? 0, Int64(seconds))
            if buffer.lastFlush == 0 { buffer.lastFlush = seconds }
            return seconds - buffer.lastFlush >= configuration.usageFlushInterval
        }
        if due { flushUsage() }
    }

    /// `YYYY-MM-DD` of a Unix time in UTC (days-to-civil arithmetic; Foundation's Calendar is far slower per call).
    static func utcDay(_ seconds: Double) -> String {
        let days = Int64((seconds / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int64, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func apiKey(_ row: Row) -> APIKey {
        func date(_ column: String) -> Date? { (row[column] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
        return APIKey(id: UUID(uuidString: row["id"]) ?? UUID(), userID: UUID(uuidString: row["user_id"]) ?? UUID(), name: row["name"],
                      prefix: row["prefix"], scopes: Scope.parseList(row["scopes"]) ?? [], createdAt: date("created_at") ?? Date(timeIntervalSince1970: 0),
                      expiresAt: date("expires_at"), lastUsedAt: date("last_used_at"), revokedAt: date("revoked_at"))
    }
}

/// API-key usage counted in memory between flushes.
struct UsageBuffer: Sendable {
    struct Key: Hashable, Sendable {
        var keyID: UUID
        var day: String
    }
    var counts: [Key: Int64] = [:]
    var lastUsed: [UUID: Int64] = [:]
    var lastFlush: Double = 0
}
