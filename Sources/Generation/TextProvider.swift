/// A client that turns a ``Prompt`` into text with one model: the OpenAI-compatible HTTP client, the builtin model,
/// or a fake in tests.
///
/// A provider makes exactly one attempt and classifies what went wrong; retrying, falling back and cooling down
/// are the orchestrator's job.
public protocol TextProvider: Sendable {
    /// Runs one completion.
    ///
    /// - Parameters:
    ///   - prompt: the messages and limits, plus the original request for providers that do not use messages.
    ///   - model: the registry entry (endpoint, model id, key variable).
    ///   - deadline: the longest this call may take; a provider should give up by then with ``ProviderError/Code/timeout``.
    func complete(_ prompt: Prompt, model: ModelEntry, deadline: Duration) async throws(ProviderError) -> ProviderOutput
}

/// What a model returned.
public struct ProviderOutput: Sendable, Equatable {
    /// The generated text, with control characters removed.
    public var text: String
    /// Prompt tokens, from the server's `usage` or estimated.
    public var inputTokens: Int
    /// Completion tokens, from the server's `usage` or estimated.
    public var outputTokens: Int
    /// True when the server sent no `usage` and the counts are estimates (≈ bytes / 4).
    public var tokensEstimated: Bool
    /// The server's `finish_reason` (`"stop"`, `"length"`…), when it sent one.
    public var finishReason: String?

    /// Creates an output.
    public init(text: String, inputTokens: Int, outputTokens: Int, tokensEstimated: Bool, finishReason: String?) {
        self.text = text
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.tokensEstimated = tokensEstimated
        self.finishReason = finishReason
    }

    /// The model stopped because it hit `max_tokens`: the text is cut off.
    public var truncated: Bool { finishReason == "length" }
}

/// Why a completion failed, classified so the orchestrator knows whether to fall back and whether the model is
/// at fault. Messages never contain an API key.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure.
    public enum Code: String, Sendable {
        /// 400: the server refused the request as malformed.
        case badRequest = "bad_request"
        /// 400 with a context-overflow message: the prompt does not fit the model's window.
        case contextOverflow = "context_overflow"
        /// 401/403: the key is missing, wrong or lacks access.
        case auth = "auth"
        /// 404: the server does not serve this model id.
        case modelNotFound = "model_not_found"
        /// 429: rate limited (see ``ProviderError/retryAfterSeconds``).
        case rateLimited = "rate_limited"
        /// 5xx: the server failed.
        case server = "server_error"
        /// No complete answer within the deadline.
        case timeout = "timeout"
        /// DNS, connect, TLS or the connection closed early.
        case connection = "connection"
        /// A 2xx whose body is not the expected JSON, lacks content, or is garbage.
        case malformed = "malformed_response"
        /// The model declines this kind of request (the builtin model cannot translate).
        case unsupported = "unsupported"
        /// The calling task was cancelled.
        case cancelled = "cancelled"
    }

    /// The class of failure.
    public var code: Code
    /// A readable explanation, with the server's own message when it sent one (clipped and cleaned).
    public var message: String
    /// The HTTP status, when there was a response.
    public var status: Int?
    /// Seconds the server asked to wait (`Retry-After` on 429/503).
    public var retryAfterSeconds: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, status: Int? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Whether this failure says the model (or its server) is unhealthy, so it counts toward its circuit breaker.
    /// A refused request (bad input, context overflow, unsupported kind) or a cancellation does not.
    public var countsAgainstModel: Bool {
        switch code {
        case .auth, .modelNotFound, .server, .timeout, .connection, .malformed, .rateLimited: true
        case .badRequest, .contextOverflow, .unsupported, .cancelled: false
        }
    }

    /// `timeout: no answer within 30 s`.
    public var description: String {
        if let status { return "\(code.rawValue) (HTTP \(status)): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}

/// Rough token counts for servers that send no `usage`: about 4 bytes of UTF-8 per token.
public enum TokenEstimate {
    /// ⌈bytes / 4⌉ of `text`.
    public static func tokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    /// The prompt's tokens: its messages plus a few tokens of chat framing per message.
    public static func tokens(_ prompt: Prompt) -> Int {
        prompt.messages.reduce(0) { $0 + tokens($1.content) + 4 } + 2
    }
}
