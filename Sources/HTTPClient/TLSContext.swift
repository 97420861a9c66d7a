import COpenSSL
import Synchronization

/// The client's TLS configuration: TLS 1.2 or later, peer verification on, trusted roots from the
/// system's default locations or from one CA file.
///
/// `@unchecked Sendable`: an `SSL_CTX` is reference-counted and safe to share between threads for
/// `SSL_new` once configured, and this type never changes it after `init`.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// Builds the context, or explains why it cannot be built (for example an unreadable CA file).
    static func make(caFile: String?) -> Result<TLSContext, HTTPClientError> {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            return .failure(tlsFailure("could not create a TLS context: \(openSSLErrorText())"))
        }
        guard COpenSSL_SSL_CTX_set_min_proto_version(context, COpenSSL_TLS1_2_VERSION()) == 1 else {
            SSL_CTX_free(context)
            return .failure(tlsFailure("could not require TLS 1.2: \(openSSLErrorText())"))
        }
        COpenSSL_SSL_CTX_set_nonblocking_modes(context)
        COpenSSL_SSL_CTX_ignore_unexpected_eof(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let loaded: Int32
        if let caFile {
            loaded = SSL_CTX_load_verify_locations(context, caFile, nil)
        } else {
            loaded = SSL_CTX_set_default_verify_paths(context)
        }
        guard loaded == 1 else {
            let reason = openSSLErrorText()
            SSL_CTX_free(context)
            let source = caFile.map { "from \($0)" } ?? "from the system's default locations"
            return .failure(tlsFailure("could not load trusted CA certificates \(source): \(reason)"))
        }
        return .success(TLSContext(context))
    }

    private init(_ context: OpaquePointer) { self.context = context }

    deinit { SSL_CTX_free(context) }
}

func tlsFailure(_ message: String) -> HTTPClientError {
    HTTPClientError(code: .tls, message: message, requestSent: false)
}

/// The oldest queued OpenSSL error of this thread as text (the queue is then cleared), or a fallback.
func openSSLErrorText() -> String {
    let code = ERR_get_error()
    ERR_clear_error()
    guard code != 0 else { return "no further detail from OpenSSL" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Where a client gets its TLS context: built on first https use, on the exchange thread, because
/// `SSL_CTX_new` costs milliseconds in OpenSSL 3 (it fetches every algorithm from the providers).
/// Clients without a CA file share one context for the process.
final class TLSSource: Sendable {
    private let caFile: String?
    private let built = Mutex<Result<TLSContext, HTTPClientError>?>(nil)

    init(caFile: String?) { self.caFile = caFile }

    func context() -> Result<TLSContext, HTTPClientError> {
        guard let caFile else { return systemTrustContext }
        return built.withLock { built in
            if let built { return built }
            let made = TLSContext.make(caFile: caFile)
            built = made
            return made
        }
    }
}

/// The context trusting the system's default CA locations, shared by every client without a CA file.
private let systemTrustContext = TLSContext.make(caFile: nil)
