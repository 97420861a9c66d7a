import Foundation
import GRDB
import Platforms

/// One target of a schedule request: an account, an optional time and the post formatted for its platform.
public struct PublicationTarget: Sendable {
    /// The connected account (``ConnectedAccount/id``).
    public var accountID: String
    /// When to publish (UTC); nil means the next good slot in the creator's time zone.
    public var at: Date?
    /// The post as ``PostFormatter`` rendered it for the account's platform; refused when `fits` is false.
    public var post: FormattedPost

    /// A target.
    public init(accountID: String, at: Date? = nil, post: FormattedPost) {
        self.accountID = accountID
        self.at = at
        self.post = post
    }
}

/// Filters for ``Outbox/list(_:)``.
public struct PublicationQuery: Sendable {
    /// Whose publications (required).
    public var creator: String
    /// Only in these states (all when empty).
    public var states: [PublicationState] = []
    /// Only to this account.
    public var accountID: String?
    /// Only on this platform.
    public var platform: String?
    /// Only of this content item.
    public var contentID: String?
    /// Only due at or after this instant.
    public var dueFrom: Date?
    /// Only due before this instant.
    public var dueBefore: Date?
    /// Page size (1–500).
    public var limit: Int = 50
    /// Cursor: the last id of the previous page (pages are ordered by due time, then id).
    public var after: Int64?

    /// A query for a creator's publications.
    public init(creator: String) { self.creator = creator }
}

/// The durable outbox: publications in SQLite, created one per target in one transaction, moved through their
/// states only inside transactions.
///
/// The scheduler (``Scheduler``) claims due publications from here; the REST layer calls ``schedule(contentID:creator:targets:timeZone:language:media:goodSlots:)``,
/// ``cancel(id:creator:)``, ``retry(id:creator:)``, ``list(_:)``, ``publication(id:creator:)`` and
/// ``history(id:creator:)``.
///
/// ```swift
/// let outbox = Outbox(writer: db, catalog: catalog, events: { bus.publish($0.type, $0.publication) })
/// let pubs = try await outbox.schedule(contentID: "c1", creator: user, targets: [
///     PublicationTarget(accountID: mastodon.id, at: nil, post: PostFormatter.format(source, for: profile)),
/// ], timeZone: "Europe/Berlin")
/// ```
public final class Outbox: Sendable {
    /// The database (shared with ``AccountVault``).
    public let writer: any DatabaseWriter
    /// Platform profiles (default good slots).
    public let catalog: PlatformCatalog
    /// The clock.
    public let clock: any PublishingClock
    /// How far in the past a requested time may be and still be accepted (clock skew, a slow form): 60 s.
    public let pastGraceSeconds: Double
    let events: PublishingEventSink?
    /// Called after a change that may make work due sooner (the scheduler wakes up).
    let wakeHook = WakeHook()

    /// An outbox on an open publishing database.
    public init(writer: any DatabaseWriter, catalog: PlatformCatalog, clock: any PublishingClock = SystemPublishingClock(),
                pastGraceSeconds: Double = 60, events: PublishingEventSink? = nil) {
        self.writer = writer
        self.catalog = catalog
        self.clock = clock
        self.pastGraceSeconds = pastGraceSeconds
        self.events = events
    }

    // MARK: Scheduling

