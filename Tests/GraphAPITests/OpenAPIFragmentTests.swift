import Foundation
import GraphAPI
import HTTP
import Testing

/// data/openapi.d/graph.json documents exactly the routes GraphRoutes installs.
@Suite struct OpenAPIFragmentTests {
    @Test func fragmentListsExactlyTheGraphRoutes() throws {
        let h = try GraphAPIHarness()
        let data = try #require(FileManager.default.contents(atPath: repositoryRoot() + "/data/openapi.d/graph.json"))
        let fragment = try JSONValue.parse(Array(data))
        #expect(fragment.keys == ["paths", "components"])
        guard case .object(let paths)? = fragment["paths"] else { Issue.record("no paths"); return }
        var documented = Set<String>()
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
                #expect(operation["summary"] != nil, "\(method) \(path) has no summary")
                #expect(operation["responses"] != nil, "\(method) \(path) has no responses")
            }
        }
        let routed = Set(h.router.routes.map { "\($0.method.rawValue) \($0.template)" })
        #expect(documented == routed)
        // Every schema reference inside the fragment resolves in the fragment or the base document.
        let schemas = fragment["components"]?["schemas"]?.keys ?? []
        let text = String(decoding: data, as: UTF8.self)
        var references = Set<String>()
        var rest = Substring(text)
        while let range = rest.range(of: "#/components/schemas/") {
            let name = rest[range.upperBound...].prefix { $0 != "\"" }
            references.insert(String(name))
            rest = rest[range.upperBound...]
        }
        #expect(references.subtracting(schemas).subtracting(["Problem"]).isEmpty, "unresolved: \(references.subtracting(schemas))")
    }
}
