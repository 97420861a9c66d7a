/// An error from the Publishing domain: a stable code, a readable message (never a credential) and, for bad input,
/// the field at fault.
public struct PublishingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as a `snake_case` string, suitable for logs and API problem types.
        public let rawValue: String
        /// Creates a code from its string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// The input is invalid (the message says which field and why).
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// The account is not connected, or not the creator's.
        public static let accountNotConnected = Code(rawValue: "account_not_connected")
        /// The requested time is in the past.
        public static let timeInPast = Code(rawValue: "time_in_past")
        /// The formatted post does not fit the platform's limits.
        public static let doesNotFit = Code(rawValue: "does_not_fit")
        /// The time zone is not an IANA zone this machine knows.
        public static let unknownTimeZone = Code(rawValue: "unknown_time_zone")
        /// No such publication (or not the creator's).
        public static let notFound = Code(rawValue: "not_found")
        /// The publication is in a state that does not allow the operation.
        public static let invalidState = Code(rawValue: "invalid_state")
        /// The credentials key file is missing, malformed or readable by others.
        public static let keyFile = Code(rawValue: "key_file")
        /// Stored credentials cannot be decrypted (wrong key or altered data).
        public static let credentials = Code(rawValue: "credentials")
        /// The database failed.
        public static let storage = Code(rawValue: "storage")
    }

    /// What kind of failure this is.
    public let code: Code
    /// A readable explanation, free of secrets.
    public let message: String
    /// The input field at fault (`targets[1].at`), when there is one.
    public let field: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension PublishingError {
    /// Wraps a database error without echoing SQL arguments (which may hold sealed credentials).
    static func storage(_ error: any Error, _ what: String) -> PublishingError {
        if let e = error as? PublishingError { return e }
        return PublishingError(.storage, "the publishing database failed while \(what)")
    }
}
