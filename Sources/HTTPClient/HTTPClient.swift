import COpenSSL  // also where the pthread types come from when the OpenSSL headers load first (MemberImportVisibility)
import Glibc
import Synchronization

/// A small HTTP/1.1 client over POSIX sockets and OpenSSL: one request per connection, TLS 1.2+
/// with certificate and host name verification, and hard deadlines.
///
/// Each exchange runs on a thread of its own (blocking I/O never occupies Swift's cooperative pool)
/// and the caller awaits it. A 4xx or 5xx status is a response, not an error; redirects are not followed.
/// Cancelling the calling task ends the wait at once with a `timeout` error and closes the connection
/// within about 100 ms. A complete response sent before the server read the whole request body
/// (an early 413 or 401, then close) is returned rather than the write error.
///
/// ```swift
/// let client = HTTPClient()
/// let response = try await client.send(HTTPClientRequest(url: "https://mastodon.example/api/v2/instance"))
/// if response.status == 429 { let wait = RetryAfter.seconds(response.header("Retry-After")) }
/// ```
public final class HTTPClient: Sendable {
    private let maxResponseBytes: Int
    private let maxHeaderBytes: Int
    private let userAgent: String
    /// The TLS configuration, built on first https use (if it cannot be built, every https request fails with that `tls` error).
    private let tls: TLSSource

    /// Creates a client.
    /// - Parameters:
    ///   - maxResponseBytes: The largest response body accepted; a larger one fails with `tooLarge` without being buffered.
    ///   - maxHeaderBytes: The largest response head (status line and headers) accepted.
    ///   - caFile: A PEM file of trusted CA certificates to use instead of the system's.
    ///   - userAgent: The `User-Agent` sent when the request has none (empty: none).
    public init(maxResponseBytes: Int = 16 << 20, maxHeaderBytes: Int = 64 << 10, caFile: String? = nil, userAgent: String = "CreatorStudio") {
        self.maxResponseBytes = max(0, maxResponseBytes)
        self.maxHeaderBytes = max(64, maxHeaderBytes)
        self.userAgent = userAgent
        self.tls = TLSSource(caFile: caFile)
    }

    /// Sends one request and returns the complete response.
    ///
    /// - Throws: ``HTTPClientError``; its `requestSent` tells "never sent" from "outcome unknown".
    public func send(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let prepared = try PreparedRequest(request, userAgent: userAgent)
        let start = ContinuousClock.now
        let job = ExchangeJob(
            request: prepared, tls: prepared.endpoint.isTLS ? tls : nil, maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxResponseBytes,
            control: ExchangeControl(), start: start)
        let control = job.control
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ExchangeControl.Outcome, Never>) in
                control.install(continuation)
                if control.abandoned.load(ordering: .sequentiallyConsistent) { return }  // cancelled before it started
                if !startThread({ job.run() }) {
                    control.finish(.failure(HTTPClientError(code: .connect, message: "could not start a thread for the request", requestSent: false)))
                }
            }
        } onCancel: {
            control.abandon("the request to \(prepared.endpoint.authority) was cancelled")
        }
        return try outcome.get()
    }
}

/// One exchange's inputs, handed to its thread.
private struct ExchangeJob: Sendable {
    let request: PreparedRequest
    let tls: TLSSource?
    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    let control: ExchangeControl
    let start: ContinuousClock.Instant

    /// Runs the exchange on the current (dedicated) thread and reports the outcome.
    func run() {
        blockSIGPIPE()
        let outcome: ExchangeControl.Outcome
        do throws(HTTPClientError) {
            outcome = .success(try exchange())
        } catch {
            let sent = control.wroteAll.load(ordering: .sequentiallyConsistent)
            outcome = .failure(HTTPClientError(code: error.code, message: error.message, requestSent: sent))
        }
        control.finish(outcome)
    }

    private func exchange() throws(HTTPClientError) -> HTTPClientResponse {
        let endpoint = request.endpoint
        let totalDeadline = start + request.timeout
        let totalExpired = HTTPClientError(
            code: .timeout, message: "no complete response from \(endpoint.authority) within \(describe(request.timeout))", requestSent: false)
        let tlsContext = try tls?.context().get()  // a bad CA file fails before any connection
        let connection = try Connection(
            to: endpoint, control: control, connectDeadline: start + request.connectTimeout,
            connectTimeoutText: describe(request.connectTimeout), totalDeadline: totalDeadline, totalExpired: totalExpired)
        if let tlsContext { try connection.startTLS(tlsContext) }
        connection.enterExchangePhase(deadline: totalDeadline, expired: totalExpired)
        var reader = ResponseReader(connection: connection, maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
        do {
            try connection.writeAll(request.bytes)
        } catch where error.code == .closed {
            // A server may answer early (413, 401) and close before reading the whole body: take that answer if it is complete.
            if let early = try? reader.read(isHead: request.isHead) { return early }
            throw error
        }
        return try reader.read(isHead: request.isHead)
    }
}

/// SIGPIPE from a write to a closed socket is thread-directed; blocked here it stays pending on this
/// short-lived thread and is discarded when the thread ends (TLS writes cannot pass MSG_NOSIGNAL).
private func blockSIGPIPE() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &set, nil)
}

/// A closure run on a new detached thread.
private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Starts `body` on a new detached thread; `false` if the system refused.
func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread: pthread_t = 0
    let rc = pthread_create(&thread, &attributes, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, context)
    if rc != 0 {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        return false
    }
    return true
}

/// `300 ms` or `30 s`, for messages.
func describe(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    return millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
}
