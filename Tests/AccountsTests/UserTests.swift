import Accounts
import Foundation
import GRDB
import Testing

@Suite("Users, emails and passwords")
struct UserTests {
    @Test("create, read, list with a cursor, update and delete a user")
    func crud() throws {
        let t = try TestStore()
        let admin = try t.user("root@example.com", role: .admin, name: "Root")
        var created: [User] = []
        for index in 0..<5 {
            t.clock.advance(seconds: 1)
            created.append(try t.user("user\(index)@example.com", role: .viewer, name: "User \(index)"))
        }
        #expect(try t.store.user(id: created[2].id) == created[2])
        #expect(try t.store.user(email: "USER3@EXAMPLE.COM")?.id == created[3].id)

        let first = try t.store.listUsers(limit: 4)
        #expect(first.data.map(\.email) == ["root@example.com", "user0@example.com", "user1@example.com", "user2@example.com"])
        let second = try t.store.listUsers(limit: 4, after: first.nextCursor)
        #expect(second.data.map(\.email) == ["user3@example.com", "user4@example.com"])
        #expect(second.nextCursor == nil)
        #expect(accountsError { try t.store.listUsers(after: "garbage!") }?.code == .invalidInput)

        let actor = Principal(userID: admin.id, role: .admin, scopes: Role.admin.allowedScopes)
        let updated = try t.store.updateUser(id: created[0].id, UserChanges(displayName: "Renamed", role: .creator), by: actor)
        #expect(updated.displayName == "Renamed" && updated.role == .creator)
        #expect(try t.store.user(id: created[0].id)?.role == .creator)

        let viewer = Principal(userID: created[1].id, role: .viewer, scopes: [.read])
        #expect(accountsError { try t.store.updateUser(id: created[0].id, UserChanges(role: .admin), by: viewer) }?.code == .forbidden)

        try t.store.deleteUser(id: created[4].id, by: actor)
        #expect(try t.store.user(id: created[4].id) == nil)
        #expect(accountsError { try t.store.deleteUser(id: created[4].id, by: actor) }?.code == .notFound)
    }

    @Test("the last active admin cannot be demoted, disabled or deleted")
    func lastAdmin() throws {
        let t = try TestStore()
        let admin = try t.user("root@example.com", role: .admin)
        #expect(accountsError { try t.store.updateUser(id: admin.id, UserChanges(role: .creator)) }?.code == .lastAdmin)
        #expect(accountsError { try t.store.updateUser(id: admin.id, UserChanges(status: .disabled)) }?.code == .lastAdmin)
        #expect(accountsError { try t.store.deleteUser(id: admin.id) }?.code == .lastAdmin)
        try t.user("second@example.com", role: .admin)
        #expect(try t.store.updateUser(id: admin.id, UserChanges(role: .creator)).role == .creator)
    }

    @Test("emails differing only in case, width or compatibility form are the same user")
    func caseAndWidthDuplicates() throws {
        let t = try TestStore()
        try t.user("Ada.Lovelace@Example.com")
        for duplicate in ["ada.lovelace@example.com", "ADA.LOVELACE@EXAMPLE.COM", "  ada.lovelace@example.com ",
                          "ａｄａ.ｌｏｖｅｌａｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ", "ada.lovelace＠example.com"] {
            #expect(accountsError { try t.user(duplicate) }?.code == .emailTaken, "\(duplicate) should be a duplicate")
        }
        #expect(try t.store.user(email: "ＡＤＡ.lovelace@example.com")?.email == "Ada.Lovelace@Example.com")
    }

    @Test("lookalike letters from other scripts are refused or treated as duplicates")
    func lookalikes() throws {
        let t = try TestStore()
        try t.user("ace@example.com")
        try t.user("paypal@example.com")
        // Mixed Latin and Cyrillic in one local part: refused outright.
        #expect(accountsError { try t.user("\u{0430}ce@example.com") }?.code == .invalidEmail)
        // Whole-script Cyrillic "асе" looks exactly like "ace": a duplicate.
        #expect(accountsError { try t.user("\u{0430}\u{0441}\u{0435}@example.com") }?.code == .emailTaken)
        // Cyrillic "рауpаl" mixes scripts; all-Cyrillic "рарраl"-style spellings collide by skeleton.
        #expect(accountsError { try t.user("\u{0440}\u{0430}\u{0443}\u{0440}\u{0430}\u{04CF}@example.com") }?.code == .emailTaken)
        // Greek omicron in a domain label next to Latin letters.
        #expect(accountsError { try t.user("bob@ex\u{03BF}mple.com") }?.code == .invalidEmail)
        // Invisible characters.
        #expect(accountsError { try t.user("a\u{200D}ce@example.com") }?.code == .invalidEmail)
        #expect(accountsError { try t.user("ace\u{00AD}@example.com") }?.code == .invalidEmail)
        // Genuinely different non-Latin addresses are fine.
        #expect(try t.user("\u{043C}\u{0430}\u{0448}\u{0430}@example.com").email == "\u{043C}\u{0430}\u{0448}\u{0430}@example.com")
    }

