import Generation
import HTTPClient
import Platforms
import Testing
import Writing

private let goodTitle = "A Practical Guide to Home Espresso for Beginners"
private let noStyle = StyleGuide()

private func generate(_ o: Orchestrator, _ request: GenerationRequest, creator: String = "c1", style: StyleGuide = StyleGuide(),
                      existing: [MinHashSignature] = []) async -> Result<GenerationResult, GenerationError> {
    do throws(GenerationError) {
        return .success(try await o.generate(request, creator: creator, style: style, existing: existing))
    } catch {
        return .failure(error)
    }
}

private func failure(_ r: Result<GenerationResult, GenerationError>) -> GenerationError? {
    if case .failure(let e) = r { return e }
    return nil
}

@Suite struct OrchestratorRoutingTests {
    let models = [llm("cheap", price: 100, quality: 0.7), llm("mid", price: 1_000, quality: 0.88), llm("best", price: 30_000, quality: 0.95)]

    @Test func costPolicyCallsTheCheapestAndQualityTheBest() async throws {
        let provider = ScriptedProvider()
        let o = orchestrator(models + [builtin()], provider: provider)
        let cost = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .cost)).get()
        // The builtin model is free, so the cost policy prefers it.
        #expect(cost.model == "builtin")
        let paid = orchestrator(models, provider: provider)
        #expect(try await generate(paid, GenerationRequest(kind: .title, input: article, policy: .cost)).get().model == "cheap")
        #expect(try await generate(paid, GenerationRequest(kind: .title, input: article, policy: .quality)).get().model == "best")
        #expect(try await generate(paid, GenerationRequest(kind: .title, input: article, policy: .balanced)).get().model == "mid")
        #expect(provider.calls == ["cheap", "best", "mid"])
    }

    @Test func aFailureFallsBackByQualityAndTheRecordKeepsEveryAttempt() async throws {
        let provider = ScriptedProvider([
            "cheap": [.fail(ProviderError(.server, "boom", status: 500))],
            "best": [.fail(ProviderError(.timeout, "slow"))],
        ])
        let o = orchestrator(models, provider: provider)
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .cost)).get()
        #expect(provider.calls == ["cheap", "best", "mid"])
        #expect(result.model == "mid" && result.text == goodTitle)
        #expect(result.attempts.map(\.outcome) == [.failed, .timeout, .ok])
        #expect(result.attempts[0].error?.contains("boom") == true)
        #expect(result.attempts[2].score == result.score && result.score >= 0.5)
    }

    @Test func lowQualityMovesOnAndTheBestLowResultIsReturnedFlaggedWhenNothingPasses() async throws {
        let provider = ScriptedProvider([
            "best": [.text("This clickbait title will shock every espresso lover")],
            "mid": [.text(goodTitle)],
        ])
        let o = orchestrator(models, provider: provider)
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality), style: banningStyle).get()
        #expect(result.attempts.map(\.outcome) == [.lowQuality, .ok])
        #expect(result.attempts[0].error?.contains("banned") == true)
        #expect(result.model == "mid" && !result.belowThreshold)

        let allLow = ScriptedProvider(otherwise: .text("Clickbait: the espresso secret baristas hide"))
        allLow.set("mid", [.text("Clickbait espresso tricks, ranked and reviewed")])
        let o2 = orchestrator(models, provider: allLow)
        let flagged = try await generate(o2, GenerationRequest(kind: .title, input: article, policy: .quality), style: banningStyle).get()
        #expect(flagged.belowThreshold)
        #expect(flagged.attempts.map(\.outcome) == [.lowQuality, .lowQuality, .lowQuality])
        let bestScore = flagged.attempts.compactMap(\.score).max()!
        #expect(flagged.score == bestScore && flagged.score < 0.5)
    }

    @Test func allFailingGivesUnavailableWithEveryAttempt() async {
        let provider = ScriptedProvider(otherwise: .fail(ProviderError(.connection, "refused")))
        let o = orchestrator(models, provider: provider)
        let error = failure(await generate(o, GenerationRequest(kind: .title, input: article)))
        #expect(error?.code == .unavailable && error?.httpStatus == 503)
        #expect(error?.attempts.map(\.model).sorted() == ["best", "cheap", "mid"])
        #expect(error?.message.contains("refused") == true)
    }

    @Test func truncatedOutputIsNotAResultButIsBilled() async throws {
        let ledger = InMemorySpendLedger()
        let provider = ScriptedProvider(["best": [.text("A Practical Guide to", input: 1_000, output: 64, finish: "length")]])
        let o = orchestrator(models, provider: provider, ledger: ledger)
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(result.attempts[0].outcome == .failed && result.attempts[0].error?.contains("cut off") == true)
        #expect(result.attempts[0].costMicros == 32_000 - 80)   // (1000 + 64) × 30,000 / 1000 = 31,920
        #expect(result.model == "mid")
        #expect(ledger.recorded.map(\.model) == ["best", "mid"])
    }

    @Test func explicitModelIsTriedFirstThenTheFallbacks() async throws {
        let provider = ScriptedProvider(["cheap": [.fail(ProviderError(.server, "down", status: 503))]])
        let o = orchestrator(models, provider: provider)
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality, model: "cheap")).get()
        #expect(provider.calls == ["cheap", "best"])
        #expect(result.model == "best")
    }

    @Test func maxAttemptsBoundsTheCalls() async {
        let provider = ScriptedProvider(otherwise: .fail(ProviderError(.server, "down", status: 500)))
        let o = orchestrator(models, provider: provider, configuration: OrchestratorConfiguration(maxAttempts: 2))
        let error = failure(await generate(o, GenerationRequest(kind: .title, input: article)))
        #expect(error?.attempts.count == 2 && provider.calls.count == 2)
    }
}

