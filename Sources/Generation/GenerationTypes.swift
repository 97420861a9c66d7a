import Writing

/// A request to generate one piece of content, as the API receives it (strings are validated by the orchestrator,
/// so an unknown kind or policy gets an error naming the allowed values).
public struct GenerationRequest: Sendable {
    /// The content kind's API spelling (`"title"`, `"social_post"`…).
    public var kind: String
    /// The source text (at most ``Orchestrator/maximumInputBytes``).
    public var input: String
    /// The target platform id (`"x"`), required for `social_post`.
    public var platform: String?
    /// `cost`, `quality` or `balanced`; nil means balanced.
    public var policy: String?
    /// A model to try first, by registry name.
    public var model: String?
    /// The language to write or translate into (`"de"`, `"pt-BR"`); translation needs it (or `options["language"]`).
    public var language: String?
    /// Kind-specific options (`count`, `sender`, `format`, `tone`, `hashtags`).
    public var options: [String: String]
    /// The completion budget in tokens; nil for the kind's default.
    public var maxOutputTokens: Int?
    /// The lowest model quality (0…1) the caller accepts.
    public var minQuality: Double?
    /// The most the call may cost by its worst-case estimate, in micro-dollars.
    public var maxCostMicros: Int64?

    /// Creates a request.
    public init(kind: String, input: String, platform: String? = nil, policy: String? = nil, model: String? = nil, language: String? = nil,
                options: [String: String] = [:], maxOutputTokens: Int? = nil, minQuality: Double? = nil, maxCostMicros: Int64? = nil) {
        self.kind = kind
        self.input = input
        self.platform = platform
        self.policy = policy
        self.model = model
        self.language = language
        self.options = options
        self.maxOutputTokens = maxOutputTokens
        self.minQuality = minQuality
        self.maxCostMicros = maxCostMicros
    }

    /// Creates a request for a known kind and policy.
    public init(kind: ContentKind, input: String, platform: String? = nil, policy: RoutingPolicy = .balanced, model: String? = nil,
                language: String? = nil, options: [String: String] = [:], maxOutputTokens: Int? = nil, minQuality: Double? = nil,
                maxCostMicros: Int64? = nil) {
        self.init(kind: kind.rawValue, input: input, platform: platform, policy: policy.rawValue, model: model, language: language,
                  options: options, maxOutputTokens: maxOutputTokens, minQuality: minQuality, maxCostMicros: maxCostMicros)
    }
}

/// How one attempt on one model ended.
public enum AttemptOutcome: String, Sendable, Hashable {
    /// The model answered and the result passed the quality threshold.
    case ok
    /// The model or its server failed (error status, connection, garbage, truncated output).
    case failed
    /// No complete answer within the model's timeout or the request's remaining time.
    case timeout
    /// The model answered but the result scored below the quality threshold.
    case lowQuality = "low_quality"
    /// Not called: the model's circuit breaker is open after repeated failures.
    case skippedCircuitOpen = "skipped_circuit_open"
    /// Not called: its worst-case cost would take the creator over the daily budget.
    case budget
}

/// One model tried for a request: kept in the result (and in the error when all fail), so a person can see what
/// was tried, what it cost and why the chosen model won.
public struct GenerationAttempt: Sendable, Equatable {
    /// The model's registry name.
    public var model: String
    /// How it ended.
    public var outcome: AttemptOutcome
    /// What went wrong, when something did.
    public var error: String?
    /// Wall time of the call in milliseconds (0 when it was not called).
    public var latencyMillis: Int
    /// Prompt tokens (from `usage`, or estimated).
    public var inputTokens: Int
    /// Completion tokens (from `usage`, or estimated).
    public var outputTokens: Int
    /// Whether the token counts are estimates.
    public var tokensEstimated: Bool
    /// What this attempt cost, in micro-dollars (recorded against the budget).
    public var costMicros: Int64
    /// The quality score in 0…1 when the model answered.
    public var score: Double?

    /// Creates an attempt record.
    public init(model: String, outcome: AttemptOutcome, error: String? = nil, latencyMillis: Int = 0, inputTokens: Int = 0,
                outputTokens: Int = 0, tokensEstimated: Bool = false, costMicros: Int64 = 0, score: Double? = nil) {
        self.model = model
        self.outcome = outcome
        self.error = error
        self.latencyMillis = latencyMillis
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.tokensEstimated = tokensEstimated
        self.costMicros = costMicros
        self.score = score
    }
}