    @Test("malformed emails are refused with invalid_email and a message saying why",
          arguments: ["", "plain", "a@@b.com", "@example.com", "a@", "a b@example.com", "a@exa mple.com", "a..b@example.com",
                      "a@-example.com", "a@example..com", "\"quoted\"@example.com", "a\n@example.com"])
    func malformedEmails(email: String) throws {
        let t = try TestStore()
        let error = accountsError { try t.user(email) }
        #expect(error?.code == .invalidEmail)
        #expect(error?.field == "email")
    }

    @Test("SQL-meaningful characters are stored and read back verbatim")
    func sqlCharacters() throws {
        let t = try TestStore()
        let name = "Robert'); DROP TABLE users;-- \"% _ \\ ; O'Brien"
        let email = "o'brien%_--+x@example.com"
        let user = try t.user(email, name: name)
        let read = try #require(try t.store.user(id: user.id))
        #expect(read.displayName == name)
        #expect(read.email == email)
        #expect(try t.store.user(email: "o'brien%_--+x@example.com")?.id == user.id)
        #expect(try t.store.user(email: "o'brien%%--+x@example.com") == nil)
        let admin = try t.user("root@example.com", role: .admin)
        let key = try t.store.createAPIKey(ownerID: user.id, name: "k'; DELETE FROM api_keys; --", scopes: [.read])
        let actor = Principal(userID: admin.id, role: .admin, scopes: Role.admin.allowedScopes)
        #expect(try t.store.listAPIKeys(visibleTo: actor).map(\.name) == ["k'; DELETE FROM api_keys; --"])
        #expect(try t.store.authenticate(bearer: key.secret).userID == user.id)
        #expect(try t.store.listUsers().data.count == 2)
    }

    @Test("passwords: at least 12 characters, not on the common list, not the email")
    func passwordPolicy() throws {
        let t = try TestStore()
        #expect(t.store.passwordPolicy.commonPasswordCount > 3000)
        #expect(accountsError { try t.user("a@example.com", password: "short-pw") }?.code == .weakPassword)
        #expect(accountsError { try t.user("a@example.com", password: "Password1234") }?.code == .commonPassword)
        #expect(accountsError { try t.user("a@example.com", password: "qwertyuiop12") }?.code == .commonPassword)
        #expect(accountsError { try t.user("a@example.com", password: "Summer2024!") }?.code == .weakPassword)  // 11 chars
        #expect(accountsError { try t.user("alexandria12@example.com", password: "ALEXANDRIA12") }?.code == .weakPassword)
        #expect(accountsError { try t.user("a@example.com", password: "aaaaaaaaaaaaaaaaa") }?.code != nil)
        let error = accountsError { try t.user("a@example.com", password: "iloveyou2019") }
        #expect(error?.code == .commonPassword)
        #expect(error?.message.contains("iloveyou2019") == false)
        #expect(try t.user("a@example.com", password: "violet-copper-harbor-9").email == "a@example.com")
    }

    @Test("display names are trimmed and bounded")
    func displayNames() throws {
        let t = try TestStore()
        #expect(accountsError { try t.user("a@example.com", name: "   ") }?.code == .invalidInput)
        #expect(accountsError { try t.user("a@example.com", name: String(repeating: "x", count: 201)) }?.code == .invalidInput)
        #expect(try t.user("a@example.com", name: "  Ada  ").displayName == "Ada")
    }

    @Test("migrations run at open and are recorded as named steps; the file is in WAL mode")
    func migrations() throws {
        let t = try TestStore()
        let queue = try DatabaseQueue(path: t.databasePath)
        let applied = try queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(applied == ["accounts.v1.users", "accounts.v1.sessions", "accounts.v1.api_keys", "accounts.v1.keys_and_setup", "accounts.v1.audit"])
        #expect(try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        // Reopening runs nothing twice.
        let again = try TestStore(directory: t.directory)
        #expect(try again.store.needsSetup() == true)
    }
}
