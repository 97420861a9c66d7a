import Generation
import Testing
import Writing

@Suite struct RouterTests {
    // Prices in micros per 1k tokens; a request of 1,000 input + 1,000 output tokens costs 2 × price.
    let models = [
        llm("cheap", price: 100, quality: 0.70),
        llm("mid", price: 1_000, quality: 0.88),
        llm("best", price: 30_000, quality: 0.95),
        llm("local", price: 0, quality: 0.60),
    ]
    let requirements = RoutingRequirements(kind: .title, inputTokens: 1_000, maxOutputTokens: 1_000)

    private func order(_ policy: RoutingPolicy, _ models: [ModelEntry]? = nil, _ requirements: RoutingRequirements? = nil) -> [String] {
        let (candidates, _) = ModelRouter.eligible(models ?? self.models, requirements: requirements ?? self.requirements, availability: { _ in .available })
        return ModelRouter.rank(candidates, policy: policy).map(\.model.name)
    }

    @Test func costPicksTheCheapestCapableModel() {
        #expect(order(.cost) == ["local", "cheap", "mid", "best"])
    }

    @Test func costTiesGoToHigherQuality() {
        let tied = [llm("a", price: 0, quality: 0.6), llm("b", price: 0, quality: 0.9), llm("c", price: 5, quality: 1)]
        #expect(order(.cost, tied) == ["b", "a", "c"])
    }

    @Test func qualityPicksTheBestAndTiesGoToTheCheaper() {
        #expect(order(.quality) == ["best", "mid", "cheap", "local"])
        let tied = [llm("dear", price: 900, quality: 0.9), llm("thrifty", price: 10, quality: 0.9)]
        #expect(order(.quality, tied) == ["thrifty", "dear"])
    }

    @Test func balancedFollowsTheDocumentedFormula() {
        // Estimates: local 0, cheap 200, mid 2,000, best 60,000 micros; normCost = estimate / 60,000.
        let expected: [String: Double] = [
            "local": 0.4 * 0 + 0.6 * (1 - 0.60),                     // 0.24
            "cheap": 0.4 * (200.0 / 60_000) + 0.6 * (1 - 0.70),      // 0.18133
            "mid": 0.4 * (2_000.0 / 60_000) + 0.6 * (1 - 0.88),      // 0.08533
            "best": 0.4 * 1 + 0.6 * (1 - 0.95),                      // 0.43
        ]
        for model in models {
            let estimate = model.cost(inputTokens: 1_000, outputTokens: 1_000)
            let score = ModelRouter.balancedScore(estimatedMicros: estimate, quality: model.quality, minMicros: 0, maxMicros: 60_000)
            #expect(abs(score - expected[model.name]!) < 1e-12, "\(model.name)")
        }
        #expect(order(.balanced) == ["mid", "cheap", "local", "best"])
    }

    @Test func balancedWithEqualCostsIsDecidedByQuality() {
        let free = [llm("a", price: 0, quality: 0.6), llm("b", price: 0, quality: 0.8)]
        #expect(abs(ModelRouter.balancedScore(estimatedMicros: 0, quality: 0.8, minMicros: 0, maxMicros: 0) - 0.12) < 1e-12)
        #expect(order(.balanced, free) == ["b", "a"])
    }

    @Test func requirementsFilterByCapabilityQualityCostAndContext() {
        let models = [
            llm("no-translation", price: 1, quality: 0.9, kinds: [.title]),
            llm("weak", price: 1, quality: 0.3),
            llm("dear", price: 50_000, quality: 0.99),
            llm("small", price: 1, quality: 0.9, context: 1_500),
            llm("fits", price: 1, quality: 0.8),
            llm("off", price: 1, quality: 0.9, enabled: false),
        ]
        let needs = RoutingRequirements(kind: .translation, minQuality: 0.5, maxCostMicros: 10_000, inputTokens: 1_000, maxOutputTokens: 1_000)
        let registry = ModelRegistry(models: models, environment: { _ in nil })
        let (candidates, rejected) = ModelRouter.eligible(models, requirements: needs, availability: registry.availability(of:))
        #expect(candidates.map(\.model.name) == ["fits"])
        let reasons = Dictionary(uniqueKeysWithValues: rejected.map { ($0.model, $0.reason) })
        #expect(reasons["no-translation"] == "cannot do translation")
        #expect(reasons["weak"] == "quality 0.3 is below min_quality 0.5")
        #expect(reasons["dear"]?.hasPrefix("estimated cost $0.100000 is above max_cost $0.010000") == true)
        #expect(reasons["small"]?.hasPrefix("context length 1500 tokens is too small") == true)
        #expect(reasons["off"] == "disabled in the model registry")
    }

