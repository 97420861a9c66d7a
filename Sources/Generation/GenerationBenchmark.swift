import HTTPClient
import Platforms
import Writing

/// Measures what the orchestrator adds on top of a provider call (goal: under 1 ms per request).
///
/// Both sides call the same fake OpenAI-compatible server with the same prompt: once straight through
/// ``OpenAICompatibleProvider``, once through ``Orchestrator/generate(_:creator:style:existing:)`` with a budget
/// (so the ledger is read and written), the circuit breaker, routing, the deadline race and quality scoring. The two
/// are run in alternating rounds so that machine load hits both alike. The server should answer every
/// `POST …/chat/completions` with ``fakeCompletionBody``.
///
/// ```swift
/// let (provider, orchestrated) = await GenerationBenchmark.overhead(fakeServerURL: "http://127.0.0.1:8099/v1", requests: 2_000)
/// print("overhead per request: \(orchestrated - provider) ms")
/// ```
public enum GenerationBenchmark {
    /// What the fake server answers: a short title with usage.
    public static let fakeCompletionBody =
        #"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"A Practical Guide to Home Espresso for Beginners"},"finish_reason":"stop"}],"usage":{"prompt_tokens":310,"completion_tokens":11,"total_tokens":321}}"#

    /// The source text both sides send.
    public static let sampleInput = """
        Home espresso has never been more approachable. A decent grinder matters more than an expensive machine: \
        consistent particle size is what lets water extract sugars and acids evenly. Start with fresh beans, weigh \
        every dose, and time each shot. If the shot tastes sour, grind finer; if it tastes bitter, grind coarser.
        """

    /// Mean milliseconds per request for direct provider calls and for orchestrated ones, against `fakeServerURL`
    /// (a base URL such as `http://127.0.0.1:8099/v1`). A side on which any call failed (or, for the orchestrator,
    /// was not answered by the fake model) reports `.infinity`: a fast failure must not pass for a fast success.
    public static func overhead(fakeServerURL: String, requests: Int) async -> (providerMillis: Double, orchestratorMillis: Double) {
        let model = ModelEntry(name: "bench", provider: .openai, endpoint: fakeServerURL, model: "bench",
                               inputPrice: TokenPrice(microsPer1K: 200), outputPrice: TokenPrice(microsPer1K: 200),
                               quality: 0.9, speed: 100, contextLength: 32_000, capabilities: Set(ContentKind.allCases), timeoutSeconds: 10)
        let registry = ModelRegistry(models: [model], environment: { _ in nil })
        let client = HTTPClient(maxResponseBytes: 1 << 20)
        let provider = OpenAICompatibleProvider(client: client, apiKey: { _ in nil })
        let orchestrator = Orchestrator(registry: registry, providers: [.openai: provider, .builtin: BuiltinProvider()],
                                        ledger: InMemorySpendLedger(), catalog: PlatformCatalog(profiles: []),
                                        configuration: OrchestratorConfiguration(dailyBudgetMicros: Int64.max / 2))
        let request = GenerationRequest(kind: .title, input: sampleInput, policy: .quality)
        let prompt = PromptBuilder.build(kind: .title, input: sampleInput, platform: nil, language: nil, options: [:],
                                         maxTokens: PromptBuilder.defaultMaxTokens(for: .title, inputTokens: 0))
        let style = StyleGuide()

        var failures = (direct: 0, orchestrated: 0)
        func direct() async {
            if (try? await provider.complete(prompt, model: model, deadline: .seconds(10))) == nil { failures.direct += 1 }
        }
        func orchestrated() async {
            let result = try? await orchestrator.generate(request, creator: "bench", style: style, existing: [])
            if result?.model != "bench" || result?.attempts.count != 1 { failures.orchestrated += 1 }
        }

        let warmup = max(1, min(50, requests / 10))
        for _ in 0..<warmup { await direct(); await orchestrated() }
        let round = 50
        var providerTime = Duration.zero
        var orchestratorTime = Duration.zero
        var done = 0
        while done < requests {
            let n = min(round, requests - done)
            let t0 = ContinuousClock.now
            for _ in 0..<n { await direct() }
            let t1 = ContinuousClock.now
            for _ in 0..<n { await orchestrated() }
            let t2 = ContinuousClock.now
            providerTime += t1 - t0
            orchestratorTime += t2 - t1
            done += n
        }
        func millis(_ d: Duration) -> Double {
            (Double(d.components.seconds) * 1_000 + Double(d.components.attoseconds) / 1e15) / Double(max(1, requests))
        }
        return (failures.direct == 0 ? millis(providerTime) : .infinity, failures.orchestrated == 0 ? millis(orchestratorTime) : .infinity)
    }

    /// Mean microseconds per request that the orchestrator spends around a provider that answers at once, in
    /// process: validation, prompt, routing, budget check-and-reserve, breaker, deadline race, scoring, ledger write.
    /// Unlike ``overhead(fakeServerURL:requests:)`` no socket noise is in the figure. `.infinity` if any request
    /// did not produce the instant provider's text.
    public static func orchestrationMicros(requests: Int) async -> Double {
        struct Instant: TextProvider {
            func complete(_ prompt: Prompt, model: ModelEntry, deadline: Duration) async throws(ProviderError) -> ProviderOutput {
                ProviderOutput(text: "A Practical Guide to Home Espresso for Beginners", inputTokens: 310, outputTokens: 11,
                               tokensEstimated: false, finishReason: "stop")
            }
        }
        let model = ModelEntry(name: "instant", provider: .openai, endpoint: "http://127.0.0.1:9/v1", model: "instant",
                               inputPrice: TokenPrice(microsPer1K: 200), outputPrice: TokenPrice(microsPer1K: 200), quality: 0.9,
                               contextLength: 32_000, capabilities: Set(ContentKind.allCases), timeoutSeconds: 10)
        let orchestrator = Orchestrator(registry: ModelRegistry(models: [model, .builtinDefault], environment: { _ in nil }),
                                        providers: [.openai: Instant(), .builtin: BuiltinProvider()], ledger: InMemorySpendLedger(),
                                        catalog: PlatformCatalog(profiles: []),
                                        configuration: OrchestratorConfiguration(dailyBudgetMicros: Int64.max / 2))
        let request = GenerationRequest(kind: .title, input: sampleInput, policy: .quality)
        var failures = 0
        let start = ContinuousClock.now
        for _ in 0..<max(1, requests) {
            let result = try? await orchestrator.generate(request, creator: "bench", style: StyleGuide(), existing: [])
            if result?.model != "instant" { failures += 1 }
        }
        let elapsed = ContinuousClock.now - start
        guard failures == 0 else { return .infinity }
        return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(max(1, requests))
    }
}
