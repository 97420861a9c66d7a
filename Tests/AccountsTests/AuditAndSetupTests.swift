import Accounts
import Foundation
import GRDB
import Testing

@Suite("Audit log and first-admin setup")
struct AuditAndSetupTests {
    /// A store with a few real events in its log.
    func populated() throws -> TestStore {
        let t = try TestStore()
        let admin = try t.user("root@example.com", role: .admin)
        let user = try t.user("ada@example.com", role: .viewer)
        _ = accountsError { try t.store.signIn(email: "ada@example.com", password: "wrong-password-1", ip: "192.0.2.4") }
        _ = try t.store.signIn(email: "ada@example.com", password: TestStore.goodPassword, ip: "192.0.2.4")
        let actor = Principal(userID: admin.id, role: .admin, scopes: Role.admin.allowedScopes)
        _ = try t.store.updateUser(id: user.id, UserChanges(role: .creator), by: actor, ip: "192.0.2.5")
        _ = try t.store.createAPIKey(ownerID: user.id, name: "k", scopes: [.read])
        return t
    }

    @Test("security events are recorded with actor, subject, IP and details, newest first, filterable")
    func events() throws {
        let t = try populated()
        let all = try t.store.auditEntries().data
        #expect(all.map(\.event.rawValue) == ["api_key.created", "token_family.revoked", "user.role_changed", "sign_in.succeeded",
                                              "sign_in.failed", "user.created", "user.created"])
        let role = try #require(all.first { $0.event == .roleChanged })
        #expect(role.detail == ["old_role": "viewer", "new_role": "creator"] && role.ip == "192.0.2.5")
        let failed = try t.store.auditEntries(AuditQuery(event: .signInFailed)).data
        #expect(failed.count == 1 && failed[0].detail["reason"] == "wrong_password")
        let page1 = try t.store.auditEntries(AuditQuery(limit: 3))
        let page2 = try t.store.auditEntries(AuditQuery(limit: 3, after: page1.nextCursor))
        #expect(page1.data.map(\.id) == [7, 6, 5] && page2.data.map(\.id) == [4, 3, 2])
        // No secret ever lands in the log.
        let text = try DatabaseQueue(path: t.databasePath).read { db in try String.fetchAll(db, sql: "SELECT detail FROM audit_log") }.joined()
        #expect(!text.contains(TestStore.goodPassword) && !text.contains("wrong-password-1"))
    }

    @Test("verifyAudit passes on an untouched log")
    func intact() throws {
        let t = try populated()
        let result = try t.store.verifyAudit()
        #expect(result.isIntact && result.checkedRows == 7)
    }

    @Test("an UPDATE made with raw SQL on the file is detected and the row named")
    func editedRow() throws {
        let t = try populated()
        try DatabaseQueue(path: t.databasePath).write { db in
            try db.execute(sql: "UPDATE audit_log SET detail = '{\"new_role\":\"admin\",\"old_role\":\"viewer\"}' WHERE id = 5")
        }
        let result = try t.store.verifyAudit()
        #expect(!result.isIntact)
        #expect(result.problems.map(\.rowID) == [5] && result.problems[0].kind == .edited)
    }

    @Test("a DELETE in the middle or at the end is detected and reported")
    func deletedRows() throws {
        let t = try populated()
        try DatabaseQueue(path: t.databasePath).write { db in try db.execute(sql: "DELETE FROM audit_log WHERE id = 3") }
        let middle = try t.store.verifyAudit()
        #expect(middle.problems.contains { $0.kind == .missing && $0.rowID == 3 })
        #expect(middle.problems.contains { $0.kind == .brokenLink && $0.rowID == 4 })

        let u = try populated()
        try DatabaseQueue(path: u.databasePath).write { db in try db.execute(sql: "DELETE FROM audit_log WHERE id = 7") }
        let end = try u.store.verifyAudit()
        #expect(end.problems.map(\.kind) == [.missing] && end.problems[0].rowID == 7)

        // Appending after a deletion does not hide it.
        try u.store.recordAudit(AuditEvent(rawValue: "test.event"))
        #expect(try u.store.verifyAudit().problems.contains { $0.kind == .missing })
    }

    @Test("the setup token creates the first admin exactly once")
    func setup() throws {
        let t = try TestStore()
        #expect(try t.store.needsSetup())
        let first = try #require(try t.store.issueSetupToken())
        let token = try #require(try t.store.issueSetupToken())
        #expect(first != token)
        #expect(accountsError { try t.store.completeSetup(token: first, email: "root@example.com", displayName: "Root", password: TestStore.goodPassword) }?.code == .invalidSetupToken)
        #expect(accountsError { try t.store.completeSetup(token: token, email: "root@example.com", displayName: "Root", password: "short") }?.code == .weakPassword)
        let admin = try t.store.completeSetup(token: token, email: "root@example.com", displayName: "Root", password: TestStore.goodPassword, ip: "127.0.0.1")
        #expect(admin.role == .admin && admin.status == .active)
        #expect(try !t.store.needsSetup())
        #expect(accountsError { try t.store.completeSetup(token: token, email: "x@example.com", displayName: "X", password: TestStore.goodPassword) }?.code == .setupUnavailable)
        #expect(try t.store.issueSetupToken() == nil)
        #expect(try t.store.auditEntries(AuditQuery(event: .setupCompleted)).data.count == 1)
        #expect(throws: Never.self) { try t.store.signIn(email: "root@example.com", password: TestStore.goodPassword) }
    }
}
