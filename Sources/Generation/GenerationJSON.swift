import OrderedJSON
import Writing

/// JSON forms of generation requests and records, so the API layer and the content store use one spelling
/// (snake_case, money as integer micro-dollars) without this module depending on the HTTP module.
extension GenerationRequest {
    /// The request body fields accepted by ``decode(_:)``.
    public static let jsonFields = ["kind", "input", "platform", "policy", "model", "language", "options", "max_output_tokens",
                                    "min_quality", "max_cost_micros"]

    /// Reads a request from a JSON object: `{kind, input, platform?, policy?, model?, language?, options?,
    /// max_output_tokens?, min_quality?, max_cost_micros?}`. Members not listed are ignored (the API may carry its own,
    /// such as `save`); option values may be strings, numbers or booleans and are kept as text.
    ///
    /// - Throws: ``GenerationError`` `invalid` naming the field for a wrong type or a missing `kind`/`input`.
    public static func decode(_ bytes: [UInt8]) throws(GenerationError) -> GenerationRequest {
        let json: JSONText
        do { json = try JSONText.parse(bytes) } catch {
            throw GenerationError(.invalid, "the request is not valid JSON: \(error)", field: "body")
        }
        guard case .object = json else { throw GenerationError(.invalid, "the request must be a JSON object, not \(json.typeName)", field: "body") }
        func string(_ field: String, required: Bool = false) throws(GenerationError) -> String? {
            guard let value = json[field], value != .null else {
                if required { throw GenerationError(.invalid, "\(field) is required", field: field) }
                return nil
            }
            guard case .string(let s) = value else { throw GenerationError(.invalid, "\(field) must be a string, not \(value.typeName)", field: field) }
            return s
        }
        func number(_ field: String) throws(GenerationError) -> String? {
            guard let value = json[field], value != .null else { return nil }
            guard case .number(let literal) = value else { throw GenerationError(.invalid, "\(field) must be a number, not \(value.typeName)", field: field) }
            return literal
        }
        let kind = try string("kind", required: true)!
        let input = try string("input", required: true)!
        var options: [String: String] = [:]
        if let value = json["options"], value != .null {
            guard case .object(let members) = value else { throw GenerationError(.invalid, "options must be an object", field: "options") }
            for member in members {
                switch member.value {
                case .string(let s): options[member.key] = s
                case .number(let n): options[member.key] = n
                case .bool(let b): options[member.key] = b ? "1" : "0"
                default: throw GenerationError(.invalid, "options.\(member.key) must be a string, number or boolean", field: "options.\(member.key)")
                }
            }
        }
        var maxOutputTokens: Int?
        if let literal = try number("max_output_tokens") {
            guard let v = Int(literal) else { throw GenerationError(.invalid, "max_output_tokens must be a whole number", field: "max_output_tokens") }
            maxOutputTokens = v
        }
        var minQuality: Double?
        if let literal = try number("min_quality") { minQuality = Double(literal) }
        var maxCost: Int64?
        if let literal = try number("max_cost_micros") {
            guard let v = Int64(literal) else { throw GenerationError(.invalid, "max_cost_micros must be a whole number of micro-dollars", field: "max_cost_micros") }
            maxCost = v
        }
        return GenerationRequest(kind: kind, input: input, platform: try string("platform"), policy: try string("policy"),
                                 model: try string("model"), language: try string("language"), options: options,
                                 maxOutputTokens: maxOutputTokens, minQuality: minQuality, maxCostMicros: maxCost)
    }
}

extension GenerationAttempt {
    /// `{"model","outcome","error","latency_ms","input_tokens","output_tokens","tokens_estimated","cost_micros","score"}`.
    var jsonValue: JSONText {
        .object([
            ("model", .string(model)),
            ("outcome", .string(outcome.rawValue)),
            ("error", error.map { .string($0) } ?? .null),
            ("latency_ms", .number(String(latencyMillis))),
            ("input_tokens", .number(String(inputTokens))),
            ("output_tokens", .number(String(outputTokens))),
            ("tokens_estimated", .bool(tokensEstimated)),
            ("cost_micros", .number(String(costMicros))),
            ("score", score.map { .number(JSONText.decimal($0)) } ?? .null),
        ])
    }

    /// Attempts as a JSON array text (what the content store keeps as the generation record's attempts).
    public static func json(_ attempts: [GenerationAttempt]) -> String {
        String(decoding: JSONText.array(attempts.map(\.jsonValue)).serialized(), as: UTF8.self)
    }
}

extension GenerationResult {
    /// Every attempt as a JSON array text.
    public var attemptsJSON: String { GenerationAttempt.json(attempts) }

    /// The whole result as a JSON object text: `text, kind, model, policy, requested_model, score, problems, below_threshold,
    /// cost_micros, currency, input_tokens, output_tokens, tokens_estimated, latency_ms, attempts`.
    public var json: String {
        String(decoding: JSONText.object([
            ("text", .string(text)),
            ("kind", .string(kind.rawValue)),
            ("model", .string(model)),
            ("policy", .string(policy.rawValue)),
            ("requested_model", requestedModel.map { .string($0) } ?? .null),
            ("score", .number(JSONText.decimal(score))),
            ("problems", .array(problems.map { .string($0) })),
            ("below_threshold", .bool(belowThreshold)),
            ("cost_micros", .number(String(costMicros))),
            ("currency", .string(TokenPrice.currency)),
            ("input_tokens", .number(String(inputTokens))),
            ("output_tokens", .number(String(outputTokens))),
            ("tokens_estimated", .bool(tokensEstimated)),
            ("latency_ms", .number(String(latencyMillis))),
            ("attempts", .array(attempts.map(\.jsonValue))),
        ]).serialized(), as: UTF8.self)
    }
}

extension GenerationError {
    /// Every attempt as a JSON array text (empty array when nothing was called).
    public var attemptsJSON: String { GenerationAttempt.json(attempts) }
}

extension JSONText {
    /// A score in 0…1 as a JSON number with at most four decimals (`0.8125`), written from an integer.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = Int((min(max(value, -1e12), 1e12) * 10_000).rounded())
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        var fraction = String(magnitude % 10_000)
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return sign + String(magnitude / 10_000) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
