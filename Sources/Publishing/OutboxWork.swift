import Foundation
import GRDB

/// Work the scheduler claimed: a publish call or a reconciliation look-up, with what it needs to make the call.
struct ClaimedWork: Sendable {
    enum Kind: String, Sendable { case publish, reconcile }
    var kind: Kind
    var publication: Publication
    var attemptID: Int64
    /// Attempts in the current round, this one included.
    var roundAttempts: Int
    var language: String?
    var media: [String]
    /// The sealed credentials; nil when the account has none; `accountExists` false when it was disconnected.
    var sealedCredentials: [UInt8]?
    var accountExists: Bool
}

/// A due row the scheduler may claim.
struct DueRow: Sendable {
    var id: Int64
    var platform: String
    var state: PublicationState
    var nextAttemptAt: Int64
}

/// How a piece of work ended, to be written with its attempt in one transaction.
struct Resolution: Sendable {
    /// The publication as claimed (the event payload is built from it and the change, without a read).
    var publication: Publication
    var publicationID: Int64
    var attemptID: Int64
    /// The state the publication must still be in for the change to apply.
    var expected: PublicationState
    var finishedAt: Int64
    var outcome: String
    var error: String?
    var httpStatus: Int?
    var retryAfter: Int?
    var newState: PublicationState
    var nextAttemptAt: Int64?
    var postID: String?
    var postURL: String?
    var partIDs: [String]
    var reason: String?
    /// The event to emit once committed, if any.
    var event: String?
}

