import Glibc
import HTTP

/// The served OpenAPI document: a base file plus one fragment per API module.
///
/// Each module documents its own routes in `data/openapi.d/<module>.json` (an object with
/// `paths` and optionally `components.schemas`), so modules never edit a shared file.
/// A fragment that redefines a path or schema already present is a mistake and is reported
/// by the test that compares the document with the router.
public enum OpenAPIDocument {
    /// The merged document, or nil when the base file is missing or invalid.
    public static func load(_ resources: Resources) -> JSONValue? {
        guard let bytes = resources.read("openapi.json"), case .object(var root)? = try? JSONValue.parse(bytes) else { return nil }
        guard case .object(var paths)? = root["paths"] else { return nil }
        var components: [String: JSONValue] = { if case .object(let c)? = root["components"] { return c } else { return [:] } }()
        var schemas: [String: JSONValue] = { if case .object(let s)? = components["schemas"] { return s } else { return [:] } }()
        for name in fragmentNames(resources.directory + "/openapi.d") {
            guard let data = resources.read("openapi.d/" + name), case .object(let fragment)? = try? JSONValue.parse(data) else { continue }
            if case .object(let more)? = fragment["paths"] {
                for (path, item) in more {
                    if case .object(var existing)? = paths[path], case .object(let added) = item {
                        for (method, operation) in added { existing[method] = operation }
                        paths[path] = .object(existing)
                    } else {
                        paths[path] = item
                    }
                }
            }
            if case .object(let fc)? = fragment["components"], case .object(let moreSchemas)? = fc["schemas"] {
                for (name, schema) in moreSchemas { schemas[name] = schema }
            }
        }
        components["schemas"] = .object(schemas)
        root["paths"] = .object(paths)
        root["components"] = .object(components)
        return .object(root)
    }

    static func fragmentNames(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".json"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }
}
