import Crypto
import Foundation
import GRDB
import Synchronization

/// The JWT signing keys: one active key that signs, plus retired keys kept for verification (and in
/// the JWKS) until every token they signed has expired.
///
/// Private keys live as PEM files (mode 0600) in `<data>/keys/`, one per key id; the table
/// `signing_keys` records which is active and when the others were retired.
final class SigningKeyRing: Sendable {
    struct State: Sendable {
        var signer: JWTSigner
        var verifier: JWTVerifier
        /// Public keys with the time after which they leave the JWKS (nil: active).
        var published: [(jwk: JSONWebKey, until: Int64?)]
        var generation: Int
    }

    private let directory: String
    private let issuer: String
    private let audience: String
    private let leeway: Int64
    private let accessLifetime: Int64
    private let state: Mutex<State>

    init(writer: any DatabaseWriter, dataDirectory: String, issuer: String, audience: String, leeway: Int64,
         accessLifetime: Int64, now: Int64, initialKey: RSAPrivateKey? = nil) throws(AccountsError) {
        self.directory = dataDirectory + "/keys"
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.accessLifetime = accessLifetime
        try Self.makeDirectory(directory)
        let loaded = try Self.load(writer: writer, directory: directory, issuer: issuer, audience: audience,
                                   leeway: leeway, accessLifetime: accessLifetime, now: now, generation: 0, initialKey: initialKey)
        self.state = Mutex(loaded)
    }

    var current: State { state.withLock { $0 } }

    /// The JWK Set to publish at `now`: the active key first, then retired keys whose tokens may still be live.
    func keySet(now: Int64) -> JSONWebKeySet {
        JSONWebKeySet(keys: current.published.filter { $0.until.map { $0 > now } ?? true }.map(\.jwk))
    }

    /// Makes a new active key; the previous one is retired but still verifies until its tokens expire.
    func rotate(writer: any DatabaseWriter, now: Int64) throws(AccountsError) -> (old: String, new: String) {
        let key = try Self.generateKey(directory: directory)
        let old: String
        do {
            old = try writer.write { db -> String in
                let previous = try String.fetchOne(db, sql: "SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1") ?? ""
                try db.execute(sql: "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [now])
                try db.execute(sql: "INSERT INTO signing_keys (kid, file, created_at, retired_at) VALUES (?, ?, ?, NULL)",
                               arguments: [key.publicKey.keyID, key.publicKey.keyID + ".pem", now])
                try AuditChain.append(db, at: now, event: .signingKeyRotated, actor: nil, subject: key.publicKey.keyID, ip: nil,
                                      detail: ["previous_kid": previous])
                return previous
            }
        } catch {
            throw AccountsError(.storage, "cannot record the new signing key")
        }
        try reload(writer: writer, now: now)
        return (old, key.publicKey.keyID)
    }

    /// Re-reads the key table (after another process rotated, or to drop keys whose tokens have all expired).
    func reload(writer: any DatabaseWriter, now: Int64) throws(AccountsError) {
        let generation = current.generation + 1
        let loaded = try Self.load(writer: writer, directory: directory, issuer: issuer, audience: audience,
                                   leeway: leeway, accessLifetime: accessLifetime, now: now, generation: generation)
        state.withLock { $0 = loaded }
    }

    private static func load(writer: any DatabaseWriter, directory: String, issuer: String, audience: String,
                             leeway: Int64, accessLifetime: Int64, now: Int64, generation: Int,
                             initialKey: RSAPrivateKey? = nil) throws(AccountsError) -> State {
        struct Record { var kid: String; var file: String; var retiredAt: Int64? }
        let horizon = now - accessLifetime - leeway
        var records: [Record]
        do {
            records = try writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT kid, file, retired_at FROM signing_keys
                    WHERE retired_at IS NULL OR retired_at > ? ORDER BY retired_at IS NOT NULL, created_at DESC
                    """, arguments: [horizon]).map { Record(kid: $0["kid"], file: $0["file"], retiredAt: $0["retired_at"]) }
            }
        } catch {
            throw AccountsError(.storage, "cannot read the signing key table")
        }
        if records.first?.retiredAt != nil || records.isEmpty {
            // First start (or every key retired): make one. Another process may race us; the
            // transaction re-checks and the loser's file is simply unused.
            let key: RSAPrivateKey
            if let initialKey {
                key = try install(initialKey, directory: directory)
            } else {
                key = try generateKey(directory: directory)
            }
            do {
                try writer.write { db in
                    let active = try String.fetchOne(db, sql: "SELECT kid FROM signing_keys WHERE retired_at IS NULL")
                    if active == nil {
                        try db.execute(sql: "INSERT INTO signing_keys (kid, file, created_at, retired_at) VALUES (?, ?, ?, NULL)",
                                       arguments: [key.publicKey.keyID, key.publicKey.keyID + ".pem", now])
                    }
                }
            } catch {
                throw AccountsError(.storage, "cannot record the signing key")
            }
            return try load(writer: writer, directory: directory, issuer: issuer, audience: audience, leeway: leeway,
                            accessLifetime: accessLifetime, now: now, generation: generation)
        }
        var keys: [RSAPrivateKey] = []
        var published: [(jwk: JSONWebKey, until: Int64?)] = []
        for record in records {
            guard !record.file.contains("/") else { throw AccountsError(.keyFailure, "the signing key table names an invalid file") }
            let key: RSAPrivateKey
            do {
                key = try RSAPrivateKey(contentsOfFile: directory + "/" + record.file)
            } catch {
                throw AccountsError(.keyFailure, "cannot load signing key \(record.file) from \(directory): \(error.message)")
            }
            guard key.publicKey.keyID == record.kid else {
                throw AccountsError(.keyFailure, "signing key file \(record.file) does not hold the key its name says")
            }
            keys.append(key)
            published.append((key.publicKey.jwk, record.retiredAt.map { $0 + accessLifetime + leeway }))
        }
        return State(signer: JWTSigner(key: keys[0]),
                     verifier: JWTVerifier(keys: keys.map(\.publicKey), issuer: issuer, audience: audience, leeway: leeway),
                     published: published, generation: generation)
    }

    private static func generateKey(directory: String) throws(AccountsError) -> RSAPrivateKey {
        let key: RSAPrivateKey
        do {
            key = try RSAPrivateKey.generate(bits: 2048)
        } catch {
            throw AccountsError(.keyFailure, "cannot generate a signing key: \(error.message)")
        }
        return try install(key, directory: directory)
    }

    private static func install(_ key: RSAPrivateKey, directory: String) throws(AccountsError) -> RSAPrivateKey {
        do {
            try key.write(toFile: directory + "/" + key.publicKey.keyID + ".pem")
            return key
        } catch {
            throw AccountsError(.keyFailure, "cannot write a signing key in \(directory): \(error.message)")
        }
    }

    private static func makeDirectory(_ path: String) throws(AccountsError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw AccountsError(.keyFailure, "\(path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AccountsError(.keyFailure, "cannot create the key directory \(path)")
        }
    }
}
