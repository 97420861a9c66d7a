import Accounts
import FoundationEssentials
import HTTP

/// The security audit log, newest first, for admins.
enum AuditRoutes {
    static func install(on router: inout Router, service: AccountsService) {
        let store = service.store
        router.get("/api/v1/audit", RouteInfo(summary: "Security events, newest first, filtered by event, actor, subject and time.", access: "admin")) { request in
            var query = AuditQuery()
            if let event = request.queryValue("event") {
                guard !event.isEmpty, event.utf8.count <= 64 else { throw APIError.invalidField("event", "must be an event name such as sign_in.failed") }
                query.event = AuditEvent(rawValue: event)
            }
            if let actor = request.queryValue("actor_id") {
                guard let id = UUID(uuidString: actor) else { throw APIError.invalidField("actor_id", "must be a user id (UUID)") }
                query.actorID = id
            }
            if let subject = request.queryValue("subject_id") {
                guard subject.utf8.count <= 128 else { throw APIError.invalidField("subject_id", "must be at most 128 bytes") }
                query.subjectID = subject.lowercased()
            }
            for name in ["since", "until"] {
                guard let text = request.queryValue(name) else { continue }
                guard let date = Timestamp.parse(text) else { throw APIError.invalidField(name, "must be an RFC 3339 time such as 2026-12-01T00:00:00Z") }
                if name == "since" { query.since = date } else { query.until = date }
            }
            query.limit = try UserRoutes.intQuery(request, "limit", range: 1...500) ?? 50
            query.after = request.queryValue("after")
            let page = try accounts { () throws(AccountsError) in try store.auditEntries(query) }
            return Response.json(Representation.page(page.data.map(Representation.auditEntry), next: page.nextCursor)).noStore()
        }
    }
}