@Suite struct OrchestratorBudgetTests {
    let models = [llm("gpt4", price: 30_000, quality: 0.95), llm("local", price: 0, quality: 0.6)]

    @Test func overBudgetIsRefusedBeforeAnyCall() async {
        let provider = ScriptedProvider()
        let ledger = InMemorySpendLedger()
        try? ledger.record(creator: "c1", day: "2026-12-01", model: "gpt4", micros: 15_000, inputTokens: 1, outputTokens: 1)
        let o = orchestrator(models, provider: provider, ledger: ledger,
                             configuration: OrchestratorConfiguration(dailyBudgetMicros: 20_000), clock: ManualClock().clock)
        let error = failure(await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)))
        #expect(error?.code == .budgetExceeded && error?.httpStatus == 402)
        #expect(provider.calls.isEmpty)
        #expect(error?.budget?.spentMicros == 15_000 && error?.budget?.budgetMicros == 20_000)
        #expect((error?.budget?.estimateMicros ?? 0) > 5_000)
        #expect(error?.message.contains("$0.015000") == true && error?.message.contains("$0.020000") == true)
        #expect(error?.message.contains("policy=cost") == true && error?.message.contains("local") == true)
        // The same creator with the cost policy fits: the local model is free.
        let ok = await generate(o, GenerationRequest(kind: .title, input: article, policy: .cost))
        #expect((try? ok.get().model) == "local")
        // Another creator has their own budget.
        let other = await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality), creator: "c2")
        #expect((try? other.get().model) == "gpt4")
    }

    @Test func localModelsCountAtTheirConfiguredPrice() async {
        let local = llm("gemma3", price: 50, quality: 0.88)
        let provider = ScriptedProvider(["gemma3": [.text(goodTitle, input: 2_000, output: 30)]])
        let ledger = InMemorySpendLedger()
        let o = orchestrator([local], provider: provider, ledger: ledger,
                             configuration: OrchestratorConfiguration(dailyBudgetMicros: 150), clock: ManualClock().clock)
        let first = await generate(o, GenerationRequest(kind: .title, input: article, maxOutputTokens: 64))
        #expect((try? first.get().costMicros) == 102)   // ceil(2,030 × 50 / 1000)
        #expect(ledger.recorded == [InMemorySpendLedger.Entry(creator: "c1", day: "2026-12-01", model: "gemma3", micros: 102, inputTokens: 2_000, outputTokens: 30)])
        // 102 spent + a worst case of about 20 micros for the next call still fits 150; the spend is not counted as 0.
        let second = await generate(o, GenerationRequest(kind: .title, input: article, maxOutputTokens: 64))
        #expect((try? second.get().costMicros) == 102)
        let third = failure(await generate(o, GenerationRequest(kind: .title, input: article, maxOutputTokens: 64)))
        #expect(third?.code == .budgetExceeded && third?.budget?.spentMicros == 204)
        #expect(provider.calls.count == 2)
    }

    @Test func fallbacksThatNoLongerFitTheBudgetAreSkipped() async throws {
        let provider = ScriptedProvider(["local": [.fail(ProviderError(.server, "down", status: 500))]])
        let o = orchestrator(models + [builtin()], provider: provider,
                             configuration: OrchestratorConfiguration(dailyBudgetMicros: 1_000), clock: ManualClock().clock)
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .cost, model: "local")).get()
        #expect(result.attempts.map(\.outcome) == [.failed, .budget, .ok])
        #expect(result.attempts.map(\.model) == ["local", "gpt4", "builtin"])
        #expect(provider.calls == ["local"])
    }

    @Test func concurrentRequestsCannotTogetherOverrunTheBudget() async throws {
        let provider = ScriptedProvider(["gpt4": [.delayed(.milliseconds(300), goodTitle, input: 300, output: 40)]])
        let ledger = InMemorySpendLedger()
        let gpt4 = llm("gpt4", price: 30_000, quality: 0.95)
        let o = orchestrator([gpt4], provider: provider, ledger: ledger, configuration: OrchestratorConfiguration(dailyBudgetMicros: 25_000),
                             clock: ManualClock().clock)
        let request = GenerationRequest(kind: .title, input: article, maxOutputTokens: 64)
        let plan = try o.check(request)
        #expect(plan == ["gpt4"])
        // Each call's worst case is about 11,000 micros, so 25,000 admits two calls at a time, not five.
        let results = await withTaskGroup(of: Result<GenerationResult, GenerationError>.self) { group in
            for _ in 0..<5 { group.addTask { await generate(o, request) } }
            var all: [Result<GenerationResult, GenerationError>] = []
            for await r in group { all.append(r) }
            return all
        }
        let refused = results.compactMap { failure($0) }
        #expect(provider.calls.count == 2)
        #expect(refused.count == 3 && refused.allSatisfy { $0.code == .budgetExceeded })
        #expect(try ledger.spent(creator: "c1", day: "2026-12-01") == 2 * 10_200)
    }

    @Test func usageFromTheProviderIsWhatGetsRecorded() async throws {
        let ledger = InMemorySpendLedger()
        let provider = ScriptedProvider(["gpt4": [.text(goodTitle, input: 1_234, output: 17)]])
        let o = orchestrator(models, provider: provider, ledger: ledger, clock: ManualClock().clock)
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(result.inputTokens == 1_234 && result.outputTokens == 17 && !result.tokensEstimated)
        #expect(result.costMicros == 37_530)   // (1,234 + 17) × 30,000 / 1000
        #expect(try ledger.spent(creator: "c1", day: "2026-12-01") == 37_530)
    }
}

