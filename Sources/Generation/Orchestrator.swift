import HTTPClient
import Platforms
import Synchronization
import Writing

/// Generates content by routing each request to a model by cost and quality, falling back when a model fails,
/// times out or writes something below the quality threshold, and keeping every creator within a daily budget.
///
/// For each request: validate (nothing is called for bad input) → build the kind's prompt → filter the registry
/// by capability, availability, `min_quality`, `max_cost` and context length → order the candidates (the explicit
/// `model` or the policy's choice first, then the rest by quality, best first) → refuse with `budget_exceeded`
/// before any call when the first choice's worst-case cost would take the creator over the day's budget → try the
/// candidates in order, skipping models whose circuit is open and ones that no longer fit the budget, each call
/// bounded by the model's timeout and the request's total deadline → score each answer with ``QualityScorer``.
/// The result keeps every attempt. If every answer scored low, the best is returned flagged ``GenerationResult/belowThreshold``;
/// if every call failed, the error carries the attempts.
///
/// ```swift
/// let orchestrator = Orchestrator(registry: registry, httpClient: HTTPClient(), ledger: ledger, catalog: catalog,
///                                 configuration: OrchestratorConfiguration(dailyBudgetMicros: 500_000))
/// let result = try await orchestrator.generate(GenerationRequest(kind: .title, input: article), creator: id,
///                                              style: guide, existing: signatures)
/// ```
public final class Orchestrator: Sendable {
    /// The largest input accepted, in UTF-8 bytes (the builtin model's limit too).
    public static let maximumInputBytes = BuiltinModel.maxInputBytes
    /// The largest completion budget a request may ask for.
    public static let maximumOutputTokens = 32_768

    /// The model registry (read at the start of each request, so a reload applies to the next one).
    public let registry: ModelRegistry
    /// Settings.
    public let configuration: OrchestratorConfiguration
    /// The per-model circuit breaker (exposed so the admin page can show which models are cooling down).
    public let breaker: CircuitBreaker
    private let providers: [ModelEntry.ProviderKind: any TextProvider]
    private let ledger: any SpendLedger
    private let catalog: PlatformCatalog
    private let clock: GenerationClock
    /// Worst-case cost of calls in flight per "creator|day", so concurrent requests cannot together overrun a budget.
    private let reservations = Mutex<[String: Int64]>([:])

    /// Creates an orchestrator with explicit providers (tests use fakes).
    public init(registry: ModelRegistry, providers: [ModelEntry.ProviderKind: any TextProvider], ledger: any SpendLedger,
                catalog: PlatformCatalog, configuration: OrchestratorConfiguration = OrchestratorConfiguration(),
                clock: GenerationClock = .system) {
        self.registry = registry
        self.providers = providers
        self.ledger = ledger
        self.catalog = catalog
        self.configuration = configuration
        self.clock = clock
        self.breaker = CircuitBreaker(settings: configuration.breaker, clock: clock)
    }

    /// Creates an orchestrator with the real providers: OpenAI-compatible over `httpClient`, and the builtin model.
    public convenience init(registry: ModelRegistry, httpClient: HTTPClient, ledger: any SpendLedger, catalog: PlatformCatalog,
                            configuration: OrchestratorConfiguration = OrchestratorConfiguration(), clock: GenerationClock = .system) {
        let openai = OpenAICompatibleProvider(client: httpClient, apiKey: { [registry] in registry.apiKey(for: $0) })
        self.init(registry: registry, providers: [.openai: openai, .builtin: BuiltinProvider()], ledger: ledger, catalog: catalog,
                  configuration: configuration, clock: clock)
    }

