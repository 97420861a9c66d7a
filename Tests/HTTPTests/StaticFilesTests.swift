import Glibc
import HTTP
import Testing

@Suite struct StaticFilesTests {
    /// A web root with an index, a big script, a hidden file, and symlinks out of it.
    static func makeRoot() throws -> String {
        var template = Array("/tmp/studio-static-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        func write(_ name: String, _ text: String) {
            let fd = open(dir + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
            close(fd)
        }
        mkdir(dir + "/js", 0o755)
        write("index.html", "<!doctype html><title>t</title>")
        write("js/app.js", String(repeating: "console.log('hello');\n", count: 200))
        write(".secret", "nope")
        write("/../studio-outside-\(getpid()).txt", "outside")
        symlink("/etc/passwd", dir + "/passwd")
        symlink("/etc", dir + "/etcdir")
        return dir
    }

    @Test func indexAndContentTypesAndSecurityHeaders() throws {
        let files = try StaticFiles(root: try Self.makeRoot())
        let index = try files.respond(Request(method: .GET, path: "/"))
        #expect(index.status == 200)
        #expect(index.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(index.headers["Content-Security-Policy"]?.contains("default-src 'self'") == true)
        #expect(index.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
        #expect(index.headers["X-Content-Type-Options"] == "nosniff")
        #expect(index.headers["Referrer-Policy"] != nil)
        let script = try files.respond(Request(method: .GET, path: "/js/app.js"))
        #expect(script.headers["Content-Type"] == "text/javascript; charset=utf-8")
    }

    @Test func etagAndLastModifiedGive304() throws {
        let files = try StaticFiles(root: try Self.makeRoot())
        let first = try files.respond(Request(method: .GET, path: "/js/app.js"))
        let etag = try #require(first.headers["ETag"])
        var headers = Headers()
        headers["If-None-Match"] = etag
        #expect(try files.respond(Request(method: .GET, path: "/js/app.js", headers: headers)).status == 304)
        var since = Headers()
        since["If-Modified-Since"] = try #require(first.headers["Last-Modified"])
        #expect(try files.respond(Request(method: .GET, path: "/js/app.js", headers: since)).status == 304)
        var other = Headers()
        other["If-None-Match"] = "\"other\""
        #expect(try files.respond(Request(method: .GET, path: "/js/app.js", headers: other)).status == 200)
    }

    @Test func gzipWhenAccepted() throws {
        let files = try StaticFiles(root: try Self.makeRoot())
        var headers = Headers()
        headers["Accept-Encoding"] = "br, gzip;q=0.8"
        let response = try files.respond(Request(method: .GET, path: "/js/app.js", headers: headers))
        #expect(response.headers["Content-Encoding"] == "gzip")
        #expect(response.headers["Vary"] == "Accept-Encoding")
        let plain = try files.respond(Request(method: .GET, path: "/js/app.js"))
        #expect(Gzip.decompress(response.bodyBytes) == plain.bodyBytes)
        #expect(response.bodyBytes.count < plain.bodyBytes.count)
        var refused = Headers()
        refused["Accept-Encoding"] = "gzip;q=0"
        #expect(try files.respond(Request(method: .GET, path: "/js/app.js", headers: refused)).headers["Content-Encoding"] == nil)
    }

    @Test(arguments: [
        "/../../etc/passwd", "/..", "/js/../../etc/passwd", "/passwd", "/etcdir/passwd", "/.secret",
        "/js/./app.js", "/js\\app.js", "/index.html\0.png", "//etc/passwd", "/nope.html", "/js",
    ])
    func nothingOutsideTheRootOrHidden(path: String) throws {
        let files = try StaticFiles(root: try Self.makeRoot())
        #expect(throws: APIError.self) { try files.respond(Request(method: .GET, path: path)) }
    }
}