@Suite struct OrchestratorResilienceTests {
    @Test func circuitOpensAfterRepeatedFailuresAndAHalfOpenTrialClosesIt() async throws {
        let time = ManualClock()
        let provider = ScriptedProvider(["flaky": [.fail(ProviderError(.server, "down", status: 500))]])
        let models = [llm("flaky", price: 1, quality: 0.95), llm("steady", price: 1, quality: 0.9)]
        let o = orchestrator(models, provider: provider,
                             configuration: OrchestratorConfiguration(breaker: CircuitBreakerSettings(failureThreshold: 2, cooldown: .seconds(30))),
                             clock: time.clock)
        for _ in 0..<2 {
            let r = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
            #expect(r.attempts.map(\.outcome) == [.failed, .ok])
        }
        let skipped = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(skipped.attempts.map(\.outcome) == [.skippedCircuitOpen, .ok])
        #expect(skipped.attempts[0].error?.contains("30 s") == true)
        #expect(provider.calls.filter { $0 == "flaky" }.count == 2)

        time.advance(.seconds(31))
        provider.set("flaky", [.text(goodTitle)])
        let recovered = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(recovered.model == "flaky" && recovered.attempts.map(\.outcome) == [.ok])
        #expect(o.breaker.state(of: "flaky") == .closed(failures: 0))
    }

