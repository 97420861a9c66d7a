import Crypto
import Foundation
import GRDB

extension AccountStore {
    /// Appends a security event the app observed (the store records its own events itself).
    @discardableResult
    public func recordAudit(_ event: AuditEvent, actor: UUID? = nil, subject: String? = nil, ip: String? = nil,
                            detail: [String: String] = [:]) throws(AccountsError) -> Int64 {
        let now = clock.seconds
        return try write { db in try AuditChain.append(db, at: now, event: event, actor: actor, subject: subject, ip: ip, detail: detail) }
    }

    /// Audit entries, newest first, filtered and cursor-paginated (`GET /api/v1/audit`).
    public func auditEntries(_ query: AuditQuery = AuditQuery()) throws(AccountsError) -> Page<AuditEntry> {
        let limit = min(max(query.limit, 1), 500)
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let event = query.event { conditions.append("event = ?"); arguments += [event.rawValue] }
        if let actor = query.actorID { conditions.append("actor_id = ?"); arguments += [actor.lowercased] }
        if let subject = query.subjectID { conditions.append("subject_id = ?"); arguments += [subject] }
        if let since = query.since { conditions.append("at >= ?"); arguments += [Int64(since.timeIntervalSince1970.rounded(.down))] }
        if let until = query.until { conditions.append("at < ?"); arguments += [Int64(until.timeIntervalSince1970.rounded(.up))] }
        if let after = query.after {
            guard let id = Int64(after), id > 0 else { throw AccountsError(.invalidInput, "the cursor is not one this API returned", field: "after") }
            conditions.append("id < ?")
            arguments += [id]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit + 1]
        let rows: [AuditEntry] = try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log \(whereClause) ORDER BY id DESC LIMIT ?", arguments: arguments).map(Self.auditEntry)
        }
        let page = Array(rows.prefix(limit))
        return Page(data: page, nextCursor: rows.count > limit ? page.last.map { String($0.id) } : nil)
    }

    /// Checks the audit log's hash chain: every row's content against its hash, every link to the
    /// previous row, the id sequence and the recorded head. Any edited or deleted row is reported.
    public func verifyAudit() throws(AccountsError) -> AuditVerification {
        try read { db in try AuditChain.verify(db) }
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        let detailText: String = row["detail"] ?? "{}"
        let detail = (try? JSONDecoder().decode([String: String].self, from: Data(detailText.utf8))) ?? [:]
        return AuditEntry(id: row["id"], at: Date(timeIntervalSince1970: TimeInterval(row["at"] as Int64)),
                          event: AuditEvent(rawValue: row["event"]), actorID: (row["actor_id"] as String?).flatMap(UUID.init(uuidString:)),
                          subjectID: row["subject_id"], ip: row["ip"], detail: detail)
    }
}
