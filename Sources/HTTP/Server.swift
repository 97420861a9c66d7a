import CMicroHTTPD
import Glibc
import Logging
import Synchronization

/// The HTTP server: libmicrohttpd's epoll thread pool calling a synchronous handler.
///
/// Handlers run on MHD worker threads and must be quick. Streams (SSE) and deferred
/// responses suspend their connection instead of holding a thread, so hundreds of idle
/// event-stream clients cost no pool thread.
///
/// Thread-safety: all mutable state is behind locks; the MHD daemon handle is only
/// touched by `start` and `stop`, which callers serialise.
public final class HTTPServer: @unchecked Sendable {
    /// Server settings.
    public struct Configuration: Sendable {
        /// Address to listen on (IPv4 or IPv6 literal, or `localhost`).
        public var host: String = "127.0.0.1"
        /// Port; 0 picks a free one (see ``HTTPServer/port``).
        public var port: UInt16 = 8080
        /// Worker threads of the epoll pool.
        public var threads: Int = 4
        /// Idle seconds before a connection is closed.
        public var idleTimeout: Int = 30
        /// Seconds a client has to send a request's complete header block, counted from the
        /// connection's start or the end of its previous request (slow-loris defence).
        public var headerTimeout: Int = 10
        /// Largest request body in bytes (413 above).
        public var bodyLimit: Int = 1 << 20
        /// Largest request header block in bytes (431 above).
        public var headerLimit: Int = 16 << 10
        /// Most simultaneous connections.
        public var connectionLimit: Int = 4096

        /// Defaults.
        public init() {}
    }

    /// What the access log and metrics get for each finished request.
    public struct AccessRecord: Sendable {
        /// The request method as sent.
        public var method: String
        /// The raw path.
        public var path: String
        /// The matched route template (or `(static)`, `(unmatched)`).
        public var route: String
        /// The status sent.
        public var status: Int
        /// Body bytes sent (0 for streams).
        public var bytes: Int
        /// Seconds from headers received to response queued.
        public var seconds: Double
        /// The request id.
        public var requestID: String
        /// The peer address.
        public var remoteAddress: String
    }

    /// The configuration in force.
    public let configuration: Configuration
    private let handler: @Sendable (Request) -> Response
    private let onAccess: (@Sendable (AccessRecord) -> Void)?
    private let logger: Logger
    private var daemon: OpaquePointer?
    private var context: Unmanaged<ServerContext>?
    /// The port actually bound (useful with port 0).
    public private(set) var port: UInt16 = 0

    /// A server that calls `handler` for every request.
    public init(
        configuration: Configuration, logger: Logger,
        onAccess: (@Sendable (AccessRecord) -> Void)? = nil,
        handler: @escaping @Sendable (Request) -> Response
    ) {
        self.configuration = configuration
        self.logger = logger
        self.onAccess = onAccess
        self.handler = handler
    }

    /// Binds and starts serving.
    public func start() throws(HTTPServerError) {
        let ctx = ServerContext(configuration: configuration, handler: handler, onAccess: onAccess, logger: logger)
        let retained = Unmanaged.passRetained(ctx)
        let flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
            | MHD_USE_TURBO.rawValue
        let started: OpaquePointer?
        do {
            started = try withSocketAddress(host: configuration.host, port: configuration.port) { address, family in
                CMicroHTTPD_start(
                    flags | (family == AF_INET6 ? MHD_USE_IPv6.rawValue : 0), configuration.port, address,
                    accessHandler, retained.toOpaque(),
                    completedHandler, retained.toOpaque(),
                    connectionHandler, retained.toOpaque(),
                    UInt32(configuration.threads > 1 ? configuration.threads : 0), UInt32(max(1, configuration.idleTimeout)),
                    configuration.headerLimit, UInt32(max(16, configuration.connectionLimit)), 511)
            }
        } catch {
            retained.release()
            throw error
        }
        guard let started else {
            retained.release()
            throw HTTPServerError(message: "cannot listen on \(configuration.host):\(configuration.port): \(String(cString: strerror(errno))) (is another process using the port?)")
        }
        daemon = started
        context = retained
        port = CMicroHTTPD_bound_port(started)
        ctx.startWatchdog()
    }

    /// Requests being handled right now (event streams excluded).
    public var inFlight: Int { context?.takeUnretainedValue().inFlight.load(ordering: .relaxed) ?? 0 }

    /// Stops accepting, ends event streams and deferred responses, waits up to `drain` for
    /// in-flight requests, then stops the worker threads.
    public func stop(drain: Duration = .seconds(5)) {
        guard let daemon, let context else { return }
        let ctx = context.takeUnretainedValue()
        let listener = MHD_quiesce_daemon(daemon)
        if listener >= 0 { close(listener) }
        ctx.closeSuspended()
        let clock = ContinuousClock()
        let deadline = clock.now + drain
        while ctx.inFlight.load(ordering: .relaxed) > 0, clock.now < deadline {
            usleep(10_000)
        }
        ctx.closeSuspended()
        MHD_stop_daemon(daemon)
        ctx.stopWatchdog()
        self.daemon = nil
        self.context = nil
        context.release()
    }

