import CivilDate
import Content
import FoundationEssentials
import Glibc
import GRDB
import HTTP

/// One generation job as stored: the validated request, who asked, where it stands and what came of it.
public struct GenerationJob: Sendable, Hashable {
    /// Where a job stands.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for a worker.
        case queued
        /// A worker has it (back to `queued` when the daemon restarts before it finished).
        case running
        /// Finished with a result.
        case succeeded
        /// Finished with an error (the problem is kept).
        case failed
    }

    /// The job's id (UUIDv7 text: sorts by creation).
    public let id: String
    /// The creator (user id) it runs for.
    public let creator: String
    /// The content kind requested.
    public let kind: String
    /// The validated request body.
    public let request: JSONValue
    /// The id the stored content will have: chosen when queued, so a job re-run after a crash stores it once.
    public let contentID: String
    /// Where it stands.
    public var status: Status
    /// The result (`succeeded`).
    public var result: JSONValue?
    /// The problem (`failed`): status, title, detail.
    public var error: JSONValue?
    /// How many times a worker started it (more than 1 after a restart mid-run).
    public var runs: Int
    /// When queued, started and finished (RFC 3339 UTC).
    public var createdAt: String
    /// When a worker last started it.
    public var startedAt: String?
    /// When it finished.
    public var finishedAt: String?

    /// The job as the API shows it.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "creator_id": .string(creator), "kind": .string(kind), "status": .string(status.rawValue),
            "content_id": .string(contentID), "runs": .int(Int64(runs)), "created_at": .string(createdAt),
            "href": .string("/api/v1/jobs/\(id)"), "request": request,
        ]
        if let startedAt { members["started_at"] = .string(startedAt) }
        if let finishedAt { members["finished_at"] = .string(finishedAt) }
        if let result { members["result"] = result }
        if let error { members["error"] = error }
        return .object(members)
    }
}

/// The durable job queue and the per-creator spend ledger, in one SQLite file (WAL, synchronous=FULL:
/// a job acknowledged with 202 survives `kill -9`).
public final class JobStore: Sendable {
    /// The database.
    public let writer: any DatabaseWriter