    /// Creates one publication per target, all in one transaction (all or none).
    ///
    /// - Parameters:
    ///   - timeZone: The creator's IANA time zone; used for targets without a time (next good slot).
    ///   - goodSlots: The creator's ranked good slots per platform (``BestTimes/rank(_:platform:profile:timeZone:)``);
    ///     platforms not in it use their profile's defaults.
    /// - Throws: ``PublishingError`` naming the target at fault: an account that is not connected or not the
    ///   creator's, a time in the past (more than ``pastGraceSeconds``), a post that does not fit, an unknown zone.
    public func schedule(contentID: String, creator: String, targets: [PublicationTarget], timeZone: String,
                         language: String? = nil, media: [String] = [], goodSlots: [String: [WeeklySlot]] = [:]) async throws(PublishingError) -> [Publication] {
        guard !contentID.isEmpty else { throw PublishingError(.invalidInput, "content id is required", field: "content_id") }
        guard !creator.isEmpty else { throw PublishingError(.invalidInput, "creator is required", field: "creator") }
        guard !targets.isEmpty else { throw PublishingError(.invalidInput, "give at least one target account", field: "targets") }
        guard targets.count <= 100 else { throw PublishingError(.invalidInput, "at most 100 targets per request, got \(targets.count)", field: "targets") }
        let zone = try ZonedTime.zone(timeZone)
        let now = clock.now()
        var seen = Set<String>()
        for (i, t) in targets.enumerated() {
            if !seen.insert(t.accountID).inserted {
                throw PublishingError(.invalidInput, "account '\(t.accountID)' is listed twice", field: "targets[\(i)].account")
            }
            if let at = t.at, at.timeIntervalSince(now) < -pastGraceSeconds {
                throw PublishingError(.timeInPast, "\(Self.rfc3339(at)) is in the past (now is \(Self.rfc3339(now))); choose a later time or leave it out for the next good slot", field: "targets[\(i)].at")
            }
            if t.post.parts.isEmpty || t.post.parts.allSatisfy({ $0.text.isEmpty }) {
                throw PublishingError(.invalidInput, "the post for target \(i) is empty", field: "targets[\(i)].post")
            }
        }
        let parts = targets.map { $0.post.parts.map(\.text) }
        let mediaJSON = Self.json(media)
        let catalog = self.catalog
        let created: [Publication]
        do {
            created = try await writer.write { db in
                var out: [Publication] = []
                for (i, t) in targets.enumerated() {
                    guard let acc = try Row.fetchOne(db, sql: "SELECT creator, platform, handle, text_limit FROM publishing_accounts WHERE id = ?", arguments: [t.accountID]) else {
                        throw PublishingError(.accountNotConnected, "account '\(t.accountID)' is not connected; connect it first", field: "targets[\(i)].account")
                    }
                    guard (acc["creator"] as String) == creator else {
                        throw PublishingError(.accountNotConnected, "account '\(t.accountID)' is not one of your connected accounts", field: "targets[\(i)].account")
                    }
                    let platform: String = acc["platform"]
                    let handle: String = acc["handle"]
                    let profile = catalog.profile(platform)
                    if profile != nil, t.post.platform != platform {
                        throw PublishingError(.invalidInput, "the post for \(handle) was formatted for \(t.post.platform), but the account is on \(platform)", field: "targets[\(i)].post")
                    }
                    try Self.checkFits(t.post, handle: handle, platformName: profile?.name ?? platform, accountLimit: acc["text_limit"], field: "targets[\(i)].post")
                    let due = t.at ?? BestTimes.nextGoodSlot(after: now, slots: goodSlots[platform] ?? profile?.bestTimes ?? [], timeZone: zone)
                    let dueMS = AccountVault.ms(due), nowMS = AccountVault.ms(now)
                    try db.execute(sql: """
                        INSERT INTO publications(content_id, creator, account_id, platform, parts_json, language, media_json, time_zone,
                            idempotency_key, due_at, next_attempt_at, state, created_at, updated_at)
                        VALUES (?,?,?,?,?,?,?,?,?,?,?,'pending',?,?)
                        """, arguments: [contentID, creator, t.accountID, platform, Self.json(parts[i]), language, mediaJSON, zone.identifier,
                                         "tmp-\(i)-\(nowMS)-\(UInt64.random(in: 0...UInt64.max))", dueMS, dueMS, nowMS, nowMS])
                    let id = db.lastInsertedRowID
                    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
                    try db.execute(sql: "UPDATE publications SET idempotency_key = ? WHERE id = ?", arguments: ["pub-\(id)-\(suffix)", id])
                    out.append(try Self.fetch(db, id: id)!)
                }
                return out
            }
        } catch let e as PublishingError {
            throw e
        } catch {
            throw PublishingError.storage(error, "scheduling")
        }
        for p in created { events?(PublishingEvent(type: "publication.scheduled", publication: p)) }
        wakeHook.fire()
        return created
    }

    /// Cancels a pending publication. Publications already claimed by a worker (`publishing`), unconfirmed or
    /// finished cannot be cancelled.
    public func cancel(id: Int64, creator: String) async throws(PublishingError) -> Publication {
        let now = AccountVault.ms(clock.now())
        let p = try await transition(id: id, creator: creator, what: "cancelling") { db, p in
            guard p.state == .pending else {
                throw PublishingError(.invalidState, "publication \(id) is \(p.state.rawValue) and can no longer be cancelled; only pending publications can", field: "id")
            }
            try db.execute(sql: "UPDATE publications SET state = 'cancelled', next_attempt_at = NULL, reason = 'cancelled by the creator', updated_at = ? WHERE id = ? AND state = 'pending'", arguments: [now, id])
        }
        events?(PublishingEvent(type: "publication.cancelled", publication: p))
        return p
    }