    deinit {
        if daemon != nil { stop(drain: .zero) }
    }
}

/// A server error with a readable description.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    public var description: String { message }

    /// An error with a message.
    public init(message: String) { self.message = message }
}

private func withSocketAddress<T>(host: String, port: UInt16, _ body: (UnsafePointer<sockaddr>, Int32) -> T) throws(HTTPServerError) -> T {
    let name = host == "localhost" ? "127.0.0.1" : host
    var v4 = sockaddr_in()
    if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = port.bigEndian
        return withUnsafePointer(to: &v4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, AF_INET) } }
    }
    var v6 = sockaddr_in6()
    let trimmed = name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
    if inet_pton(AF_INET6, trimmed, &v6.sin6_addr) == 1 {
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        return withUnsafePointer(to: &v6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, AF_INET6) } }
    }
    throw HTTPServerError(message: "listen address '\(host)' is not an IPv4 or IPv6 address")
}

// MARK: - State shared with the C callbacks

/// Everything the C callbacks need, reached through their `cls` pointer.
final class ServerContext: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let handler: @Sendable (Request) -> Response
    let onAccess: (@Sendable (HTTPServer.AccessRecord) -> Void)?
    let logger: Logger
    let inFlight = Atomic<Int>(0)
    /// Connections, for the header deadline; guarded by `lock`.
    private var connections: [ObjectIdentifier: ConnectionState] = [:]
    /// Suspended work (streams, deferred responses) to end at shutdown; guarded by `lock`.
    private var suspended: [ObjectIdentifier: any SuspendedWork] = [:]
    private let lock = Lock()
    private let watchdogRunning = Atomic<Bool>(false)
    private var watchdogThread: pthread_t?

    init(configuration: HTTPServer.Configuration, handler: @escaping @Sendable (Request) -> Response,
         onAccess: (@Sendable (HTTPServer.AccessRecord) -> Void)?, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.onAccess = onAccess
        self.logger = logger
    }

    func connectionStarted(_ state: ConnectionState) {
        lock.withLock { connections[ObjectIdentifier(state)] = state }
    }

    func connectionClosed(_ state: ConnectionState) {
        lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(state)) }
    }

    func register(_ work: any SuspendedWork) {
        lock.withLock { suspended[ObjectIdentifier(work)] = work }
    }

    func unregister(_ work: any SuspendedWork) {
        lock.withLock { _ = suspended.removeValue(forKey: ObjectIdentifier(work)) }
    }

    func closeSuspended() {
        let all = lock.withLock { Array(suspended.values) }
        for work in all { work.shutdown() }
    }

    /// Cuts connections whose header block is overdue: `shutdown(2)` makes MHD see the
    /// socket fail and close it itself, so the descriptor is never closed under MHD.
    func sweep(now: Int64) {
        let limit = Int64(configuration.headerTimeout) * 1_000_000_000
        lock.withLock {
            for state in connections.values where !state.inRequest && state.fd >= 0 && !state.cut {
                if now - state.phaseStart > limit {
                    state.cut = true
                    shutdown(state.fd, Int32(SHUT_RDWR))
                }
            }
        }
    }

    func markRequestStarted(_ state: ConnectionState?) {
        guard let state else { return }
        lock.withLock {
            state.inRequest = true
            state.sawRequest = true
        }
    }

    /// libmicrohttpd closes a connection whose request line it cannot parse at all (one word,
    /// `GARBAGE`) without answering. At close, a connection that sent bytes but never produced
    /// a request, and was sent nothing (MHD answers 431 and some 400s itself), gets the 400 the client is owed. The socket is still open here (MHD closes it
    /// after this callback) and, with MHD_USE_TURBO, not shut down for writing. Connections cut
    /// by the header deadline are left alone; a peer that already went away just drops it.
    func answerUnparsedRequest(_ state: ConnectionState) {
        let (saw, cut) = lock.withLock { (state.sawRequest, state.cut) }
        guard !saw, !cut, state.fd >= 0, CMicroHTTPD_unanswered(state.fd) == 1 else { return }
        let body = #"{"type":"about:blank","title":"Bad Request","status":400,"detail":"The request line could not be parsed: expected 'METHOD /path HTTP/1.1'."}"#
        let head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: \(body.utf8.count)\r\nX-Request-Id: \(RequestID.make())\r\nConnection: close\r\n\r\n"
        let bytes = Array((head + body).utf8)
        _ = bytes.withUnsafeBytes { CMicroHTTPD_send_nowait(state.fd, $0.baseAddress, $0.count) }
    }

    func markRequestEnded(_ state: ConnectionState?) {
        guard let state else { return }
        lock.withLock {
            state.inRequest = false
            state.phaseStart = monotonicNanoseconds()
        }
    }

    func startWatchdog() {
        watchdogRunning.store(true, ordering: .relaxed)
        let unmanaged = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let ctx = Unmanaged<ServerContext>.fromOpaque(arg!).takeRetainedValue()
            while ctx.watchdogRunning.load(ordering: .relaxed) {
                usleep(250_000)
                ctx.sweep(now: monotonicNanoseconds())
            }
            return nil
        }, unmanaged.toOpaque())
        if rc == 0 { watchdogThread = thread } else { unmanaged.release() }
    }

    func stopWatchdog() {
        watchdogRunning.store(false, ordering: .relaxed)
        if let thread = watchdogThread { pthread_join(thread, nil) }
        watchdogThread = nil
    }
}