    /// Generates one piece of content for `creator`.
    ///
    /// - Parameters:
    ///   - style: the creator's style guide (required and banned terms) for scoring.
    ///   - existing: MinHash signatures of the creator's existing content, for near-duplicate detection.
    /// - Throws: ``GenerationError``: `invalid`/`unknown` (bad request, nothing called), `unsupported` (no model can
    ///   serve it), `budget_exceeded` (nothing called), `unavailable` (every attempt failed; attempts attached).
    public func generate(_ request: GenerationRequest, creator: String, style: StyleGuide,
                         existing: [MinHashSignature]) async throws(GenerationError) -> GenerationResult {
        let started = ContinuousClock.now
        let (valid, finalPrompt, plan) = try prepare(request)
        let maxTokens = finalPrompt.maxTokens

        // Budget: refuse before any call when the first choice cannot fit.
        let budget = configuration.budget(for: creator)
        let day = clock.day()
        let reservationKey = creator + "|" + day
        var spentBefore: Int64 = 0
        if let budget {
            do { spentBefore = try ledger.spent(creator: creator, day: day) } catch {
                throw GenerationError(.unavailable, "the spend ledger could not be read, so the budget cannot be checked: \(error)")
            }
            let first = plan[0]
            let spent = spentBefore.addingSaturating(reserved(reservationKey))
            if spent.addingSaturating(first.estimatedMicros) > budget {
                throw budgetError(spent: spent, budget: budget, estimate: first.estimatedMicros, model: first.model.name, plan: plan)
            }
        }

        var attempts: [GenerationAttempt] = []
        var best: (text: String, model: String, score: Double, problems: [String])?
        var calls = 0
        var charged: Int64 = 0
        for candidate in plan {
            if calls >= configuration.maxAttempts { break }
            if Task.isCancelled { throw GenerationError(.cancelled, "the request was cancelled", attempts: attempts) }
            let remaining = configuration.totalDeadline - (ContinuousClock.now - started)
            if remaining <= .zero { break }
            let model = candidate.model
            guard breaker.permit(model.name) else {
                let wait = retrySeconds(breaker.state(of: model.name))
                attempts.append(GenerationAttempt(model: model.name, outcome: .skippedCircuitOpen,
                                                  error: "cooling down after repeated failures; next try in about \(wait) s"))
                continue
            }
            guard let provider = providers[model.provider] else {
                breaker.releaseTrial(model.name)
                attempts.append(GenerationAttempt(model: model.name, outcome: .failed, error: "no provider is configured for \(model.provider.rawValue) models"))
                continue
            }
            if let budget {
                // The ledger is read again (other requests may have finished since), then the worst case is checked and
                // reserved in one step so that concurrent requests cannot all pass the same remaining budget.
                let recorded = (try? ledger.spent(creator: creator, day: day)) ?? spentBefore.addingSaturating(charged)
                if let spent = tryReserve(reservationKey, candidate.estimatedMicros, recorded: recorded, budget: budget) {
                    breaker.releaseTrial(model.name)
                    attempts.append(GenerationAttempt(model: model.name, outcome: .budget,
                        error: "worst-case cost \(TokenPrice.format(micros: candidate.estimatedMicros)) would exceed the daily budget (spent \(TokenPrice.format(micros: spent)) of \(TokenPrice.format(micros: budget)))"))
                    continue
                }
            }
            calls += 1
            let callStart = ContinuousClock.now
            let limit = min(model.timeout, remaining)
            let sent = finalPrompt
            let outcome: Result<ProviderOutput, ProviderError>
            do throws(ProviderError) {
                outcome = .success(try await Deadline.run(limit, model: model.name) { () async throws(ProviderError) -> ProviderOutput in
                    try await provider.complete(sent, model: model, deadline: limit)
                })
            } catch {
                outcome = .failure(error)
            }
            if budget != nil { release(reservationKey, candidate.estimatedMicros) }
            let latency = Self.millis(ContinuousClock.now - callStart)

            switch outcome {
            case .failure(let error):
                if error.code == .cancelled {
                    breaker.releaseTrial(model.name)
                    attempts.append(GenerationAttempt(model: model.name, outcome: .failed, error: error.description, latencyMillis: latency))
                    throw GenerationError(.cancelled, "the request was cancelled", attempts: attempts)
                }
                if error.code == .rateLimited {
                    breaker.recordRateLimit(model.name, retryAfterSeconds: error.retryAfterSeconds)
                } else if error.countsAgainstModel {
                    breaker.recordFailure(model.name)
                } else {
                    breaker.releaseTrial(model.name)
                }
                attempts.append(GenerationAttempt(model: model.name, outcome: error.code == .timeout ? .timeout : .failed,
                                                  error: error.description, latencyMillis: latency))
            case .success(let output):
                breaker.recordSuccess(model.name)
                let cost = model.cost(inputTokens: output.inputTokens, outputTokens: output.outputTokens)
                charged = charged.addingSaturating(cost)
                var note: String?
                do {
                    try ledger.record(creator: creator, day: day, model: model.name, micros: cost,
                                      inputTokens: output.inputTokens, outputTokens: output.outputTokens)
                } catch {
                    note = "spend could not be recorded: \(error)"
                }
                var attempt = GenerationAttempt(model: model.name, outcome: .ok, error: note, latencyMillis: latency,
                                                inputTokens: output.inputTokens, outputTokens: output.outputTokens,
                                                tokensEstimated: output.tokensEstimated, costMicros: cost)
                if output.truncated {
                    attempt.outcome = .failed
                    attempt.error = "the output was cut off at max_tokens (\(maxTokens)); finish_reason was \"length\""
                    attempts.append(attempt)
                    continue
                }
                let text = Self.tidy(output.text, kind: valid.kind)
                let report = QualityScorer.score(text, kind: valid.kind, platform: valid.platform, language: valid.language,
                                                 style: style, existing: existing)
                attempt.score = report.score
                if report.score >= configuration.qualityThreshold {
                    attempts.append(attempt)
                    return result(text: text, model: model.name, score: report.score, problems: report.problems, below: false,
                                  kind: valid.kind, policy: valid.policy, requested: request.model, attempts: attempts, started: started)
                }
                attempt.outcome = .lowQuality
                let problems = report.problems.prefix(3).joined(separator: "; ")
                attempt.error = "score \(Self.twoDecimals(report.score)) is below the threshold \(Self.twoDecimals(configuration.qualityThreshold))"
                    + (problems.isEmpty ? "" : ": \(problems)") + (note.map { "; \($0)" } ?? "")
                attempts.append(attempt)
                if best == nil || report.score > best!.score {
                    best = (text, model.name, report.score, report.problems)
                }
            }
        }

        if let best {
            return result(text: best.text, model: best.model, score: best.score, problems: best.problems, below: true,
                          kind: valid.kind, policy: valid.policy, requested: request.model, attempts: attempts, started: started)
        }
        if calls == 0, attempts.contains(where: { $0.outcome == .budget }), let budget {
            let first = plan.first { c in attempts.contains { $0.model == c.model.name && $0.outcome == .budget } } ?? plan[0]
            let spent = spentBefore.addingSaturating(reserved(reservationKey))
            var error = budgetError(spent: spent, budget: budget, estimate: first.estimatedMicros, model: first.model.name, plan: plan)
            error.attempts = attempts
            throw error
        }
        if calls == 0, !attempts.isEmpty, attempts.allSatisfy({ $0.outcome == .skippedCircuitOpen }) {
            let wait = plan.map { retrySeconds(breaker.state(of: $0.model.name)) }.min() ?? 1
            throw GenerationError(.unavailable, "every capable model is cooling down after repeated failures; retry in about \(wait) s",
                                  attempts: attempts, retryAfterSeconds: wait)
        }
        let timedOut = configuration.totalDeadline - (ContinuousClock.now - started) <= .zero
        let summary = attempts.map { "\($0.model): \($0.error ?? $0.outcome.rawValue)" }.joined(separator: "; ")
        throw GenerationError(.unavailable,
                              (timedOut ? "the request ran out of time (\(configuration.totalDeadline)) " : "every model tried failed ")
                                + "(\(attempts.count) attempt\(attempts.count == 1 ? "" : "s")): \(summary)",
                              attempts: attempts)
    }

