import Crypto
import Foundation
import GRDB
import Synchronization

/// Settings of the Accounts store; the app fills them from its config file.
public struct AccountsConfiguration: Sendable {
    /// The daemon's data directory; signing keys go to `<dataDirectory>/keys/` (mode 0700, files 0600).
    public var dataDirectory: String
    /// The shipped list of common passwords (`data/common-passwords.txt`); nil disables the check.
    public var commonPasswordsPath: String?
    /// Shortest password accepted.
    public var minimumPasswordLength: Int = 12
    /// argon2id cost for new hashes; older hashes are upgraded at the next successful sign-in.
    public var passwordHashing: Argon2Parameters = .standard
    /// Most argon2 computations at once: peak hashing memory is this × `passwordHashing.memoryKiB`.
    public var maximumConcurrentHashes: Int = 2
    /// Seconds a sign-in waits for a hashing slot before answering "busy".
    public var hashingQueueTimeout: Double = 10
    /// `iss` of access tokens.
    public var issuer: String = "creator-studio"
    /// `aud` of access tokens.
    public var audience: String = "creator-studio-api"
    /// Access token lifetime in seconds (15 minutes).
    public var accessTokenLifetime: Int64 = 900
    /// Refresh token lifetime in seconds (7 days).
    public var refreshTokenLifetime: Int64 = 7 * 86_400
    /// Clock skew tolerated when checking `exp`, `nbf` and `iat`, in seconds.
    public var tokenLeeway: Int64 = 30
    /// Sign-in throttling.
    public var loginThrottle = LoginThrottlePolicy()
    /// Seconds between writes of API-key usage counters (0: write on every request). Counts
    /// not yet written are lost if the process is killed.
    public var usageFlushInterval: Double = 1
    /// A key to install at first start instead of generating one (tests and benchmarks use a fixed key;
    /// leave nil in production). Ignored once a signing key exists.
    public var initialSigningKey: RSAPrivateKey?

    /// Creates a configuration with the defaults above.
    public init(dataDirectory: String, commonPasswordsPath: String? = nil) {
        self.dataDirectory = dataDirectory
        self.commonPasswordsPath = commonPasswordsPath
    }
}

/// Users, passwords, sessions, API keys, signing keys, setup and the audit log, in one SQLite database.
///
/// Every method is synchronous and safe to call from any thread (HTTP worker threads call it
/// directly). Password hashing goes through ``hashingGate``; sign-in attempts through a throttle.
///
/// ```swift
/// var config = AccountsConfiguration(dataDirectory: "/var/lib/studio", commonPasswordsPath: "data/common-passwords.txt")
/// let store = try AccountStore.open(path: "/var/lib/studio/accounts.sqlite", configuration: config)
/// if let token = try store.issueSetupToken() { print("setup token: \(token)") }
/// let tokens = try store.signIn(email: "ada@example.com", password: "…", ip: "203.0.113.7")
/// let who = try store.authenticate(bearer: tokens.accessToken)
/// ```
public final class AccountStore: Sendable {
    /// The database (a `DatabasePool` from ``open(path:configuration:clock:)``).
    public let writer: any DatabaseWriter
    /// Settings.
    public let configuration: AccountsConfiguration
    /// Time source.
    public let clock: any AccountsClock
    /// The bound on concurrent argon2 computations.
    public let hashingGate: HashingGate
    /// The password rules in force.
    public let passwordPolicy: PasswordPolicy

    let throttle: LoginThrottle
    let keyRing: SigningKeyRing
    let tokenCache = VerifiedTokenCache(capacity: 10_000)
    /// Per user: access tokens issued before this second are refused (role change, disable, delete, password change).
    let tokensInvalidBefore = Mutex<[UUID: Int64]>([:])
    let usage = Mutex(UsageBuffer())
    let dummyHash = Mutex<String?>(nil)

