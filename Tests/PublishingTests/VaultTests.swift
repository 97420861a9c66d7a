import Connectors
import Crypto
import Foundation
import GRDB
import Testing
@testable import Publishing

@Suite struct VaultTests {
    @Test func credentialsAreSealedAtRestAndNeverListed() async throws {
        let h = try Harness()
        let secret = "s3cr3t-token-value-123"
        let acc = try await h.vault.connect(creator: "u1", platform: "mastodon", label: "Main",
                                            info: AccountInfo(handle: "@ada@mastodon.example", textLimit: 1000), credentials: ["token": secret])
        let blob = try await h.writer.read { db in try Data.fetchOne(db, sql: "SELECT credentials FROM publishing_accounts WHERE id = ?", arguments: [acc.id]) }
        let bytes = try #require(blob)
        #expect(!String(decoding: bytes, as: UTF8.self).contains(secret))
        #expect(bytes.count >= 12 + 16 + secret.utf8.count)
        // The same credentials sealed twice differ (random nonce per record).
        let other = try await h.vault.connect(creator: "u1", platform: "mastodon", label: "Alt", info: AccountInfo(handle: "@b@m.example"), credentials: ["token": secret])
        let blob2 = try await h.writer.read { db in try Data.fetchOne(db, sql: "SELECT credentials FROM publishing_accounts WHERE id = ?", arguments: [other.id]) }
        #expect(blob2 != blob)

        #expect(try await h.vault.credentials(accountID: acc.id) == ["token": secret])
        let listed = try await h.vault.accounts(creator: "u1")
        #expect(listed.map(\.id) == [acc.id, other.id])
        #expect(listed[0].hasCredentials && listed[0].textLimit == 1000 && listed[0].handle == "@ada@mastodon.example")
        let json = String(decoding: try JSONEncoder().encode(listed), as: UTF8.self)
        #expect(!json.contains(secret) && json.contains("has_credentials"))
        #expect(try await h.vault.accounts(creator: "u2").isEmpty)
    }

    @Test func wrongKeyOrMovedBlobDoesNotOpen() async throws {
        let h = try Harness()
        let a = try await h.connect("mastodon")
        let b = try await h.connect("bluesky")
        // Another key on the same database.
        let otherKey = try VaultKey(bytes: SecureRandom.bytes(count: 32))
        let stranger = AccountVault(writer: h.writer, key: otherKey)
        await #expect(throws: PublishingError.self) { _ = try await stranger.credentials(accountID: a.id) }
        do { _ = try await stranger.credentials(accountID: a.id) } catch {
            #expect(error.code == .credentials && error.message.contains("reconnect"))
        }
        // A sealed blob copied onto another account's row fails (the account id is associated data).
        try await h.writer.write { db in
            try db.execute(sql: "UPDATE publishing_accounts SET credentials = (SELECT credentials FROM publishing_accounts WHERE id = ?) WHERE id = ?", arguments: [a.id, b.id])
        }
        await #expect(throws: PublishingError.self) { _ = try await h.vault.credentials(accountID: b.id) }
        #expect(try await h.vault.credentials(accountID: a.id) == ["token": "good"])
    }

    @Test func keyFileIsCreatedOwnerOnlyAndReused() throws {
        let dir = Harness.temporaryDirectory()
        let key = try VaultKey.loadOrCreate(directory: dir)
        let path = dir + "/" + VaultKey.fileName
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
        let again = try VaultKey.loadOrCreate(directory: dir)
        #expect(again.bytes == key.bytes)
        #expect("\(key)" == "VaultKey(redacted)")
        // No temporary file left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [VaultKey.fileName])
    }

    @Test func keyFileReadableByOthersIsRefused() throws {
        let dir = Harness.temporaryDirectory()
        _ = try VaultKey.loadOrCreate(directory: dir)
        let path = dir + "/" + VaultKey.fileName
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        do {
            _ = try VaultKey.loadOrCreate(directory: dir)
            Issue.record("a 0644 key file was accepted")
        } catch {
            #expect(error.code == .keyFile)
            #expect(error.message.contains("644") && error.message.contains("chmod 600"))
        }
        // A truncated key file is refused with its size.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        do {
            _ = try VaultKey.loadOrCreate(directory: dir)
            Issue.record("a 3-byte key file was accepted")
        } catch {
            #expect(error.message.contains("3 bytes"))
        }
    }

    @Test func disconnectAndReconnect() async throws {
        let h = try Harness()
        let a = try await h.connect("mastodon")
        let updated = try await h.vault.reconnect(id: a.id, creator: "u1", info: AccountInfo(handle: "@new@m.example", textLimit: 700), credentials: ["token": "other"])
        #expect(updated.handle == "@new@m.example" && updated.textLimit == 700)
        #expect(try await h.vault.credentials(accountID: a.id) == ["token": "other"])
        #expect(try await h.vault.disconnect(id: a.id, creator: "u2") == false)
        #expect(try await h.vault.disconnect(id: a.id, creator: "u1") == true)
        #expect(try await h.vault.accounts(creator: "u1").isEmpty)
    }
}
