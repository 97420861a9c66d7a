import GRDB

/// The Accounts tables, as named, ordered migrations run at open.
enum AccountsSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("accounts.v1.users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY NOT NULL,
                    email TEXT NOT NULL,
                    email_key TEXT NOT NULL UNIQUE,
                    email_skeleton TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'creator', 'viewer')),
                    status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    tokens_invalid_before INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX users_created ON users(created_at, id);
                """)
        }
        m.registerMigration("accounts.v1.sessions") { db in
            try db.execute(sql: """
                CREATE TABLE refresh_families (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    revoked_reason TEXT
                );
                CREATE INDEX refresh_families_user ON refresh_families(user_id);
                CREATE TABLE refresh_tokens (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    family_id TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
                    issued_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                );
                CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
                """)
        }
        m.registerMigration("accounts.v1.api_keys") { db in
            try db.execute(sql: """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    last_used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE INDEX api_keys_user ON api_keys(user_id);
                CREATE TABLE api_key_usage (
                    key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
                    day TEXT NOT NULL,
                    requests INTEGER NOT NULL,
                    PRIMARY KEY (key_id, day)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("accounts.v1.keys_and_setup") { db in
            try db.execute(sql: """
                CREATE TABLE signing_keys (
                    kid TEXT PRIMARY KEY NOT NULL,
                    file TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    retired_at INTEGER
                );
                CREATE TABLE setup_tokens (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    created_at INTEGER NOT NULL
                );
                """)
        }
        m.registerMigration("accounts.v1.audit") { db in
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    event TEXT NOT NULL,
                    actor_id TEXT,
                    subject_id TEXT,
                    ip TEXT,
                    detail TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX audit_event ON audit_log(event, id);
                CREATE TABLE audit_head (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    last_id INTEGER NOT NULL,
                    last_hash TEXT NOT NULL
                );
                """)
        }
        return m
    }
}
