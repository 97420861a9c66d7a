import Crypto
import Foundation
import GRDB

/// A kind of security event recorded in the audit log.
public struct AuditEvent: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Dotted event name.
    public let rawValue: String
    /// Creates an event kind (the app may record its own, e.g. `content.deleted`).
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The event name.
    public var description: String { rawValue }

    /// Someone signed in.
    public static let signInSucceeded = AuditEvent(rawValue: "sign_in.succeeded")
    /// A sign-in failed (wrong password or unknown email).
    public static let signInFailed = AuditEvent(rawValue: "sign_in.failed")
    /// Failures started a sign-in delay for an account.
    public static let signInLocked = AuditEvent(rawValue: "sign_in.locked")
    /// A refresh-token family was revoked (logout, reuse, disable, password change).
    public static let tokenFamilyRevoked = AuditEvent(rawValue: "token_family.revoked")
    /// An API key was created.
    public static let apiKeyCreated = AuditEvent(rawValue: "api_key.created")
    /// An API key was revoked.
    public static let apiKeyRevoked = AuditEvent(rawValue: "api_key.revoked")
    /// A user was created.
    public static let userCreated = AuditEvent(rawValue: "user.created")
    /// A user's role changed.
    public static let roleChanged = AuditEvent(rawValue: "user.role_changed")
    /// A user was disabled.
    public static let userDisabled = AuditEvent(rawValue: "user.disabled")
    /// A user was enabled again.
    public static let userEnabled = AuditEvent(rawValue: "user.enabled")
    /// A user's email or display name changed.
    public static let userUpdated = AuditEvent(rawValue: "user.updated")
    /// A user was deleted.
    public static let userDeleted = AuditEvent(rawValue: "user.deleted")
    /// A password was changed or reset.
    public static let passwordChanged = AuditEvent(rawValue: "user.password_changed")
    /// The first admin was created with the setup token.
    public static let setupCompleted = AuditEvent(rawValue: "setup.completed")
    /// The JWT signing key was rotated.
    public static let signingKeyRotated = AuditEvent(rawValue: "signing_key.rotated")
}

/// One row of the audit log.
public struct AuditEntry: Sendable, Equatable {
    /// Position in the log (1, 2, 3…; never reused).
    public var id: Int64
    /// When it happened.
    public var at: Date
    /// What happened.
    public var event: AuditEvent
    /// Who did it, if known.
    public var actorID: UUID?
    /// What it was done to (a user id, key id, family id…).
    public var subjectID: String?
    /// Client address, if known.
    public var ip: String?
    /// Extra facts (`{"old_role": "viewer", "new_role": "creator"}`); never secrets.
    public var detail: [String: String]
}

/// Filters for reading the audit log, newest first.
public struct AuditQuery: Sendable {
    /// Only this event.
    public var event: AuditEvent?
    /// Only events by this actor.
    public var actorID: UUID?
    /// Only events about this subject.
    public var subjectID: String?
    /// Only events at or after this time.
    public var since: Date?
    /// Only events before this time.
    public var until: Date?
    /// Page size (1–500).
    public var limit: Int
    /// Cursor from a previous page.
    public var after: String?

    /// Creates a query (50 newest entries by default).
    public init(event: AuditEvent? = nil, actorID: UUID? = nil, subjectID: String? = nil, since: Date? = nil,
                until: Date? = nil, limit: Int = 50, after: String? = nil) {
        self.event = event
        self.actorID = actorID
        self.subjectID = subjectID
        self.since = since
        self.until = until
        self.limit = limit
        self.after = after
    }
}

/// The result of checking the audit log's hash chain.
public struct AuditVerification: Sendable, Equatable {
    /// One thing found wrong.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// How the log was damaged.
        public enum Kind: String, Sendable {
            /// The row's content no longer matches its hash.
            case edited
            /// Rows are missing (a gap in ids, or rows after the last one present).
            case missing
            /// The row's link to the previous row does not match that row's hash.
            case brokenLink = "broken_link"
        }
        /// The kind of damage.
        public var kind: Kind
        /// The row concerned (for `missing`, the first missing id).
        public var rowID: Int64
        /// A readable explanation.
        public var message: String
        /// `kind at row: message`.
        public var description: String { "\(kind.rawValue) at row \(rowID): \(message)" }
    }

    /// Rows checked.
    public var checkedRows: Int
    /// Everything found wrong, in row order; empty when the log is intact.
    public var problems: [Problem]
    /// True when no problem was found.
    public var isIntact: Bool { problems.isEmpty }
}

