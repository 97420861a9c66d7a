import FoundationEssentials
import Generation
import HTTP
import Platforms
import Writing

/// The model registry, platform profiles, compose preview and style guides over REST.
public enum CatalogRoutes {
    /// Adds the routes. `reload` re-reads the model registry file (as SIGHUP does).
    public static func install(on router: inout Router, registry: ModelRegistry, breaker: CircuitBreaker?, catalog: PlatformCatalog,
                               styleGuides: StyleGuides?) {
        router.get("/api/v1/models", RouteInfo(summary: "The model registry: every model with its price, quality, capabilities and whether it is available (never keys).", access: "viewer")) { request in
            let principal = try request.requirePrincipal()
            return .json(.object(["models": .array(registry.models.map { model(registry, breaker, $0, showEndpoint: principal.isAdmin) }),
                                  "currency": .string(TokenPrice.currency)]))
        }
        router.post("/api/v1/models/reload", RouteInfo(summary: "Reload the model registry file (as SIGHUP does); a bad file keeps the previous registry and the error is returned.", access: "admin")) { _ in
            do { try registry.reload() } catch {
                throw APIError.unprocessable("The model registry file was not loaded; the previous registry stays in force: \(error)")
            }
            return .json(.object(["reloaded": .bool(true), "models": .int(Int64(registry.models.count))]))
        }
        router.get("/api/v1/platforms", RouteInfo(summary: "Platform profiles: text limits and how they are counted, hashtags, media, rate limits, threads, good posting times.", access: "viewer", cache: "cold")) { _ in
            try .json(["platforms": catalog.profiles])
        }
        router.post("/api/v1/compose/preview", RouteInfo(summary: "Render a text for each target platform: length by the platform's own counting, whether it fits, a thread when offered, warnings.", access: "creator", acceptsJSON: true)) { request in
            try preview(request, catalog: catalog)
        }
        if let styleGuides {
            router.get("/api/v1/creators/me/style-guide", RouteInfo(summary: "Your style guide: terms every piece should contain and terms none may contain (used in quality scoring).", access: "creator")) { request in
                let principal = try request.requirePrincipal()
                return .json(StyleGuides.json(styleGuides.guide(for: principal.userID)))
            }
            router.put("/api/v1/creators/me/style-guide", RouteInfo(summary: "Replace your style guide {required_terms: [...], banned_terms: [...]}.", access: "creator", acceptsJSON: true)) { request in
                let principal = try request.requirePrincipal()
                let body = try object(request, allowed: ["required_terms", "banned_terms"])
                let guide = StyleGuide(requiredTerms: try terms(body["required_terms"], field: "required_terms"),
                                       bannedTerms: try terms(body["banned_terms"], field: "banned_terms"))
                do { try styleGuides.set(guide, for: principal.userID) } catch { throw APIError.unavailable("The style guide could not be saved; retry.") }
                return .json(StyleGuides.json(guide))
            }
        }
    }

    static func model(_ registry: ModelRegistry, _ breaker: CircuitBreaker?, _ entry: ModelEntry, showEndpoint: Bool) -> JSONValue {
        let availability = registry.availability(of: entry)
        var members: [String: JSONValue] = [
            "name": .string(entry.name), "provider": .string(entry.provider.rawValue), "quality": .double(entry.quality),
            "speed": .double(entry.speed), "context_length": .int(Int64(entry.contextLength)),
            "cost_per_1k_input_micros": .int(entry.inputPrice.microsPer1K), "cost_per_1k_output_micros": .int(entry.outputPrice.microsPer1K),
            "cost_per_1k_input": .string(entry.inputPrice.decimalString), "cost_per_1k_output": .string(entry.outputPrice.decimalString),
            "capabilities": .array(entry.capabilities.map(\.rawValue).sorted().map { .string($0) }),
            "enabled": .bool(entry.enabled), "available": .bool(availability.isAvailable), "availability": .string(availability.description),
            "timeout_seconds": .int(Int64(entry.timeoutSeconds)),
        ]
        if let breaker { members["circuit"] = .string(String(describing: breaker.state(of: entry.name))) }
        if showEndpoint, entry.provider != .builtin {
            members["endpoint"] = .string(entry.endpoint)
            members["model"] = .string(entry.model)
            if let env = entry.apiKeyEnv { members["api_key_env"] = .string(env) }
        }
        return .object(members)
    }

    static func object(_ request: Request, allowed: Set<String>) throws(APIError) -> JSONValue {
        let value: JSONValue
        do { value = try JSONValue.parse(request.body) } catch {
            throw APIError.badRequest("The body is not valid JSON: \(error.description).", type: "invalid-json", errors: [FieldError(field: "body", message: error.description)])
        }
        guard case .object(let members) = value else { throw APIError.invalidField("body", "must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalidField(unknown, "is not a field here (it takes \(allowed.sorted().joined(separator: ", ")))")
        }
        return value
    }

    static func terms(_ value: JSONValue?, field: String) throws(APIError) -> [String] {
        guard let value else { return [] }
        guard case .array(let items) = value, items.count <= 200 else { throw APIError.invalidField(field, "must be an array of at most 200 terms") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let term) = item, !term.allSatisfy(\.isWhitespace), term.count <= 100 else {
                throw APIError.invalidField("\(field)[\(i)]", "must be a non-empty string of at most 100 characters")
            }
            out.append(term)
        }
        return out
    }

    static func preview(_ request: Request, catalog: PlatformCatalog) throws -> Response {
        _ = try request.requirePrincipal()
        let body = try object(request, allowed: ["text", "platforms", "hashtags", "link", "generated", "thread", "truncate"])
        guard case .string(let text)? = body["text"] else { throw APIError.invalidField("text", "is required: the post's text") }
        guard text.utf8.count <= 200_000 else { throw APIError.invalidField("text", "is \(text.utf8.count) bytes; at most 200000") }
        guard case .array(let ids)? = body["platforms"], !ids.isEmpty, ids.count <= 20 else {
            throw APIError.invalidField("platforms", "must list 1 to 20 platform ids (\(catalog.profiles.map(\.id).joined(separator: ", ")))")
        }
        var profiles: [PlatformProfile] = []
        for (i, id) in ids.enumerated() {
            guard case .string(let name) = id, let profile = catalog.profile(name) else {
                throw APIError.invalidField("platforms[\(i)]", "is not a platform; use one of \(catalog.profiles.map(\.id).joined(separator: ", "))")
            }
            profiles.append(profile)
        }
        let hashtags = try terms(body["hashtags"], field: "hashtags")
        var link: String?
        if let value = body["link"], value != .null {
            guard case .string(let url) = value, url.hasPrefix("http://") || url.hasPrefix("https://"), url.count <= 2048 else {
                throw APIError.invalidField("link", "must be an http(s) URL of at most 2048 characters")
            }
            link = url
        }
        func flag(_ name: String) throws(APIError) -> Bool {
            guard let value = body[name], value != .null else { return false }
            guard case .bool(let b) = value else { throw APIError.invalidField(name, "must be true or false") }
            return b
        }
        let source = PostSource(text: text, hashtags: hashtags, link: link, generated: try flag("generated"))
        let thread = try flag("thread"), truncate = try flag("truncate")
        let posts = profiles.map { PostFormatter.format(source, for: $0, thread: thread, truncate: truncate) }
        return try .json(["previews": posts])
    }
}
