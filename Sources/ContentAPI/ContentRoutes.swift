import Content
import HTTP

/// The content studio's REST surface: content items under `/api/v1/content`, metric ingestion at
/// `/api/v1/metrics`, per-item series and per-creator figures.
///
/// Every route is declared `creator` (the app's authorisation reads `RouteInfo.access`): creators reach
/// only their own content, and someone else's item answers 404, never 403, so ids do not leak; admins
/// reach all. Writes name the cached resources they make stale (`invalidates`) and publish events
/// (`content.created`, `content.updated`, `content.deleted`, `metrics.changed`) with the owning creator's
/// user id as the audience. Lists are `{"data": [...], "next_cursor": null | "…"}`.
///
/// ```swift
/// let store = try ContentStore(graph: graph) { userID in billing.revenue(of: userID) }
/// ContentRoutes.install(on: &router, store: store) { type, payload, audience in
///     bus.publish(type, payload, audience: audience)
/// }
/// ```
public enum ContentRoutes {
    /// Publishes an event: type, JSON payload, and the user id of the creator it concerns (the audience).
    public typealias Publish = @Sendable (_ type: String, _ payload: JSONValue, _ audience: String?) -> Void

    /// Adds the content, metrics and creator-metrics routes to `router`.
    public static func install(on router: inout Router, store: ContentStore, publish: @escaping Publish = { _, _, _ in }) {
        let h = ContentHandlers(store: store, publish: publish)
        func read(_ summary: String) -> RouteInfo { RouteInfo(summary: summary, access: "creator") }
        func write(_ summary: String, json: Bool = true, invalidates: [String]) -> RouteInfo {
            RouteInfo(summary: summary, access: "creator", acceptsJSON: json, invalidates: invalidates)
        }

        router.get("/api/v1/content", read("List content, newest first: filters status, kind, tag, q (text in title and body), from/to (created), cursor paging.")) { try h.run($0, h.list) }
        router.post("/api/v1/content", write("Create a content item {kind, title, body, language, tags, status, variant_of, repurposed_from}.",
                                             invalidates: ["creators", "dashboard"])) { try h.run($0, h.create) }
        router.get("/api/v1/content/{id}", read("One content item with its generation record.")) { try h.run($0, h.get) }
        router.patch("/api/v1/content/{id}", write("Change a content item's title, body, language, tags or status (allowed transitions only).",
                                                   invalidates: ["dashboard"])) { try h.run($0, h.patch) }
        router.delete("/api/v1/content/{id}", write("Delete a content item with its relationships and metric snapshots.", json: false,
                                                    invalidates: ["creators", "dashboard"])) { try h.run($0, h.delete) }
        router.get("/api/v1/content/{id}/metrics", read("A content item's metric time series, per platform.")) { try h.run($0, h.contentMetrics) }
        router.post("/api/v1/metrics", write("Ingest a batch of metric snapshots {content_id, platform, at, views, likes, comments, shares, saves, watch_seconds}; idempotent per (content_id, platform, at).",
                                             invalidates: ["content", "creators", "dashboard"])) { try h.run($0, h.ingest) }
        router.get("/api/v1/creators/{id}/metrics", read("A creator's content count, total revenue and average engagement ({id}: user id or me).")) { try h.run($0, h.creatorMetrics) }
    }
}
