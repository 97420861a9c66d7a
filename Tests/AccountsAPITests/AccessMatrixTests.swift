import Accounts
import AccountsAPI
import Foundation
import HTTP
import Testing

/// Who may call what: every role and key scope against routes of every access level.
@Suite struct AccessMatrixTests {
    /// Expected status of GET and POST on /api/v1/dummy/<access> for each caller.
    static let expectations: [(caller: String, access: String, get: Int, post: Int)] = [
        ("none", "public", 200, 200), ("none", "viewer", 401, 401), ("none", "creator", 401, 401), ("none", "admin", 401, 401),
        ("viewer", "public", 200, 200), ("viewer", "viewer", 200, 403), ("viewer", "creator", 403, 403), ("viewer", "admin", 403, 403),
        ("creator", "public", 200, 200), ("creator", "viewer", 200, 200), ("creator", "creator", 200, 200), ("creator", "admin", 403, 403),
        ("admin", "public", 200, 200), ("admin", "viewer", 200, 200), ("admin", "creator", 200, 200), ("admin", "admin", 200, 200),
        // API keys carry only the scopes they were made with.
        ("admin key read", "viewer", 200, 403), ("admin key read", "admin", 403, 403),
        ("admin key read+write", "creator", 200, 200), ("admin key read+write", "admin", 403, 403),
        ("admin key read+admin", "admin", 200, 403), ("admin key all", "admin", 200, 200),
        ("admin key write", "viewer", 403, 200),
        ("creator key read", "creator", 200, 403), ("creator key read+write", "creator", 200, 200), ("creator key read+write", "admin", 403, 403),
        ("viewer key read", "viewer", 200, 403), ("viewer key read", "creator", 403, 403),
    ]

    @Test func roleAndScopeMatrix() throws {
        let h = try Harness()
        var credentials: [String: String?] = ["none": nil]
        for role in [Role.viewer, .creator, .admin] {
            let (_, token) = try h.session(role)
            credentials[role.rawValue] = token
        }
        let adminToken = credentials["admin"]!!
        credentials["admin key read"] = h.apiKey(token: adminToken, scopes: ["read"]).secret
        credentials["admin key read+write"] = h.apiKey(token: adminToken, scopes: ["read", "write"]).secret
        credentials["admin key read+admin"] = h.apiKey(token: adminToken, scopes: ["read", "admin"]).secret
        credentials["admin key all"] = h.apiKey(token: adminToken, scopes: ["read", "write", "admin"]).secret
        credentials["admin key write"] = h.apiKey(token: adminToken, scopes: ["write"]).secret
        credentials["creator key read"] = h.apiKey(token: credentials["creator"]!!, scopes: ["read"]).secret
        credentials["creator key read+write"] = h.apiKey(token: credentials["creator"]!!, scopes: ["read", "write"]).secret
        credentials["viewer key read"] = h.apiKey(token: credentials["viewer"]!!, scopes: ["read"]).secret

        for row in Self.expectations {
            let credential = try #require(credentials[row.caller])
            let get = h.call(.GET, "/api/v1/dummy/\(row.access)", bearer: credential)
            let post = h.call(.POST, "/api/v1/dummy/\(row.access)", bearer: credential)
            #expect(get.status == row.get, "GET \(row.access) as \(row.caller): \(get.text)")
            #expect(post.status == row.post, "POST \(row.access) as \(row.caller): \(post.text)")
            for reply in [get, post] where reply.status == 403 || reply.status == 401 {
                #expect(reply.headers["Content-Type"] == "application/problem+json")
            }
        }
    }

    @Test func keysCannotBeWiderThanTheOwnersRole() throws {
        let h = try Harness()
        let (_, viewer) = try h.session(.viewer)
        let (_, creator) = try h.session(.creator)
        let wide = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "x", "scopes": ["read", "write"]}"#, bearer: viewer)
        #expect(wide.status == 400 && wide.errorFields == ["scopes"], "\(wide.text)")
        let admin = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "x", "scopes": ["admin"]}"#, bearer: creator)
        #expect(admin.status == 400 && admin.errorFields == ["scopes"])
        let unknown = h.call(.POST, "/api/v1/api-keys", body: #"{"name": "x", "scopes": ["root"]}"#, bearer: creator)
        #expect(unknown.status == 400 && unknown.errorFields == ["scopes[0]"])
    }

    @Test func principalReachesHandlersWithTheCreatorsGraphNode() throws {
        let h = try Harness()
        let (creator, token) = try h.session(.creator)
        let seen = h.call(.GET, "/api/v1/dummy/creator", bearer: token)
        #expect(seen.string("user_id") == creator.id.uuidString.lowercased())
        #expect(seen.string("role") == "creator")
        #expect(seen.int("creator_node") == 1000)
        #expect(h.creatorHookUsers == [creator.id], "the hook ran once for the creator made from the shell")
        #expect(h.call(.GET, "/api/v1/dummy/creator", bearer: token).int("creator_node") == 1000)
        let (_, admin) = try h.session(.admin)
        #expect(h.call(.GET, "/api/v1/dummy/admin", bearer: admin).json?["creator_node"] == .null)
        #expect(h.creatorHookUsers.count == 1, "admins get no :Creator node")
    }

    @Test func disablingOrDemotingAUserStopsTheirTokensAndKeysAtOnce() throws {
        let h = try Harness()
        let (_, admin) = try h.session(.admin)
        let (creator, token) = try h.session(.creator)
        let key = h.apiKey(token: token, scopes: ["read", "write"]).secret
        #expect(h.call(.POST, "/api/v1/dummy/creator", bearer: key).status == 200)
        let demoted = h.call(.PATCH, "/api/v1/users/\(creator.id.uuidString)", body: #"{"role": "viewer"}"#, bearer: admin)
        #expect(demoted.status == 200, "\(demoted.text)")
        #expect(h.call(.GET, "/api/v1/dummy/creator", bearer: token).status == 401, "tokens issued before the change are refused")
        #expect(h.call(.POST, "/api/v1/dummy/creator", bearer: key).status == 403, "the key is narrowed to the new role")
        #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: key).status == 200)
        #expect(h.call(.PATCH, "/api/v1/users/\(creator.id.uuidString)", body: #"{"status": "disabled"}"#, bearer: admin).status == 200)
        #expect(h.call(.GET, "/api/v1/dummy/viewer", bearer: key).status == 401)
        let login = h.login(creator.email)
        #expect(login.status == 403 && login.problemType == "/problems/account-disabled")
    }
}