    /// Wraps an open database, runs the migrations and loads (or creates) the signing key.
    public init(writer: any DatabaseWriter, configuration: AccountsConfiguration, clock: any AccountsClock = SystemAccountsClock()) throws(AccountsError) {
        do {
            try configuration.passwordHashing.validate()
        } catch {
            throw AccountsError(.configuration, "password hashing parameters: \(error.message)")
        }
        guard configuration.accessTokenLifetime > 0, configuration.refreshTokenLifetime > 0 else {
            throw AccountsError(.configuration, "token lifetimes must be positive")
        }
        self.writer = writer
        self.configuration = configuration
        self.clock = clock
        self.hashingGate = HashingGate(capacity: configuration.maximumConcurrentHashes, queueTimeout: configuration.hashingQueueTimeout)
        if let path = configuration.commonPasswordsPath {
            self.passwordPolicy = try PasswordPolicy(minimumLength: configuration.minimumPasswordLength, commonPasswordsFile: path)
        } else {
            self.passwordPolicy = PasswordPolicy(minimumLength: configuration.minimumPasswordLength)
        }
        self.throttle = LoginThrottle(policy: configuration.loginThrottle)
        do {
            try AccountsSchema.migrator.migrate(writer)
        } catch {
            throw AccountsError(.storage, "cannot prepare the accounts tables: \(Self.describe(error))")
        }
        let now = clock.seconds
        self.keyRing = try SigningKeyRing(writer: writer, dataDirectory: configuration.dataDirectory, issuer: configuration.issuer,
                                          audience: configuration.audience, leeway: configuration.tokenLeeway,
                                          accessLifetime: configuration.accessTokenLifetime, now: now,
                                          initialKey: configuration.initialSigningKey)
        let horizon = now - configuration.accessTokenLifetime - configuration.tokenLeeway
        let revoked: [UUID: Int64] = try read { db in
            var out: [UUID: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, tokens_invalid_before FROM users WHERE tokens_invalid_before > ?", arguments: [horizon]) {
                if let id = UUID(uuidString: row["id"]) { out[id] = row["tokens_invalid_before"] }
            }
            return out
        }
        tokensInvalidBefore.withLock { $0 = revoked }
    }

