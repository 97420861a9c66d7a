import Glibc
import Synchronization

/// A raw-socket HTTP server on a loopback port chosen by the system, whose handler writes whatever
/// bytes a test wants (well-formed or not), so the client can be tested against misbehaving servers.
final class LoopbackServer: Sendable {
    /// The bound port.
    let port: UInt16
    /// `127.0.0.1` or `::1`.
    let address: String
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    /// How many connections were accepted.
    let accepted = Atomic<Int>(0)

    /// Starts listening; `handler` runs on its own thread for each accepted connection, which is closed after it returns.
    init(ipv6: Bool = false, _ handler: @escaping @Sendable (Peer) -> Void) throws {
        let family = ipv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound: Int32
        if ipv6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_addr = in6addr_loopback
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw ServerError("bind/listen: errno \(errno)") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let portBE = withUnsafePointer(to: &storage) { p in
            ipv6 ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                 : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        port = UInt16(bigEndian: portBE)
        address = ipv6 ? "::1" : "127.0.0.1"
        listener = fd
        let server = self
        runOnNewThread { server.acceptLoop(handler) }
    }

    /// `http://127.0.0.1:PORT` (or the bracketed IPv6 form).
    var base: String { address.contains(":") ? "http://[\(address)]:\(port)" : "http://\(address):\(port)" }

    /// Stops accepting (handlers already running finish on their own).
    func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    deinit { close(listener) }

    private func acceptLoop(_ handler: @escaping @Sendable (Peer) -> Void) {
        var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        while !stopped.load(ordering: .sequentiallyConsistent) {
            guard poll(&entry, 1, 20) > 0 else { continue }
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            accepted.add(1, ordering: .sequentiallyConsistent)
            runOnNewThread {
                handler(Peer(fd: client))
                close(client)
            }
        }
    }
}

/// A test failure in the server itself.
struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

/// One accepted connection, with blocking helpers for scripted servers.
struct Peer: Sendable {
    let fd: Int32

    /// Reads the request head and a Content-Length body; `nil` if the client closed first.
    func readRequest() -> (head: String, body: [UInt8])? {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        while headEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            data.append(contentsOf: chunk[0..<n])
            if let r = find([13, 10, 13, 10], in: data) { headEnd = r }
        }
        let head = String(decoding: data[0..<headEnd!], as: UTF8.self)
        var body = Array(data[(headEnd! + 4)...])
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters()) ?? 0
        }
        while body.count < length {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            body.append(contentsOf: chunk[0..<n])
        }
        return (head, body)
    }

    /// Writes everything (no SIGPIPE); `false` once the client has gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Blocks until the client closes the connection (or `limit` passes), discarding input.
    func waitForClose(limit: Duration = .seconds(5)) {
        let end = ContinuousClock.now + limit
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var sink = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            if poll(&entry, 1, 20) > 0 {
                if recv(fd, &sink, sink.count, 0) <= 0 { return }
            }
        }
    }
}

private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
    return nil
}

extension Substring {
    func trimmingCharacters() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// A response with a Content-Length body.
func httpResponse(_ status: String = "200 OK", headers: [String] = [], body: String) -> String {
    var text = "HTTP/1.1 \(status)\r\n"
    for header in headers { text += header + "\r\n" }
    text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    return text
}

/// A port on which nothing listens (bound, then closed).
func closedPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    close(fd)
    return UInt16(bigEndian: addr.sin_port)
}

/// Runs `body` on a new detached thread: scripted handlers block, and must not starve Dispatch's or Swift's pools.
func runOnNewThread(_ body: @escaping @Sendable () -> Void) {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread: pthread_t = 0
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, context)
    precondition(rc == 0, "pthread_create failed")
    pthread_detach(thread)
}

/// Polls `probe` every 10 ms until it returns a value (up to 10 s): for results a server thread records.
func eventually<T: Sendable>(_ probe: @Sendable () -> T?) async throws -> T {
    let end = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < end {
        if let value = probe() { return value }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw ServerError("the server never recorded the expected result")
}
