import OrderedJSON
import HTTPClient

/// One client for every OpenAI-compatible Chat Completions server: Ollama, llama.cpp server, vLLM, DeepSeek, OpenAI.
///
/// Sends only the subset all of them accept (`model`, `messages`, `temperature`, `max_tokens`, `n: 1`,
/// `stream: false`) with `Authorization: Bearer <key or "none">`, and reads `choices[0].message.content`,
/// `finish_reason` and `usage`. When `usage` is missing the token counts are estimated (≈ bytes / 4) and flagged.
/// Errors are classified by HTTP status first, then by the body, which may be in the OpenAI shape
/// (`{"error":{"message","type","code":"…"}}`), llama.cpp's or vLLM's (`code` an integer), the legacy flat shape
/// (`{"object":"error","message":…}`), Ollama's `{"error":"…"}` or plain text.
///
/// ```swift
/// let provider = OpenAICompatibleProvider(client: HTTPClient(), apiKey: { registry.apiKey(for: $0) })
/// let output = try await provider.complete(prompt, model: registry.entry(named: "gemma3")!, deadline: .seconds(60))
/// ```
public struct OpenAICompatibleProvider: TextProvider {
    private let client: HTTPClient
    private let apiKey: @Sendable (ModelEntry) -> String?
    private let connectTimeout: Duration

    /// Creates the provider.
    ///
    /// - Parameters:
    ///   - client: the HTTP client (its `maxResponseBytes` bounds what a server can make us buffer).
    ///   - apiKey: the key for a model, read when each call is made (``ModelRegistry/apiKey(for:)``).
    ///   - connectTimeout: the longest a TCP connect and TLS handshake may take, within the call's deadline.
    public init(client: HTTPClient, apiKey: @escaping @Sendable (ModelEntry) -> String?, connectTimeout: Duration = .seconds(5)) {
        self.client = client
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
    }