    /// Moves a pending publication to another time (the calendar's drag to reschedule).
    ///
    /// - Throws: ``PublishingError/Code/timeInPast`` for a time more than ``pastGraceSeconds`` ago;
    ///   ``PublishingError/Code/invalidState`` unless it is pending.
    public func reschedule(id: Int64, creator: String, at: Date) async throws(PublishingError) -> Publication {
        let nowDate = clock.now()
        if at.timeIntervalSince(nowDate) < -pastGraceSeconds {
            throw PublishingError(.timeInPast, "\(Self.rfc3339(at)) is in the past (now is \(Self.rfc3339(nowDate)))", field: "at")
        }
        let now = AccountVault.ms(nowDate), due = AccountVault.ms(at)
        let p = try await transition(id: id, creator: creator, what: "rescheduling") { db, p in
            guard p.state == .pending else {
                throw PublishingError(.invalidState, "publication \(id) is \(p.state.rawValue); only pending publications can be moved", field: "id")
            }
            try db.execute(sql: "UPDATE publications SET due_at = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'", arguments: [due, due, now, id])
        }
        events?(PublishingEvent(type: "publication.scheduled", publication: p))
        wakeHook.fire()
        return p
    }

    /// Puts a failed publication back in the queue, due now, with a fresh retry budget and the same idempotency key.
    public func retry(id: Int64, creator: String) async throws(PublishingError) -> Publication {
        let now = AccountVault.ms(clock.now())
        let p = try await transition(id: id, creator: creator, what: "retrying") { db, p in
            guard p.state == .failed else {
                throw PublishingError(.invalidState, "publication \(id) is \(p.state.rawValue); only failed publications can be retried", field: "id")
            }
            try db.execute(sql: "UPDATE publications SET state = 'pending', next_attempt_at = ?, round_attempts = 0, reason = NULL, updated_at = ? WHERE id = ? AND state = 'failed'", arguments: [now, now, id])
        }
        events?(PublishingEvent(type: "publication.retrying", publication: p))
        wakeHook.fire()
        return p
    }

    /// Marks a publication that waits for a manual upload as published, once the creator confirms it
    /// (optionally with the post's id and link).
    public func confirmManual(id: Int64, creator: String, postID: String?, postURL: String?) async throws(PublishingError) -> Publication {
        let now = AccountVault.ms(clock.now())
        let p = try await transition(id: id, creator: creator, what: "confirming") { db, p in
            guard p.state == .awaitingManual else {
                throw PublishingError(.invalidState, "publication \(id) is \(p.state.rawValue), not awaiting a manual upload", field: "id")
            }
            try db.execute(sql: "UPDATE publications SET state = 'published', post_id = COALESCE(?, post_id), post_url = COALESCE(?, post_url), updated_at = ? WHERE id = ?",
                           arguments: [postID, postURL, now, id])
        }
        events?(PublishingEvent(type: "publication.published", publication: p))
        return p
    }

    // MARK: Reading

    /// One publication of the creator, or nil.
    public func publication(id: Int64, creator: String) async throws(PublishingError) -> Publication? {
        do {
            return try await writer.read { db in
                let p = try Self.fetch(db, id: id)
                return p?.creator == creator ? p : nil
            }
        } catch { throw PublishingError.storage(error, "reading a publication") }
    }

    /// Every attempt at a publication, oldest first (the history view).
    ///
    /// - Throws: ``PublishingError/Code/notFound`` when there is no such publication of this creator.
    public func history(id: Int64, creator: String) async throws(PublishingError) -> [PublicationAttempt] {
        let result: [PublicationAttempt]?
        do {
            result = try await writer.read { db -> [PublicationAttempt]? in
                guard let owner = try String.fetchOne(db, sql: "SELECT creator FROM publications WHERE id = ?", arguments: [id]), owner == creator else { return nil }
                return try Row.fetchAll(db, sql: "SELECT * FROM publication_attempts WHERE publication_id = ? ORDER BY id", arguments: [id]).map(Self.attempt(from:))
            }
        } catch { throw PublishingError.storage(error, "reading a publication's history") }
        guard let result else { throw PublishingError(.notFound, "there is no publication \(id)", field: "id") }
        return result
    }

    /// A page of the creator's publications ordered by due time, then id; `next` is the cursor of the next page.
    public func list(_ query: PublicationQuery) async throws(PublishingError) -> (publications: [Publication], next: Int64?) {
        guard (1...500).contains(query.limit) else { throw PublishingError(.invalidInput, "limit must be between 1 and 500", field: "limit") }
        var sql = "SELECT \(Self.columns) FROM publications WHERE creator = ?"
        var args: [any DatabaseValueConvertible] = [query.creator]
        if !query.states.isEmpty {
            sql += " AND state IN (\(query.states.map { _ in "?" }.joined(separator: ",")))"
            args += query.states.map(\.rawValue)
        }
        if let a = query.accountID { sql += " AND account_id = ?"; args.append(a) }
        if let p = query.platform { sql += " AND platform = ?"; args.append(p) }
        if let c = query.contentID { sql += " AND content_id = ?"; args.append(c) }
        if let f = query.dueFrom { sql += " AND due_at >= ?"; args.append(AccountVault.ms(f)) }
        if let b = query.dueBefore { sql += " AND due_at < ?"; args.append(AccountVault.ms(b)) }
        if let after = query.after {
            sql += " AND (due_at, id) > (SELECT due_at, id FROM publications WHERE id = ?)"
            args.append(after)
        }
        sql += " ORDER BY due_at, id LIMIT ?"
        args.append(query.limit + 1)
        let arguments = StatementArguments(args.map { $0.databaseValue })
        let statement = sql
        let rows: [Publication]
        do {
            rows = try await writer.read { db in try Row.fetchAll(db, sql: statement, arguments: arguments).map(Self.publication(from:)) }
        } catch { throw PublishingError.storage(error, "listing publications") }
        let page = Array(rows.prefix(query.limit))
        return (page, rows.count > query.limit ? page.last?.id : nil)
    }

