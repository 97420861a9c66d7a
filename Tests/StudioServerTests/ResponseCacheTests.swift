import Cache
import HTTP
import StudioServer
import Testing

/// A tiny in-memory "store" with a cacheable list route and a write route.
private func makeRouter(cache: ResponseCache, store: Locked<[String: [String]]>, reads: Locked<Int>) -> Router {
    var router = Router()
    router.use { request, next in
        // Test authentication: the user is named by a header.
        var request = request
        if let user = request.headers["X-Test-User"] {
            request.principal = Principal(userID: user, role: .creator, scopes: [.read, .write])
        }
        return try next(request)
    }
    router.use(cache.middleware)
    router.get("/api/v1/notes", RouteInfo(summary: "my notes", access: "viewer", cache: "hot")) { request in
        reads.withLock { $0 += 1 }
        let user = try request.requirePrincipal().userID
        return .json(.array(store.withLock { $0[user, default: []] }.map { .string($0) }))
    }
    router.post("/api/v1/notes", RouteInfo(summary: "add", access: "creator", acceptsJSON: true)) { request in
        let user = try request.requirePrincipal().userID
        guard case .string(let text)? = try JSONValue.parse(request.body)["text"] else { throw APIError.invalidField("text", "is required") }
        store.withLock { $0[user, default: []].append(text) }
        return .json(.object(["ok": .bool(true)]), status: 201)
    }
    router.get("/api/v1/dashboard", RouteInfo(summary: "derived", access: "viewer", cache: "warm")) { request in
        reads.withLock { $0 += 1 }
        return .json(.int(Int64(store.withLock { $0.values.reduce(0) { $0 + $1.count } })))
    }
    router.post("/api/v1/import", RouteInfo(summary: "bulk", access: "creator", acceptsJSON: true, invalidates: ["dashboard"])) { _ in
        store.withLock { $0["bulk", default: []].append("x") }
        return .noContent
    }
    return router
}

private func request(_ method: Method, _ path: String, user: String?, body: String? = nil) -> Request {
    var headers = Headers()
    if let user { headers["X-Test-User"] = user }
    if body != nil { headers["Content-Type"] = "application/json" }
    return Request(method: method, path: path, headers: headers, body: Array((body ?? "").utf8))
}

@Suite struct ResponseCacheTests {
    let store = Locked<[String: [String]]>(["alice": ["a1"], "bob": ["b1"]])
    let reads = Locked(0)

    @Test func repeatedReadsAreServedFromTheCache() throws {
        let router = makeRouter(cache: ResponseCache(cache: try TieredCache()), store: store, reads: reads)
        let first = router.respond(request(.GET, "/api/v1/notes", user: "alice"))
        let second = router.respond(request(.GET, "/api/v1/notes", user: "alice"))
        #expect(first.headers["X-Cache"] == "miss")
        #expect(second.headers["X-Cache"] == "hit")
        #expect(second.bodyBytes == first.bodyBytes)
        #expect(reads.withLock { $0 } == 1)
    }

    @Test func aCachedResponseIsNeverServedToAnotherPrincipal() throws {
        let router = makeRouter(cache: ResponseCache(cache: try TieredCache()), store: store, reads: reads)
        let alice = router.respond(request(.GET, "/api/v1/notes", user: "alice"))
        let bob = router.respond(request(.GET, "/api/v1/notes", user: "bob"))
        #expect(String(decoding: alice.bodyBytes, as: UTF8.self) == #"["a1"]"#)
        #expect(String(decoding: bob.bodyBytes, as: UTF8.self) == #"["b1"]"#)
        #expect(bob.headers["X-Cache"] == "miss")
        #expect(router.respond(request(.GET, "/api/v1/notes", user: nil)).status == 401)
    }

