import Generation
import HTTPClient
import Testing
import Writing

private let title = "A Practical Guide to Home Espresso for Beginners"

/// An orchestrator with the real OpenAI-compatible provider (over `HTTPClient`) and the builtin model.
private func live(_ models: [ModelEntry], ledger: InMemorySpendLedger = InMemorySpendLedger(),
                  configuration: OrchestratorConfiguration = OrchestratorConfiguration(), clock: GenerationClock = .system,
                  environment: [String: String] = [:]) -> Orchestrator {
    Orchestrator(registry: ModelRegistry(models: models, environment: { environment[$0] }), httpClient: HTTPClient(maxResponseBytes: 1 << 20),
                 ledger: ledger, catalog: catalog, configuration: configuration, clock: clock)
}

private func run(_ o: Orchestrator, _ request: GenerationRequest) async -> Result<GenerationResult, GenerationError> {
    do throws(GenerationError) {
        return .success(try await o.generate(request, creator: "c1", style: StyleGuide(), existing: []))
    } catch {
        return .failure(error)
    }
}

@Suite(.serialized) struct LiveServerTests {
    @Test func policiesPickTheirModelAndUsageIsAccountedFromTheResponse() async throws {
        let server = try FakeLLMServer { _ in .ok(title, usage: (123, 45)) }
        let ledger = InMemorySpendLedger()
        let models = [llm("cheap", price: 200, quality: 0.8, endpoint: server.url, key: "CHEAP_KEY"),
                      llm("good", price: 30_000, quality: 0.95, endpoint: server.url)]
        let o = live(models, ledger: ledger, environment: ["CHEAP_KEY": "sk-test-123"])
        let cost = try await run(o, GenerationRequest(kind: .title, input: article, policy: .cost)).get()
        let quality = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(cost.model == "cheap" && quality.model == "good")
        #expect(server.requests.map(\.model) == ["cheap", "good"])
        #expect(server.requests.map(\.path) == ["/v1/chat/completions", "/v1/chat/completions"])
        #expect(server.requests[0].headers["authorization"] == "Bearer sk-test-123")
        #expect(server.requests[1].headers["authorization"] == "Bearer none")
        #expect(server.requests[0].body.contains(#""n":1"#) && server.requests[0].body.contains(#""stream":false"#))
        // Cost from usage: (123 + 45) tokens at 200 and 30,000 micros per 1k, rounded up.
        #expect(cost.costMicros == 34 && quality.costMicros == 5_040)
        #expect(cost.inputTokens == 123 && cost.outputTokens == 45 && !cost.tokensEstimated)
        #expect(ledger.recorded.map(\.micros) == [34, 5_040] && ledger.recorded.map(\.inputTokens) == [123, 123])
    }

    @Test func missingUsageIsEstimatedAndFlagged() async throws {
        let server = try FakeLLMServer { _ in .ok(title, usage: nil) }
        let o = live([llm("m", price: 1_000, quality: 0.9, endpoint: server.url)])
        let result = try await run(o, GenerationRequest(kind: .title, input: article)).get()
        #expect(result.tokensEstimated && result.attempts[0].tokensEstimated)
        #expect(result.outputTokens == (title.utf8.count + 3) / 4)
        #expect(result.inputTokens > article.utf8.count / 4)
        #expect(result.costMicros == (Int64(result.inputTokens + result.outputTokens) * 1_000 + 999) / 1_000)
    }

