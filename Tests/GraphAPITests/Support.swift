import Foundation
import Graph
import GraphAPI
import HTTP
import Testing

/// A graph store in a fresh temporary directory with the graph routes installed on a router.
final class GraphAPIHarness {
    let directory: String
    private(set) var store: GraphStore
    private(set) var router: Router
    let configuration: GraphAPIConfiguration

    init(configuration: GraphAPIConfiguration = GraphAPIConfiguration()) throws {
        var template = Array((NSTemporaryDirectory() + "graphapi.XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: p!)
        self.configuration = configuration
        store = try GraphStore(directory: directory + "/graph")
        router = Router()
        GraphRoutes.install(on: &router, store: store, configuration: configuration)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Closes the store and opens it again from disk, with fresh routes (what a restart does).
    func reopen() throws {
        store.close()
        store = try GraphStore(directory: directory + "/graph")
        router = Router()
        GraphRoutes.install(on: &router, store: store, configuration: configuration)
    }

    /// One request through the router; `body` is sent as JSON text.
    @discardableResult
    func call(_ method: HTTP.Method, _ path: String, query: [(String, String)] = [], body: String? = nil,
              contentType: String = "application/json") -> Reply {
        var headers = Headers()
        if body != nil { headers["Content-Type"] = contentType }
        let request = Request(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers,
                              body: body.map { Array($0.utf8) } ?? [])
        return Reply(router.respond(request))
    }

    /// Creates a node and returns its id (the test fails if the call does not answer 201).
    func node(_ labels: [String] = [], _ properties: String = "{}") -> Int64 {
        let labelText = labels.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = call(.POST, "/api/v1/graph/nodes", body: #"{"labels": [\#(labelText)], "properties": \#(properties)}"#)
        #expect(reply.status == 201, "creating a node: \(reply.text)")
        return reply.int("id") ?? -1
    }

    /// Creates a relationship and returns its id.
    func relationship(_ type: String, _ start: Int64, _ end: Int64, _ properties: String = "{}") -> Int64 {
        let reply = call(.POST, "/api/v1/graph/relationships", body: #"{"type": "\#(type)", "start": \#(start), "end": \#(end), "properties": \#(properties)}"#)
        #expect(reply.status == 201, "creating a relationship: \(reply.text)")
        return reply.int("id") ?? -1
    }

    /// `GET /stats` totals, to check that a refused request left nothing behind.
    func totals() -> (nodes: Int64, relationships: Int64) {
        let stats = call(.GET, "/api/v1/graph/stats")
        return (stats.int("nodes") ?? -1, stats.int("relationships") ?? -1)
    }
}

/// A response with its body parsed.
struct Reply {
    let status: Int
    let headers: Headers
    let text: String
    let json: JSONValue?

    init(_ response: Response) {
        status = response.status
        headers = response.headers
        text = String(decoding: response.bodyBytes, as: UTF8.self)
        json = try? JSONValue.parse(response.bodyBytes)
    }

    subscript(key: String) -> JSONValue? { json?[key] }

    func int(_ key: String) -> Int64? {
        if case .int(let i)? = json?[key] { return i }
        return nil
    }

    /// The `data` array of a list answer.
    var data: [JSONValue] {
        if case .array(let items)? = json?["data"] { return items }
        return []
    }

    /// The `next_cursor` of a list answer (nil when JSON null or absent).
    var nextCursor: String? {
        if case .string(let s)? = json?["next_cursor"] { return s }
        return nil
    }

    /// The `field` of each entry in a problem's `errors`.
    var errorFields: [String] {
        guard case .array(let errors)? = json?["errors"] else { return [] }
        return errors.compactMap { if case .string(let f)? = $0["field"] { f } else { nil } }
    }

    var detail: String {
        if case .string(let d)? = json?["detail"] { return d }
        return ""
    }

    var isProblem: Bool { headers["Content-Type"] == "application/problem+json" }
}

extension JSONValue {
    /// The integer value, if this is one.
    var intValue: Int64? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The member names of an object.
    var keys: Set<String> {
        if case .object(let members) = self { return Set(members.keys) }
        return []
    }
}

/// The repository root (`/work/main`), found from this file's real location (the side package links it).
func repositoryRoot(_ file: String = #filePath) -> String {
    var resolved = [CChar](repeating: 0, count: Int(PATH_MAX))
    let path = realpath(file, &resolved) != nil ? resolved.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : file
    var parts = path.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}