    @Test func planTriesTheChoiceThenTheRestByQuality() {
        let (candidates, _) = ModelRouter.eligible(models, requirements: requirements, availability: { _ in .available })
        #expect(ModelRouter.plan(candidates, policy: .cost).map(\.model.name) == ["local", "best", "mid", "cheap"])
        let explicit = candidates.first { $0.model.name == "cheap" }
        #expect(ModelRouter.plan(candidates, policy: .quality, explicit: explicit).map(\.model.name) == ["cheap", "best", "mid", "local"])
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresAndRecoversThroughOneHalfOpenTrial() {
        let time = ManualClock()
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(failureThreshold: 3, cooldown: .seconds(30)), clock: time.clock)
        for _ in 0..<2 { #expect(breaker.permit("m")); breaker.recordFailure("m") }
        #expect(breaker.state(of: "m") == .closed(failures: 2))
        #expect(breaker.permit("m"))
        breaker.recordFailure("m")
        #expect(breaker.state(of: "m") == .open(remaining: .seconds(30)))
        #expect(!breaker.permit("m"))
        time.advance(.seconds(29))
        #expect(!breaker.permit("m"))
        time.advance(.seconds(1))
        // Cooldown over: exactly one trial goes through.
        #expect(breaker.permit("m"))
        #expect(breaker.state(of: "m") == .halfOpen)
        #expect(!breaker.permit("m"))
        breaker.recordSuccess("m")
        #expect(breaker.state(of: "m") == .closed(failures: 0))
        #expect(breaker.permit("m") && breaker.permit("m"))
    }

    @Test func aFailedTrialOpensTheCircuitAgain() {
        let time = ManualClock()
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(failureThreshold: 1, cooldown: .seconds(10)), clock: time.clock)
        breaker.recordFailure("m")
        time.advance(.seconds(10))
        #expect(breaker.permit("m"))
        breaker.recordFailure("m")
        #expect(breaker.state(of: "m") == .open(remaining: .seconds(10)))
        #expect(!breaker.permit("m"))
    }

    @Test func aSuccessResetsTheFailureCount() {
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(failureThreshold: 3), clock: ManualClock().clock)
        breaker.recordFailure("m"); breaker.recordFailure("m"); breaker.recordSuccess("m"); breaker.recordFailure("m"); breaker.recordFailure("m")
        #expect(breaker.permit("m"))
    }

    @Test func rateLimitOpensAtOnceForTheLongerOfCooldownAndRetryAfter() {
        let time = ManualClock()
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(failureThreshold: 3, cooldown: .seconds(30)), clock: time.clock)
        breaker.recordRateLimit("a", retryAfterSeconds: 120)
        #expect(breaker.state(of: "a") == .open(remaining: .seconds(120)))
        breaker.recordRateLimit("b", retryAfterSeconds: 5)
        #expect(breaker.state(of: "b") == .open(remaining: .seconds(30)))
        breaker.recordRateLimit("c", retryAfterSeconds: nil)
        #expect(breaker.state(of: "c") == .open(remaining: .seconds(30)))
        time.advance(.seconds(31))
        #expect(!breaker.permit("a") && breaker.permit("b"))
    }

    @Test func utcDayKeys() {
        #expect(GenerationClock.day(unixSeconds: 0) == "1970-01-01")
        #expect(GenerationClock.day(unixSeconds: 1_796_083_200) == "2026-12-01")
        #expect(GenerationClock.day(unixSeconds: 1_796_083_199) == "2026-11-30")
        #expect(GenerationClock.day(unixSeconds: 951_782_400) == "2000-02-29")
        #expect(GenerationClock.day(unixSeconds: -1) == "1969-12-31")
    }
}
