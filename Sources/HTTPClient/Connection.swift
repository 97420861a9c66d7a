import COpenSSL
import Dispatch
import Glibc
import Synchronization

/// One TCP connection, plain or TLS, whose every wait is bounded by a deadline and by the caller
/// still waiting. Used by one exchange thread only.
final class Connection {
    private let fd: Int32
    private var ssl: OpaquePointer?
    private let control: ExchangeControl
    /// Where the connection goes, for messages.
    let endpoint: Endpoint
    /// The current phase's deadline (connect, then the whole exchange) and the error when it passes.
    private var deadline: ContinuousClock.Instant
    private var expired: HTTPClientError

    /// Resolves the host and connects, trying each address until `connectDeadline` (capped by `totalDeadline`).
    init(
        to endpoint: Endpoint, control: ExchangeControl, connectDeadline: ContinuousClock.Instant,
        connectTimeoutText: String, totalDeadline: ContinuousClock.Instant, totalExpired: HTTPClientError
    ) throws(HTTPClientError) {
        self.endpoint = endpoint
        self.control = control
        let connectExpired = HTTPClientError(
            code: .connect, message: "could not connect to \(endpoint.authority) within \(connectTimeoutText)", requestSent: false)
        // getaddrinfo cannot be bounded or interrupted: for a host name, a timer answers the caller at the
        // deadline if the lookup hangs, and this thread finishes the lookup and exits on its own.
        var backstop: (any DispatchSourceTimer)?
        if !endpoint.isIPLiteral {
            let timer = DispatchSource.makeTimerSource(queue: .global())
            let late = max(totalDeadline - ContinuousClock.now, .zero) + .milliseconds(100)
            let (seconds, attoseconds) = late.components
            timer.schedule(deadline: .now() + .nanoseconds(Int(clamping: seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000)))
            let message = totalExpired.message
            timer.setEventHandler { [weak control] in control?.abandon(message + " (name lookup did not finish)") }
            timer.resume()
            backstop = timer
        }
        let resolved = Result { () throws(HTTPClientError) in try resolve(endpoint) }
        backstop?.cancel()
        let addresses = try resolved.get()
        defer { freeaddrinfo(addresses) }
        if control.abandoned.load(ordering: .relaxed) { throw abandonedError() }
        if ContinuousClock.now >= totalDeadline { throw totalExpired }

        var lastError: Int32 = 0
        var connected: Int32 = -1
        var entry: UnsafeMutablePointer<addrinfo>? = addresses
        while let info = entry?.pointee {
            entry = info.ai_next
            let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let candidate = socket(info.ai_family, socketType, info.ai_protocol)
            if candidate < 0 { lastError = errno; continue }
            if Glibc.connect(candidate, info.ai_addr, info.ai_addrlen) == 0 { connected = candidate; break }
            guard errno == EINPROGRESS else { lastError = errno; close(candidate); continue }
            // Wait for the socket to become writable, then read the connect's result.
            var pending = pollfd(fd: candidate, events: Int16(POLLOUT), revents: 0)
            var outcome: HTTPClientError?
            while true {
                if control.abandoned.load(ordering: .relaxed) { outcome = abandonedError(); break }
                let now = ContinuousClock.now
                if now >= totalDeadline, totalDeadline <= connectDeadline { outcome = totalExpired; break }
                if now >= connectDeadline { outcome = connectExpired; break }
                let rc = poll(&pending, 1, pollSlice(until: min(connectDeadline, totalDeadline)))
                if rc > 0 { break }
                if rc < 0, errno != EINTR { lastError = errno; break }
            }
            if let outcome { close(candidate); throw outcome }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(candidate, SOL_SOCKET, SO_ERROR, &soError, &length) == 0, soError == 0 {
                connected = candidate
                break
            }
            lastError = soError != 0 ? soError : errno
            close(candidate)
        }
        guard connected >= 0 else {
            throw HTTPClientError(
                code: .connect, message: "could not connect to \(endpoint.authority): \(describeErrno(lastError))", requestSent: false)
        }
        fd = connected
        deadline = min(connectDeadline, totalDeadline)
        expired = totalDeadline <= connectDeadline ? totalExpired : connectExpired
    }

    deinit {
        if let ssl {
            SSL_shutdown(ssl)  // one non-blocking attempt at close_notify; the result does not matter
            SSL_free(ssl)
        }
        close(fd)
    }