    /// Opens (or creates) the SQLite file at `path` in WAL mode with `synchronous=FULL` (an acknowledged
    /// write survives power loss) and a 10 s busy timeout, then initialises the store.
    public static func open(path: String, configuration: AccountsConfiguration, clock: any AccountsClock = SystemAccountsClock()) throws(AccountsError) -> AccountStore {
        var c = Configuration()
        c.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        c.busyMode = .timeout(10)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: c)
        } catch {
            throw AccountsError(.storage, "cannot open the accounts database at \(path): \(describe(error))")
        }
        return try AccountStore(writer: pool, configuration: configuration, clock: clock)
    }

    // MARK: Users

    /// True when no user exists yet (the daemon then offers first-admin setup).
    public func needsSetup() throws(AccountsError) -> Bool {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 } == 0
    }

    /// Creates a user.
    ///
    /// - Parameters:
    ///   - new: email, name, role and password (checked against the policy).
    ///   - actor: who asks; must be an admin. nil means the local shell (`studio user create`).
    ///   - ip: client address for the audit log.
    /// - Throws: `forbidden`, `invalid_email`, `email_taken`, `weak_password`, `common_password`, `invalid_input`, `busy`.
    public func createUser(_ new: NewUser, by actor: Principal? = nil, ip: String? = nil) throws(AccountsError) -> User {
        try requireAdmin(actor)
        return try insertUser(new, actor: actor?.userID, ip: ip, extraEvent: nil)
    }

    /// The user with `id`, or nil.
    public func user(id: UUID) throws(AccountsError) -> User? {
        // Cached statements: the hot read paths skip SQL compilation (it dominated the cost of a lookup).
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id.lowercased]).map(Self.user) }
    }

    /// The user with this email (ignoring case and compatibility forms), or nil.
    public func user(email: String) throws(AccountsError) -> User? {
        guard let address = try? EmailAddress(email) else { return nil }
        return try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE email_key = ?"), arguments: [address.key]).map(Self.user) }
    }

    /// Users oldest first, `limit` (1–200) per page.
    public func listUsers(limit: Int = 50, after cursor: String? = nil) throws(AccountsError) -> Page<User> {
        let limit = min(max(limit, 1), 200)
        var lastCreated: Int64 = Int64.min
        var lastID = ""
        if let cursor {
            guard let decoded = Base64URL.decode(cursor).map({ String(decoding: $0, as: UTF8.self) }),
                  let colon = decoded.firstIndex(of: ":"), let created = Int64(decoded[..<colon])
            else { throw AccountsError(.invalidInput, "the cursor is not one this API returned", field: "after") }
            lastCreated = created
            lastID = String(decoded[decoded.index(after: colon)...])
        }
        let rows: [User] = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM users WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?
                """, arguments: [lastCreated, lastID, limit + 1]).map(Self.user)
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Base64URL.encode("\(Int64($0.createdAt.timeIntervalSince1970)):\($0.id.lowercased)") } : nil
        return Page(data: page, nextCursor: next)
    }

    /// Applies an admin's changes to a user.
    ///
    /// Disabling a user, changing their role or resetting their password revokes their sessions and
    /// refuses access tokens issued before the change. The last active admin cannot be demoted or disabled.
    public func updateUser(id: UUID, _ changes: UserChanges, by actor: Principal? = nil, ip: String? = nil) throws(AccountsError) -> User {
        try requireAdmin(actor)
        let address = try changes.email.map { email throws(AccountsError) in try EmailAddress(email) }
        let name = try changes.displayName.map { name throws(AccountsError) in try Self.validDisplayName(name) }
        var newHash: String?
        if let password = changes.password {
            try passwordPolicy.check(password, email: address?.display)
            newHash = try hash(password)
        }
        let now = clock.seconds
        let (updated, invalidated): (User, Bool) = try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id.lowercased]) else {
                throw AccountsError(.notFound, "no user with this id")
            }
            let before = Self.user(row)
            var after = before
            if let role = changes.role { after.role = role }
            if let status = changes.status { after.status = status }
            if let name { after.displayName = name }
            if let address { after.email = address.display }
            if before.role == .admin, before.status == .active, after.role != .admin || after.status != .active {
                try Self.requireAnotherAdmin(db, besides: id)
            }
            if let address {
                let clash = try String.fetchOne(db, sql: "SELECT id FROM users WHERE (email_key = ? OR email_skeleton = ?) AND id <> ?",
                                                arguments: [address.key, address.skeleton, id.lowercased])
                if clash != nil { throw AccountsError(.emailTaken, "another user already has this email address", field: "email") }
                try db.execute(sql: "UPDATE users SET email = ?, email_key = ?, email_skeleton = ? WHERE id = ?",
                               arguments: [address.display, address.key, address.skeleton, id.lowercased])
            }
            let invalidate = after.role != before.role || after.status != before.status && after.status == .disabled || newHash != nil
            try db.execute(sql: """
                UPDATE users SET display_name = ?, role = ?, status = ?, password_hash = COALESCE(?, password_hash), updated_at = ?,
                    tokens_invalid_before = CASE WHEN ? THEN ? ELSE tokens_invalid_before END
                WHERE id = ?
                """, arguments: [after.displayName, after.role.rawValue, after.status.rawValue, newHash, now, invalidate, now + 1, id.lowercased])
            let actorID = actor?.userID
            if after.role != before.role {
                try AuditChain.append(db, at: now, event: .roleChanged, actor: actorID, subject: id.lowercased, ip: ip,
                                      detail: ["old_role": before.role.rawValue, "new_role": after.role.rawValue])
            }
            if after.status != before.status {
                try AuditChain.append(db, at: now, event: after.status == .disabled ? .userDisabled : .userEnabled,
                                      actor: actorID, subject: id.lowercased, ip: ip, detail: [:])
            }
            var fields: [String] = []
            if after.email != before.email { fields.append("email") }
            if after.displayName != before.displayName { fields.append("display_name") }
            if !fields.isEmpty {
                try AuditChain.append(db, at: now, event: .userUpdated, actor: actorID, subject: id.lowercased, ip: ip,
                                      detail: ["fields": fields.joined(separator: ",")])
            }
            if newHash != nil {
                try AuditChain.append(db, at: now, event: .passwordChanged, actor: actorID, subject: id.lowercased, ip: ip, detail: ["by": "admin"])
            }
            if invalidate {
                try Self.revokeFamilies(db, userID: id, reason: after.status == .disabled ? "user_disabled" : newHash != nil ? "password_reset" : "role_changed",
                                        now: now, actor: actorID, ip: ip)
            }
            after.updatedAt = Date(timeIntervalSince1970: TimeInterval(now))
            return (after, invalidate)
        }
        if invalidated { invalidateAccessTokens(userID: id, before: now + 1) }
        return updated
    }

    /// Deletes a user with their sessions, API keys and usage counts. The audit log keeps their id.
    public func deleteUser(id: UUID, by actor: Principal? = nil, ip: String? = nil) throws(AccountsError) {
        try requireAdmin(actor)
        let now = clock.seconds
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id.lowercased]) else {
                throw AccountsError(.notFound, "no user with this id")
            }
            let user = Self.user(row)
            if user.role == .admin, user.status == .active { try Self.requireAnotherAdmin(db, besides: id) }
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id.lowercased])
            try AuditChain.append(db, at: now, event: .userDeleted, actor: actor?.userID, subject: id.lowercased, ip: ip,
                                  detail: ["role": user.role.rawValue])
        }
        invalidateAccessTokens(userID: id, before: now + 1)
    }

    /// Changes the signed-in user's display name (`PATCH /me`).
    public func updateProfile(userID: UUID, displayName: String, ip: String? = nil) throws(AccountsError) -> User {
        let name = try Self.validDisplayName(displayName)
        let now = clock.seconds
        return try write { db in
            guard try Row.fetchOne(db, sql: "SELECT id FROM users WHERE id = ?", arguments: [userID.lowercased]) != nil else {
                throw AccountsError(.notFound, "no user with this id")
            }
            try db.execute(sql: "UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?", arguments: [name, now, userID.lowercased])
            try AuditChain.append(db, at: now, event: .userUpdated, actor: userID, subject: userID.lowercased, ip: ip, detail: ["fields": "display_name"])
            return Self.user(try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [userID.lowercased])!)
        }
    }

    /// Changes the signed-in user's password after checking the current one (`PATCH /me`).
    ///
    /// All sessions, including the caller's, are revoked and older access tokens refused; the
    /// returned tokens keep the caller signed in. Wrong current passwords count toward throttling.
    public func changePassword(userID: UUID, currentPassword: String, newPassword: String, ip: String? = nil) throws(AccountsError) -> TokenPair {
        guard let user = try user(id: userID) else { throw AccountsError(.notFound, "no user with this id") }
        let account = EmailAddress.lenientKey(user.email)
        let now = clock.seconds
        if let wait = throttle.retryAfter(account: account, ip: ip, now: now) { throw Self.throttledError(wait) }
        let stored: String = try read { db in try String.fetchOne(db, sql: "SELECT password_hash FROM users WHERE id = ?", arguments: [userID.lowercased]) ?? "" }
        guard try verify(currentPassword, against: stored) else {
            throttle.recordFailure(account: account, ip: ip, now: now)
            throw AccountsError(.invalidCredentials, "the current password is wrong", field: "current_password")
        }
        try passwordPolicy.check(newPassword, email: user.email)
        let newHash = try hash(newPassword)
        let pair: (TokenPair, JWTClaims) = try write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ?, updated_at = ?, tokens_invalid_before = ? WHERE id = ?",
                           arguments: [newHash, now, now, userID.lowercased])
            try AuditChain.append(db, at: now, event: .passwordChanged, actor: userID, subject: userID.lowercased, ip: ip, detail: ["by": "self"])
            try Self.revokeFamilies(db, userID: userID, reason: "password_changed", now: now, actor: userID, ip: ip)
            return try self.startSession(db, user: user, now: now)
        }
        // Tokens issued before this second are refused; the new one (iat = now) is not.
        invalidateAccessTokens(userID: userID, before: now)
        return try finish(pair)
    }

    // MARK: Shared pieces

    static func user(_ row: Row) -> User {
        User(id: UUID(uuidString: row["id"]) ?? UUID(), email: row["email"], displayName: row["display_name"],
             role: Role(rawValue: row["role"]) ?? .viewer, status: UserStatus(rawValue: row["status"]) ?? .disabled,
             createdAt: Date(timeIntervalSince1970: TimeInterval(row["created_at"] as Int64)),
             updatedAt: Date(timeIntervalSince1970: TimeInterval(row["updated_at"] as Int64)))
    }

    func insertUser(_ new: NewUser, actor: UUID?, ip: String?, extraEvent: AuditEvent?,
                    inside check: ((Database) throws -> Void)? = nil) throws(AccountsError) -> User {
        let address = try EmailAddress(new.email)
        let name = try Self.validDisplayName(new.displayName)
        try passwordPolicy.check(new.password, email: address.display)
        let passwordHash = try hash(new.password)
        let now = clock.seconds
        let user = User(id: UUID(), email: address.display, displayName: name, role: new.role, status: .active,
                        createdAt: Date(timeIntervalSince1970: TimeInterval(now)), updatedAt: Date(timeIntervalSince1970: TimeInterval(now)))
        try write { db in
            try check?(db)
            let clash = try String.fetchOne(db, sql: "SELECT id FROM users WHERE email_key = ? OR email_skeleton = ?",
                                            arguments: [address.key, address.skeleton])
            if clash != nil { throw AccountsError(.emailTaken, "a user with this email address (or one that looks the same) already exists", field: "email") }
            try db.execute(sql: """
                INSERT INTO users (id, email, email_key, email_skeleton, display_name, role, status, password_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)
                """, arguments: [user.id.lowercased, address.display, address.key, address.skeleton, name, new.role.rawValue, passwordHash, now, now])
            if let extraEvent {
                try AuditChain.append(db, at: now, event: extraEvent, actor: user.id, subject: user.id.lowercased, ip: ip, detail: [:])
            }
            try AuditChain.append(db, at: now, event: .userCreated, actor: actor ?? (extraEvent != nil ? user.id : nil),
                                  subject: user.id.lowercased, ip: ip, detail: ["role": new.role.rawValue])
        }
        return user
    }

    static func validDisplayName(_ text: String) throws(AccountsError) -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw AccountsError(.invalidInput, "a display name has 1 to 200 characters", field: "display_name")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AccountsError(.invalidInput, "a display name cannot contain control characters", field: "display_name")
        }
        return name
    }

    func requireAdmin(_ actor: Principal?) throws(AccountsError) {
        if let actor, !actor.isAdmin { throw AccountsError(.forbidden, "only an admin may manage users") }
    }

    static func requireAnotherAdmin(_ db: Database, besides id: UUID) throws {
        let others = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> ?",
                                      arguments: [id.lowercased]) ?? 0
        if others == 0 { throw AccountsError(.lastAdmin, "this is the last active admin; make another admin first") }
    }

    func invalidateAccessTokens(userID: UUID, before second: Int64) {
        tokensInvalidBefore.withLock { $0[userID] = max($0[userID] ?? 0, second) }
        tokenCache.removeAll()
    }

    /// Hashes a new password with the configured parameters, inside the hashing gate.
    func hash(_ password: String) throws(AccountsError) -> String {
        let parameters = configuration.passwordHashing
        return try hashingGate.run { () throws(AccountsError) -> String in
            do throws(CryptoError) {
                return try Argon2id.hash(password: password, parameters: parameters)
            } catch {
                throw AccountsError(.keyFailure, "password hashing failed: \(error.message)")
            }
        }
    }

    /// Verifies a password against a stored hash inside the hashing gate; a corrupt stored hash never matches.
    func verify(_ password: String, against phc: String) throws(AccountsError) -> Bool {
        guard password.utf8.count <= 4096 else { return false }
        return try hashingGate.run { () throws(AccountsError) -> Bool in
            (try? Argon2id.verify(password: password, phc: phc)) ?? false
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(AccountsError) -> T {
        do {
            return try writer.read(body)
        } catch let error as AccountsError {
            throw error
        } catch {
            throw AccountsError(.storage, Self.describe(error))
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(AccountsError) -> T {
        do {
            return try writer.write(body)
        } catch let error as AccountsError {
            throw error
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AccountsError(.emailTaken, "a user with this email address already exists", field: "email")
        } catch {
            throw AccountsError(.storage, Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        // Only the result code: SQL text and arguments may carry hashes or personal data.
        if let error = error as? DatabaseError { return "database error \(error.resultCode)" }
        return "database error"
    }

    static func throttledError(_ seconds: Int) -> AccountsError {
        AccountsError(.throttled, "too many failed sign-in attempts; try again in \(seconds) second\(seconds == 1 ? "" : "s")",
                      retryAfter: seconds)
    }
}

extension UUID {
    /// The lowercase text form used in the database and in tokens.
    var lowercased: String { uuidString.lowercased() }
}
