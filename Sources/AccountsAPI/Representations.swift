import Accounts
import FoundationEssentials
import Glibc
import HTTP

/// The JSON shapes of the accounts API (snake_case, RFC 3339 UTC timestamps).
enum Representation {
    static func user(_ user: User, creatorNode: UInt64?) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(user.id.uuidString.lowercased()),
            "email": .string(user.email),
            "display_name": .string(user.displayName),
            "role": .string(user.role.rawValue),
            "status": .string(user.status.rawValue),
            "created_at": .string(Timestamp.format(user.createdAt)),
            "updated_at": .string(Timestamp.format(user.updatedAt)),
        ]
        if let creatorNode { members["creator_node_id"] = .int(Int64(bitPattern: creatorNode)) }
        return .object(members)
    }

    static func apiKey(_ key: APIKey) -> JSONValue {
        .object([
            "id": .string(key.id.uuidString.lowercased()),
            "user_id": .string(key.userID.uuidString.lowercased()),
            "name": .string(key.name),
            "prefix": .string(key.prefix),
            "scopes": .array(key.scopes.sorted().map { .string($0.rawValue) }),
            "created_at": .string(Timestamp.format(key.createdAt)),
            "expires_at": key.expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
            "last_used_at": key.lastUsedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "revoked_at": key.revokedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ])
    }

    static func auditEntry(_ entry: AuditEntry) -> JSONValue {
        .object([
            "id": .int(entry.id),
            "at": .string(Timestamp.format(entry.at)),
            "event": .string(entry.event.rawValue),
            "actor_id": entry.actorID.map { .string($0.uuidString.lowercased()) } ?? .null,
            "subject_id": entry.subjectID.map { .string($0) } ?? .null,
            "ip": entry.ip.map { .string($0) } ?? .null,
            "detail": .object(entry.detail.mapValues { .string($0) }),
        ])
    }

    /// An OAuth 2 token response (RFC 6749 §5.1).
    static func tokens(_ pair: TokenPair) -> JSONValue {
        .object([
            "access_token": .string(pair.accessToken),
            "token_type": .string(pair.tokenType),
            "expires_in": .int(Int64(pair.expiresIn)),
            "refresh_token": .string(pair.refreshToken),
        ])
    }

    static func page(_ items: [JSONValue], next: String?) -> JSONValue {
        .object(["data": .array(items), "next_cursor": next.map { .string($0) } ?? .null])
    }
}

/// RFC 3339 timestamps in UTC, to the second.
enum Timestamp {
    static func format(_ date: Date) -> String {
        var t = time_t(Int64(date.timeIntervalSince1970.rounded(.down)))
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int32, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))Z"
    }

    /// Parses `2026-12-01`, `2026-12-01T10:00:00Z`, `…T10:00:00.5+02:00`; nil when malformed.
    static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var n = 0
            for c in chars[from..<(from + count)] {
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard chars.count >= 10, let year = number(0, 4), chars[4] == 45, let month = number(5, 2), chars[7] == 45, let day = number(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, offset = 0
        var fraction = 0.0
        if chars.count > 10 {
            guard chars[10] == 84 || chars[10] == 116 || chars[10] == 32, chars.count >= 20,
                  let h = number(11, 2), chars[13] == 58, let m = number(14, 2), chars[16] == 58, let s = number(17, 2),
                  h < 24, m < 60, s < 61 else { return nil }
            hour = h; minute = m; second = s
            var i = 19
            if chars[i] == 46 {
                i += 1
                var scale = 0.1
                let start = i
                while i < chars.count, chars[i] >= 48, chars[i] <= 57 { fraction += Double(chars[i] - 48) * scale; scale /= 10; i += 1 }
                guard i > start else { return nil }
            }
            guard i < chars.count else { return nil }
            if chars[i] == 90 || chars[i] == 122 {
                guard i + 1 == chars.count else { return nil }
            } else if chars[i] == 43 || chars[i] == 45 {
                guard i + 6 == chars.count, let oh = number(i + 1, 2), chars[i + 3] == 58, let om = number(i + 4, 2), oh < 24, om < 60 else { return nil }
                offset = (oh * 3600 + om * 60) * (chars[i] == 43 ? 1 : -1)
            } else {
                return nil
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        // timegm normalises 2026-02-30 to March 2nd: refuse dates that do not exist.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month - 1) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}