/// A generated piece of content and the full record of how it was made.
public struct GenerationResult: Sendable {
    /// The text, cleaned of control characters.
    public var text: String
    /// The kind produced.
    public var kind: ContentKind
    /// The registry name of the model whose text this is.
    public var model: String
    /// The policy used (for the first choice when no model was requested, and for nothing else).
    public var policy: RoutingPolicy
    /// The model the request named, tried first; nil when the policy chose.
    public var requestedModel: String?
    /// Every attempt in order, the chosen one included.
    public var attempts: [GenerationAttempt]
    /// The quality score of ``text`` in 0…1.
    public var score: Double
    /// What the scorer found wrong with ``text`` (empty when nothing).
    public var problems: [String]
    /// True when every answer scored below the threshold and this is the best of them.
    public var belowThreshold: Bool
    /// The sum of every attempt's cost, in micro-dollars.
    public var costMicros: Int64
    /// Prompt tokens over all billed attempts.
    public var inputTokens: Int
    /// Completion tokens over all billed attempts.
    public var outputTokens: Int
    /// Whether any counted tokens were estimates.
    public var tokensEstimated: Bool
    /// Wall time of the whole request in milliseconds.
    public var latencyMillis: Int
}

/// Why a request produced no content: a code that maps to an HTTP status, a message a person can act on, the
/// field at fault for bad input, and every attempt made.
public struct GenerationError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public enum Code: String, Sendable {
        /// Malformed input: empty or oversized text, a value out of range. HTTP 400.
        case invalid
        /// A name that does not exist: kind, policy, model or platform. HTTP 422.
        case unknown
        /// Nothing available can serve the request (no capable model, requirements no model meets). HTTP 422.
        case unsupported
        /// The creator's daily budget would be exceeded; no call was made. HTTP 402.
        case budgetExceeded = "budget_exceeded"
        /// Every model that was tried failed, or the request ran out of time. HTTP 503.
        case unavailable
        /// The request was cancelled by its caller. HTTP 499-like; the API maps it to 503.
        case cancelled
    }

    /// Spend figures of a budget refusal, in micro-dollars.
    public struct Budget: Sendable, Equatable {
        /// Spent today so far (including calls in flight).
        public var spentMicros: Int64
        /// The creator's daily budget.
        public var budgetMicros: Int64
        /// The worst-case cost of the refused call.
        public var estimateMicros: Int64
    }

    /// The class of failure.
    public var code: Code
    /// A readable explanation.
    public var message: String
    /// The request field at fault (`input`, `kind`, `model`, `platform`, `policy`, `language`…).
    public var field: String?
    /// Every attempt made before giving up (empty for validation and budget errors).
    public var attempts: [GenerationAttempt]
    /// The figures behind a `budget_exceeded`.
    public var budget: Budget?
    /// Seconds until a retry may succeed (circuits open, rate limits), when known.
    public var retryAfterSeconds: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil, attempts: [GenerationAttempt] = [], budget: Budget? = nil,
                retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.attempts = attempts
        self.budget = budget
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The HTTP status this error becomes: 400 invalid, 422 unknown/unsupported, 402 budget, 503 unavailable.
    public var httpStatus: Int {
        switch code {
        case .invalid: 400
        case .unknown, .unsupported: 422
        case .budgetExceeded: 402
        case .unavailable, .cancelled: 503
        }
    }

    /// `code (field): message`.
    public var description: String {
        if let field { return "\(code.rawValue) (\(field)): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}

/// The orchestrator's settings.
public struct OrchestratorConfiguration: Sendable {
    /// Default daily budget per creator in micro-dollars (nil: no limit). 1,000,000 is one dollar.
    public var dailyBudgetMicros: Int64?
    /// Per-creator budgets that replace the default.
    public var creatorBudgets: [String: Int64]
    /// Results scoring below this (0…1) are retried on the next model.
    public var qualityThreshold: Double
    /// The most models called for one request (skipped ones do not count).
    public var maxAttempts: Int
    /// Circuit breaker thresholds.
    public var breaker: CircuitBreakerSettings
    /// The longest a whole request may take, all attempts together.
    public var totalDeadline: Duration

    /// Creates a configuration: no budget, threshold 0.5, up to 4 attempts, 3 failures → 30 s cooldown, 180 s total.
    public init(dailyBudgetMicros: Int64? = nil, creatorBudgets: [String: Int64] = [:], qualityThreshold: Double = 0.5, maxAttempts: Int = 4,
                breaker: CircuitBreakerSettings = CircuitBreakerSettings(), totalDeadline: Duration = .seconds(180)) {
        self.dailyBudgetMicros = dailyBudgetMicros
        self.creatorBudgets = creatorBudgets
        self.qualityThreshold = qualityThreshold
        self.maxAttempts = max(1, maxAttempts)
        self.breaker = breaker
        self.totalDeadline = totalDeadline
    }

    /// The budget that applies to `creator`, or nil for none.
    public func budget(for creator: String) -> Int64? { creatorBudgets[creator] ?? dailyBudgetMicros }
}
