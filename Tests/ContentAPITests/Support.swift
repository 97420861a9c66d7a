import Content
import ContentAPI
import Foundation
import Graph
import HTTP
import Testing
import Writing

/// A content store on a temporary LMDB directory with the content routes installed; events are recorded.
final class ContentAPIHarness: @unchecked Sendable {
    let directory: String
    let graph: GraphStore
    let store: ContentStore
    var router: Router
    let events = EventLog()

    init() throws {
        var template = Array((NSTemporaryDirectory() + "contentapi.XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: p!)
        graph = try GraphStore(directory: directory + "/graph", options: GraphStore.Options(initialMapSize: 8 << 20))
        store = try ContentStore(graph: graph, revenue: { id in id == alice.userID ? (minor: 4_200, currency: "USD") : nil })
        router = Router()
        let events = self.events
        ContentRoutes.install(on: &router, store: store) { type, payload, audience in events.append(type, payload, audience) }
    }

    deinit {
        graph.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One request through the router as `who` (nil: no principal); `body` is sent as JSON text.
    @discardableResult
    func call(_ method: HTTP.Method, _ path: String, as who: Principal? = alice, query: [(String, String)] = [],
              body: String? = nil, contentType: String = "application/json") -> Reply {
        var headers = Headers()
        if body != nil { headers["Content-Type"] = contentType }
        var request = Request(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers,
                              body: body.map { Array($0.utf8) } ?? [])
        request.principal = who
        return Reply(router.respond(request))
    }

    /// Creates an item through the API and returns its id (the test fails unless it answers 201).
    func create(as who: Principal = alice, _ json: String = #"{"kind": "social_post", "title": "Hello", "body": "World"}"#) -> String {
        let reply = call(.POST, "/api/v1/content", as: who, body: json)
        #expect(reply.status == 201, "creating content: \(reply.text)")
        return reply.string("id") ?? ""
    }
}

/// Events published by the routes.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(type: String, payload: JSONValue, audience: String?)] = []

    func append(_ type: String, _ payload: JSONValue, _ audience: String?) {
        lock.lock()
        items.append((type, payload, audience))
        lock.unlock()
    }

    var all: [(type: String, payload: JSONValue, audience: String?)] {
        lock.lock()
        defer { lock.unlock() }
        return items
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

    func string(_ key: String) -> String? {
        if case .string(let s)? = json?[key] { return s }
        return nil
    }

    func int(_ key: String) -> Int64? {
        if case .int(let i)? = json?[key] { return i }
        return nil
    }

    /// The field names of a problem's `errors`.
    var fields: [String] {
        guard case .array(let items)? = json?["errors"] else { return [] }
        return items.compactMap { if case .string(let f)? = $0["field"] { f } else { nil } }
    }

    /// The ids of a list's `data`.
    var ids: [String] {
        guard case .array(let items)? = json?["data"] else { return [] }
        return items.compactMap { if case .string(let s)? = $0["id"] { s } else { nil } }
    }

    var isProblem: Bool { headers["Content-Type"] == "application/problem+json" }
}

let alice = Principal(userID: "0193a1b2-c3d4-7e5f-8a9b-000000000a11", role: .creator, scopes: [.read, .write])
let bob = Principal(userID: "0193a1b2-c3d4-7e5f-8a9b-000000000b0b", role: .creator, scopes: [.read, .write])
let admin = Principal(userID: "0193a1b2-c3d4-7e5f-8a9b-0000000000ad", role: .admin, scopes: [.read, .write, .admin])
let readOnlyKey = Principal(userID: "0193a1b2-c3d4-7e5f-8a9b-000000000a11", role: .creator, scopes: [.read], apiKeyID: "k1")

/// The directory holding Package.swift and data/ of the main repository.
func repositoryRoot() -> String {
    var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.path + "/data/openapi.d") { return url.path }
    }
    return "/work/main"
}
