import BuildInfo
import Cache
import HTTP

/// Liveness, readiness, version, the OpenAPI document, events and metrics.
enum SystemRoutes {
    static func install(on router: inout Router, app: StudioApp) {
        let healthBody = Array(#"{"status":"ok"}"#.utf8)
        router.get("/healthz", RouteInfo(summary: "Liveness: the process answers.")) { _ in
            var headers = Headers()
            headers["Content-Type"] = "application/json"
            headers["Cache-Control"] = "no-store"
            return Response(status: 200, headers: headers, body: healthBody)
        }

        router.get("/readyz", RouteInfo(summary: "Readiness: stores open and writable.")) { [weak app] _ in
            guard let app else { throw APIError.unavailable("shutting down") }
            let checks = app.readinessChecks.withLock { $0 }
            var results: [String: JSONValue] = [:]
            var failures: [String] = []
            for (name, check) in checks {
                if let reason = check() {
                    results[name] = .string(reason)
                    failures.append("\(name): \(reason)")
                } else {
                    results[name] = .string("ok")
                }
            }
            if !failures.isEmpty {
                var error = APIError.unavailable("Not ready: " + failures.joined(separator: "; "))
                error.type = "not-ready"
                throw error
            }
            return .json(.object(["status": .string("ready"), "checks": .object(results)]))
        }

        router.get("/api/v1/version", RouteInfo(summary: "Version, commit, build date and uptime.")) { [weak app] _ in
            guard let app else { throw APIError.unavailable("shutting down") }
            return .json(.object([
                "name": .string("Creator Studio"),
                "version": .string(BuildInfo.version),
                "commit": .string(BuildInfo.commit),
                "build_date": .string(BuildInfo.buildDate),
                "started_at": .string(app.startedAtText),
                "uptime_seconds": .int(Int64(app.uptimeSeconds)),
            ]))
        }

        router.get("/api/v1/openapi.json", RouteInfo(summary: "This API's OpenAPI 3.1 document.")) { [weak app] _ in
            guard let app, let document = app.openAPIDocument else {
                throw APIError.unavailable("The OpenAPI document is not installed (data/openapi.json).")
            }
            var headers = Headers()
            headers["Content-Type"] = "application/json"
            headers["Cache-Control"] = "public, max-age=300"
            return Response(status: 200, headers: headers, body: document)
        }

        router.get("/api/v1/events", RouteInfo(summary: "Server-Sent Events: content.generated, publication.*, metrics.changed, revenue.updated.", access: "viewer")) { [weak app] request in
            guard let app else { throw APIError.unavailable("shutting down") }
            var filter: [String]? = nil
            if let types = request.queryValue("types") {
                let list = types.split(separator: ",").map { String($0).trimming(" ") }.filter { !$0.isEmpty }
                for type in list where !type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "*" || $0 == "_" }) || type.count > 64 {
                    throw APIError.invalidField("types", "event types are comma-separated names like content.generated or publication.*; '\(type.prefix(64))' is not one")
                }
                filter = list
            }
            let stream = EventStream()
            // Admins see every event; others only those addressed to them (or to everyone).
            let audience = request.principal.flatMap { $0.isAdmin ? nil : $0.userID }
            app.events.subscribe(stream, filter: filter, audience: audience)
            stream.comment("connected")
            return Response(status: 200, headers: EventStream.responseHeaders, body: .eventStream(stream))
        }

        router.get("/api/v1/system/stats", RouteInfo(summary: "Live figures for the System page: cache tiers, requests per route, process.", access: "admin")) { [weak app] _ in
            guard let app else { throw APIError.unavailable("shutting down") }
            let stats = app.cache.statistics()
            var tiers: [String: JSONValue] = [:]
            for tier in CacheTier.allCases {
                let t = stats[tier]
                tiers["\(tier)"] = .object([
                    "hits": .int(Int64(t.hits)), "misses": .int(Int64(t.misses)), "evictions": .int(Int64(t.evictions)),
                    "expirations": .int(Int64(t.expirations)), "entries": .int(Int64(t.entries)), "bytes": .int(Int64(t.bytes)),
                    "byte_budget": .int(Int64(t.byteBudget)),
                ])
            }
            var routes: [String: JSONValue] = [:]
            for (route, figures) in app.metrics.routeTotals() {
                routes[route] = .object(["requests": .int(Int64(figures.requests)), "errors": .int(Int64(figures.errors)), "seconds": .double(figures.seconds)])
            }
            let process = ProcessFigures.read()
            var response = Response.json(.object([
                "cache": .object(tiers),
                "routes": .object(routes),
                "process": .object([
                    "resident_bytes": .int(Int64(process.residentBytes)), "open_files": .int(Int64(process.openFiles)),
                    "threads": .int(Int64(process.threads)), "uptime_seconds": .double(app.uptimeSeconds),
                ]),
                "event_streams": .int(Int64(app.events.subscriberCount)),
            ]))
            response.headers["Cache-Control"] = "no-store"
            return response
        }

        router.get("/metrics", RouteInfo(summary: "Prometheus metrics (text exposition format).")) { [weak app] request in
            guard let app else { throw APIError.unavailable("shutting down") }
            switch app.configuration.string("metrics.access") {
            case "open": break
            case "token":
                let token = app.configuration.string("metrics.token")
                let presented = request.headers["Authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
                guard !token.isEmpty, constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
                    throw APIError.unauthorized("Send Authorization: Bearer <metrics.token>.")
                }
            default:
                guard isLoopback(request.remoteAddress) else {
                    throw APIError.forbidden("/metrics answers loopback clients only (set metrics.access to \"token\" to allow others).")
                }
            }
            var headers = Headers()
            headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
            headers["Cache-Control"] = "no-store"
            return Response(status: 200, headers: headers, body: app.metrics.render())
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