    /// Wraps an open database and creates the tables.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE job (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    creator TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    request TEXT NOT NULL,
                    content_id TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed')),
                    result TEXT,
                    error TEXT,
                    runs INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT
                );
                CREATE INDEX job_status ON job(status, seq);
                CREATE INDEX job_creator ON job(creator, seq);
                CREATE TABLE spend (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    creator TEXT NOT NULL,
                    day TEXT NOT NULL,
                    model TEXT NOT NULL,
                    micros INTEGER NOT NULL CHECK (micros >= 0),
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    job_id TEXT,
                    at TEXT NOT NULL
                );
                CREATE INDEX spend_creator_day ON spend(creator, day);
                CREATE TABLE style_guide (
                    creator TEXT PRIMARY KEY,
                    guide TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                """)
        }
        try migrator.migrate(writer)
    }

    /// Opens (or creates) the file at `path`.
    public static func open(path: String) throws -> JobStore {
        var c = Configuration()
        c.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        c.busyMode = .timeout(10)
        return try JobStore(writer: try DatabasePool(path: path, configuration: c))
    }

    /// An in-memory store (tests).
    public static func inMemory() throws -> JobStore { try JobStore(writer: try DatabaseQueue()) }

    /// Queues jobs in one transaction; all or none.
    public func enqueue(_ jobs: [(creator: String, kind: String, request: JSONValue)]) throws -> [GenerationJob] {
        let now = Timestamps.now()
        let made = jobs.map { item in
            GenerationJob(id: UUIDv7.make(), creator: item.creator, kind: item.kind, request: item.request, contentID: UUIDv7.make(),
                          status: .queued, result: nil, error: nil, runs: 0, createdAt: now, startedAt: nil, finishedAt: nil)
        }
        try writer.write { db in
            for job in made {
                try db.execute(sql: "INSERT INTO job (id, creator, kind, request, content_id, status, created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)",
                               arguments: [job.id, job.creator, job.kind, job.request.text, job.contentID, job.createdAt])
            }
        }
        return made
    }

    /// Jobs a previous run left `running` go back to the queue (the daemon calls this once at start).
    @discardableResult
    public func requeueInterrupted() throws -> Int {
        try writer.write { db in
            try db.execute(sql: "UPDATE job SET status = 'queued' WHERE status = 'running'")
            return db.changesCount
        }
    }

    /// Takes the oldest queued job and marks it running, or nil when none waits.
    public func claim() throws -> GenerationJob? {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE status = 'queued' ORDER BY seq LIMIT 1") else { return nil }
            let now = Timestamps.now()
            try db.execute(sql: "UPDATE job SET status = 'running', runs = runs + 1, started_at = ? WHERE seq = ?",
                           arguments: [now, row["seq"] as Int64])
            var job = try Self.job(row)
            job.status = .running
            job.runs += 1
            job.startedAt = now
            return job
        }
    }

    /// Records how a job ended.
    public func finish(_ id: String, result: JSONValue?, error: JSONValue?) throws -> GenerationJob? {
        try writer.write { db in
            try db.execute(sql: "UPDATE job SET status = ?, result = ?, error = ?, finished_at = ? WHERE id = ?",
                           arguments: [error == nil ? "succeeded" : "failed", result?.text, error?.text, Timestamps.now(), id])
            return try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(Self.job)
        }
    }

    /// One job.
    public func job(_ id: String) throws -> GenerationJob? {
        try writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(Self.job) }
    }

    /// Jobs newest first, optionally of one creator and status, before the cursor `before` (a job id).
    public func list(creator: String?, status: GenerationJob.Status?, before: String?, limit: Int) throws -> [GenerationJob] {
        try writer.read { db in
            var sql = "SELECT * FROM job WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let creator { sql += " AND creator = ?"; _ = arguments.append(contentsOf: [creator]) }
            if let status { sql += " AND status = ?"; _ = arguments.append(contentsOf: [status.rawValue]) }
            if let before { sql += " AND seq < (SELECT seq FROM job WHERE id = ?)"; _ = arguments.append(contentsOf: [before]) }
            sql += " ORDER BY seq DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.job)
        }
    }

    /// How many jobs are in each state.
    public func counts() throws -> [GenerationJob.Status: Int] {
        try writer.read { db in
            var out: [GenerationJob.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") {
                if let status = GenerationJob.Status(rawValue: row["status"]) { out[status] = row["n"] }
            }
            return out
        }
    }

    /// Micro-units a creator has spent on `day` (YYYY-MM-DD, UTC).
    public func spent(creator: String, day: String) throws -> Int64 {
        try writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(micros), 0) FROM spend WHERE creator = ? AND day = ?", arguments: [creator, day]) ?? 0
        }
    }

    /// Records the cost of one model call.
    public func recordSpend(creator: String, day: String, model: String, micros: Int64, inputTokens: Int, outputTokens: Int, jobID: String? = nil) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO spend (creator, day, model, micros, input_tokens, output_tokens, job_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [creator, day, model, max(0, micros), inputTokens, outputTokens, jobID, Timestamps.now()])
        }
    }

    /// Spend and tokens per creator and model over the days `from...to` (YYYY-MM-DD), for billing and the dashboard.
    public func usage(creator: String?, from: String, to: String) throws -> [JSONValue] {
        try writer.read { db in
            var sql = "SELECT creator, model, SUM(micros) AS micros, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, COUNT(*) AS calls FROM spend WHERE day >= ? AND day <= ?"
            var arguments: StatementArguments = [from, to]
            if let creator { sql += " AND creator = ?"; _ = arguments.append(contentsOf: [creator]) }
            sql += " GROUP BY creator, model ORDER BY creator, model"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                .object(["creator_id": .string(row["creator"]), "model": .string(row["model"]),
                         "cost_micros": .int(row["micros"]), "input_tokens": .int(row["input_tokens"]),
                         "output_tokens": .int(row["output_tokens"]), "calls": .int(row["calls"])])
            }
        }
    }

    /// A creator's stored style guide (JSON), or nil.
    public func styleGuide(creator: String) throws -> JSONValue? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT guide FROM style_guide WHERE creator = ?", arguments: [creator]).flatMap { try? JSONValue.parse($0) }
        }
    }

    /// Replaces a creator's style guide.
    public func setStyleGuide(creator: String, json: JSONValue) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO style_guide (creator, guide, updated_at) VALUES (?, ?, ?) ON CONFLICT(creator) DO UPDATE SET guide = excluded.guide, updated_at = excluded.updated_at",
                           arguments: [creator, json.text, Timestamps.now()])
        }
    }

    static func job(_ row: Row) throws -> GenerationJob {
        func json(_ text: String?) -> JSONValue? { text.flatMap { try? JSONValue.parse($0) } }
        return GenerationJob(
            id: row["id"], creator: row["creator"], kind: row["kind"], request: json(row["request"]) ?? .null, contentID: row["content_id"],
            status: GenerationJob.Status(rawValue: row["status"]) ?? .failed, result: json(row["result"]), error: json(row["error"]),
            runs: row["runs"], createdAt: row["created_at"], startedAt: row["started_at"], finishedAt: row["finished_at"])
    }
}

/// RFC 3339 UTC timestamps and UTC day keys for jobs and spend.
enum Timestamps {
    /// Now, to the millisecond: `2026-12-01T22:30:00.123Z`.
    static func now() -> String { Timestamp.format(milliseconds: WallClock.epochMilliseconds()) }

    /// Today's UTC day, `YYYY-MM-DD`.
    static func today() -> String { CivilDate.day(unixSeconds: WallClock.epochMilliseconds() / 1000) }
}
