import Content
import ContentAPI
import Foundation
import HTTP
import Testing

/// data/openapi.d/content.json documents exactly the routes ContentRoutes installs, with their access.
@Suite struct OpenAPIFragmentTests {
    @Test func fragmentListsExactlyTheContentRoutes() throws {
        let h = try ContentAPIHarness()
        let data = try #require(FileManager.default.contents(atPath: repositoryRoot() + "/data/openapi.d/content.json"))
        let fragment = try JSONValue.parse(Array(data))
        guard case .object(let paths)? = fragment["paths"] else { Issue.record("no paths"); return }
        var documented: [String: String] = [:]
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations {
                #expect(operation["summary"] != nil, "\(method) \(path) has no summary")
                #expect(operation["responses"] != nil, "\(method) \(path) has no responses")
                if case .string(let access)? = operation["x-access"] { documented["\(method.uppercased()) \(path)"] = access }
            }
        }
        let routed = Dictionary(uniqueKeysWithValues: h.router.routes.map { ("\($0.method.rawValue) \($0.template)", $0.info.access) })
        #expect(documented == routed)
        var schemas = Set<String>()
        if case .object(let o)? = fragment["components"]?["schemas"] { schemas = Set(o.keys) }
        let text = String(decoding: data, as: UTF8.self)
        var references = Set<String>()
        var rest = Substring(text)
        while let range = rest.range(of: "#/components/schemas/") {
            references.insert(String(rest[range.upperBound...].prefix { $0 != "\"" }))
            rest = rest[range.upperBound...]
        }
        #expect(references.subtracting(schemas).subtracting(["Problem", "Money"]).isEmpty, "unresolved: \(references.subtracting(schemas))")
    }
}
