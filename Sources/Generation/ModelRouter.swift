import Writing

/// How the router ranks the models that meet a request's requirements.
public enum RoutingPolicy: String, Sendable, Hashable, CaseIterable {
    /// The cheapest by estimated cost; ties go to the higher quality.
    case cost
    /// The highest quality; ties go to the cheaper.
    case quality
    /// The lowest 0.4 × normalised cost + 0.6 × (1 − quality); see ``ModelRouter/balancedScore(estimatedMicros:quality:minMicros:maxMicros:)``.
    case balanced
}

/// What a request needs from a model.
public struct RoutingRequirements: Sendable, Equatable {
    /// The content kind; a model must list it in its capabilities.
    public var kind: ContentKind
    /// The lowest model quality accepted, or nil.
    public var minQuality: Double?
    /// The most the call may cost by its worst-case estimate, in micro-dollars, or nil.
    public var maxCostMicros: Int64?
    /// Estimated prompt tokens.
    public var inputTokens: Int
    /// The completion budget (`max_tokens`).
    public var maxOutputTokens: Int

    /// Creates requirements.
    public init(kind: ContentKind, minQuality: Double? = nil, maxCostMicros: Int64? = nil, inputTokens: Int, maxOutputTokens: Int) {
        self.kind = kind
        self.minQuality = minQuality
        self.maxCostMicros = maxCostMicros
        self.inputTokens = inputTokens
        self.maxOutputTokens = maxOutputTokens
    }
}

/// A model that meets the requirements, with its worst-case cost for this request.
public struct RouteCandidate: Sendable, Equatable {
    /// The model.
    public var model: ModelEntry
    /// inputTokens × input price + maxOutputTokens × output price, rounded up, in micro-dollars.
    public var estimatedMicros: Int64
}

/// A model that was left out, and why (for errors that say what would make a request servable).
public struct RouteRejection: Sendable, Equatable, CustomStringConvertible {
    /// The model's name.
    public var model: String
    /// Why it was left out: "disabled in the model registry", "cannot do translation"…
    public var reason: String
    /// `"gpt4: disabled in the model registry"`.
    public var description: String { "\(model): \(reason)" }
}

/// Picks and orders models for a request: requirement filters, then a policy for the first choice, then the
/// fallbacks by quality, best first.
///
/// Pure functions over a registry snapshot, so every routing decision is testable without a server.
public enum ModelRouter {
    /// The models that meet `requirements`, and the reasons the others do not.
    ///
    /// - Parameter availability: whether each model may be called now (enabled, key set).
    public static func eligible(_ models: [ModelEntry], requirements: RoutingRequirements,
                                availability: (ModelEntry) -> ModelAvailability) -> (candidates: [RouteCandidate], rejected: [RouteRejection]) {
        var candidates: [RouteCandidate] = []
        var rejected: [RouteRejection] = []
        for model in models {
            let state = availability(model)
            guard state.isAvailable else { rejected.append(RouteRejection(model: model.name, reason: state.description)); continue }
            guard model.capabilities.contains(requirements.kind) else {
                rejected.append(RouteRejection(model: model.name, reason: "cannot do \(requirements.kind.rawValue)")); continue
            }
            if let minQuality = requirements.minQuality, model.quality < minQuality {
                rejected.append(RouteRejection(model: model.name, reason: "quality \(model.quality) is below min_quality \(minQuality)")); continue
            }
            let needed = requirements.inputTokens + requirements.maxOutputTokens
            guard needed <= model.contextLength else {
                rejected.append(RouteRejection(model: model.name,
                    reason: "context length \(model.contextLength) tokens is too small for about \(requirements.inputTokens) input + \(requirements.maxOutputTokens) output tokens"))
                continue
            }
            let estimate = model.cost(inputTokens: requirements.inputTokens, outputTokens: requirements.maxOutputTokens)
            if let maxCost = requirements.maxCostMicros, estimate > maxCost {
                rejected.append(RouteRejection(model: model.name,
                    reason: "estimated cost \(TokenPrice.format(micros: estimate)) is above max_cost \(TokenPrice.format(micros: maxCost))"))
                continue
            }
            candidates.append(RouteCandidate(model: model, estimatedMicros: estimate))
        }
        return (candidates, rejected)
    }

    /// The candidates in the policy's order of preference (the first is the policy's choice).
    public static func rank(_ candidates: [RouteCandidate], policy: RoutingPolicy) -> [RouteCandidate] {
        switch policy {
        case .cost:
            return candidates.sorted { a, b in
                if a.estimatedMicros != b.estimatedMicros { return a.estimatedMicros < b.estimatedMicros }
                if a.model.quality != b.model.quality { return a.model.quality > b.model.quality }
                return a.model.name < b.model.name
            }
        case .quality:
            return byQuality(candidates)
        case .balanced:
            let minMicros = candidates.map(\.estimatedMicros).min() ?? 0
            let maxMicros = candidates.map(\.estimatedMicros).max() ?? 0
            let scored = candidates.map { ($0, balancedScore(estimatedMicros: $0.estimatedMicros, quality: $0.model.quality, minMicros: minMicros, maxMicros: maxMicros)) }
            return scored.sorted { a, b in
                if a.1 != b.1 { return a.1 < b.1 }
                if a.0.model.quality != b.0.model.quality { return a.0.model.quality > b.0.model.quality }
                if a.0.estimatedMicros != b.0.estimatedMicros { return a.0.estimatedMicros < b.0.estimatedMicros }
                return a.0.model.name < b.0.model.name
            }.map(\.0)
        }
    }

    /// Best quality first; ties to the cheaper, then by name (the fallback order).
    public static func byQuality(_ candidates: [RouteCandidate]) -> [RouteCandidate] {
        candidates.sorted { a, b in
            if a.model.quality != b.model.quality { return a.model.quality > b.model.quality }
            if a.estimatedMicros != b.estimatedMicros { return a.estimatedMicros < b.estimatedMicros }
            return a.model.name < b.model.name
        }
    }

    /// The original design's balanced score, lower is better: 0.4 × normCost + 0.6 × (1 − quality), with
    /// normCost = (estimate − min) / (max − min) over the candidates, 0 when they all cost the same.
    ///
    /// Why normalise: cost in micro-dollars is unbounded (0 for a local model, 90,000 for a long GPT-4 call)
    /// while quality is in 0…1, so raw micros would swamp quality and "balanced" would just be "cost". Scaling
    /// cost into 0…1 across the candidates of this request puts both terms on the same scale, so the weights
    /// mean what they say: the cheapest candidate gets 0, the dearest 0.4, and a quality gap of 0.1 is worth
    /// 0.06. This is a ranking score, not money; the costs themselves stay integers.
    public static func balancedScore(estimatedMicros: Int64, quality: Double, minMicros: Int64, maxMicros: Int64) -> Double {
        let span = maxMicros - minMicros
        let normCost = span > 0 ? Double(estimatedMicros - minMicros) / Double(span) : 0
        return 0.4 * normCost + 0.6 * (1 - quality)
    }

    /// The order in which models are tried: the explicit model (if any) or the policy's choice first, then every
    /// other candidate by quality, best first.
    public static func plan(_ candidates: [RouteCandidate], policy: RoutingPolicy, explicit: RouteCandidate? = nil) -> [RouteCandidate] {
        let first = explicit ?? rank(candidates, policy: policy).first
        guard let first else { return [] }
        return [first] + byQuality(candidates.filter { $0.model.name != first.model.name })
    }
}
