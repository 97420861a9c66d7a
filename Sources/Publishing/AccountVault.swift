#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Connectors
import Crypto
import Foundation
import GRDB

/// The 32-byte AES-256-GCM key that seals account credentials, kept in a file readable by its owner only.
///
/// The key never appears in a message, a log line or a description.
public struct VaultKey: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// The file name inside the data directory.
    public static let fileName = "publishing-credentials.key"

    /// A key from raw bytes (tests).
    ///
    /// - Throws: ``PublishingError/Code/keyFile`` unless there are exactly 32 bytes.
    public init(bytes: [UInt8]) throws(PublishingError) {
        guard bytes.count == AESGCM.keyByteCount else {
            throw PublishingError(.keyFile, "a credentials key is \(AESGCM.keyByteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Never shows the key.
    public var description: String { "VaultKey(redacted)" }

    /// Reads the key file in `directory`, or creates it (mode 0600) when it does not exist.
    ///
    /// Creation is atomic: the key is written and fsynced to a temporary file created with mode 0600, then linked
    /// to its final name, which fails rather than replaces if another process created it first (that key is then
    /// read). An existing file whose mode lets the group or others read or write it is refused: the daemon does not
    /// start with a key others may have copied.
    ///
    /// - Throws: ``PublishingError/Code/keyFile`` with the path and what to do.
    public static func loadOrCreate(directory: String) throws(PublishingError) -> VaultKey {
        let path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
        if let key = try readKey(path) { return key }
        let fresh: [UInt8]
        do { fresh = try SecureRandom.bytes(count: AESGCM.keyByteCount) } catch {
            throw PublishingError(.keyFile, "cannot create the credentials key: the random generator failed")
        }
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fileError("cannot create", temp) }
        let written = fresh.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == fresh.count, synced else {
            unlink(temp)
            throw PublishingError(.keyFile, "cannot write the credentials key file \(temp)")
        }
        let linked = link(temp, path) == 0
        let linkErrno = errno
        unlink(temp)
        if !linked {
            if linkErrno == EEXIST, let key = try readKey(path) { return key }
            throw PublishingError(.keyFile, "cannot create the credentials key file \(path): \(String(cString: strerror(linkErrno)))")
        }
        syncDirectory(directory)
        return try VaultKey(bytes: fresh)
    }

    private static func readKey(_ path: String) throws(PublishingError) -> VaultKey? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw fileError("cannot read", path)
        }
        let mode = Int(st.st_mode) & 0o777
        guard mode & 0o077 == 0 else {
            throw PublishingError(.keyFile, "the credentials key file \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only — run `chmod 600 \(path)` (and consider the key exposed if others could read it)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError("cannot open", path) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        guard n == AESGCM.keyByteCount else {
            throw PublishingError(.keyFile, "the credentials key file \(path) holds \(max(n, 0)) bytes, expected \(AESGCM.keyByteCount); restore it from a backup (without it stored credentials cannot be read)")
        }
        return try VaultKey(bytes: Array(buffer[0..<n]))
    }

    private static func fileError(_ what: String, _ path: String) -> PublishingError {
        PublishingError(.keyFile, "\(what) the credentials key file \(path): \(String(cString: strerror(errno)))")
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}

/// A connected account as the API shows it: never its credentials, only whether there are some.
public struct ConnectedAccount: Sendable, Hashable, Codable {
    /// Opaque id (`acc_…`).
    public var id: String
    /// The creator (user id) who connected it.
    public var creator: String
    /// Platform profile id (`mastodon`, `bluesky`, `webhook`, …).
    public var platform: String
    /// The creator's own name for it.
    public var label: String
    /// The handle read from the platform when it was verified.
    public var handle: String
    /// The platform's own text limit for this account (a Mastodon instance's), when it has one.
    public var textLimit: Int?
    /// When it was connected.
    public var createdAt: Date
    /// Whether credentials are stored (they are never returned).
    public var hasCredentials: Bool

    enum CodingKeys: String, CodingKey {
        case id, creator, platform, label, handle
        case textLimit = "text_limit", createdAt = "created_at", hasCredentials = "has_credentials"
    }
}

/// Connected accounts with their credentials sealed at rest (AES-256-GCM, a random 96-bit nonce per record and the
/// account id as associated data, so a sealed blob copied onto another account's row does not open).
///
/// Connect only after the platform verified the credentials (`connector.verify`), passing what it returned.
///
/// ```swift
/// let info = try await connector.verify(credentials: creds)
/// let account = try await vault.connect(creator: user, platform: "mastodon", label: "Main", info: info, credentials: creds)
/// ```
public final class AccountVault: Sendable {
    /// The database.
    public let writer: any DatabaseWriter
    private let key: VaultKey
    private let clock: any PublishingClock

    /// A vault on an open publishing database.
    public init(writer: any DatabaseWriter, key: VaultKey, clock: any PublishingClock = SystemPublishingClock()) {
        self.writer = writer
        self.key = key
        self.clock = clock
    }

    /// Stores a verified account and its sealed credentials.
    ///
    /// - Throws: ``PublishingError/Code/invalidInput`` for an empty creator, platform or over-long label.
    public func connect(creator: String, platform: String, label: String, info: AccountInfo, credentials: [String: String]) async throws(PublishingError) -> ConnectedAccount {
        guard !creator.isEmpty else { throw PublishingError(.invalidInput, "creator is required", field: "creator") }
        let platformID = platform.trimmingCharacters(in: .whitespaces).lowercased()
        guard !platformID.isEmpty, platformID.count <= 40 else { throw PublishingError(.invalidInput, "platform is required", field: "platform") }
        let name = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.count <= 100 else { throw PublishingError(.invalidInput, "label is at most 100 characters", field: "label") }
        let id: String
        do { id = "acc_" + (try SecureRandom.token(byteCount: 12)) } catch {
            throw PublishingError(.storage, "the random generator failed")
        }
        let sealed = try seal(credentials, accountID: id)
        let now = clock.now()
        let account = ConnectedAccount(id: id, creator: creator, platform: platformID, label: name.isEmpty ? info.handle : name,
                                       handle: info.handle, textLimit: info.textLimit, createdAt: now, hasCredentials: !credentials.isEmpty)
        do {
            try await writer.write { db in
                try db.execute(sql: """
                    INSERT INTO publishing_accounts(id, creator, platform, label, handle, text_limit, credentials, created_at)
                    VALUES (?,?,?,?,?,?,?,?)
                    """, arguments: [id, creator, platformID, account.label, info.handle, info.textLimit, sealed.map { Data($0) }, Self.ms(now)])
            }
        } catch { throw PublishingError.storage(error, "connecting an account") }
        return account
    }

    /// Replaces an account's credentials after re-verification (a reconnect); the handle and limit are refreshed too.
    public func reconnect(id: String, creator: String, info: AccountInfo, credentials: [String: String]) async throws(PublishingError) -> ConnectedAccount {
        let sealed = try seal(credentials, accountID: id)
        let updated: Int
        do {
            updated = try await writer.write { db in
                try db.execute(sql: "UPDATE publishing_accounts SET credentials = ?, handle = ?, text_limit = ? WHERE id = ? AND creator = ?",
                               arguments: [sealed.map { Data($0) }, info.handle, info.textLimit, id, creator])
                return db.changesCount
            }
        } catch { throw PublishingError.storage(error, "reconnecting an account") }
        guard updated == 1, let account = try await account(id: id, creator: creator) else {
            throw PublishingError(.accountNotConnected, "account '\(id)' is not one of your connected accounts", field: "account")
        }
        return account
    }

    /// Removes an account and its credentials. Returns false when there was no such account of this creator.
    /// Publications still pending for it fail when their turn comes ("the account was disconnected").
    @discardableResult
    public func disconnect(id: String, creator: String) async throws(PublishingError) -> Bool {
        do {
            return try await writer.write { db in
                try db.execute(sql: "DELETE FROM publishing_accounts WHERE id = ? AND creator = ?", arguments: [id, creator])
                return db.changesCount == 1
            }
        } catch { throw PublishingError.storage(error, "disconnecting an account") }
    }

    /// The creator's accounts, oldest first, without credentials.
    public func accounts(creator: String) async throws(PublishingError) -> [ConnectedAccount] {
        do {
            return try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM publishing_accounts WHERE creator = ? ORDER BY created_at, rowid", arguments: [creator]).map(Self.account(from:))
            }
        } catch { throw PublishingError.storage(error, "listing accounts") }
    }

    /// One account of the creator, without credentials, or nil.
    public func account(id: String, creator: String) async throws(PublishingError) -> ConnectedAccount? {
        do {
            return try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM publishing_accounts WHERE id = ? AND creator = ?", arguments: [id, creator]).map(Self.account(from:))
            }
        } catch { throw PublishingError.storage(error, "reading an account") }
    }

    /// The decrypted credentials of an account (for the scheduler and for re-verification; never for an API
    /// response).
    ///
    /// - Throws: ``PublishingError/Code/credentials`` when the stored data does not open with this key.
    public func credentials(accountID: String) async throws(PublishingError) -> [String: String]? {
        let blob: Data?
        do {
            blob = try await writer.read { db in
                try Data.fetchOne(db, sql: "SELECT credentials FROM publishing_accounts WHERE id = ?", arguments: [accountID])
            }
        } catch { throw PublishingError.storage(error, "reading credentials") }
        guard let blob else { return nil }
        return try open(Array(blob), accountID: accountID)
    }

    // MARK: Sealing

    func seal(_ credentials: [String: String], accountID: String) throws(PublishingError) -> [UInt8]? {
        if credentials.isEmpty { return nil }
        let plain: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            plain = try encoder.encode(credentials)
        } catch { throw PublishingError(.credentials, "the credentials cannot be encoded") }
        do {
            return try AESGCM.seal(Array(plain), key: key.bytes, authenticating: Array(accountID.utf8))
        } catch { throw PublishingError(.credentials, "the credentials cannot be sealed: \(error.code)") }
    }

    func open(_ box: [UInt8], accountID: String) throws(PublishingError) -> [String: String] {
        let plain: [UInt8]
        do { plain = try AESGCM.open(box, key: key.bytes, authenticating: Array(accountID.utf8)) } catch {
            throw PublishingError(.credentials, "the stored credentials of account '\(accountID)' cannot be decrypted: the key file is not the one they were sealed with, or the data was altered; reconnect the account")
        }
        guard let value = try? JSONDecoder().decode([String: String].self, from: Data(plain)) else {
            throw PublishingError(.credentials, "the stored credentials of account '\(accountID)' are not readable; reconnect the account")
        }
        return value
    }

    static func account(from row: Row) -> ConnectedAccount {
        let blob: Data? = row["credentials"]
        return ConnectedAccount(id: row["id"], creator: row["creator"], platform: row["platform"], label: row["label"], handle: row["handle"],
                                textLimit: row["text_limit"], createdAt: date(row["created_at"]), hasCredentials: blob != nil)
    }

    static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}
