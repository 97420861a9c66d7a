import GRDB

/// The publishing tables in SQLite: connected accounts (credentials sealed), publications (the outbox) and
/// every publish attempt.
///
/// ```swift
/// let db = try PublishingDatabase.open(path: dataDir + "/publishing.sqlite")
/// let vault = try AccountVault(writer: db, key: try VaultKey.loadOrCreate(directory: dataDir))
/// ```
public enum PublishingDatabase {
    /// Opens (or creates) the database file in WAL mode with synchronous=FULL (an acknowledged write survives a
    /// `kill -9` and power loss) and runs the migrations.
    public static func open(path: String) throws(PublishingError) -> any DatabaseWriter {
        var c = Configuration()
        c.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        c.busyMode = .timeout(10)
        do {
            let pool = try DatabasePool(path: path, configuration: c)
            try migrate(pool)
            return pool
        } catch {
            throw PublishingError(.storage, "cannot open the publishing database at \(path): \(error)")
        }
    }

    /// Runs the migrations on a database opened elsewhere (a `DatabaseQueue` in tests).
    public static func migrate(_ writer: any DatabaseWriter) throws {
        try migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("publishing-1") { db in
            try db.execute(sql: """
                CREATE TABLE publishing_accounts (
                    id TEXT PRIMARY KEY,
                    creator TEXT NOT NULL,
                    platform TEXT NOT NULL,
                    label TEXT NOT NULL,
                    handle TEXT NOT NULL,
                    text_limit INTEGER,
                    credentials BLOB,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX publishing_accounts_creator ON publishing_accounts(creator, created_at);
                CREATE TABLE publications (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    content_id TEXT NOT NULL,
                    creator TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    platform TEXT NOT NULL,
                    parts_json TEXT NOT NULL,
                    language TEXT,
                    media_json TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    due_at INTEGER NOT NULL,
                    next_attempt_at INTEGER,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    round_attempts INTEGER NOT NULL DEFAULT 0,
                    post_id TEXT,
                    post_url TEXT,
                    part_ids_json TEXT NOT NULL DEFAULT '[]',
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX publications_due ON publications(state, next_attempt_at);
                CREATE INDEX publications_creator ON publications(creator, due_at);
                CREATE TABLE publication_attempts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    publication_id INTEGER NOT NULL REFERENCES publications(id),
                    number INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    outcome TEXT,
                    error TEXT,
                    http_status INTEGER,
                    retry_after INTEGER
                );
                CREATE INDEX publication_attempts_pub ON publication_attempts(publication_id, id);
                """)
        }
        return m
    }
}
