import Accounts
import AccountsAPI
import Foundation
import HTTP
import Testing

/// Admin user management, the creator-node hook, and the audit log route.
@Suite struct UserAdminTests {
    @Test func adminCreatesListsChangesAndDeletesUsers() throws {
        let h = try Harness()
        let (_, admin) = try h.session(.admin)
        let created = h.call(.POST, "/api/v1/users", body: json(["email": "cleo@example.com", "display_name": "Cleo", "role": "creator", "password": Harness.password]), bearer: admin)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.string("id"))
        #expect(created.headers["Location"] == "/api/v1/users/\(id)")
        #expect(created.int("creator_node_id") == 1000, "the app's hook made the :Creator node")
        #expect(h.creatorHookUsers.map { $0.uuidString.lowercased() } == [id])
        #expect(created.json?["password"] == nil && !created.text.contains("argon2"))

        let page1 = h.call(.GET, "/api/v1/users", query: [("limit", "1")], bearer: admin)
        let cursor = try #require(page1.string("next_cursor"))
        let page2 = h.call(.GET, "/api/v1/users", query: [("limit", "1"), ("after", cursor)], bearer: admin)
        // Two users, one per page, in the store's id order: together the pages hold both, each once.
        #expect(page1.text.contains(id) != page2.text.contains(id), "\(page1.text) \(page2.text)")
        #expect(page2.json?["next_cursor"] == .null)

        let renamed = h.call(.PATCH, "/api/v1/users/\(id)", body: #"{"display_name": "Cleo P.", "role": "viewer"}"#, bearer: admin)
        #expect(renamed.status == 200 && renamed.string("display_name") == "Cleo P." && renamed.string("role") == "viewer")
        #expect(renamed.json?["creator_node_id"] == nil)
        #expect(h.call(.GET, "/api/v1/users/\(id)", bearer: admin).string("email") == "cleo@example.com")
        #expect(h.call(.DELETE, "/api/v1/users/\(id)", bearer: admin).status == 204)
        #expect(h.call(.GET, "/api/v1/users/\(id)", bearer: admin).status == 404)
        #expect(h.login("cleo@example.com").status == 401)

        let audit = h.call(.GET, "/api/v1/audit", query: [("subject_id", id)], bearer: admin)
        guard case .array(let events)? = audit.json?["data"] else { Issue.record("no audit: \(audit.text)"); return }
        let names = events.compactMap { if case .string(let e)? = $0["event"] { e } else { nil } }
        #expect(names == ["user.deleted", "user.updated", "user.role_changed", "user.created"], "\(names)")
    }

    @Test func auditFiltersAndPages() throws {
        let h = try Harness()
        let (admin, token) = try h.session(.admin)
        for _ in 0..<3 { _ = h.login(admin.email, password: "wrong-password-xyz") }
        let failed = h.call(.GET, "/api/v1/audit", query: [("event", "sign_in.failed"), ("limit", "2")], bearer: token)
        #expect(failed.status == 200)
        guard case .array(let rows)? = failed.json?["data"] else { Issue.record("\(failed.text)"); return }
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["event"] == .string("sign_in.failed") && $0["ip"] == .string("203.0.113.9") })
        #expect(!failed.text.contains("wrong-password-xyz"))
        let next = try #require(failed.string("next_cursor"))
        let rest = h.call(.GET, "/api/v1/audit", query: [("event", "sign_in.failed"), ("after", next)], bearer: token)
        guard case .array(let more)? = rest.json?["data"] else { Issue.record("\(rest.text)"); return }
        #expect(more.count == 1)
        let byActor = h.call(.GET, "/api/v1/audit", query: [("actor_id", admin.id.uuidString), ("since", "2027-01-15T08:00:00Z"), ("until", "2027-01-16")], bearer: token)
        #expect(byActor.text.contains("sign_in.succeeded"))
        let before = h.call(.GET, "/api/v1/audit", query: [("until", "2027-01-15T07:00:00+00:00")], bearer: token)
        #expect(before.json?["data"] == .array([]))
        let (_, creator) = try h.session(.creator)
        #expect(h.call(.GET, "/api/v1/audit", bearer: creator).status == 403)
    }
}