    /// How many publications are in each state (all creators; for metrics and the benchmark).
    public func counts() async throws(PublishingError) -> [PublicationState: Int] {
        do {
            return try await writer.read { db in
                var out: [PublicationState: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM publications GROUP BY state") {
                    if let s = PublicationState(rawValue: row["state"]) { out[s] = row["n"] }
                }
                return out
            }
        } catch { throw PublishingError.storage(error, "counting publications") }
    }

    // MARK: Helpers

    private func transition(id: Int64, creator: String, what: String, _ change: @escaping @Sendable (Database, Publication) throws -> Void) async throws(PublishingError) -> Publication {
        do {
            return try await writer.write { db in
                guard let p = try Self.fetch(db, id: id), p.creator == creator else {
                    throw PublishingError(.notFound, "there is no publication \(id)", field: "id")
                }
                try change(db, p)
                return try Self.fetch(db, id: id)!
            }
        } catch let e as PublishingError {
            throw e
        } catch {
            throw PublishingError.storage(error, what)
        }
    }

    static func checkFits(_ post: FormattedPost, handle: String, platformName: String, accountLimit: Int?, field: String) throws {
        if !post.fits {
            let detail = post.warnings.first.map { " (\($0))" } ?? ""
            let offer = post.threadAvailable ? "; make it a thread or shorten it" : "; shorten it"
            throw PublishingError(.doesNotFit, "the post for \(platformName) (\(handle)) does not fit\(detail)\(offer)", field: field)
        }
        if !post.mediaFits {
            let detail = post.warnings.first.map { " (\($0))" } ?? ""
            throw PublishingError(.doesNotFit, "the media of the post for \(platformName) (\(handle)) break the platform's rules\(detail)", field: field)
        }
        if let limit = accountLimit, let over = post.parts.first(where: { $0.length > limit }) {
            throw PublishingError(.doesNotFit, "the post for \(platformName) (\(handle)) is \(over.length) characters; this account's limit is \(limit)", field: field)
        }
    }

    static func fetch(_ db: Database, id: Int64) throws -> Publication? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM publications WHERE id = ?"), arguments: [id]).map(publication(from:))
    }

    /// The columns ``publication(from:)`` reads, by position (reading by name costs a lookup per column).
    static let columns = """
        id, content_id, creator, account_id, platform, parts_json, state, due_at, next_attempt_at, attempts, idempotency_key, \
        post_id, post_url, part_ids_json, reason, time_zone, created_at, updated_at, language, media_json, round_attempts
        """

    static func publication(from row: Row) -> Publication {
        let next: Int64? = row[8]
        return Publication(
            id: row[0], contentID: row[1], creator: row[2], accountID: row[3], platform: row[4],
            parts: StringArrayJSON.decode(row[5]), state: PublicationState(rawValue: row[6]) ?? .failed,
            dueAt: AccountVault.date(row[7]), nextAttemptAt: next.map(AccountVault.date), attempts: row[9],
            idempotencyKey: row[10], postID: row[11], postURL: row[12], partIDs: StringArrayJSON.decode(row[13]),
            reason: row[14], timeZone: row[15], createdAt: AccountVault.date(row[16]), updatedAt: AccountVault.date(row[17]))
    }

    static func attempt(from row: Row) -> PublicationAttempt {
        let finished: Int64? = row["finished_at"]
        return PublicationAttempt(number: row["number"], kind: row["kind"], startedAt: AccountVault.date(row["started_at"]), finishedAt: finished.map(AccountVault.date),
                                  outcome: row["outcome"], error: row["error"], httpStatus: row["http_status"], retryAfterSeconds: row["retry_after"])
    }

    static func json(_ strings: [String]) -> String { StringArrayJSON.encode(strings) }

    static func decode(_ json: String) -> [String] { StringArrayJSON.decode(json) }

    static func rfc3339(_ date: Date) -> String {
        let l = ZonedTime.local(date, in: TimeZone(identifier: "UTC")!)
        return l.description + "Z"
    }
}