    @Test func everyModelCoolingDownSaysWhenToRetry() async {
        let time = ManualClock()
        let provider = ScriptedProvider(otherwise: .fail(ProviderError(.rateLimited, "slow down", status: 429, retryAfterSeconds: 90)))
        let o = orchestrator([llm("only", price: 1, quality: 0.9)], provider: provider, clock: time.clock)
        _ = await generate(o, GenerationRequest(kind: .title, input: article))
        let error = failure(await generate(o, GenerationRequest(kind: .title, input: article)))
        #expect(error?.code == .unavailable && error?.retryAfterSeconds == 90)
        #expect(error?.attempts.map(\.outcome) == [.skippedCircuitOpen])
        #expect(provider.calls.count == 1)
    }

    @Test func aProviderThatIgnoresItsDeadlineDoesNotHangTheRequest() async throws {
        let provider = ScriptedProvider(["stuck": [.hang]])
        let models = [llm("stuck", price: 1, quality: 0.95, timeout: 1), builtin()]
        let o = orchestrator(models, provider: provider)
        let start = ContinuousClock.now
        let result = try await generate(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        // The model timeout is 1 s; the bound leaves room for a loaded machine while still catching a hang.
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(result.attempts.map(\.outcome) == [.timeout, .ok] && result.model == "builtin")

        let total = orchestrator([llm("stuck", price: 1, quality: 0.95, timeout: 60)], provider: provider,
                                 configuration: OrchestratorConfiguration(totalDeadline: .milliseconds(300)))
        let t0 = ContinuousClock.now
        let error = failure(await generate(total, GenerationRequest(kind: .title, input: article)))
        #expect(ContinuousClock.now - t0 < .seconds(20))
        #expect(error?.code == .unavailable && error?.attempts.map(\.outcome) == [.timeout])
    }
}

@Suite struct OrchestratorValidationTests {
    let o = orchestrator(ModelRegistry.builtinOnly().models + [llm("gpt4", price: 30_000, quality: 0.95, enabled: false)], provider: ScriptedProvider())

