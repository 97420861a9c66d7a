import Crypto
import Foundation
import GRDB
import Synchronization

extension AccountStore {
    /// Signs in with email and password and starts a session (a new refresh-token family).
    ///
    /// Attempts are throttled per account and per IP before any hashing: a blocked attempt costs
    /// no argon2 work. An unknown email costs the same hash as a known one, and both fail with the
    /// same `invalid_credentials` error. A stored hash made with older parameters is re-hashed with
    /// the configured ones after a successful check.
    /// - Throws: `sign_in_throttled` (with `retryAfter`), `invalid_credentials`, `account_disabled`, `busy`.
    public func signIn(email: String, password: String, ip: String? = nil) throws(AccountsError) -> TokenPair {
        let now = clock.seconds
        let account = EmailAddress.lenientKey(email)
        if let wait = throttle.retryAfter(account: account, ip: ip, now: now) { throw Self.throttledError(wait) }

        let found: (user: User, hash: String)? = try read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE email_key = ?"), arguments: [account]) else { return nil }
            return (Self.user(row), row["password_hash"])
        }
        let phc: String
        if let found { phc = found.hash } else { phc = try placeholderHash() }
        let matches = try verify(password, against: phc)
        guard let found, matches else {
            let delay = throttle.recordFailure(account: account, ip: ip, now: now)
            let _: Void = try write { db in
                var detail = ["reason": found == nil ? "unknown_email" : "wrong_password", "email": String(account.prefix(254))]
                if let delay { detail["delay_seconds"] = "\(delay)" }
                try AuditChain.append(db, at: now, event: .signInFailed, actor: nil, subject: found?.user.id.lowercased, ip: ip, detail: detail)
                if let delay {
                    try AuditChain.append(db, at: now, event: .signInLocked, actor: nil, subject: found?.user.id.lowercased, ip: ip,
                                          detail: ["email": String(account.prefix(254)), "delay_seconds": "\(delay)"])
                }
            }
            throw AccountsError(.invalidCredentials, "the email or password is wrong")
        }
        guard found.user.status == .active else {
            let _: Void = try write { db in
                _ = try AuditChain.append(db, at: now, event: .signInFailed, actor: nil, subject: found.user.id.lowercased, ip: ip,
                                          detail: ["reason": "disabled", "email": String(account.prefix(254))])
            }
            throw AccountsError(.accountDisabled, "this account is disabled; ask an admin")
        }
        throttle.recordSuccess(account: account)

