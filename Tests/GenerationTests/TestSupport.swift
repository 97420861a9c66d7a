import Generation
import Glibc
import Platforms
import Synchronization
import Writing

/// The repository's `data/` file, found from this file's real location (the side package reaches the tests
/// through a symlink, so `#filePath` alone may point at the wrong tree).
func dataPath(_ name: String, file: String = #filePath) -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    let real = realpath(file, &buffer).map { String(cString: $0) } ?? file
    var parts = real.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)   // GenerationTests/TestSupport.swift, Tests
    return parts.joined(separator: "/") + "/data/" + name
}

/// The shipped platform profiles.
let catalog: PlatformCatalog = try! PlatformCatalog.load(path: dataPath("platforms.json"))

/// A clock the test moves by hand; the wall clock reads a fixed day.
final class ManualClock: Sendable {
    private let offset = Mutex<Duration>(.zero)
    let unix: Int64

    init(unix: Int64 = 1_796_083_200) { self.unix = unix }   // 2026-12-01T00:00:00Z

    func advance(_ by: Duration) { offset.withLock { $0 += by } }

    var clock: GenerationClock {
        GenerationClock(monotonic: { [self] in offset.withLock { $0 } }, unixSeconds: { [unix] in unix })
    }
}

/// A scripted provider: answers per model name and counts calls, without sockets.
final class ScriptedProvider: TextProvider {
    enum Step: Sendable {
        case text(String, input: Int = 100, output: Int = 20, estimated: Bool = false, finish: String = "stop")
        case fail(ProviderError)
        /// Answer after a delay (to overlap concurrent requests).
        case delayed(Duration, String, input: Int, output: Int)
        /// Ignore the deadline and never return on its own (the orchestrator's race must bound it).
        case hang
    }

    private let script: Mutex<[String: [Step]]>
    private let fallback: Step
    private let log = Mutex<[String]>([])
    private let parked = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(_ script: [String: [Step]] = [:], otherwise fallback: Step = .text("A Practical Guide to Home Espresso for Beginners")) {
        self.script = Mutex(script)
        self.fallback = fallback
    }

    /// Model names called, in order.
    var calls: [String] { log.withLock { $0 } }

    func set(_ model: String, _ steps: [Step]) { script.withLock { $0[model] = steps } }

    func complete(_ prompt: Prompt, model: ModelEntry, deadline: Duration) async throws(ProviderError) -> ProviderOutput {
        log.withLock { $0.append(model.name) }
        let step: Step = script.withLock { all in
            guard var steps = all[model.name], !steps.isEmpty else { return fallback }
            let first = steps.removeFirst()
            all[model.name] = steps.isEmpty ? [first] : steps   // the last step repeats
            return first
        }
        switch step {
        case .text(let text, let input, let output, let estimated, let finish):
            return ProviderOutput(text: text, inputTokens: input, outputTokens: output, tokensEstimated: estimated, finishReason: finish)
        case .fail(let error):
            throw error
        case .delayed(let delay, let text, let input, let output):
            try? await Task.sleep(for: delay)
            return ProviderOutput(text: text, inputTokens: input, outputTokens: output, tokensEstimated: false, finishReason: "stop")
        case .hang:
            // Parked for good, ignoring cancellation and deadline, without using a thread.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in parked.withLock { $0.append(continuation) } }
            throw ProviderError(.server, "unreachable")
        }
    }
}

/// A model entry for routing tests.
func llm(_ name: String, price: Int64, quality: Double, output: Int64? = nil, context: Int = 32_000,
         kinds: Set<ContentKind> = Set(ContentKind.allCases), endpoint: String = "http://127.0.0.1:9/v1", key: String? = nil,
         timeout: Int = 5, enabled: Bool = true) -> ModelEntry {
    ModelEntry(name: name, provider: .openai, endpoint: endpoint, model: name, apiKeyEnv: key,
               inputPrice: TokenPrice(microsPer1K: price), outputPrice: TokenPrice(microsPer1K: output ?? price),
               quality: quality, speed: 50, contextLength: context, capabilities: kinds, timeoutSeconds: timeout, enabled: enabled)
}

/// A builtin entry at a chosen price.
func builtin(price: Int64 = 0) -> ModelEntry {
    var entry = ModelEntry.builtinDefault
    entry.inputPrice = TokenPrice(microsPer1K: price)
    entry.outputPrice = TokenPrice(microsPer1K: price)
    return entry
}

/// An orchestrator over `models` with a scripted OpenAI provider and the real builtin one.
func orchestrator(_ models: [ModelEntry], provider: ScriptedProvider, ledger: any SpendLedger = InMemorySpendLedger(),
                  configuration: OrchestratorConfiguration = OrchestratorConfiguration(), clock: GenerationClock = .system,
                  environment: [String: String] = [:]) -> Orchestrator {
    let registry = ModelRegistry(models: models, environment: { environment[$0] })
    return Orchestrator(registry: registry, providers: [.openai: provider, .builtin: BuiltinProvider()], ledger: ledger,
                        catalog: catalog, configuration: configuration, clock: clock)
}

let article = """
Home espresso has never been more approachable. A decent grinder matters more than an expensive machine: \
consistent particle size is what lets water extract sugars and acids evenly. Start with fresh beans roasted \
within the last month, weigh every dose, and time each shot. A ratio of one part coffee to two parts liquid \
in about thirty seconds is a classic starting point. If the shot tastes sour, grind finer; if it tastes bitter, \
grind coarser. Milk drinks need steam pressure and practice: stretch the milk briefly, then spin it into a \
glossy microfoam. Clean the group head daily and descale the boiler monthly, and your machine will last for \
years. Above all, taste deliberately and change one variable at a time.
"""

/// A style guide that bans a word, so a text containing it scores below 0.5 with the real scorer.
let banningStyle = StyleGuide(requiredTerms: [], bannedTerms: ["clickbait"])
