import Glibc
import HTTP
import Logging
import Testing

/// A raw-socket HTTP/1.1 client: enough to send exactly the bytes a test wants.
final class RawClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw HTTPServerError(message: "connect failed") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until `marker` appears, the peer closes, or the timeout passes.
    func read(until marker: String? = nil) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
            if let marker, String(decoding: out, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One complete response to a simple request (Content-Length bodies).
    func request(_ text: String) -> (status: Int, head: String, body: String) {
        send(text)
        var data = read(until: "\r\n\r\n")
        guard let split = data.firstRange(of: "\r\n\r\n") else { return (0, data, "") }
        let head = String(data[..<split.lowerBound])
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int(String($0.split(separator: ":")[1]).trimming(" ")) } ?? 0
        while data.utf8.count - head.utf8.count - 4 < length {
            let more = read(until: nil)
            if more.isEmpty { break }
            data += more
        }
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        let bodyStart = data.firstRange(of: "\r\n\r\n")!.upperBound
        return (status, head, String(data[bodyStart...]))
    }
}

func startServer(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in }, router: Router) throws -> HTTPServer {
    var configuration = HTTPServer.Configuration()
    configuration.port = 0
    configuration.threads = 2
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, logger: Logger(label: "test")) { router.respond($0) }
    try server.start()
    return server
}

@Suite(.serialized) struct LiveServerTests {
    static func router(bus: Locked<[EventStream]>? = nil) -> Router {
        var router = Router()
        router.get("/healthz", RouteInfo(summary: "ok")) { _ in .text("ok") }
        router.post("/echo", RouteInfo(summary: "echo", acceptsJSON: true)) { request in
            .json(try JSONValue.parse(request.body))
        }
        router.get("/events", RouteInfo(summary: "sse")) { _ in
            let stream = EventStream()
            bus?.withLock { $0.append(stream) }
            stream.comment("hello")
            return Response(status: 200, headers: EventStream.responseHeaders, body: .eventStream(stream))
        }
        router.get("/slow", RouteInfo(summary: "deferred")) { _ in
            let deferred = DeferredResponse()
            Thread.detach { usleep(200_000); deferred.complete(.text("done later")) }
            return Response(status: 200, headers: Headers(), body: .deferred(deferred))
        }
        return router
    }

    @Test func servesKeepAliveRequestsWithRequestIDs() throws {
        let server = try startServer(router: Self.router())
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        for i in 0..<3 {
            let response = client.request("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: req-\(i)\r\n\r\n")
            #expect(response.status == 200)
            #expect(response.head.contains("X-Request-Id: req-\(i)"))
            #expect(response.body == "ok")
        }
    }

    @Test func garbageRequestLineIs400() throws {
        let server = try startServer(router: Self.router())
        defer { server.stop() }
        for garbage in ["GARBAGE GARBAGE GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                        "GARBAGE\r\n\r\n", "\u{01}\u{02}\u{03}\r\n\r\n"] {
            let client = try RawClient(port: server.port)
            client.send(garbage)
            #expect(client.read().hasPrefix("HTTP/1.1 400"), "\(garbage.debugDescription)")
        }
        // A connection that sends nothing and closes gets nothing, and the server carries on.
        do { _ = try RawClient(port: server.port) }
        let after = try RawClient(port: server.port)
        #expect(after.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
    }

    @Test func headersOver16KiBAre431() throws {
        let server = try startServer(router: Self.router())
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: \(String(repeating: "a", count: 17_000))\r\n\r\n")
        let reply = client.read()
        #expect(reply.hasPrefix("HTTP/1.1 431"))
        #expect(reply.ranges(of: "HTTP/1.1 ").count == 1, "exactly one status line: \(reply)")
    }

    @Test func bodyOverTheLimitIs413WithoutReadingIt() throws {
        let server = try startServer({ $0.bodyLimit = 1024 }, router: Self.router())
        defer { server.stop() }
        let declared = try RawClient(port: server.port)
        // Declares 100 MB and sends none of it: the answer must come anyway.
        let response = declared.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
        #expect(response.status == 413)
        #expect(response.head.contains("application/problem+json"))
        let chunked = try RawClient(port: server.port)
        var text = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<4 { text += "400\r\n" + String(repeating: " ", count: 1024) + "\r\n" }
        text += "0\r\n\r\n"
        #expect(chunked.request(text).status == 413)
    }

    @Test func slowHeaderSenderIsCutOff() throws {
        let server = try startServer({ $0.headerTimeout = 1 }, router: Self.router())
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        let start = monotonic()
        var cut = false
        for byte in "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa".utf8 {
            if !client.send([byte]) { cut = true; break }
            usleep(300_000)
            if monotonic() - start > 4 { break }
            var probe: UInt8 = 0
            let n = recv(client.fd, &probe, 1, Int32(MSG_DONTWAIT))
            if n == 0 { cut = true; break }
        }
        #expect(cut, "a client trickling header bytes must be disconnected by the header timeout")
        #expect(monotonic() - start < 4)
    }

    @Test func eventStreamDeliversAndIdleStreamsDoNotStarveRequests() throws {
        let bus = Locked<[EventStream]>([])
        let server = try startServer({ $0.threads = 2 }, router: Self.router(bus: bus))
        defer { server.stop() }
        var idle: [RawClient] = []
        for _ in 0..<200 {
            let client = try RawClient(port: server.port)
            client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.append(client)
        }
        for client in idle.prefix(3) { #expect(client.read(until: ": hello").contains("text/event-stream")) }
        // Every pool thread would be taken if streams held one: plain requests must still be quick.
        let start = monotonic()
        let plain = try RawClient(port: server.port)
        for _ in 0..<20 { #expect(plain.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200) }
        #expect(monotonic() - start < 2)
        for _ in 0..<50 where bus.withLock({ $0.count }) < 200 { usleep(20_000) }
        for stream in bus.withLock({ $0 }) { stream.send(event: "content.generated", id: "1", data: "{\"id\":1}") }
        let got = idle[199].read(until: "data: {\"id\":1}")
        #expect(got.contains("event: content.generated\ndata: {\"id\":1}"))
        // A client that leaves is cleaned up.
        let leaving = bus.withLock { $0[0] }
        let closed = Locked(false)
        leaving.onClose { closed.withLock { $0 = true } }
        idle.removeAll()
        for _ in 0..<100 where !closed.withLock({ $0 }) {
            for stream in bus.withLock({ $0 }) { stream.comment("ping") }
            usleep(20_000)
        }
        #expect(closed.withLock { $0 })
    }

    @Test func deferredResponseArrivesWithoutHoldingAThread() throws {
        let server = try startServer({ $0.threads = 1 }, router: Self.router())
        defer { server.stop() }
        let slow = try RawClient(port: server.port)
        slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let quick = try RawClient(port: server.port)
        #expect(quick.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
        #expect(slow.read(until: "done later").contains("done later"))
    }

    @Test func stopEndsOpenStreamsAndReturns() throws {
        let bus = Locked<[EventStream]>([])
        let server = try startServer(router: Self.router(bus: bus))
        let client = try RawClient(port: server.port)
        client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = client.read(until: ": hello")
        let start = monotonic()
        server.stop(drain: .seconds(2))
        #expect(monotonic() - start < 3)
    }
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

enum Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body))
        pthread_create(&thread, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }
}
