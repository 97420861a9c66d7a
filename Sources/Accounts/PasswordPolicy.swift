import Foundation
import Synchronization

/// The rules a new password must meet: at least `minimumLength` characters, at most 1024, and not
/// on the shipped list of common passwords (compared case-insensitively).
public struct PasswordPolicy: Sendable {
    /// Fewest characters (extended grapheme clusters) accepted.
    public let minimumLength: Int
    /// Most characters accepted (argon2 would take more, but nobody types this much).
    public static let maximumLength = 1024
    private let common: Set<String>

    /// Creates a policy with an in-memory list of common passwords.
    public init(minimumLength: Int = 12, commonPasswords: Set<String> = []) {
        self.minimumLength = minimumLength
        self.common = Set(commonPasswords.map { $0.lowercased() })
    }

    /// Loads the list of common passwords (one per line, `#` comments allowed) from `path`.
    ///
    /// The parsed list is kept per process (keyed by path, size and modification time), so opening
    /// several stores reads the file once.
    /// - Throws: ``AccountsError/Code/configuration`` if the file cannot be read.
    public init(minimumLength: Int = 12, commonPasswordsFile path: String) throws(AccountsError) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = "\(path)|\((attributes?[.size] as? NSNumber)?.intValue ?? -1)|\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        if let cached = Self.loaded.withLock({ $0[stamp] }) {
            self.minimumLength = minimumLength
            self.common = cached
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AccountsError(.configuration, "cannot read the common-passwords list at \(path)")
        }
        var set = Set<String>()
        set.reserveCapacity(data.count / 10)
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            for index in 0...bytes.count {
                guard index == bytes.count || bytes[index] == 0x0A else { continue }
                var end = index
                while end > start, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
                var first = start
                while first < end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
                if first < end, bytes[first] != UInt8(ascii: "#") {
                    let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<end]), as: UTF8.self)
                    set.insert(word.lowercased())
                }
                start = index + 1
            }
        }
        Self.loaded.withLock { $0[stamp] = set }
        self.minimumLength = minimumLength
        self.common = set
    }

    private static let loaded = Mutex<[String: Set<String>]>([:])

    /// Number of passwords on the common list.
    public var commonPasswordCount: Int { common.count }

    /// Throws if `password` breaks the policy; the message says which rule, never the password.
    public func check(_ password: String, email: String? = nil) throws(AccountsError) {
        let length = password.count
        guard length >= minimumLength else {
            throw AccountsError(.weakPassword, "a password needs at least \(minimumLength) characters", field: "password")
        }
        guard length <= Self.maximumLength, password.utf8.count <= 4096 else {
            throw AccountsError(.weakPassword, "a password has at most \(Self.maximumLength) characters", field: "password")
        }
        let lowered = password.lowercased()
        if common.contains(lowered) {
            throw AccountsError(.commonPassword, "this password is on the list of commonly used passwords; choose another", field: "password")
        }
        if let email, lowered == email.lowercased() || lowered == email.lowercased().split(separator: "@").first.map(String.init) {
            throw AccountsError(.weakPassword, "the password must not be the email address", field: "password")
        }
        if Set(password).count <= 2 {
            throw AccountsError(.weakPassword, "the password repeats one or two characters; choose another", field: "password")
        }
    }
}
