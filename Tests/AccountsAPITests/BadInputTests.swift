import Accounts
import AccountsAPI
import Foundation
import HTTP
import Testing

/// SQL-meaningful characters, lookalike emails, malformed bodies: clear 4xx answers, no partial writes, no echoed secrets.
@Suite struct BadInputTests {
    static let sqlish = ["Robert'); DROP TABLE users;--", "\" OR 1=1 --", "x'; DELETE FROM api_keys; --", "%_\\", "1; ATTACH DATABASE 'x' AS y"]

    @Test func sqlCharactersAreStoredAndReturnedAsPlainText() throws {
        let h = try Harness()
        let (_, admin) = try h.session(.admin)
        for (index, text) in Self.sqlish.enumerated() {
            let created = h.call(.POST, "/api/v1/users", body: JSONValue.object([
                "email": .string("o'brien+\(index)@example.com"), "display_name": .string(text), "role": .string("viewer"),
                "password": .string(Harness.password + text),
            ]).text, bearer: admin)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.string("display_name") == text)
            #expect(!created.text.contains(Harness.password))
            let key = h.call(.POST, "/api/v1/api-keys", body: JSONValue.object(["name": .string(text), "scopes": .array([.string("read")])]).text, bearer: admin)
            #expect(key.status == 201 && key.string("name") == text)
            #expect(h.login("o'brien+\(index)@example.com", password: Harness.password + text).status == 200)
        }
        let bad = h.call(.POST, "/api/v1/auth/login", body: json(["email": "' OR '1'='1", "password": "' OR '1'='1' --xx"]))
        #expect(bad.status == 401)
        let audit = h.call(.GET, "/api/v1/audit", query: [("subject_id", "' OR 1=1 --")], bearer: admin)
        #expect(audit.status == 200 && audit.json?["data"] == .array([]))
        let users = h.call(.GET, "/api/v1/users", query: [("limit", "200")], bearer: admin)
        guard case .array(let list)? = users.json?["data"] else { Issue.record("no users"); return }
        #expect(list.count == 1 + Self.sqlish.count)
    }

    @Test func lookalikeEmailsAreTheSameAccount() throws {
        let h = try Harness()
        let (_, admin) = try h.session(.admin)
        let first = h.call(.POST, "/api/v1/users", body: json(["email": "paypal@example.com", "role": "creator", "password": Harness.password]), bearer: admin)
        #expect(first.status == 201)
        for lookalike in ["PayPal@Example.com", "pаypal@example.com" /* Cyrillic а */, "ｐａｙｐａｌ@example.com" /* fullwidth */, " paypal@example.com "] {
            let clash = h.call(.POST, "/api/v1/users", body: json(["email": lookalike, "role": "creator", "password": Harness.password]), bearer: admin)
            #expect(clash.status == 409 || clash.status == 400, "\(lookalike): \(clash.status) \(clash.text)")
            #expect(clash.errorFields == ["email"], "\(lookalike)")
        }
        #expect(h.login("PAYPAL@example.com").status == 200, "sign-in ignores case")
        let invisible = h.call(.POST, "/api/v1/users", body: json(["email": "pay\u{200B}pal@example.com", "role": "creator", "password": Harness.password]), bearer: admin)
        #expect(invisible.status == 400 && invisible.errorFields == ["email"])
    }

    @Test(arguments: [
        ("not json", "(body)", 400), ("[1,2]", "(body)", 400), (#"{"email": 5, "password": "x"}"#, "email", 400),
        (#"{"email": "a@example.com"}"#, "password", 400), (#"{"email": "a@example.com", "password": "x", "pasword": "y"}"#, "pasword", 400),
        (#"{"email": null, "password": "x"}"#, "email", 400),
    ] as [(String, String, Int)])
    func malformedLoginBodiesNameTheField(body: String, field: String, status: Int) throws {
        let h = try Harness()
        let reply = h.call(.POST, "/api/v1/auth/login", body: body)
        #expect(reply.status == status, "\(body): \(reply.text)")
        if field != "(body)" || body.hasPrefix("[") { #expect(reply.errorFields == [field], "\(body)") }
        #expect(reply.headers["Content-Type"] == "application/problem+json")
    }

    @Test func oversizedFieldsAreRefusedWithoutHashing() throws {
        let h = try Harness()
        let huge = String(repeating: "p", count: 100_000)
        let reply = h.call(.POST, "/api/v1/auth/login", body: json(["email": "a@example.com", "password": huge]))
        #expect(reply.status == 400 && reply.errorFields == ["password"])
        #expect(!reply.text.contains(huge))
        #expect(h.store.hashingGate.statistics.completed == 0)
    }

    @Test func userAdministrationValidatesEveryField() throws {
        let h = try Harness()
        let (admin, token) = try h.session(.admin)
        let cases: [(String, String)] = [
            (#"{"email": "x@example.com", "role": "owner", "password": "tangerine-orbit-lantern-42"}"#, "role"),
            (#"{"email": "not-an-email", "role": "viewer", "password": "tangerine-orbit-lantern-42"}"#, "email"),
            (#"{"email": "x@example.com", "role": "viewer", "password": "password1234"}"#, "password"),
            (#"{"email": "x@example.com", "role": "viewer", "password": "tangerine-orbit-lantern-42", "display_name": "a\u0007b"}"#, "display_name"),
            (#"{"email": "x@example.com", "role": "viewer"}"#, "password"),
        ]
        for (body, field) in cases {
            let reply = h.call(.POST, "/api/v1/users", body: body, bearer: token)
            #expect(reply.status == 400, "\(body): \(reply.text)")
            #expect(reply.errorFields == [field], "\(body): \(reply.text)")
        }
        #expect(try h.store.listUsers().data.count == 1, "nothing was created")
        let lastAdmin = h.call(.PATCH, "/api/v1/users/\(admin.id.uuidString)", body: #"{"role": "viewer"}"#, bearer: token)
        #expect(lastAdmin.status == 409 && lastAdmin.problemType == "/problems/last-admin")
        #expect(h.call(.GET, "/api/v1/users/not-a-uuid", bearer: token).status == 404)
        #expect(h.call(.GET, "/api/v1/users/\(UUID().uuidString)", bearer: token).status == 404)
        #expect(h.call(.PATCH, "/api/v1/users/\(admin.id.uuidString)", body: #"{"status": "banned"}"#, bearer: token).errorFields == ["status"])
        #expect(h.call(.GET, "/api/v1/users", query: [("limit", "0")], bearer: token).errorFields == ["limit"])
        #expect(h.call(.GET, "/api/v1/users", query: [("after", "garbage!")], bearer: token).errorFields == ["after"])
        #expect(h.call(.GET, "/api/v1/audit", query: [("since", "yesterday")], bearer: token).errorFields == ["since"])
    }
}