        var upgraded: String?
        if Argon2id.needsRehash(phc, target: configuration.passwordHashing) {
            upgraded = try? hash(password)  // best effort: a failed upgrade must not fail the sign-in
        }
        let session: (TokenPair, JWTClaims) = try write { db in
            if let upgraded {
                try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
                               arguments: [upgraded, found.user.id.lowercased, phc])
            }
            var detail: [String: String] = [:]
            if upgraded != nil { detail["password_rehashed"] = "true" }
            try AuditChain.append(db, at: now, event: .signInSucceeded, actor: found.user.id, subject: found.user.id.lowercased, ip: ip, detail: detail)
            return try self.startSession(db, user: found.user, now: now)
        }
        return try finish(session)
    }

    /// Exchanges a refresh token for a new access token and a new refresh token (rotation).
    ///
    /// Each refresh token works once. Presenting one that was already used means it was copied:
    /// the whole family is revoked, so the thief's and the owner's newer tokens both stop working.
    /// - Throws: `invalid_token` (reason `refresh_unknown`, `refresh_expired`, `refresh_revoked`, `account_disabled`),
    ///   `refresh_token_reused`.
    public func refresh(refreshToken: String, ip: String? = nil) throws(AccountsError) -> TokenPair {
        let tokenHash = try Self.refreshTokenHash(refreshToken)
        let now = clock.seconds
        enum Outcome { case session(TokenPair, JWTClaims), reused, refused(AccountsError) }
        let outcome: Outcome = try write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.family_id, t.expires_at, t.used_at, f.revoked_at, u.*
                FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id JOIN users u ON u.id = f.user_id
                WHERE t.token_hash = ?
                """, arguments: [tokenHash])
            else { return .refused(AccountsError(.invalidToken, "the refresh token is not valid", reason: "refresh_unknown")) }
            let familyID: String = row["family_id"]
            if (row["revoked_at"] as Int64?) != nil {
                return .refused(AccountsError(.invalidToken, "this session has ended; sign in again", reason: "refresh_revoked"))
            }
            let user = Self.user(row)
            if (row["used_at"] as Int64?) != nil {
                try Self.revokeFamily(db, familyID: familyID, userID: user.id, reason: "refresh_token_reused", now: now, actor: nil, ip: ip)
                return .reused
            }
            if (row["expires_at"] as Int64) <= now {
                return .refused(AccountsError(.invalidToken, "the refresh token has expired; sign in again", reason: "refresh_expired"))
            }
            guard user.status == .active else {
                try Self.revokeFamily(db, familyID: familyID, userID: user.id, reason: "user_disabled", now: now, actor: nil, ip: ip)
                return .refused(AccountsError(.invalidToken, "this account is disabled", reason: "account_disabled"))
            }
            try db.execute(sql: "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", arguments: [now, tokenHash])
            let (pair, claims) = try self.issue(db, user: user, familyID: familyID, now: now)
            return .session(pair, claims)
        }
        switch outcome {
        case .session(let pair, let claims): return try finish((pair, claims))
        case .reused:
            throw AccountsError(.refreshTokenReused, "this refresh token was already used; the session has been ended everywhere, sign in again")
        case .refused(let error): throw error
        }
    }

    /// Ends the session the refresh token belongs to (its whole family). Returns false when the token
    /// is unknown or the session had already ended (logging out twice is not an error).
    @discardableResult
    public func signOut(refreshToken: String, ip: String? = nil) throws(AccountsError) -> Bool {
        guard let tokenHash = try? Self.refreshTokenHash(refreshToken) else { return false }
        let now = clock.seconds
        return try write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT f.id, f.user_id, f.revoked_at FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = ?
                """, arguments: [tokenHash]), (row["revoked_at"] as Int64?) == nil
            else { return false }
            let userID = UUID(uuidString: row["user_id"])
            try Self.revokeFamily(db, familyID: row["id"], userID: userID, reason: "logout", now: now, actor: userID, ip: ip)
            return true
        }
    }

    /// Ends every session of a user (refresh families); access tokens run out within 15 minutes.
    public func signOutEverywhere(userID: UUID, by actor: Principal? = nil, ip: String? = nil) throws(AccountsError) {
        let now = clock.seconds
        try write { db in try Self.revokeFamilies(db, userID: userID, reason: "sign_out_everywhere", now: now, actor: actor?.userID, ip: ip) }
    }

    /// Checks an access token (signature, `alg`, `kid`, `iss`, `aud`, `exp`, `nbf`, `iat`) and returns who it is for.
    ///
    /// A verified token is remembered until it expires, so repeated use costs a dictionary lookup
    /// rather than an RSA operation. Tokens issued before a user's role change, disablement, deletion
    /// or password change are refused.
    /// - Throws: `invalid_token` with `reason` set to the JWT rejection code.
    public func verifyAccessToken(_ token: String) throws(AccountsError) -> Principal {
        let now = clock.seconds
        let leeway = configuration.tokenLeeway
        let principal: Principal
        let issuedAt: Int64
        let cacheKey = VerifiedTokenCache.Key(token)
        if let cached = tokenCache.lookup(cacheKey), now <= cached.expiresAt + leeway {
            principal = cached.principal
            issuedAt = cached.issuedAt
        } else {
            let state = keyRing.current
            let claims: JWTClaims
            do {
                claims = try state.verifier.verify(token, now: now)
            } catch {
                throw AccountsError(.invalidToken, Self.tokenMessage(error.code), reason: error.code.rawValue)
            }
            guard let subject = claims.subject, let userID = UUID(uuidString: subject),
                  let role = claims.role.flatMap(Role.init(rawValue:)), let iat = claims.issuedAt, let exp = claims.expiresAt
            else { throw AccountsError(.invalidToken, "the access token lacks a user or role", reason: JWTError.Code.missingClaim.rawValue) }
            principal = Principal(userID: userID, role: role, scopes: role.allowedScopes, tokenID: claims.id)
            issuedAt = iat
            tokenCache.insert(cacheKey, VerifiedTokenCache.Entry(principal: principal, issuedAt: iat, expiresAt: exp), now: now)
        }
        if let cutoff = tokensInvalidBefore.withLock({ $0[principal.userID] }), issuedAt < cutoff {
            throw AccountsError(.invalidToken, "the access token was revoked; sign in again", reason: "token_revoked")
        }
        return principal
    }

    /// Establishes who is calling from an `Authorization` value: an access token (JWT) or an API key
    /// (`sk_…`), with or without the `Bearer ` prefix. This is what the auth middleware calls.
    /// - Throws: `invalid_token` (with a `reason`) for anything missing, malformed, unknown, expired or revoked.
    public func authenticate(bearer: String) throws(AccountsError) -> Principal {
        // Byte-level trimming: this runs on every request, and Character-level work on a 600-byte token is slow.
        let bytes = bearer.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        let scheme = Array("bearer ".utf8)
        if bytes.count >= scheme.count, zip(bytes.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 }) {
            start = bytes.index(start, offsetBy: scheme.count)
        }
        while start < end, bytes[start] == 0x20 { start = bytes.index(after: start) }
        while end > start, bytes[bytes.index(before: end)] == 0x20 { end = bytes.index(before: end) }
        guard start < end else { throw AccountsError(.invalidToken, "credentials are required", reason: "missing") }
        let credential = String(Substring(bearer.utf8[start..<end]))
        if credential.utf8.starts(with: "sk_".utf8) { return try authenticateAPIKey(credential) }
        return try verifyAccessToken(credential)
    }

    /// The public signing keys to serve at `/.well-known/jwks.json`: the active key and any retired
    /// key whose tokens may still be valid.
    public func jwks() -> JSONWebKeySet {
        keyRing.keySet(now: clock.seconds)
    }

    /// Makes a new signing key; tokens signed by the previous one stay valid until they expire.
    /// - Returns: the new key id.
    @discardableResult
    public func rotateSigningKey() throws(AccountsError) -> String {
        let result = try keyRing.rotate(writer: writer, now: clock.seconds)
        tokenCache.removeAll()
        return result.new
    }

    /// Re-reads signing keys (after another process rotated them, or periodically to drop expired ones).
    public func reloadSigningKeys() throws(AccountsError) {
        try keyRing.reload(writer: writer, now: clock.seconds)
        tokenCache.removeAll()
    }

    /// The key id that signs new tokens.
    public var activeKeyID: String { keyRing.current.signer.keyID }

    // MARK: Internals

    /// Creates a refresh family and its first token, and signs an access token (signing happens in `finish`).
    func startSession(_ db: Database, user: User, now: Int64) throws -> (TokenPair, JWTClaims) {
        let familyID = UUID().lowercased
        try db.execute(sql: "INSERT INTO refresh_families (id, user_id, created_at) VALUES (?, ?, ?)",
                       arguments: [familyID, user.id.lowercased, now])
        return try issue(db, user: user, familyID: familyID, now: now)
    }

    func issue(_ db: Database, user: User, familyID: String, now: Int64) throws -> (TokenPair, JWTClaims) {
        let refresh = try SecureRandom.token(byteCount: 32)
        try db.execute(sql: "INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES (?, ?, ?, ?)",
                       arguments: [SHA256.hexHash(refresh), familyID, now, now + configuration.refreshTokenLifetime])
        let claims = JWTClaims(issuer: configuration.issuer, subject: user.id.lowercased, audience: [configuration.audience],
                               issuedAt: now, expiresAt: now + configuration.accessTokenLifetime, id: UUID().lowercased,
                               role: user.role.rawValue, scope: Scope.format(user.role.allowedScopes))
        let pair = TokenPair(accessToken: "", tokenType: "Bearer", expiresIn: Int(configuration.accessTokenLifetime),
                             refreshToken: refresh, refreshExpiresIn: Int(configuration.refreshTokenLifetime), userID: user.id)
        return (pair, claims)
    }

    /// Signs the access token after the session's transaction has committed.
    func finish(_ session: (TokenPair, JWTClaims)) throws(AccountsError) -> TokenPair {
        var (pair, claims) = session
        do {
            pair.accessToken = try keyRing.current.signer.sign(claims)
        } catch {
            throw AccountsError(.keyFailure, "cannot sign the access token: \(error.message)")
        }
        return pair
    }

    static func revokeFamily(_ db: Database, familyID: String, userID: UUID?, reason: String, now: Int64, actor: UUID?, ip: String?) throws {
        try db.execute(sql: "UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
                       arguments: [now, reason, familyID])
        guard db.changesCount > 0 else { return }
        try AuditChain.append(db, at: now, event: .tokenFamilyRevoked, actor: actor, subject: familyID, ip: ip,
                              detail: ["reason": reason, "user_id": userID?.lowercased ?? ""])
    }

    static func revokeFamilies(_ db: Database, userID: UUID, reason: String, now: Int64, actor: UUID?, ip: String?) throws {
        let families = try String.fetchAll(db, sql: "SELECT id FROM refresh_families WHERE user_id = ? AND revoked_at IS NULL",
                                           arguments: [userID.lowercased])
        for family in families {
            try revokeFamily(db, familyID: family, userID: userID, reason: reason, now: now, actor: actor, ip: ip)
        }
    }

    static func refreshTokenHash(_ token: String) throws(AccountsError) -> String {
        guard token.utf8.count == 43, let bytes = Base64URL.decode(token), bytes.count == 32 else {
            throw AccountsError(.invalidToken, "the refresh token is malformed", reason: "refresh_malformed")
        }
        return SHA256.hexHash(token)
    }

    /// A hash of a random password with the configured parameters, so unknown emails cost as much as known ones.
    func placeholderHash() throws(AccountsError) -> String {
        if let existing = dummyHash.withLock({ $0 }) { return existing }
        let made = try hash(Base64URL.encode(try Self.random(24)))
        dummyHash.withLock { $0 = made }
        return made
    }

    static func random(_ count: Int) throws(AccountsError) -> [UInt8] {
        do {
            return try SecureRandom.bytes(count: count)
        } catch {
            throw AccountsError(.keyFailure, "the random generator failed")
        }
    }

    static func tokenMessage(_ code: JWTError.Code) -> String {
        switch code {
        case .expired: "the access token has expired; refresh it"
        case .notYetValid: "the access token is not valid yet"
        case .wrongAudience: "the access token is meant for another service"
        case .wrongIssuer: "the access token was issued by someone else"
        case .unsupportedAlgorithm: "only RS256 access tokens are accepted"
        case .unknownKey: "the access token was signed by an unknown key"
        case .badSignature: "the access token's signature does not verify"
        case .oversized: "the access token is too long"
        case .missingClaim: "the access token lacks a required claim"
        default: "the access token is malformed"
        }
    }
}

/// Recently verified access tokens, so a token used on many requests is checked with RSA once.
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        var principal: Principal
        var issuedAt: Int64
        var expiresAt: Int64
    }

    /// The token's bytes. Equality compares every byte; the hash uses only the length and the last
    /// 32 bytes (part of the signature), because hashing a `String` normalises Unicode and is slow.
    struct Key: Hashable, Sendable {
        let bytes: [UInt8]
        init(_ token: String) { bytes = Array(token.utf8) }
        static func == (a: Key, b: Key) -> Bool { a.bytes == b.bytes }
        func hash(into hasher: inout Hasher) {
            hasher.combine(bytes.count)
            bytes.suffix(32).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    private let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])

    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ token: Key) -> Entry? { entries.withLock { $0[token] } }

    func insert(_ token: Key, _ entry: Entry, now: Int64) {
        entries.withLock { table in
            if table.count >= capacity {
                table = table.filter { $0.value.expiresAt > now }
                if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            }
            table[token] = entry
        }
    }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
