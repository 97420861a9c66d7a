import OrderedJSON
@testable import Generation
import Testing
import Writing

@Suite struct GenerationJSONTests {
    @Test func decodesARequestBody() throws {
        let body = #"{"kind":"social_post","input":"Text","platform":"x","policy":"cost","model":"gemma3","language":"de","options":{"count":5,"sender":"Ada","hashtags":false},"max_output_tokens":200,"min_quality":0.8,"max_cost_micros":5000,"save":true}"#
        let request = try GenerationRequest.decode(Array(body.utf8))
        #expect(request.kind == "social_post" && request.input == "Text" && request.platform == "x" && request.policy == "cost")
        #expect(request.model == "gemma3" && request.language == "de")
        #expect(request.options == ["count": "5", "sender": "Ada", "hashtags": "0"])
        #expect(request.maxOutputTokens == 200 && request.minQuality == 0.8 && request.maxCostMicros == 5_000)
    }

    @Test(arguments: [
        (#"{"input":"x"}"#, "kind", "kind is required"),
        (#"{"kind":"title"}"#, "input", "input is required"),
        (#"{"kind":3,"input":"x"}"#, "kind", "kind must be a string, not a number"),
        (#"{"kind":"title","input":"x","options":[1]}"#, "options", "options must be an object"),
        (#"{"kind":"title","input":"x","options":{"a":{"b":1}}}"#, "options.a", "options.a must be a string, number or boolean"),
        (#"{"kind":"title","input":"x","max_output_tokens":1.5}"#, "max_output_tokens", "max_output_tokens must be a whole number"),
        (#"{"kind":"title","input":"x","max_cost_micros":"5"}"#, "max_cost_micros", "max_cost_micros must be a number, not a string"),
        (#"[]"#, "body", "the request must be a JSON object, not an array"),
        (#"{"kind":"#, "body", "the request is not valid JSON"),
    ])
    func badBodiesNameTheField(body: String, field: String, message: String) {
        do {
            _ = try GenerationRequest.decode(Array(body.utf8))
            Issue.record("expected an error for \(body)")
        } catch {
            #expect(error.code == .invalid && error.field == field)
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func resultAndAttemptsSerialiseWithIntegerMoney() async throws {
        let provider = ScriptedProvider([
            "a": [.fail(ProviderError(.server, "down \"hard\"", status: 500))],
            "b": [.text("A Practical Guide to Home Espresso for Beginners", input: 300, output: 12)],
        ])
        let o = orchestrator([llm("a", price: 5, quality: 0.9), llm("b", price: 200, quality: 0.8)], provider: provider)
        let result = try await o.generate(GenerationRequest(kind: .title, input: article, policy: .quality, model: "a"),
                                          creator: "c", style: StyleGuide(), existing: [])
        let json = try JSONText.parse(Array(result.json.utf8))
        #expect(json["model"] == .string("b") && json["requested_model"] == .string("a") && json["policy"] == .string("quality"))
        #expect(json["cost_micros"] == .number("63") && json["currency"] == .string("USD"))
        guard case .array(let attempts)? = json["attempts"] else { Issue.record("no attempts"); return }
        #expect(attempts.count == 2)
        #expect(attempts[0]["outcome"] == .string("failed") && attempts[0]["error"]?.stringValue?.contains(#"down "hard""#) == true)
        #expect(attempts[1]["cost_micros"] == .number("63") && attempts[1]["input_tokens"] == .number("300"))
        #expect(try JSONText.parse(Array(result.attemptsJSON.utf8)) == json["attempts"])
        #expect(JSONText.decimal(0.81254) == "0.8125" && JSONText.decimal(1) == "1" && JSONText.decimal(0.5) == "0.5")
    }

    @Test func checkValidatesAndRoutesWithoutCalling() throws {
        let provider = ScriptedProvider()
        let o = orchestrator([llm("a", price: 5, quality: 0.9), builtin()], provider: provider)
        #expect(try o.check(GenerationRequest(kind: .title, input: article, policy: .cost)) == ["builtin", "a"])
        #expect(throws: GenerationError.self) { try o.check(GenerationRequest(kind: "nope", input: "x")) }
        #expect(provider.calls.isEmpty)
    }
}