    @Test func killingTheServerMidRequestFallsBackAndRecordsBothAttempts() async throws {
        let best = try FakeLLMServer { _ in .slow(.seconds(5), .init(.ok(title))) }
        let backup = try FakeLLMServer { _ in .ok("Espresso at Home: Grind, Dose, Taste, Repeat") }
        let o = live([llm("best", price: 100, quality: 0.95, endpoint: best.url), llm("backup", price: 100, quality: 0.8, endpoint: backup.url)])
        let task = Task { await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)) }
        let waitUntil = ContinuousClock.now + .seconds(10)
        while best.requests.isEmpty, ContinuousClock.now < waitUntil { try await Task.sleep(for: .milliseconds(10)) }
        try #require(!best.requests.isEmpty)
        best.stop()
        let result = try await task.value.get()
        #expect(result.model == "backup")
        #expect(result.attempts.map(\.model) == ["best", "backup"])
        #expect(result.attempts.map(\.outcome) == [.failed, .ok])
        #expect(result.attempts[0].error?.hasPrefix("connection") == true, "\(result.attempts[0].error ?? "")")
        // With the server gone for good, the next request is refused at connect and falls back again.
        let next = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(next.attempts.map(\.outcome) == [.failed, .ok] && backup.requests.count == 2)
    }

    @Test func aSlowServerTimesOutAndAHangingOneIsBounded() async throws {
        let slow = try FakeLLMServer { _ in .slow(.seconds(4), .init(.ok(title))) }
        let hang = try FakeLLMServer { _ in .hang }
        let models = [llm("slow", price: 1, quality: 0.95, endpoint: slow.url, timeout: 1),
                      llm("hang", price: 1, quality: 0.9, endpoint: hang.url, timeout: 1), builtin()]
        let o = live(models)
        let start = ContinuousClock.now
        let result = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        let elapsed = ContinuousClock.now - start
        #expect(result.attempts.map(\.outcome) == [.timeout, .timeout, .ok] && result.model == "builtin")
        // Bounded by the two 1 s timeouts, not by the servers (4 s and forever); slack for a loaded machine.
        #expect(elapsed < .seconds(6), "\(elapsed)")
        #expect(result.attempts[0].latencyMillis >= 900 && result.attempts[0].latencyMillis < 3_500)
        slow.stop()
        hang.stop()
    }

    @Test func rateLimitOpensTheCircuitForRetryAfterAndTheServerIsLeftAlone() async throws {
        let server = try FakeLLMServer { _ in .status(429, #"{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}"#, headers: [("Retry-After", "120")]) }
        let time = ManualClock()
        let o = live([llm("limited", price: 1, quality: 0.95, endpoint: server.url), builtin()], clock: time.clock)
        let first = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(first.attempts.map(\.outcome) == [.failed, .ok])
        #expect(first.attempts[0].error?.contains("Rate limit reached") == true)
        #expect(o.breaker.state(of: "limited") == .open(remaining: .seconds(120)))
        let second = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(second.attempts.map(\.outcome) == [.skippedCircuitOpen, .ok])
        #expect(server.requests.count == 1)
        time.advance(.seconds(121))
        server.respond { _ in .ok(title) }
        let third = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(third.model == "limited" && server.requests.count == 2)
    }

    @Test(arguments: [
        ("500", FakeLLMServer.Behavior.status(500, "Internal Server Error"), "server_error (HTTP 500)"),
        ("malformed JSON", .status(200, #"{"choices":[{"message":{"content":"half"#), "malformed_response"),
        ("200 garbage", .status(200, "\u{1}\u{2}garbage\u{0}<html>"), "malformed_response"),
        ("no content", .status(200, #"{"choices":[{"message":{"role":"assistant"}}]}"#), "without choices[0].message.content"),
        ("cut-off body", .cutOff(declared: 400, body: #"{"choices":[{"message":{"content":"A Prac"#), "connection"),
        ("closed", .close, "connection"),
        ("mostly control", .ok("\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}ab"), "mostly control characters"),
        ("not HTTP", .raw(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)), "malformed_response"),
    ])
    func misbehavingServersAreClassifiedAndFallenBackFrom(name: String, behavior: FakeLLMServer.Behavior, says: String) async throws {
        let server = try FakeLLMServer { _ in behavior }
        let o = live([llm("bad", price: 1, quality: 0.95, endpoint: server.url), builtin()])
        let result = try await run(o, GenerationRequest(kind: .title, input: article, policy: .quality)).get()
        #expect(result.attempts.map(\.outcome) == [.failed, .ok], "\(name)")
        #expect(result.attempts[0].error?.contains(says) == true, "\(name): \(result.attempts[0].error ?? "")")
        #expect(result.model == "builtin")
        #expect(!result.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func controlCharactersInAnAnswerAreStripped() async throws {
        let server = try FakeLLMServer { _ in .ok("Home Espresso\u{7}: Grind, Dose,\u{1B}[2J Taste\u{202E}") }
        let o = live([llm("m", price: 1, quality: 0.95, endpoint: server.url)])
        let result = try await run(o, GenerationRequest(kind: .title, input: article)).get()
        #expect(result.text == "Home Espresso: Grind, Dose,[2J Taste")
    }

    @Test func overBudgetMakesNoRequestAtAll() async throws {
        let server = try FakeLLMServer()
        let ledger = InMemorySpendLedger()
        try ledger.record(creator: "c1", day: "2026-12-01", model: "earlier", micros: 999_000, inputTokens: 0, outputTokens: 0)
        let o = live([llm("paid", price: 30_000, quality: 0.95, endpoint: server.url), builtin()], ledger: ledger,
                     configuration: OrchestratorConfiguration(dailyBudgetMicros: 1_000_000), clock: ManualClock().clock)
        let result = await run(o, GenerationRequest(kind: .article, input: article, policy: .quality))
        guard case .failure(let error) = result else { Issue.record("expected budget_exceeded"); return }
        #expect(error.code == .budgetExceeded && error.httpStatus == 402)
        #expect(server.requests.isEmpty)
        #expect(ledger.recorded.count == 1)
    }
}