    // MARK: - Validation and routing

    /// Checks a request without calling any model or touching the budget: the same validation and routing
    /// ``generate(_:creator:style:existing:)`` starts with, so the API can refuse bad input with 400/422 before
    /// queuing a job.
    ///
    /// - Returns: the models that would be tried, in order.
    /// - Throws: ``GenerationError`` `invalid`, `unknown` or `unsupported`.
    @discardableResult
    public func check(_ request: GenerationRequest) throws(GenerationError) -> [String] {
        try prepare(request).plan.map(\.model.name)
    }

    private func prepare(_ request: GenerationRequest) throws(GenerationError) -> (valid: Valid, prompt: Prompt, plan: [RouteCandidate]) {
        let valid = try validate(request)
        let models = registry.models
        var prompt = PromptBuilder.build(kind: valid.kind, input: valid.input, platform: valid.platform, language: valid.language,
                                         options: valid.options, maxTokens: 1)
        let inputTokens = TokenEstimate.tokens(prompt)
        prompt.maxTokens = valid.maxOutputTokens ?? PromptBuilder.defaultMaxTokens(for: valid.kind, inputTokens: TokenEstimate.tokens(valid.input))
        let requirements = RoutingRequirements(kind: valid.kind, minQuality: request.minQuality, maxCostMicros: request.maxCostMicros,
                                               inputTokens: inputTokens, maxOutputTokens: prompt.maxTokens)
        let plan = try route(models: models, requirements: requirements, policy: valid.policy, explicit: request.model)
        return (valid, prompt, plan)
    }