    @Test(arguments: [
        (GenerationRequest(kind: "title", input: ""), GenerationError.Code.invalid, "input", "input is empty"),
        (GenerationRequest(kind: "title", input: " \n\t "), .invalid, "input", "input is empty"),
        (GenerationRequest(kind: "title", input: String(repeating: "a", count: 10 << 20)), .invalid, "input", "input is 10485760 bytes"),
        (GenerationRequest(kind: "title", input: String(repeating: "é", count: 100_001)), .invalid, "input", "input is 200002 bytes; at most 200000 bytes"),
        (GenerationRequest(kind: "poem", input: "x"), .unknown, "kind", "kind 'poem' is not a content kind; use one of title,"),
        (GenerationRequest(kind: "title", input: "x", policy: "fastest"), .unknown, "policy", "policy 'fastest' is not a routing policy"),
        (GenerationRequest(kind: "title", input: "x", model: "claude"), .unknown, "model", "model 'claude' is not in the model registry; known models: builtin, gpt4"),
        (GenerationRequest(kind: "title", input: "x", model: "gpt4"), .unsupported, "model", "model gpt4 is disabled in the model registry"),
        (GenerationRequest(kind: "social_post", input: "x", platform: "myspace"), .unknown, "platform", "platform 'myspace' is not known; use one of x, bluesky"),
        (GenerationRequest(kind: "social_post", input: "x"), .invalid, "platform", "a social_post needs a platform"),
        (GenerationRequest(kind: "translation", input: "x"), .invalid, "language", "translation needs the target language"),
        (GenerationRequest(kind: "title", input: "x", language: "english please"), .invalid, "language", "language 'english please' is not a language code"),
        (GenerationRequest(kind: "title", input: "x", maxOutputTokens: 0), .invalid, "max_output_tokens", "max_output_tokens must be between 1 and 32768"),
        (GenerationRequest(kind: "title", input: "x", minQuality: 1.5), .invalid, "min_quality", "min_quality must be between 0 and 1"),
        (GenerationRequest(kind: "title", input: "x", maxCostMicros: -1), .invalid, "max_cost", "max_cost must not be negative"),
    ])
    func badRequestsGetClearErrorsAndNoCall(request: GenerationRequest, code: GenerationError.Code, field: String, message: String) async {
        let error = failure(await generate(o, request))
        #expect(error?.code == code)
        #expect(error?.field == field)
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error?.message))")
        #expect(error?.attempts.isEmpty == true)
    }

    @Test func translationWithoutACapableModelListsTheModelsThatCan() async {
        let error = failure(await generate(o, GenerationRequest(kind: .translation, input: article, language: "de")))
        #expect(error?.code == .unsupported && error?.httpStatus == 422)
        #expect(error?.message == "no available model can do translation; models that can: gpt4 (disabled in the model registry)")
        let none = orchestrator([builtin()], provider: ScriptedProvider())
        #expect(failure(await generate(none, GenerationRequest(kind: .translation, input: article, language: "de")))?.message
                == "no available model can do translation; no model in the registry lists translation")
        let explicit = failure(await generate(none, GenerationRequest(kind: .translation, input: article, model: "builtin", language: "de")))
        #expect(explicit?.message.hasPrefix("model builtin cannot do translation") == true)
    }

    @Test func requirementsNoModelMeetsAreExplained() async {
        let error = failure(await generate(o, GenerationRequest(kind: .title, input: article, minQuality: 0.9)))
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("builtin: quality 0.5 is below min_quality 0.9") == true)
        #expect(error?.message.contains("gpt4: disabled in the model registry") == true)
    }

    @Test func errorStatusesMapToHTTP() {
        #expect(GenerationError(.invalid, "").httpStatus == 400)
        #expect(GenerationError(.unknown, "").httpStatus == 422)
        #expect(GenerationError(.unsupported, "").httpStatus == 422)
        #expect(GenerationError(.budgetExceeded, "").httpStatus == 402)
        #expect(GenerationError(.unavailable, "").httpStatus == 503)
    }
}

@Suite struct BuiltinOnlyTests {
    @Test func aFreshInstallGeneratesATitleHashtagsAMetaDescriptionAndAnXPost() async throws {
        let ledger = InMemorySpendLedger()
        let o = Orchestrator(registry: try ModelRegistry.load(path: dataPath("models.json"), environment: { _ in nil }),
                             httpClient: HTTPClient(), ledger: ledger, catalog: catalog,
                             configuration: OrchestratorConfiguration(dailyBudgetMicros: 0))
        let x = try #require(catalog.profile("x"))
        var outputs: [ContentKind: GenerationResult] = [:]
        for (kind, platform) in [(ContentKind.title, nil), (.hashtags, "x"), (.metaDescription, nil), (.socialPost, "x")] as [(ContentKind, String?)] {
            let result = try await generate(o, GenerationRequest(kind: kind, input: article, platform: platform)).get()
            #expect(result.model == "builtin" && result.costMicros == 0 && result.tokensEstimated)
            #expect(result.attempts.count == 1 && result.attempts[0].outcome == .ok)
            outputs[kind] = result
        }
        let title = try #require(outputs[.title]).text
        #expect((20...70).contains(title.count), "\(title)")
        let tags = try #require(outputs[.hashtags]).text.split(separator: " ")
        #expect((3...5).contains(tags.count) && tags.allSatisfy { $0.hasPrefix("#") })
        let meta = try #require(outputs[.metaDescription]).text
        #expect((120...160).contains(meta.count), "\(meta.count): \(meta)")
        let post = try #require(outputs[.socialPost]).text
        #expect(x.fits(post) && post.count > 40)
        // A zero budget does not stop a free model; every call was recorded at its price (0).
        #expect(ledger.recorded.count == 4 && ledger.recorded.allSatisfy { $0.micros == 0 && $0.model == "builtin" })
    }
}