extension Outbox {
    /// Due rows (pending or unconfirmed, next attempt at or before `now`), soonest first, leaving out platforms whose
    /// concurrency cap is reached (`saturated`) and pending rows of platforms with no rate-limit token left
    /// (`outOfTokens`), so one busy platform cannot hide the due work of the others.
    func dueRows(now: Int64, limit: Int, saturated: Set<String> = [], outOfTokens: Set<String> = []) async throws -> [DueRow] {
        var sql = "SELECT id, platform, state, next_attempt_at FROM publications WHERE state IN ('pending', 'unconfirmed') AND next_attempt_at <= ?"
        var args: [DatabaseValue] = [now.databaseValue]
        if !saturated.isEmpty {
            sql += " AND platform NOT IN (\(saturated.map { _ in "?" }.joined(separator: ",")))"
            args += saturated.sorted().map(\.databaseValue)
        }
        if !outOfTokens.isEmpty {
            sql += " AND NOT (state = 'pending' AND platform IN (\(outOfTokens.map { _ in "?" }.joined(separator: ","))))"
            args += outOfTokens.sorted().map(\.databaseValue)
        }
        sql += " ORDER BY next_attempt_at, id LIMIT ?"
        args.append(limit.databaseValue)
        let statement = sql
        let arguments = StatementArguments(args)
        return try await writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: statement), arguments: arguments).map {
                DueRow(id: $0[0], platform: $0[1], state: PublicationState(rawValue: $0[2]) ?? .pending, nextAttemptAt: $0[3])
            }
        }
    }

    /// The soonest next attempt after `now`, if any.
    func nextDue(after now: Int64) async throws -> Int64? {
        try await writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM publications WHERE state IN ('pending', 'unconfirmed') AND next_attempt_at > ?", arguments: [now])
        }
    }

    /// Claims rows in one transaction, committed before any platform call: a pending row moves to `publishing`
    /// (so a crash after this point is recovered as an unknown outcome, never silently re-posted); an unconfirmed
    /// row gets a reconciliation lease (its next attempt moves `leaseMS` ahead so it is not looked up twice).
    /// Rows that changed meanwhile (cancelled) are skipped.
    func claim(_ rows: [DueRow], now: Int64, leaseMS: Int64) async throws -> [ClaimedWork] {
        try await writer.write { db in
            var out: [ClaimedWork] = []
            var accounts: [String: Data?] = [:]
            for r in rows {
                let kind: ClaimedWork.Kind
                if r.state == .pending {
                    try db.cachedStatement(sql: """
                        UPDATE publications SET state = 'publishing', attempts = attempts + 1, round_attempts = round_attempts + 1, updated_at = ?
                        WHERE id = ? AND state = 'pending'
                        """).execute(arguments: [now, r.id])
                    kind = .publish
                } else {
                    try db.execute(sql: """
                        UPDATE publications SET next_attempt_at = ?, round_attempts = round_attempts + 1, updated_at = ?
                        WHERE id = ? AND state = 'unconfirmed'
                        """, arguments: [now + leaseMS, now, r.id])
                    kind = .reconcile
                }
                guard db.changesCount == 1,
                      let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.columns) FROM publications WHERE id = ?"), arguments: [r.id]) else { continue }
                let p = Self.publication(from: row)
                let number = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM publication_attempts WHERE publication_id = ?"), arguments: [r.id]) ?? 0
                try db.cachedStatement(sql: "INSERT INTO publication_attempts(publication_id, number, kind, started_at) VALUES (?,?,?,?)")
                    .execute(arguments: [r.id, number + 1, kind.rawValue, now])
                let attemptID = db.lastInsertedRowID
                if accounts[p.accountID] == nil {
                    let account = try Row.fetchOne(db.cachedStatement(sql: "SELECT credentials FROM publishing_accounts WHERE id = ?"), arguments: [p.accountID])
                    accounts[p.accountID] = account.map { $0["credentials"] as Data? ?? Data() }
                }
                let blob = accounts[p.accountID] ?? nil
                out.append(ClaimedWork(kind: kind, publication: p, attemptID: attemptID, roundAttempts: row[20], language: row[18],
                                       media: Self.decode(row[19]), sealedCredentials: blob.flatMap { $0.isEmpty ? nil : Array($0) }, accountExists: blob != nil))
            }
            return out
        }
    }

    /// Writes resolutions (attempt record and publication state together) in one transaction; returns the
    /// publications that changed, paired with their event.
    func apply(_ resolutions: [Resolution]) async throws -> [(String?, Publication)] {
        try await writer.write { db in
            var out: [(String?, Publication)] = []
            for r in resolutions {
                try db.cachedStatement(sql: "UPDATE publication_attempts SET finished_at = ?, outcome = ?, error = ?, http_status = ?, retry_after = ? WHERE id = ?")
                    .execute(arguments: [r.finishedAt, r.outcome, r.error, r.httpStatus, r.retryAfter, r.attemptID])
                try db.cachedStatement(sql: """
                    UPDATE publications SET state = ?, next_attempt_at = ?, post_id = COALESCE(?, post_id), post_url = COALESCE(?, post_url),
                        part_ids_json = ?, reason = ?, updated_at = ?
                    WHERE id = ? AND state = ?
                    """).execute(arguments: [r.newState.rawValue, r.nextAttemptAt, r.postID, r.postURL, Self.json(r.partIDs), r.reason, r.finishedAt,
                                             r.publicationID, r.expected.rawValue])
                if db.changesCount == 1 {
                    var p = r.publication
                    p.state = r.newState
                    p.nextAttemptAt = r.nextAttemptAt.map(AccountVault.date)
                    if let id = r.postID { p.postID = id }
                    if let url = r.postURL { p.postURL = url }
                    p.partIDs = r.partIDs
                    p.reason = r.reason
                    p.updatedAt = AccountVault.date(r.finishedAt)
                    out.append((r.event, p))
                }
            }
            return out
        }
    }

    /// After a restart: publications left `publishing` by a crash are unknown outcomes. Each goes back to
    /// `pending` (retried under the same idempotency key) when `retryUnderKey` says its platform takes the key and
    /// the attempt is recent enough, otherwise to `unconfirmed` (looked up before any retry). Reconciliation leases
    /// are released. Attempts left open are closed as `interrupted`.
    func recoverInterrupted(now: Int64, retryUnderKey: @escaping @Sendable (_ platform: String, _ startedAt: Int64) -> Bool) async throws -> [(String?, Publication)] {
        try await writer.write { db in
            var out: [(String?, Publication)] = []
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.id, p.platform, (SELECT MAX(started_at) FROM publication_attempts a WHERE a.publication_id = p.id) AS started
                FROM publications p WHERE p.state = 'publishing'
                """)
            try db.execute(sql: """
                UPDATE publication_attempts SET finished_at = ?, outcome = 'interrupted', error = 'the process stopped during this attempt; its outcome is unknown'
                WHERE finished_at IS NULL
                """, arguments: [now])
            for row in rows {
                let id: Int64 = row["id"]
                let started: Int64 = row["started"] ?? 0
                let again = retryUnderKey(row["platform"], started)
                try db.execute(sql: "UPDATE publications SET state = ?, next_attempt_at = ?, reason = ?, updated_at = ? WHERE id = ?",
                               arguments: [again ? "pending" : "unconfirmed", now,
                                           again ? "interrupted by a restart; retrying under the same idempotency key" : "interrupted by a restart; checking the platform before any retry",
                                           now, id])
                if let p = try Self.fetch(db, id: id) { out.append((again ? "publication.retrying" : "publication.unconfirmed", p)) }
            }
            try db.execute(sql: "UPDATE publications SET next_attempt_at = ? WHERE state = 'unconfirmed' AND next_attempt_at > ?", arguments: [now, now])
            return out
        }
    }

    func emit(_ changes: [(String?, Publication)]) {
        guard let events else { return }
        for (type, p) in changes { if let type { events(PublishingEvent(type: type, publication: p)) } }
    }
}