    private struct Valid {
        var kind: ContentKind
        var input: String
        var platform: PlatformProfile?
        var policy: RoutingPolicy
        var language: String?
        var options: [String: String]
        var maxOutputTokens: Int?
    }

    private func validate(_ request: GenerationRequest) throws(GenerationError) -> Valid {
        guard let kind = ContentKind(rawValue: request.kind) else {
            throw GenerationError(.unknown, "kind '\(Self.clip(request.kind))' is not a content kind; use one of \(ContentKind.allowedList)", field: "kind")
        }
        let bytes = request.input.utf8.count
        guard bytes <= Self.maximumInputBytes else {
            throw GenerationError(.invalid, "input is \(bytes) bytes; at most \(Self.maximumInputBytes) bytes (200 KB) of text are accepted", field: "input")
        }
        guard request.input.unicodeScalars.contains(where: { !$0.properties.isWhitespace && $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }) else {
            throw GenerationError(.invalid, "input is empty; give the text to work from", field: "input")
        }
        var policy = RoutingPolicy.balanced
        if let text = request.policy {
            guard let p = RoutingPolicy(rawValue: text) else {
                throw GenerationError(.unknown, "policy '\(Self.clip(text))' is not a routing policy; use one of cost, quality, balanced", field: "policy")
            }
            policy = p
        }
        var platform: PlatformProfile?
        if let id = request.platform, !id.isEmpty {
            guard let profile = catalog.profile(id) else {
                let known = catalog.profiles.map(\.id).joined(separator: ", ")
                throw GenerationError(.unknown, "platform '\(Self.clip(id))' is not known; use one of \(known.isEmpty ? "(none configured)" : known)", field: "platform")
            }
            platform = profile
        }
        if kind == .socialPost, platform == nil {
            throw GenerationError(.invalid, "a social_post needs a platform (for example \"x\" or \"bluesky\") to know its length limit", field: "platform")
        }
        let language = request.language ?? request.options["language"]
        if let language, !Self.isLanguageCode(language) {
            throw GenerationError(.invalid, "language '\(Self.clip(language))' is not a language code such as en, de or pt-BR", field: "language")
        }
        if kind == .translation, language == nil {
            throw GenerationError(.invalid, "translation needs the target language (for example \"language\": \"de\")", field: "language")
        }
        if let maxOutputTokens = request.maxOutputTokens, !(1...Self.maximumOutputTokens).contains(maxOutputTokens) {
            throw GenerationError(.invalid, "max_output_tokens must be between 1 and \(Self.maximumOutputTokens)", field: "max_output_tokens")
        }
        if let minQuality = request.minQuality, !(minQuality.isFinite && (0...1).contains(minQuality)) {
            throw GenerationError(.invalid, "min_quality must be between 0 and 1", field: "min_quality")
        }
        if let maxCost = request.maxCostMicros, maxCost < 0 {
            throw GenerationError(.invalid, "max_cost must not be negative", field: "max_cost")
        }
        if request.options.count > 32 || request.options.contains(where: { $0.key.utf8.count > 64 || $0.value.utf8.count > 1024 }) {
            throw GenerationError(.invalid, "options: at most 32 entries, keys up to 64 bytes, values up to 1024 bytes", field: "options")
        }
        return Valid(kind: kind, input: request.input, platform: platform, policy: policy, language: language,
                     options: request.options, maxOutputTokens: request.maxOutputTokens)
    }