/// Per-socket state, owned by MHD's socket context pointer from STARTED to CLOSED.
final class ConnectionState: @unchecked Sendable {
    let fd: Int32
    // Guarded by ServerContext.lock.
    var inRequest = false
    var sawRequest = false
    var phaseStart: Int64
    var cut = false

    init(fd: Int32) {
        self.fd = fd
        self.phaseStart = monotonicNanoseconds()
    }
}

/// Per-request state, owned by MHD's `con_cls` pointer until the request completes.
final class RequestState {
    let method: String
    let url: String
    var body: [UInt8] = []
    var tooLarge = false
    var requestID = ""
    var route = ""
    var status = 0
    var bytes = 0
    let started = monotonicNanoseconds()
    let connection: ConnectionState?
    var counted = true

    init(method: String, url: String, connection: ConnectionState?) {
        self.method = method
        self.url = url
        self.connection = connection
    }
}

/// Work parked on a suspended connection that shutdown must end.
protocol SuspendedWork: AnyObject, Sendable {
    func shutdown()
}

func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

// MARK: - C callbacks (no captures: all state goes through cls / con_cls)

private let connectionHandler: MHD_NotifyConnectionCallback = { cls, connection, socketContext, code in
    guard let cls, let connection, let socketContext else { return }
    let ctx = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    switch code {
    case .CONNECTION_NOTIFY_STARTED:
        let state = ConnectionState(fd: CMicroHTTPD_connection_fd(connection))
        socketContext.pointee = Unmanaged.passRetained(state).toOpaque()
        ctx.connectionStarted(state)
    case .CONNECTION_NOTIFY_CLOSED:
        if let raw = socketContext.pointee {
            let state = Unmanaged<ConnectionState>.fromOpaque(raw).takeRetainedValue()
            ctx.connectionClosed(state)
            ctx.answerUnparsedRequest(state)
            socketContext.pointee = nil
        }
    @unknown default:
        break
    }
}

private let completedHandler: MHD_RequestCompletedCallback = { cls, connection, conCls, code in
    guard let cls, let conCls, let raw = conCls.pointee else { return }
    let ctx = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    let state = Unmanaged<RequestState>.fromOpaque(raw).takeRetainedValue()
    conCls.pointee = nil
    if state.counted { ctx.inFlight.subtract(1, ordering: .relaxed) }
    ctx.markRequestEnded(state.connection)
    if let onAccess = ctx.onAccess, state.status != 0 {
        let seconds = Double(monotonicNanoseconds() - state.started) / 1e9
        var address = [CChar](repeating: 0, count: 64)
        var peer = "unknown"
        if let connection, CMicroHTTPD_client_address(connection, &address, 64) == 0 {
            peer = address.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        onAccess(HTTPServer.AccessRecord(
            method: state.method, path: state.url, route: state.route, status: state.status, bytes: state.bytes,
            seconds: seconds, requestID: state.requestID, remoteAddress: peer))
    }
}

private let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadDataSize, conCls in
    guard let cls, let connection, let conCls else { return .NO }
    let ctx = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()

    guard let raw = conCls.pointee else {
        // First call: headers are complete.
        let socketState = CMicroHTTPD_socket_context(connection).map { Unmanaged<ConnectionState>.fromOpaque($0).takeUnretainedValue() }
        let state = RequestState(
            method: method.map { String(cString: $0) } ?? "GET",
            url: url.map { String(cString: $0) } ?? "/",
            connection: socketState)
        conCls.pointee = Unmanaged.passRetained(state).toOpaque()
        ctx.inFlight.add(1, ordering: .relaxed)
        ctx.markRequestStarted(socketState)
        state.requestID = RequestID.accept(header(connection, "X-Request-Id")) ?? RequestID.make()
        if let length = header(connection, "Content-Length") {
            if let n = Int(length), n >= 0 {
                if n > ctx.configuration.bodyLimit {
                    // Answer at once; MHD discards the rest and closes the connection.
                    state.tooLarge = true
                    return queue(ctx, connection, state, APIError.payloadTooLarge(limit: ctx.configuration.bodyLimit).response(instance: state.url), close: true)
                }
            } else {
                return queue(ctx, connection, state, APIError.badRequest("Content-Length must be a non-negative integer.").response(), close: true)
            }
        }
        return .YES
    }

    let state = Unmanaged<RequestState>.fromOpaque(raw).takeUnretainedValue()
    if let uploadDataSize, uploadDataSize.pointee > 0 {
        let count = uploadDataSize.pointee
        if !state.tooLarge {
            if state.body.count + count > ctx.configuration.bodyLimit {
                state.tooLarge = true
                state.body = []
            } else if let uploadData {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: count) { state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
            }
        }
        uploadDataSize.pointee = 0
        return .YES
    }
    if state.status != 0 { return .YES } // already answered (deferred, waiting to resume)
    if state.tooLarge {
        return queue(ctx, connection, state, APIError.payloadTooLarge(limit: ctx.configuration.bodyLimit).response(instance: state.url), close: true)
    }

    guard let requestMethod = Method(rawValue: state.method) else {
        return queue(ctx, connection, state, APIError(status: 501, type: "not-implemented", title: "Not implemented", detail: "Method \(state.method) is not supported.").response(), close: false)
    }
    var request = Request(
        method: requestMethod, path: state.url, query: arguments(connection), headers: headers(connection),
        body: state.body, requestID: state.requestID, remoteAddress: peerAddress(connection))
    state.body = []
    request.routeTemplate = nil
    let response = ctx.handler(request)
    return queue(ctx, connection, state, response, close: false, request: request)
}

