import Writing

/// The builtin model behind the ``TextProvider`` protocol: deterministic, offline, no server.
///
/// Token counts are estimates (≈ bytes / 4) so that a builtin entry given a price in the registry is billed
/// like any other model; with the shipped price of 0 it costs nothing. It declines translation with
/// ``ProviderError/Code/unsupported``.
public struct BuiltinProvider: TextProvider {
    private let model = BuiltinModel()

    /// Creates the provider.
    public init() {}

    /// Generates with ``BuiltinModel``; the deadline is not needed (it finishes in milliseconds).
    public func complete(_ prompt: Prompt, model entry: ModelEntry, deadline: Duration) async throws(ProviderError) -> ProviderOutput {
        let request = BuiltinRequest(kind: prompt.kind, input: prompt.input, platform: prompt.platform,
                                     language: prompt.language, options: prompt.options)
        let text: String
        do {
            text = try model.generate(request)
        } catch {
            throw ProviderError(error.code == .unsupported ? .unsupported : .badRequest, error.message)
        }
        let cleaned = OutputText.clean(text)
        guard !cleaned.text.isEmpty else { throw ProviderError(.malformed, "the builtin model produced no text for this input") }
        return ProviderOutput(text: cleaned.text, inputTokens: TokenEstimate.tokens(prompt.input),
                              outputTokens: TokenEstimate.tokens(cleaned.text), tokensEstimated: true, finishReason: "stop")
    }
}