/// The hash chain: each row stores SHA-256(previous row's hash ‖ its own canonical content).
enum AuditChain {
    static let genesis = String(repeating: "0", count: 64)

    static func hash(previous: String, id: Int64, at: Int64, event: String, actor: String?, subject: String?, ip: String?, detail: String) -> String {
        // Length-prefixed fields, so no choice of field values can make two rows serialise alike.
        var content = previous + "\n"
        for field in ["\(id)", "\(at)", event, actor ?? "\u{0}", subject ?? "\u{0}", ip ?? "\u{0}", detail] {
            content += "\(field.utf8.count):\(field)\n"
        }
        return SHA256.hexHash(content)
    }

    static func encodeDetail(_ detail: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(detail), as: UTF8.self)) ?? "{}"
    }

    /// Appends a row inside the caller's write transaction, so the event commits with the change it records.
    @discardableResult
    static func append(_ db: Database, at: Int64, event: AuditEvent, actor: UUID?, subject: String?, ip: String?,
                       detail: [String: String]) throws -> Int64 {
        let head = try Row.fetchOne(db, sql: "SELECT last_id, last_hash FROM audit_head WHERE singleton = 1")
        let previousHash: String = head?["last_hash"] ?? genesis
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0
        let id = sequence + 1
        let detailText = encodeDetail(detail)
        let actorText = actor?.uuidString.lowercased()
        let rowHash = hash(previous: previousHash, id: id, at: at, event: event.rawValue, actor: actorText, subject: subject, ip: ip, detail: detailText)
        try db.execute(sql: """
            INSERT INTO audit_log (id, at, event, actor_id, subject_id, ip, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, at, event.rawValue, actorText, subject, ip, detailText, previousHash, rowHash])
        try db.execute(sql: """
            INSERT INTO audit_head (singleton, last_id, last_hash) VALUES (1, ?, ?)
            ON CONFLICT(singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash
            """, arguments: [id, rowHash])
        return id
    }

    static func verify(_ db: Database) throws -> AuditVerification {
        var problems: [AuditVerification.Problem] = []
        var previousHash = genesis
        var previousID: Int64 = 0
        var checked = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT id, at, event, actor_id, subject_id, ip, detail, prev_hash, hash FROM audit_log ORDER BY id")
        while let row = try rows.next() {
            checked += 1
            let id: Int64 = row["id"]
            if id != previousID + 1 {
                problems.append(.init(kind: .missing, rowID: previousID + 1,
                                      message: "rows \(previousID + 1)…\(id - 1) are missing (deleted)"))
            }
            let storedPrevious: String = row["prev_hash"] ?? ""
            if storedPrevious != previousHash {
                problems.append(.init(kind: .brokenLink, rowID: id,
                                      message: "the link to the previous row does not match (a row before it was deleted or altered)"))
            }
            let expected = hash(previous: storedPrevious, id: id, at: row["at"] ?? 0, event: row["event"] ?? "",
                                actor: row["actor_id"], subject: row["subject_id"], ip: row["ip"], detail: row["detail"] ?? "")
            let storedHash: String = row["hash"] ?? ""
            if expected != storedHash {
                problems.append(.init(kind: .edited, rowID: id, message: "the row's content does not match its hash (edited)"))
            }
            previousHash = storedHash
            previousID = id
        }
        if let head = try Row.fetchOne(db, sql: "SELECT last_id, last_hash FROM audit_head WHERE singleton = 1") {
            let lastID: Int64 = head["last_id"]
            if lastID > previousID {
                problems.append(.init(kind: .missing, rowID: previousID + 1,
                                      message: "rows \(previousID + 1)…\(lastID) at the end of the log are missing (deleted)"))
            } else if lastID == previousID, (head["last_hash"] as String?) != previousHash {
                problems.append(.init(kind: .edited, rowID: lastID, message: "the last row's hash differs from the recorded head"))
            }
        } else if checked > 0 {
            problems.append(.init(kind: .missing, rowID: 0, message: "the log's head record is missing"))
        }
        return AuditVerification(checkedRows: checked, problems: problems)
    }
}