    private func route(models: [ModelEntry], requirements: RoutingRequirements, policy: RoutingPolicy,
                       explicit: String?) throws(GenerationError) -> [RouteCandidate] {
        let availability: (ModelEntry) -> ModelAvailability = { [registry] in registry.availability(of: $0) }
        let (candidates, rejected) = ModelRouter.eligible(models, requirements: requirements, availability: availability)
        let kind = requirements.kind
        func capableList() -> String {
            let capable = models.filter { $0.capabilities.contains(kind) }
            if capable.isEmpty { return "no model in the registry lists \(kind.rawValue)" }
            return "models that can: " + capable.map { m in
                let state = availability(m)
                return state.isAvailable ? m.name : "\(m.name) (\(state))"
            }.joined(separator: ", ")
        }
        var explicitCandidate: RouteCandidate?
        if let name = explicit, !name.isEmpty {
            guard let entry = models.first(where: { $0.name == name }) else {
                throw GenerationError(.unknown, "model '\(Self.clip(name))' is not in the model registry; known models: \(models.map(\.name).joined(separator: ", "))", field: "model")
            }
            let state = availability(entry)
            guard state.isAvailable else {
                throw GenerationError(.unsupported, "model \(name) is \(state); choose another model or a policy", field: "model")
            }
            guard entry.capabilities.contains(kind) else {
                throw GenerationError(.unsupported, "model \(name) cannot do \(kind.rawValue); \(capableList())", field: "model")
            }
            let needed = requirements.inputTokens + requirements.maxOutputTokens
            guard needed <= entry.contextLength else {
                throw GenerationError(.unsupported, "model \(name) has a context of \(entry.contextLength) tokens; this request needs about \(needed)", field: "model")
            }
            let estimate = entry.cost(inputTokens: requirements.inputTokens, outputTokens: requirements.maxOutputTokens)
            if let maxCost = requirements.maxCostMicros, estimate > maxCost {
                throw GenerationError(.unsupported, "model \(name)'s estimated cost \(TokenPrice.format(micros: estimate)) is above max_cost \(TokenPrice.format(micros: maxCost))", field: "model")
            }
            explicitCandidate = RouteCandidate(model: entry, estimatedMicros: estimate)
        }
        let plan = ModelRouter.plan(candidates, policy: policy, explicit: explicitCandidate)
        guard !plan.isEmpty else {
            if !models.contains(where: { $0.capabilities.contains(kind) && availability($0).isAvailable }) {
                throw GenerationError(.unsupported, "no available model can do \(kind.rawValue); \(capableList())", field: "kind")
            }
            throw GenerationError(.unsupported, "no model meets the requirements: \(rejected.map(\.description).joined(separator: "; "))")
        }
        return plan
    }

    // MARK: - Budget

