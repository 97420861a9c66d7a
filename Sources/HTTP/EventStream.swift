import CMicroHTTPD

/// One open `text/event-stream` response (Server-Sent Events).
///
/// The handler returns `Response(status: 200, headers: …, body: .eventStream(stream))`
/// and keeps the stream (usually in an event bus). While nothing is queued the connection
/// is suspended, so an idle client holds no worker thread. Writing to a client that has gone
/// away ends the stream and calls `onClose`.
public final class EventStream: @unchecked Sendable, SuspendedWork {
    // Everything below is guarded by `lock`.
    private let lock = Lock()
    private var pending: [UInt8] = []
    private var connection: OpaquePointer?
    private var isSuspended = false
    private var isClosed = false
    private var isFinished = false
    private var onCloseHandlers: [@Sendable () -> Void] = []
    private weak var context: ServerContext?

    /// A stream not yet attached to a connection.
    public init() {}

    /// The headers an event-stream response needs.
    public static var responseHeaders: Headers {
        var headers = Headers()
        headers["Content-Type"] = "text/event-stream; charset=utf-8"
        headers["Cache-Control"] = "no-store"
        headers["X-Accel-Buffering"] = "no"
        return headers
    }

    /// Calls `handler` once when the stream ends (client gone, closed, or server stopping).
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if isFinished { return true }
            onCloseHandlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    /// Whether the stream has ended.
    public var isOpen: Bool { lock.withLock { !isFinished && !isClosed } }

    /// Sends one event. `data` may span lines; each becomes a `data:` line.
    public func send(event: String? = nil, id: String? = nil, data: String) {
        var text = ""
        if let id { text += "id: \(Self.clean(id))\n" }
        if let event { text += "event: \(Self.clean(event))\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line.filter { $0 != "\r" })\n"
        }
        text += "\n"
        write(Array(text.utf8))
    }

    /// Sends a comment line (keep-alive).
    public func comment(_ text: String) {
        write(Array(": \(Self.clean(text))\n\n".utf8))
    }

    /// Ends the stream after what is queued has been sent.
    public func close() {
        let resume: OpaquePointer? = lock.withLock {
            isClosed = true
            if isSuspended, let connection { isSuspended = false; return connection }
            return nil
        }
        if let resume { MHD_resume_connection(resume) }
    }

    func shutdown() { close() }

    private static func clean(_ s: String) -> String {
        s.filter { $0 != "\n" && $0 != "\r" }
    }

    private func write(_ bytes: [UInt8]) {
        let resume: OpaquePointer? = lock.withLock {
            guard !isClosed, !isFinished else { return nil }
            if pending.count > 1 << 20 { // a client that cannot keep up is dropped, not buffered without bound
                isClosed = true
            } else {
                pending.append(contentsOf: bytes)
            }
            if isSuspended, let connection { isSuspended = false; return connection }
            return nil
        }
        if let resume { MHD_resume_connection(resume) }
    }

    func attach(_ ctx: ServerContext, _ connection: OpaquePointer, status: Int, headers: Headers, requestID: String) -> MHD_Result {
        lock.withLock {
            self.connection = connection
            self.context = ctx
        }
        ctx.register(self)
        let retained = Unmanaged.passRetained(self)
        guard let response = MHD_create_response_from_callback(UInt64.max, 4096, streamReader, retained.toOpaque(), streamFree) else {
            retained.release()
            ctx.unregister(self)
            return .NO
        }
        defer { MHD_destroy_response(response) }
        addHeaders(response, headers, requestID: requestID, close: false)
        return MHD_queue_response(connection, UInt32(status), response)
    }

    /// Called by MHD on a worker thread for more body bytes.
    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        lock.withLock {
            if !pending.isEmpty {
                let n = min(max, pending.count)
                pending.withUnsafeBytes { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress!, byteCount: n)
                }
                pending.removeFirst(n)
                return n
            }
            if isClosed { return MHD_CONTENT_READER_END_OF_STREAM }
            if let connection {
                isSuspended = true
                MHD_suspend_connection(connection)
            }
            return 0
        }
    }

    fileprivate func finished() {
        let (handlers, ctx) = lock.withLock { () -> ([@Sendable () -> Void], ServerContext?) in
            isFinished = true
            isClosed = true
            connection = nil
            let handlers = onCloseHandlers
            onCloseHandlers = []
            return (handlers, context)
        }
        ctx?.unregister(self)
        for handler in handlers { handler() }
    }
}

private let streamReader: MHD_ContentReaderCallback = { cls, _, buffer, max in
    guard let cls, let buffer else { return MHD_CONTENT_READER_END_WITH_ERROR }
    return Unmanaged<EventStream>.fromOpaque(cls).takeUnretainedValue().read(into: buffer, max: max)
}

private let streamFree: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    let stream = Unmanaged<EventStream>.fromOpaque(cls).takeRetainedValue()
    stream.finished()
}

/// A response that a background task supplies later, while the connection waits suspended.
///
/// Use it for work that waits on the network (a model call, say) when the caller asked to
/// wait for the result: the worker thread is free meanwhile.
public final class DeferredResponse: @unchecked Sendable, SuspendedWork {
    // Guarded by `lock`.
    private let lock = Lock()
    private var result: Response?
    private var connection: OpaquePointer?
    private var requestID = ""
    private var state: RequestState?
    private weak var context: ServerContext?

    /// A response to be completed later.
    public init() {}

    /// The response once supplied (for in-process callers and tests that answer without a socket).
    public var completed: Response? { lock.withLock { result } }

    /// Supplies the response (first call wins; later calls are ignored).
    public func complete(_ response: Response) {
        let target: (OpaquePointer, String, ServerContext?)? = lock.withLock {
            guard result == nil else { return nil }
            result = response
            guard let connection else { return nil }
            self.connection = nil
            state?.status = response.status
            state?.bytes = response.bodyBytes.count
            state = nil
            return (connection, requestID, context)
        }
        if let (connection, requestID, ctx) = target {
            ctx?.unregister(self)
            queueOnSuspended(connection, response, requestID: requestID)
        }
    }

    func shutdown() {
        complete(APIError.unavailable("The server is shutting down; retry shortly.").response())
    }

    func attach(_ ctx: ServerContext, _ connection: OpaquePointer, state: RequestState) -> MHD_Result {
        let ready: Response? = lock.withLock {
            if let result { return result }
            self.connection = connection
            self.requestID = state.requestID
            self.state = state
            self.context = ctx
            state.status = 0
            MHD_suspend_connection(connection)
            return nil
        }
        if let ready {
            state.status = ready.status
            state.bytes = ready.bodyBytes.count
            guard let mhdResponse = makeResponse(ready.bodyBytes) else { return .NO }
            defer { MHD_destroy_response(mhdResponse) }
            addHeaders(mhdResponse, ready.headers, requestID: state.requestID, close: false)
            return MHD_queue_response(connection, UInt32(ready.status), mhdResponse)
        }
        ctx.register(self)
        return .YES
    }
}
