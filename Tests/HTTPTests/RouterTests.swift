import HTTP
import Testing

private struct Greeting: Codable { var name: String; var times: Int }

private func makeRouter() -> Router {
    var router = Router()
    router.get("/api/v1/items/{id}", RouteInfo(summary: "one item")) { request in
        .json(.object(["id": .string(request.parameter("id"))]))
    }
    router.delete("/api/v1/items/{id}", RouteInfo(summary: "delete")) { _ in .noContent }
    router.post("/api/v1/greet", RouteInfo(summary: "greet", acceptsJSON: true)) { request in
        let body = try JSONCoding.decode(Greeting.self, from: request.body)
        guard body.times > 0 else { throw APIError.invalidField("times", "must be at least 1") }
        return .text(String(repeating: "hi \(body.name) ", count: body.times))
    }
    router.get("/files/{path...}", RouteInfo(summary: "rest")) { request in .text(request.parameter("path")) }
    router.get("/boom", RouteInfo(summary: "fails")) { _ in struct Secret: Error { let password = "hunter2" }; throw Secret() }
    return router
}

private func problem(_ response: Response) throws -> JSONValue {
    #expect(response.headers["Content-Type"] == "application/problem+json")
    return try JSONValue.parse(response.bodyBytes)
}

@Suite struct RouterTests {
    let router = makeRouter()

    @Test func pathParametersAreBound() throws {
        let response = router.respond(Request(method: .GET, path: "/api/v1/items/42"))
        #expect(response.status == 200)
        #expect(try JSONValue.parse(response.bodyBytes)["id"] == .string("42"))
        #expect(router.respond(Request(method: .GET, path: "/files/a/b/c.txt")).bodyBytes == Array("a/b/c.txt".utf8))
    }

    @Test func headIsAnsweredByGetRoutes() {
        #expect(router.respond(Request(method: .HEAD, path: "/api/v1/items/1")).status == 200)
    }

    @Test func unknownPathIs404ProblemJSON() throws {
        let response = router.respond(Request(method: .GET, path: "/api/v1/nothing"))
        #expect(response.status == 404)
        let body = try problem(response)
        #expect(body["status"] == .int(404))
        #expect(body["type"] == .string("/problems/not-found"))
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let response = router.respond(Request(method: .PUT, path: "/api/v1/items/7"))
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, HEAD, DELETE")
        _ = try problem(response)
    }

    @Test func wrongContentTypeIs415() throws {
        var headers = Headers()
        headers["Content-Type"] = "text/plain"
        let response = router.respond(Request(method: .POST, path: "/api/v1/greet", headers: headers, body: Array("{}".utf8)))
        #expect(response.status == 415)
        #expect(try problem(response)["detail"]?.text.contains("application/json") == true)
    }

    @Test func invalidJSONIs400NamingThePosition() throws {
        var headers = Headers()
        headers["Content-Type"] = "application/json; charset=utf-8"
        let response = router.respond(Request(method: .POST, path: "/api/v1/greet", headers: headers, body: Array("{\"name\": \"a\",\n \"times\": }".utf8)))
        #expect(response.status == 400)
        let detail = try problem(response)["detail"]?.text ?? ""
        #expect(detail.contains("line 2, column 11"), "\(detail)")
    }

    @Test func fieldErrorsNameTheField() throws {
        var headers = Headers()
        headers["Content-Type"] = "application/json"
        let missing = router.respond(Request(method: .POST, path: "/api/v1/greet", headers: headers, body: Array(#"{"name": "a"}"#.utf8)))
        #expect(missing.status == 400)
        #expect(try problem(missing)["errors"] == .array([.object(["field": .string("times"), "message": .string("is required")])]))
        let wrongType = router.respond(Request(method: .POST, path: "/api/v1/greet", headers: headers, body: Array(#"{"name": 5, "times": 1}"#.utf8)))
        #expect(try problem(wrongType)["errors"] == .array([.object(["field": .string("name"), "message": .string("must be a string")])]))
        let range = router.respond(Request(method: .POST, path: "/api/v1/greet", headers: headers, body: Array(#"{"name": "x", "times": 0}"#.utf8)))
        #expect(try problem(range)["errors"] == .array([.object(["field": .string("times"), "message": .string("must be at least 1")])]))
    }

    @Test func unexpectedErrorsAre500WithoutTheirDetails() throws {
        let response = router.respond(Request(method: .GET, path: "/boom", requestID: "abc123"))
        #expect(response.status == 500)
        let text = String(decoding: response.bodyBytes, as: UTF8.self)
        #expect(!text.contains("hunter2"))
        #expect(text.contains("abc123"))
    }

    @Test func middlewareSeesErrorsAsResponses() {
        var router = makeRouter()
        let seen = Locked<[Int]>([])
        router.use { request, next in
            let response = try next(request)
            seen.withLock { $0.append(response.status) }
            return response
        }
        router.use { request, next in
            if request.path == "/deny" { throw APIError.forbidden("no") }
            return try next(request)
        }
        _ = router.respond(Request(method: .GET, path: "/deny"))
        _ = router.respond(Request(method: .GET, path: "/api/v1/items/1"))
        #expect(seen.withLock { $0 } == [403, 200])
    }

    @Test func requestIDsAreSanitised() {
        #expect(RequestID.accept("abc-123_X.y") == "abc-123_X.y")
        #expect(RequestID.accept("bad id") == nil)
        #expect(RequestID.accept(String(repeating: "a", count: 65)) == nil)
        #expect(RequestID.accept("x\r\nSet-Cookie: a") == nil)
        #expect(RequestID.make().count == 16)
    }
}
