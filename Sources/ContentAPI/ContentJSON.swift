import CivilDate
import Content
import HTTP
import Writing

/// JSON shapes of the content API. Money is `{"amount": <integer minor units>, "currency": "USD"}`;
/// times are RFC 3339 UTC with milliseconds.
enum ContentJSON {
    /// The longest excerpt a list item carries instead of its body.
    static let excerptCharacters = 280

    static func item(_ c: ContentItem, full: Bool = true) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(c.id), "creator_id": .string(c.creatorID), "kind": .string(c.kind.rawValue),
            "title": .string(c.title), "language": .string(c.language), "tags": .array(c.tags.map(JSONValue.string)),
            "status": .string(c.status.rawValue), "created_at": .string(c.createdAt), "updated_at": .string(c.updatedAt),
            "variant_of": c.variantOf.map(JSONValue.string) ?? .null,
            "repurposed_from": c.repurposedFrom.map(JSONValue.string) ?? .null,
            "generation": c.generation.map(generation) ?? .null,
        ]
        if full {
            o["body"] = .string(c.body)
        } else {
            let excerpt = c.body.count > excerptCharacters ? String(c.body.prefix(excerptCharacters)) + "…" : c.body
            o["excerpt"] = .string(excerpt)
            o["body_bytes"] = .int(Int64(c.body.utf8.count))
        }
        return .object(o)
    }

    static func generation(_ g: GenerationRecord) -> JSONValue {
        // The attempts were stored as JSON text; they go out as JSON again (or as text if they were not JSON).
        let attempts = (try? JSONValue.parse(g.attemptsJSON)) ?? .string(g.attemptsJSON)
        return .object([
            "model": .string(g.model), "policy": .string(g.policy),
            "cost": .object(["amount_micros": .int(g.costMicros), "currency": .string("USD")]),
            "input_tokens": .int(g.inputTokens), "output_tokens": .int(g.outputTokens),
            "latency_ms": .int(g.latencyMilliseconds), "quality_score": .double(g.qualityScore), "attempts": attempts,
        ])
    }

    static func snapshot(_ s: MetricSnapshot) -> JSONValue {
        .object([
            "at": .string(Timestamp.format(milliseconds: s.at)), "views": .int(s.views), "likes": .int(s.likes),
            "comments": .int(s.comments), "shares": .int(s.shares), "saves": .int(s.saves),
            "watch_seconds": .int(s.watchSeconds), "engagement": .double(s.engagement),
        ])
    }

    static func creatorMetrics(_ m: CreatorMetrics) -> JSONValue {
        .object([
            "creator_id": .string(m.creatorID), "content_count": .int(Int64(m.contentCount)),
            "total_revenue": .object(["amount": .int(m.totalRevenueMinor), "currency": .string(m.currency)]),
            "average_engagement": .double(m.averageEngagement), "measured_pairs": .int(Int64(m.measuredPairs)),
        ])
    }
}
