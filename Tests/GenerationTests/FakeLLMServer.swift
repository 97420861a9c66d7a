import Glibc
import Synchronization

/// A fake OpenAI-compatible Chat Completions server on loopback, over raw sockets so it can misbehave in ways a
/// real HTTP server library will not: answer slowly, hang, cut a body off, send garbage, or stop listening.
///
/// Each connection is served on its own thread; the test decides the answer per request with ``respond``.
final class FakeLLMServer: Sendable {
    /// What one request looked like.
    struct Seen: Sendable {
        var path: String
        var headers: [String: String]
        var body: String
        /// The `model` field of the JSON body (found by a plain text search: good enough for a test).
        var model: String {
            guard let range = body.firstRange(of: "\"model\":\"") else { return "" }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// How to answer.
    enum Behavior: Sendable {
        /// 200 with a chat completion; `usage` nil leaves the field out.
        case ok(String, usage: (Int, Int)? = (10, 5), finish: String = "stop")
        /// Any status with a body and extra headers.
        case status(Int, String, headers: [(String, String)] = [])
        /// Wait, then answer.
        case slow(Duration, Box)
        /// Never answer (until the server stops or 20 s pass).
        case hang
        /// Announce `Content-Length: declared` but send only `body`, then close.
        case cutOff(declared: Int, body: String)
        /// Send these bytes as the whole response, then close.
        case raw([UInt8])
        /// Close the connection without a response.
        case close
    }

    /// A behaviour inside another (enums cannot hold themselves directly).
    final class Box: Sendable {
        let behavior: Behavior
        init(_ behavior: Behavior) { self.behavior = behavior }
    }

    private let listener: Int32
    let port: UInt16
    private let stopped = Atomic<Bool>(false)
    private let seen = Mutex<[Seen]>([])
    private let responder: Mutex<@Sendable (Seen) -> Behavior>

    var url: String { "http://127.0.0.1:\(port)/v1" }

    init(_ respond: @escaping @Sendable (Seen) -> Behavior = { _ in .ok("Hello from the fake model") }) throws {
        responder = Mutex(respond)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw FakeServerError() }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = UInt16(bigEndian: actual.sin_port)
        spawn { [self] in acceptLoop() }
    }

    deinit { stop() }

    /// Replaces the answer function.
    func respond(_ respond: @escaping @Sendable (Seen) -> Behavior) { responder.withLock { $0 = respond } }

    /// Every request received so far.
    var requests: [Seen] { seen.withLock { $0 } }

    /// Stops listening: later connects are refused, hanging answers end.
    func stop() {
        if stopped.exchange(true, ordering: .sequentiallyConsistent) { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            if stopped.load(ordering: .relaxed) { return }
            let fd = accept(listener, nil, nil)
            if fd < 0 { continue }
            spawn { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var contentLength = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            data.append(contentsOf: buffer[0..<n])
            if headEnd == nil, let end = find(data, [13, 10, 13, 10]) {
                headEnd = end + 4
                let head = String(decoding: data[0..<end], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingPrefix(" ")) ?? 0
                }
            }
            if let headEnd, data.count >= headEnd + contentLength { break }
        }
        let head = String(decoding: data[0..<headEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let path = lines.first.map { String($0.split(separator: " ").dropFirst().first ?? "") } ?? ""
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].trimmingPrefix(" "))
        }
        let request = Seen(path: path, headers: headers, body: String(decoding: data[headEnd!...], as: UTF8.self))
        seen.withLock { $0.append(request) }
        let behavior = responder.withLock { $0 }(request)
        answer(fd, behavior)
    }

    private func answer(_ fd: Int32, _ behavior: Behavior) {
        switch behavior {
        case .ok(let text, let usage, let finish):
            var body = #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"fake","choices":[{"index":0,"message":{"role":"assistant","content":"#
            body += jsonString(text) + #"},"finish_reason":""# + finish + #""}]"#
            if let usage { body += #","usage":{"prompt_tokens":\#(usage.0),"completion_tokens":\#(usage.1),"total_tokens":\#(usage.0 + usage.1)}"# }
            body += "}"
            send(fd, response(200, body, [("Content-Type", "application/json")]))
        case .status(let code, let body, let headers):
            send(fd, response(code, body, headers))
        case .slow(let delay, let next):
            let end = ContinuousClock.now + delay
            while ContinuousClock.now < end, !stopped.load(ordering: .relaxed) { usleep(5_000) }
            // A server that was stopped (killed) mid-answer closes the connection without a response.
            if stopped.load(ordering: .relaxed) { return }
            answer(fd, next.behavior)
        case .hang:
            let end = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < end, !stopped.load(ordering: .relaxed) { usleep(10_000) }
        case .cutOff(let declared, let body):
            send(fd, Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(declared)\r\nConnection: close\r\n\r\n\(body)".utf8))
        case .raw(let bytes):
            send(fd, bytes)
        case .close:
            return
        }
    }

    private func response(_ status: Int, _ body: String, _ headers: [(String, String)]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) Status\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n" + body).utf8)
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    private func find(_ data: [UInt8], _ pattern: [UInt8]) -> Int? {
        guard data.count >= pattern.count else { return nil }
        for i in 0...(data.count - pattern.count) where data[i] == pattern[0] && Array(data[i..<i + pattern.count]) == pattern { return i }
        return nil
    }
}

struct FakeServerError: Error {}

/// A JSON string literal for `s` (escapes quotes, backslashes and every control character).
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Runs `body` on a new detached POSIX thread (blocking socket work must not occupy Swift's cooperative pool).
func spawn(_ body: @escaping @Sendable () -> Void) {
    final class Job { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let context = Unmanaged.passRetained(Job(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
        job.body()
        return nil
    }, context)
    if rc == 0 { pthread_detach(thread) } else { Unmanaged<Job>.fromOpaque(context).release() }
}
