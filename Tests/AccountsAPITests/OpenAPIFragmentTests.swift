import AccountsAPI
import Foundation
import HTTP
import Testing

/// data/openapi.d/accounts.json documents exactly the accounts routes, with the access each declares.
@Suite struct OpenAPIFragmentTests {
    @Test func fragmentListsExactlyTheAccountsRoutesAndTheirAccess() throws {
        let h = try Harness()
        var router = Router()
        h.service.install(on: &router)
        let root = String(Harness.commonPasswordsPath.dropLast("/data/common-passwords.txt".count))
        let data = try #require(FileManager.default.contents(atPath: root + "/data/openapi.d/accounts.json"))
        let fragment = try JSONValue.parse(Array(data))
        guard case .object(let paths)? = fragment["paths"] else { Issue.record("no paths"); return }
        var documented: [String: String] = [:]
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations where ["get", "post", "put", "patch", "delete"].contains(method) {
                guard case .string(let access)? = operation["x-access"] else { Issue.record("\(method) \(path) has no x-access"); continue }
                documented["\(method.uppercased()) \(path)"] = access
                #expect(operation["summary"] != nil && operation["responses"] != nil, "\(method) \(path)")
            }
        }
        var routed: [String: String] = [:]
        for route in router.routes { routed["\(route.method.rawValue) \(route.template)"] = route.info.access }
        #expect(documented == routed)
        var schemas = Set<String>()
        if case .object(let s)? = fragment["components"]?["schemas"] { schemas = Set(s.keys) }
        let text = String(decoding: data, as: UTF8.self)
        var rest = Substring(text)
        while let range = rest.range(of: "#/components/schemas/") {
            let name = String(rest[range.upperBound...].prefix { $0 != "\"" })
            #expect(name == "Problem" || schemas.contains(name), "unresolved schema \(name)")
            rest = rest[range.upperBound...]
        }
    }
}
