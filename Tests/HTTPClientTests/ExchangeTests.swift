import Glibc
import HTTPClient
import Synchronization
import Testing

/// Runs `send` and returns the error it throws, or records an issue if it succeeds.
func expectFailure(_ client: HTTPClient, _ request: HTTPClientRequest, sourceLocation: SourceLocation = #_sourceLocation) async -> HTTPClientError? {
    do {
        let response = try await client.send(request)
        Issue.record("expected an error, got status \(response.status) with \(response.body.count) body bytes", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

@Suite("Exchanges against loopback servers")
struct ExchangeTests {
    let client = HTTPClient()

    @Test("GET: status, headers (case-insensitive), body; Host, User-Agent and Connection: close are sent")
    func getSendsDefaultHeaders() async throws {
        let seen = Mutex<String>("")
        let server = try LoopbackServer { peer in
            guard let request = peer.readRequest() else { return }
            seen.withLock { $0 = request.head }
            peer.write(httpResponse(headers: ["Content-Type: text/plain", "X-Count: 2"], body: "hello"))
        }
        defer { server.stop() }
        let response = try await client.send(HTTPClientRequest(url: "\(server.base)/greet?name=a%20b#frag"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello")
        #expect(response.header("content-type") == "text/plain")
        #expect(response.header("X-COUNT") == "2")
        #expect(response.header("missing") == nil)
        let head = seen.withLock { $0 }
        let lines = head.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "GET /greet?name=a%20b HTTP/1.1")
        #expect(lines.contains("Host: 127.0.0.1:\(server.port)"))
        #expect(lines.contains("User-Agent: CreatorStudio"))
        #expect(lines.contains("Connection: close"))
        #expect(!lines.contains { $0.lowercased().hasPrefix("content-length") })
    }

    @Test("POST: a 300 KB binary body arrives intact and is echoed back; caller headers are kept")
    func postEchoesBody() async throws {
        let seen = Mutex<String>("")
        let server = try LoopbackServer { peer in
            guard let request = peer.readRequest() else { return }
            seen.withLock { $0 = request.head }
            peer.write(Array("HTTP/1.1 201 Created\r\nContent-Length: \(request.body.count)\r\n\r\n".utf8) + request.body)
        }
        defer { server.stop() }
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let request = HTTPClientRequest(
            method: "POST", url: server.base + "/echo",
            headers: [("Content-Type", "application/octet-stream"), ("User-Agent", "tester/1"), ("Host", "example.test")], body: body)
        let response = try await client.send(request)
        #expect(response.status == 201)
        #expect(response.body == body)
        let lines = seen.withLock { $0 }.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "POST /echo HTTP/1.1")
        #expect(lines.contains("Content-Length: 300000"))
        #expect(lines.contains("User-Agent: tester/1"))
        #expect(lines.contains("Host: example.test"))
        #expect(lines.filter { $0.hasPrefix("Host:") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("User-Agent:") }.count == 1)
    }

    @Test("Chunked body with extensions and trailers is reassembled")
    func chunkedResponse() async throws {
        let server = try LoopbackServer { peer in
            guard peer.readRequest() != nil else { return }
            peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            peer.write("5;name=value\r\nhello\r\n")
            peer.write("1\r\n \r\nB\r\nchunked wor\r\n2\r\nld\r\n")
            peer.write("0\r\nX-Trailer: yes\r\n\r\n")
        }
        defer { server.stop() }
        let response = try await client.send(HTTPClientRequest(url: server.base + "/"))
        #expect(String(decoding: response.body, as: UTF8.self) == "hello chunked world")
    }

    @Test("A body without length is read until the server closes")
    func readUntilClose() async throws {
        let server = try LoopbackServer { peer in
            guard peer.readRequest() != nil else { return }
            peer.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            for i in 0..<50 { peer.write("line \(i)\n") }
        }
        defer { server.stop() }
        let response = try await client.send(HTTPClientRequest(url: server.base + "/"))
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.hasPrefix("line 0\n") && text.hasSuffix("line 49\n"))
        #expect(text.split(separator: "\n").count == 50)
    }

    @Test("4xx, 5xx and 3xx are responses, not errors, and redirects are not followed", arguments: [
        ("404 Not Found", 404), ("500 Internal Server Error", 500), ("429 Too Many Requests", 429), ("302 Found", 302),
    ])
    func errorStatusesAreResponses(status: String, code: Int) async throws {
        let server = try LoopbackServer { peer in
            guard peer.readRequest() != nil else { return }
            peer.write(httpResponse(status, headers: ["Location: http://127.0.0.1:1/elsewhere", "Retry-After: 7"], body: "{\"error\":\"\(code)\"}"))
        }
        defer { server.stop() }
        let response = try await client.send(HTTPClientRequest(url: server.base + "/x"))
        #expect(response.status == code)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"error\":\"\(code)\"}")
        #expect(RetryAfter.seconds(response.header("Retry-After")) == 7)
        #expect(server.accepted.load(ordering: .sequentiallyConsistent) == 1)
    }

    @Test("1xx interim responses are skipped")
    func interimResponsesSkipped() async throws {
        let server = try LoopbackServer { peer in
            guard peer.readRequest() != nil else { return }
            peer.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")
            peer.write(httpResponse(headers: ["X-Final: 1"], body: "done"))
        }
        defer { server.stop() }
        let response = try await client.send(HTTPClientRequest(url: server.base + "/"))
        #expect(response.status == 200)
        #expect(response.header("X-Final") == "1")
        #expect(response.header("Link") == nil)
        #expect(response.body == Array("done".utf8))
    }

    @Test("HEAD, 204 and 304 have no body even with a Content-Length, and do not wait for one")
    func bodilessResponses() async throws {
        let server = try LoopbackServer { peer in
            guard let request = peer.readRequest() else { return }
            let path = request.head.split(separator: " ")[1]
            let status = path == "/204" ? "204 No Content" : path == "/304" ? "304 Not Modified" : "200 OK"
            peer.write("HTTP/1.1 \(status)\r\nContent-Length: 10\r\n\r\n")
            peer.waitForClose()  // never sends the 10 bytes: a client waiting for them would time out
        }
        defer { server.stop() }
        let head = try await client.send(HTTPClientRequest(method: "HEAD", url: server.base + "/", timeout: .seconds(2)))
        #expect(head.status == 200 && head.body.isEmpty && head.header("Content-Length") == "10")
        let noContent = try await client.send(HTTPClientRequest(url: server.base + "/204", timeout: .seconds(2)))
        #expect(noContent.status == 204 && noContent.body.isEmpty)
        let notModified = try await client.send(HTTPClientRequest(url: server.base + "/304", timeout: .seconds(2)))
        #expect(notModified.status == 304 && notModified.body.isEmpty)
    }

    @Test("IPv6 literal URL reaches a server on ::1", .enabled(if: hasIPv6Loopback(), "this machine has no IPv6 loopback"))
    func ipv6Literal() async throws {
        let seen = Mutex<String>("")
        let server = try LoopbackServer(ipv6: true) { peer in
            guard let request = peer.readRequest() else { return }
            seen.withLock { $0 = request.head }
            peer.write(httpResponse(body: "v6"))
        }
        defer { server.stop() }
        let response = try await client.send(HTTPClientRequest(url: "http://[::1]:\(server.port)/six"))
        #expect(response.body == Array("v6".utf8))
        #expect(seen.withLock { $0 }.contains("Host: [::1]:\(server.port)\r\n"))
    }

    @Test("Twenty concurrent requests each get their own answer")
    func concurrentRequests() async throws {
        let server = try LoopbackServer { peer in
            guard let request = peer.readRequest() else { return }
            let path = String(request.head.split(separator: " ")[1])
            peer.write(httpResponse(body: path))
        }
        defer { server.stop() }
        let client = self.client
        let base = server.base
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<20 {
                group.addTask {
                    let response = try await client.send(HTTPClientRequest(url: "\(base)/n\(i)"))
                    return (i, String(decoding: response.body, as: UTF8.self))
                }
            }
            var count = 0
            for try await (i, body) in group {
                #expect(body == "/n\(i)")
                count += 1
            }
            #expect(count == 20)
        }
    }
}

@Suite("Early answers, broken pipes and the benchmark")
struct EdgeTests {
    @Test("A server that answers 413 and closes while a 4 MB body is still being sent: the 413 is returned, the process survives")
    func earlyAnswerDuringUpload() async throws {
        let server = try LoopbackServer { peer in
            var chunk = [UInt8](repeating: 0, count: 4096)
            _ = recv(peer.fd, &chunk, chunk.count, 0)  // the head and a little of the body
            peer.write(httpResponse("413 Content Too Large", body: "too big"))
            shutdown(peer.fd, Int32(SHUT_WR))
            usleep(100_000)
        }
        defer { server.stop() }
        let body = [UInt8](repeating: 0x41, count: 4 << 20)
        do {
            let response = try await HTTPClient().send(HTTPClientRequest(method: "POST", url: server.base + "/upload", body: body, timeout: .seconds(20)))
            #expect(response.status == 413)
            #expect(response.body == Array("too big".utf8))
        } catch {
            // If the reset destroyed the answer before it was read, the write error must say the request was not fully sent.
            #expect(error.code == .closed)
            #expect(error.requestSent == false)
        }
    }

    @Test("A server that closes without reading a large upload: closed error, requestSent false, no SIGPIPE")
    func brokenPipe() async throws {
        let server = try LoopbackServer { peer in
            var chunk = [UInt8](repeating: 0, count: 1024)
            _ = recv(peer.fd, &chunk, chunk.count, 0)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)  // close with a reset
            setsockopt(peer.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        defer { server.stop() }
        let body = [UInt8](repeating: 0x42, count: 8 << 20)
        let error = await expectFailure(HTTPClient(), HTTPClientRequest(method: "PUT", url: server.base + "/big", body: body, timeout: .seconds(20)))
        #expect(error?.code == .closed)
        #expect(error?.requestSent == false)
    }

    @Test("The benchmark makes the requested number of exchanges and reports positive figures")
    func benchmark() async throws {
        let server = try LoopbackServer { peer in
            guard peer.readRequest() != nil else { return }
            peer.write(httpResponse(body: "ok"))
        }
        defer { server.stop() }
        let result = await HTTPClientBenchmark.run(url: server.base + "/", requests: 200)
        #expect(server.accepted.load(ordering: .sequentiallyConsistent) == 200)
        #expect(result.perSecond > 0 && result.p99Millis > 0)
        print("HTTPClientBenchmark: \(Int(result.perSecond)) requests/s, p99 \(result.p99Millis) ms (loopback, one connection per request)")
    }
}

/// `true` when a socket can bind to ::1 (containers sometimes run with IPv6 disabled).
func hasIPv6Loopback() -> Bool {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in6()
    addr.sin6_family = sa_family_t(AF_INET6)
    addr.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
    } == 0
}