private func header(_ connection: OpaquePointer, _ name: String) -> String? {
    MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
}

private func peerAddress(_ connection: OpaquePointer) -> String {
    var address = [CChar](repeating: 0, count: 64)
    guard CMicroHTTPD_client_address(connection, &address, 64) == 0 else { return "unknown" }
    return address.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

private final class PairCollector {
    var pairs: [(String, String)] = []
}

private let collectPair: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<PairCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

private func headers(_ connection: OpaquePointer) -> Headers {
    let collector = PairCollector()
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values(connection, .HEADER_KIND, collectPair, Unmanaged.passUnretained(collector).toOpaque())
    }
    return Headers(collector.pairs)
}

private func arguments(_ connection: OpaquePointer) -> [(name: String, value: String)] {
    let collector = PairCollector()
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values(connection, .GET_ARGUMENT_KIND, collectPair, Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.pairs.map { (name: $0.0, value: $0.1) }
}

/// Builds the MHD response and queues it (or parks the connection for streams and deferred work).
private func queue(_ ctx: ServerContext, _ connection: OpaquePointer, _ state: RequestState, _ response: Response, close: Bool, request: Request? = nil) -> MHD_Result {
    state.route = response.route ?? request?.routeTemplate ?? "(none)"
    state.status = response.status
    switch response.body {
    case .bytes(let bytes):
        state.bytes = bytes.count
        guard let mhdResponse = makeResponse(bytes) else { return .NO }
        defer { MHD_destroy_response(mhdResponse) }
        addHeaders(mhdResponse, response.headers, requestID: state.requestID, close: close)
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    case .eventStream(let stream):
        // Streams do not count as in-flight: they would hold shutdown's drain for ever.
        if state.counted { ctx.inFlight.subtract(1, ordering: .relaxed); state.counted = false }
        return stream.attach(ctx, connection, status: response.status, headers: response.headers, requestID: state.requestID)
    case .deferred(let deferred):
        return deferred.attach(ctx, connection, state: state)
    }
}

func makeResponse(_ bytes: [UInt8]) -> OpaquePointer? {
    bytes.withUnsafeBytes { buffer in
        MHD_create_response_from_buffer(buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress), .RESPMEM_MUST_COPY)
    }
}

func addHeaders(_ mhdResponse: OpaquePointer, _ headers: Headers, requestID: String, close: Bool) {
    for field in headers {
        _ = MHD_add_response_header(mhdResponse, field.name, field.value)
    }
    _ = MHD_add_response_header(mhdResponse, "X-Request-Id", requestID)
    if close { _ = MHD_add_response_header(mhdResponse, "Connection", "close") }
}

/// Queues `response` on a suspended connection and resumes it (any thread).
func queueOnSuspended(_ connection: OpaquePointer, _ response: Response, requestID: String) {
    let bytes = response.bodyBytes
    if let mhdResponse = makeResponse(bytes) {
        addHeaders(mhdResponse, response.headers, requestID: requestID, close: false)
        _ = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        MHD_destroy_response(mhdResponse)
    }
    MHD_resume_connection(connection)
}