    @Test func aWriteTheClientSawSucceedIsVisibleOnItsNextRead() throws {
        let router = makeRouter(cache: ResponseCache(cache: try TieredCache()), store: store, reads: reads)
        _ = router.respond(request(.GET, "/api/v1/notes", user: "alice"))
        #expect(router.respond(request(.POST, "/api/v1/notes", user: "alice", body: #"{"text":"a2"}"#)).status == 201)
        let after = router.respond(request(.GET, "/api/v1/notes", user: "alice"))
        #expect(String(decoding: after.bodyBytes, as: UTF8.self) == #"["a1","a2"]"#)
        // A failed write invalidates nothing.
        _ = router.respond(request(.GET, "/api/v1/notes", user: "alice"))
        #expect(router.respond(request(.POST, "/api/v1/notes", user: "alice", body: #"{}"#)).status == 400)
        #expect(router.respond(request(.GET, "/api/v1/notes", user: "alice")).headers["X-Cache"] == "hit")
    }

    @Test func routesNameWhatElseTheyMakeStale() throws {
        let router = makeRouter(cache: ResponseCache(cache: try TieredCache()), store: store, reads: reads)
        #expect(router.respond(request(.GET, "/api/v1/dashboard", user: "alice")).bodyBytes == Array("2".utf8))
        #expect(router.respond(request(.POST, "/api/v1/import", user: "alice", body: "{}")).status == 204)
        #expect(router.respond(request(.GET, "/api/v1/dashboard", user: "alice")).bodyBytes == Array("3".utf8))
    }

    @Test func aValueComputedBeforeAWriteIsNotStoredAfterIt() throws {
        let cache = try TieredCache()
        let responses = ResponseCache(cache: cache)
        var router = Router()
        let gate = Locked(false)
        router.use(responses.middleware)
        router.get("/api/v1/slow", RouteInfo(summary: "slow", cache: "hot")) { _ in
            let value = store.withLock { $0["alice", default: []].count }
            // A write lands (and invalidates) while this read is still computing.
            if !gate.withLock({ $0 }) { gate.withLock { $0 = true }; responses.invalidate(resource: "slow") }
            return .json(.int(Int64(value)))
        }
        _ = router.respond(Request(method: .GET, path: "/api/v1/slow"))
        #expect(router.respond(Request(method: .GET, path: "/api/v1/slow")).headers["X-Cache"] == "miss")
    }
}

@Suite struct HTTPCachingTests {
    @Test func etagGives304AndGzipIsNegotiated() throws {
        let app = try makeApp()
        let first = app.respond(Request(method: .GET, path: "/api/v1/openapi.json"))
        let etag = try #require(first.headers["ETag"])
        var headers = Headers()
        headers["If-None-Match"] = etag
        let again = app.respond(Request(method: .GET, path: "/api/v1/openapi.json", headers: headers))
        #expect(again.status == 304)
        #expect(again.bodyBytes.isEmpty)
        var gzip = Headers()
        gzip["Accept-Encoding"] = "gzip"
        let compressed = app.respond(Request(method: .GET, path: "/api/v1/openapi.json", headers: gzip))
        #expect(compressed.headers["Content-Encoding"] == "gzip")
        #expect(compressed.headers["Vary"] == "Accept-Encoding")
        #expect(compressed.headers["ETag"] != etag)
        #expect(Gzip.decompress(compressed.bodyBytes) == first.bodyBytes)
        gzip["If-None-Match"] = try #require(compressed.headers["ETag"])
        #expect(app.respond(Request(method: .GET, path: "/api/v1/openapi.json", headers: gzip)).status == 304)
    }

    @Test func cacheTiersAreInMetrics() throws {
        let app = try makeApp()
        let text = String(decoding: app.respond(Request(method: .GET, path: "/metrics")).bodyBytes, as: UTF8.self)
        for line in ["cache_hits_total{tier=\"hot\"}", "cache_evictions_total{tier=\"warm\"}", "cache_bytes{tier=\"cold\"}", "# TYPE cache_misses_total counter"] {
            #expect(text.contains(line), "missing \(line)")
        }
    }
}
