import Crypto
import Foundation
import GRDB

extension AccountStore {
    /// When no user exists, makes a fresh one-time setup token (replacing any earlier one) for the daemon
    /// to print; returns nil once users exist. Only the token's SHA-256 is stored.
    public func issueSetupToken() throws(AccountsError) -> String? {
        let token = Base64URL.encode(try Self.random(32))
        let now = clock.seconds
        return try write { db in
            try db.execute(sql: "DELETE FROM setup_tokens")
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") == 0 else { return nil }
            try db.execute(sql: "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)", arguments: [SHA256.hexHash(token), now])
            return token
        }
    }

    /// Creates the first admin with the setup token (`POST /api/v1/setup`); the token then stops working.
    /// - Throws: `setup_unavailable` once any user exists, `invalid_setup_token`, and the user-creation errors.
    public func completeSetup(token: String, email: String, displayName: String, password: String, ip: String? = nil) throws(AccountsError) -> User {
        let tokenHash = SHA256.hexHash(String(token.prefix(200)))
        // Cheap checks first, so a wrong token never costs an argon2 computation.
        let state: (users: Int, matches: Bool) = try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0,
             try String.fetchOne(db, sql: "SELECT token_hash FROM setup_tokens WHERE token_hash = ?", arguments: [tokenHash]) != nil)
        }
        guard state.users == 0 else { throw AccountsError(.setupUnavailable, "setup is already done; sign in instead") }
        guard state.matches else { throw AccountsError(.invalidSetupToken, "the setup token is wrong; use the one the daemon printed at its last start") }
        return try insertUser(NewUser(email: email, displayName: displayName, role: .admin, password: password),
                              actor: nil, ip: ip, extraEvent: .setupCompleted) { db in
            // Re-check inside the transaction: two setup requests racing must not make two admins.
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") == 0 else {
                throw AccountsError(.setupUnavailable, "setup is already done; sign in instead")
            }
            try db.execute(sql: "DELETE FROM setup_tokens WHERE token_hash = ?", arguments: [tokenHash])
            guard db.changesCount == 1 else { throw AccountsError(.invalidSetupToken, "the setup token was already used") }
        }
    }
}