    /// Runs the TLS handshake with SNI and certificate and host verification, within the connect deadline.
    func startTLS(_ tls: TLSContext) throws(HTTPClientError) {
        guard let ssl = SSL_new(tls.context) else { throw tlsFailure("could not create a TLS session: \(openSSLErrorText())") }
        self.ssl = ssl
        guard SSL_set_fd(ssl, fd) == 1 else { throw tlsFailure("could not attach TLS to the socket: \(openSSLErrorText())") }
        let host = endpoint.host
        if endpoint.isIPLiteral {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
                throw tlsFailure("could not set the expected IP address for \(endpoint.authority)")
            }
        } else {
            X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, host) == 1, COpenSSL_SSL_set_tlsext_host_name(ssl, host) == 1 else {
                throw tlsFailure("could not set the expected host name for \(endpoint.authority)")
            }
        }
        while true {
            ERR_clear_error()
            let rc = SSL_connect(ssl)
            if rc == 1 { break }
            let reason = SSL_get_error(ssl, rc)
            switch reason {
            case SSL_ERROR_WANT_READ: try wait(for: POLLIN)
            case SSL_ERROR_WANT_WRITE: try wait(for: POLLOUT)
            default:
                let verify = SSL_get_verify_result(ssl)
                if verify != Int(X509_V_OK) {
                    let text = X509_verify_cert_error_string(verify).map { String(cString: $0) } ?? "error \(verify)"
                    throw tlsFailure("certificate verification failed for \(endpoint.authority): \(text)")
                }
                if reason == SSL_ERROR_SYSCALL, ERR_peek_error() == 0 {
                    throw tlsFailure("\(endpoint.authority) closed the connection during the TLS handshake")
                }
                throw tlsFailure("TLS handshake with \(endpoint.authority) failed: \(openSSLErrorText())")
            }
        }
    }

    /// From now on every wait is bounded by the whole exchange's deadline.
    func enterExchangePhase(deadline: ContinuousClock.Instant, expired: HTTPClientError) {
        self.deadline = deadline
        self.expired = expired
    }

    /// Writes all of `bytes`, recording progress in the control for `requestSent`.
    func writeAll(_ bytes: [UInt8]) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Result { () throws(HTTPClientError) -> Int in try writeSome(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            }
            offset += try written.get()
            control.wroteAny.store(true, ordering: .sequentiallyConsistent)
        }
        control.wroteAll.store(true, ordering: .sequentiallyConsistent)
    }

    /// Reads what is available (waiting if nothing is); 0 means the peer closed the connection.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPClientError) -> Int {
        try checkDeadline()
        if let ssl {
            while true {
                ERR_clear_error()
                let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
                if n > 0 { return Int(n) }
                let reason = SSL_get_error(ssl, n)
                switch reason {
                case SSL_ERROR_ZERO_RETURN: return 0
                case SSL_ERROR_WANT_READ: try wait(for: POLLIN)
                case SSL_ERROR_WANT_WRITE: try wait(for: POLLOUT)
                case SSL_ERROR_SYSCALL where errno == 0 || n == 0: return 0
                case SSL_ERROR_SYSCALL: throw closedError(errno)
                default: throw HTTPClientError(
                    code: .tls, message: "TLS error reading from \(endpoint.authority): \(openSSLErrorText())", requestSent: false)
                }
            }
        }
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { try wait(for: POLLIN); continue }
            if code == EINTR { continue }
            throw closedError(code)
        }
    }

    private func writeSome(_ chunk: UnsafeRawBufferPointer) throws(HTTPClientError) -> Int {
        try checkDeadline()
        if let ssl {
            while true {
                ERR_clear_error()
                let n = SSL_write(ssl, chunk.baseAddress, Int32(clamping: chunk.count))
                if n > 0 { return Int(n) }
                let reason = SSL_get_error(ssl, n)
                switch reason {
                case SSL_ERROR_WANT_READ: try wait(for: POLLIN)
                case SSL_ERROR_WANT_WRITE: try wait(for: POLLOUT)
                case SSL_ERROR_SYSCALL, SSL_ERROR_ZERO_RETURN: throw closedError(errno)
                default: throw HTTPClientError(
                    code: .tls, message: "TLS error writing to \(endpoint.authority): \(openSSLErrorText())", requestSent: false)
                }
            }
        }
        while true {
            let n = send(fd, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { try wait(for: POLLOUT); continue }
            if code == EINTR { continue }
            throw closedError(code)
        }
    }

    /// Throws when the deadline has passed or the caller stopped waiting, even if data keeps arriving.
    private func checkDeadline() throws(HTTPClientError) {
        if control.abandoned.load(ordering: .relaxed) { throw abandonedError() }
        if ContinuousClock.now >= deadline { throw expired }
    }

    /// Waits until the socket is ready for `events`, the deadline passes, or the caller stops waiting.
    private func wait(for events: Int32) throws(HTTPClientError) {
        var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            if control.abandoned.load(ordering: .relaxed) { throw abandonedError() }
            if ContinuousClock.now >= deadline { throw expired }
            let rc = poll(&entry, 1, pollSlice(until: deadline))
            if rc > 0 { return }  // ready, or an error/hang-up the next read or write reports
            if rc < 0, errno != EINTR {
                throw HTTPClientError(code: .closed, message: "poll failed: \(describeErrno(errno))", requestSent: false)
            }
        }
    }

    private func closedError(_ code: Int32) -> HTTPClientError {
        let what = code == 0 ? "closed the connection" : describeErrno(code)
        return HTTPClientError(code: .closed, message: "connection to \(endpoint.authority) failed: \(what)", requestSent: false)
    }
}

/// The error the thread ends with once the caller stopped waiting (the caller has its answer already).
private func abandonedError() -> HTTPClientError {
    HTTPClientError(code: .timeout, message: "the caller stopped waiting", requestSent: false)
}

/// Milliseconds to poll: at most 100, so a caller who stops waiting is noticed promptly.
private func pollSlice(until deadline: ContinuousClock.Instant) -> Int32 {
    let remaining = deadline - ContinuousClock.now
    if remaining <= .zero { return 0 }
    let (seconds, attoseconds) = remaining.components
    let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(min(100, max(1, millis)))
}

private func resolve(_ endpoint: Endpoint) throws(HTTPClientError) -> UnsafeMutablePointer<addrinfo> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV | (endpoint.isIPLiteral ? AI_NUMERICHOST : 0)
    var result: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &result)
    guard rc == 0, let result else {
        let reason = rc == EAI_SYSTEM ? describeErrno(errno) : String(cString: gai_strerror(rc))
        throw HTTPClientError(code: .dns, message: "could not resolve \(endpoint.host): \(reason)", requestSent: false)
    }
    return result
}

/// `strerror` text for an errno value, with the number.
func describeErrno(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