    private func reserved(_ key: String) -> Int64 { reservations.withLock { $0[key] ?? 0 } }

    /// Reserves `micros` unless `recorded` + what is reserved + `micros` would exceed `budget`; returns nil when
    /// reserved, else the spend the refusal was based on.
    private func tryReserve(_ key: String, _ micros: Int64, recorded: Int64, budget: Int64) -> Int64? {
        reservations.withLock { all in
            let spent = recorded.addingSaturating(all[key] ?? 0)
            if spent.addingSaturating(micros) > budget { return spent }
            all[key] = (all[key] ?? 0).addingSaturating(micros)
            return nil
        }
    }

    private func release(_ key: String, _ micros: Int64) {
        reservations.withLock { all in
            let value = (all[key] ?? 0) - micros
            if value <= 0 { all[key] = nil } else { all[key] = value }
        }
    }

    private func budgetError(spent: Int64, budget: Int64, estimate: Int64, model: String, plan: [RouteCandidate]) -> GenerationError {
        let remaining = max(0, budget - spent)
        let cheaper = plan.filter { $0.estimatedMicros <= remaining && $0.model.name != model }.map(\.model.name)
        let advice = cheaper.isEmpty
            ? "try again tomorrow (UTC), raise the budget, or shorten the input or max_output_tokens"
            : "use policy=cost or a cheaper model (\(cheaper.joined(separator: ", ")) fits what is left)"
        return GenerationError(.budgetExceeded,
            "daily budget exceeded: spent \(TokenPrice.format(micros: spent)) of \(TokenPrice.format(micros: budget)) today; \(model) could cost up to \(TokenPrice.format(micros: estimate)) for this request; \(advice)",
            budget: GenerationError.Budget(spentMicros: spent, budgetMicros: budget, estimateMicros: estimate))
    }

    // MARK: - Helpers

    private func result(text: String, model: String, score: Double, problems: [String], below: Bool, kind: ContentKind,
                        policy: RoutingPolicy, requested: String?, attempts: [GenerationAttempt], started: ContinuousClock.Instant) -> GenerationResult {
        GenerationResult(text: text, kind: kind, model: model, policy: policy, requestedModel: requested?.isEmpty == false ? requested : nil,
                         attempts: attempts, score: score, problems: problems,
                         belowThreshold: below,
                         costMicros: attempts.reduce(Int64(0)) { $0.addingSaturating($1.costMicros) },
                         inputTokens: attempts.reduce(0) { $0 + $1.inputTokens },
                         outputTokens: attempts.reduce(0) { $0 + $1.outputTokens },
                         tokensEstimated: attempts.contains { $0.tokensEstimated },
                         latencyMillis: Self.millis(ContinuousClock.now - started))
    }

    private func retrySeconds(_ state: CircuitState) -> Int {
        if case .open(let remaining) = state { return max(1, Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0)) }
        return 1
    }

    /// Light clean-up of an LLM answer for short kinds: a title or meta description wrapped in quotes loses them.
    static func tidy(_ text: String, kind: ContentKind) -> String {
        guard kind == .title || kind == .metaDescription, text.count >= 2 else { return text }
        let pairs: [(Character, Character)] = [("\"", "\""), ("“", "”"), ("'", "'"), ("«", "»"), ("„", "“")]
        for (open, close) in pairs where text.first == open && text.last == close {
            return OutputText.trim(String(text.dropFirst().dropLast()))
        }
        return text
    }

    static func millis(_ d: Duration) -> Int {
        Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }

    private static func twoDecimals(_ v: Double) -> String {
        let hundredths = Int((v * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// A caller's value shortened and cleaned before it is echoed in an error.
    private static func clip(_ s: String) -> String { OutputText.excerpt(s, limit: 40) }

    /// `en`, `de`, `pt-BR`, `zh-Hant`, `es-419`: BCP 47-ish, letters and digits in short subtags.
    static func isLanguageCode(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }), parts.count <= 3 else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}