    /// The URL a completion is posted to: the entry's base URL plus `/chat/completions`.
    public static func completionsURL(_ entry: ModelEntry) -> String {
        var base = entry.endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    /// The JSON body sent for a prompt (the portable subset only).
    public static func requestBody(_ prompt: Prompt, model: String) -> [UInt8] {
        let messages = JSONText.array(prompt.messages.map { message in
            .object([("role", .string(message.role.rawValue)), ("content", .string(message.content))])
        })
        // Temperature as a decimal with two places, written from an integer so the body is exact and stable.
        let hundredths = Int((min(max(prompt.temperature, 0), 2) * 100).rounded())
        let temperature = "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
        return JSONText.object([
            ("model", .string(model)),
            ("messages", messages),
            ("temperature", .number(temperature)),
            ("max_tokens", .number(String(max(1, prompt.maxTokens)))),
            ("n", .number("1")),
            ("stream", .bool(false)),
        ]).serialized()
    }

    /// Posts the prompt and classifies the outcome.
    public func complete(_ prompt: Prompt, model entry: ModelEntry, deadline: Duration) async throws(ProviderError) -> ProviderOutput {
        let key = apiKey(entry)
        let request = HTTPClientRequest(
            method: "POST", url: Self.completionsURL(entry),
            headers: [("Content-Type", "application/json"), ("Accept", "application/json"), ("Authorization", "Bearer \(key ?? "none")")],
            body: Self.requestBody(prompt, model: entry.model),
            timeout: deadline, connectTimeout: min(connectTimeout, deadline))
        let response: HTTPClientResponse
        do {
            response = try await client.send(request)
        } catch {
            if Task.isCancelled { throw ProviderError(.cancelled, "the request was cancelled") }
            throw Self.classify(error, model: entry, deadline: deadline)
        }
        return try Self.interpret(status: response.status, body: response.body, retryAfter: response.header("Retry-After"),
                                  prompt: prompt, model: entry, secret: key)
    }

    static func classify(_ error: HTTPClientError, model: ModelEntry, deadline: Duration) -> ProviderError {
        switch error.code {
        case .timeout: ProviderError(.timeout, "\(model.name) gave no complete answer within \(deadline): \(error.message)")
        case .invalidURL: ProviderError(.connection, "\(model.name)'s endpoint is not a usable URL: \(error.message)")
        case .dns, .connect, .tls, .closed: ProviderError(.connection, "\(model.name): \(error.message)")
        case .malformedResponse: ProviderError(.malformed, "\(model.name) sent a response that is not valid HTTP: \(error.message)")
        case .tooLarge: ProviderError(.malformed, "\(model.name) sent a response larger than the client accepts: \(error.message)")
        }
    }

    /// Turns a status and body into an output or a classified error (separate from the I/O so tests can feed it
    /// every shape a server may send).
    static func interpret(status: Int, body: [UInt8], retryAfter: String?, prompt: Prompt, model: ModelEntry,
                          secret: String?) throws(ProviderError) -> ProviderOutput {
        guard (200..<300).contains(status) else { throw errorFor(status: status, body: body, retryAfter: retryAfter, model: model, secret: secret) }
        let json: JSONText
        do { json = try JSONText.parse(body) } catch {
            let shown = OutputText.excerpt(String(decoding: body.prefix(400), as: UTF8.self), limit: 120, redacting: secret)
            throw ProviderError(.malformed, "\(model.name) answered \(status) with a body that is not JSON (\(error.reason)): \(shown.isEmpty ? "empty body" : shown)", status: status)
        }
        if let message = errorMessage(json, secret: secret) {
            throw ProviderError(.server, "\(model.name) answered \(status) with an error: \(message)", status: status)
        }
        guard case .array(let choices)? = json["choices"], let first = choices.first else {
            throw ProviderError(.malformed, "\(model.name) answered \(status) without choices", status: status)
        }
        guard let content = first["message"]?["content"]?.stringValue else {
            throw ProviderError(.malformed, "\(model.name) answered \(status) without choices[0].message.content text", status: status)
        }
        let cleaned = OutputText.clean(content)
        if cleaned.isMostlyControl {
            throw ProviderError(.malformed, "\(model.name) answered with text that is mostly control characters (\(cleaned.removed) of \(cleaned.total))", status: status)
        }
        guard !cleaned.text.isEmpty else {
            throw ProviderError(.malformed, "\(model.name) answered \(status) with empty content", status: status)
        }
        let finishReason = first["finish_reason"]?.stringValue
        let usage = json["usage"]
        if let input = usage?["prompt_tokens"]?.intValue, let output = usage?["completion_tokens"]?.intValue, input >= 0, output >= 0 {
            return ProviderOutput(text: cleaned.text, inputTokens: input, outputTokens: output, tokensEstimated: false, finishReason: finishReason)
        }
        return ProviderOutput(text: cleaned.text, inputTokens: TokenEstimate.tokens(prompt), outputTokens: TokenEstimate.tokens(content),
                              tokensEstimated: true, finishReason: finishReason)
    }

    static func errorFor(status: Int, body: [UInt8], retryAfter: String?, model: ModelEntry, secret: String?) -> ProviderError {
        var message: String
        var type = ""
        if let json = try? JSONText.parse(body), let found = errorMessage(json, secret: secret) {
            message = found
            type = json["error"]?["type"]?.stringValue ?? json["type"]?.stringValue ?? ""
        } else {
            message = OutputText.excerpt(String(decoding: body.prefix(1000), as: UTF8.self), redacting: secret)
            if message.isEmpty { message = "no error message" }
        }
        let said = "\(model.name) answered \(status): \(message)"
        switch status {
        case 400, 413, 422:
            let lower = message.lowercased()
            if type == "exceed_context_size_error" || lower.contains("context length") || lower.contains("context window")
                || lower.contains("maximum context") || lower.contains("context size") || lower.contains("too many tokens") {
                return ProviderError(.contextOverflow, said, status: status)
            }
            return ProviderError(.badRequest, said, status: status)
        case 401, 403: return ProviderError(.auth, said + (secret == nil ? " (no API key is configured for it)" : " (check its API key)"), status: status)
        case 404: return ProviderError(.modelNotFound, said + " (is model \"\(model.model)\" served at \(model.endpoint)?)", status: status)
        case 408: return ProviderError(.timeout, said, status: status)
        case 429: return ProviderError(.rateLimited, said, status: status, retryAfterSeconds: RetryAfter.seconds(retryAfter))
        case 500...599: return ProviderError(.server, said, status: status, retryAfterSeconds: RetryAfter.seconds(retryAfter))
        default: return ProviderError(.badRequest, said, status: status)
        }
    }

    /// The error message in any of the known shapes, cleaned and clipped; nil when the body carries no error.
    static func errorMessage(_ json: JSONText, secret: String?) -> String? {
        switch json["error"] {
        case .object?:
            let error = json["error"]!
            let text = error["message"]?.stringValue ?? error["type"]?.stringValue ?? "unspecified error"
            return OutputText.excerpt(text, redacting: secret)
        case .string(let text)?:
            return OutputText.excerpt(text, redacting: secret)
        default:
            if json["object"]?.stringValue == "error" {
                return OutputText.excerpt(json["message"]?.stringValue ?? "unspecified error", redacting: secret)
            }
            return nil
        }
    }
}
