/// An error from the Accounts store: a stable code, a message a person can act on, and where
/// relevant the field at fault and how long to wait.
///
/// Messages never contain a password, token, key or hash. Sign-in failures use one message
/// whether or not the email exists.
public struct AccountsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for the kind of failure; the app maps each to an HTTP status.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as a `snake_case` string.
        public let rawValue: String
        /// Creates a code from its string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// The email is not a usable address (syntax, invisible characters, mixed scripts). HTTP 422.
        public static let invalidEmail = Code(rawValue: "invalid_email")
        /// Another user has this email, or one that looks the same after normalisation. HTTP 409.
        public static let emailTaken = Code(rawValue: "email_taken")
        /// The password is too short or too long. HTTP 422.
        public static let weakPassword = Code(rawValue: "weak_password")
        /// The password is on the list of common passwords. HTTP 422.
        public static let commonPassword = Code(rawValue: "common_password")
        /// Some other field is invalid (name, scopes, expiry, cursor). HTTP 422.
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// Email or password is wrong (deliberately not saying which). HTTP 401.
        public static let invalidCredentials = Code(rawValue: "invalid_credentials")
        /// Too many failed sign-ins for this account or address; see `retryAfter`. HTTP 429.
        public static let throttled = Code(rawValue: "sign_in_throttled")
        /// The account is disabled. HTTP 403.
        public static let accountDisabled = Code(rawValue: "account_disabled")
        /// A bearer token, refresh token or API key is missing, malformed, unknown, expired or revoked; see `reason`. HTTP 401.
        public static let invalidToken = Code(rawValue: "invalid_token")
        /// A refresh token was presented twice: its whole family is now revoked. HTTP 401.
        public static let refreshTokenReused = Code(rawValue: "refresh_token_reused")
        /// The caller may not do this. HTTP 403.
        public static let forbidden = Code(rawValue: "forbidden")
        /// Requested scopes exceed what the owner's role allows. HTTP 422.
        public static let scopeTooWide = Code(rawValue: "scope_too_wide")
        /// No such user, key or entry (or not visible to the caller). HTTP 404.
        public static let notFound = Code(rawValue: "not_found")
        /// The change would leave no active admin. HTTP 409.
        public static let lastAdmin = Code(rawValue: "last_admin")
        /// Too many password hashes are queued; retry shortly. HTTP 503 with Retry-After.
        public static let busy = Code(rawValue: "busy")
        /// Setup was already done (users exist). HTTP 409.
        public static let setupUnavailable = Code(rawValue: "setup_unavailable")
        /// The setup token is wrong. HTTP 401.
        public static let invalidSetupToken = Code(rawValue: "invalid_setup_token")
        /// The database failed. HTTP 500.
        public static let storage = Code(rawValue: "storage_failure")
        /// Signing keys could not be created or read, or a crypto operation failed. HTTP 500.
        public static let keyFailure = Code(rawValue: "key_failure")
        /// A configuration value or shipped file is unusable (raised at open).
        public static let configuration = Code(rawValue: "configuration")
    }

    /// What kind of failure this is.
    public let code: Code
    /// A readable explanation, free of secrets.
    public let message: String
    /// The input field at fault (`email`, `password`, `scopes`…), when there is one.
    public let field: String?
    /// Seconds to wait before retrying, for `throttled` and `busy`.
    public let retryAfter: Int?
    /// A finer reason, e.g. the JWT rejection code (`token_expired`, `token_wrong_audience`…).
    public let reason: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil, retryAfter: Int? = nil, reason: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
        self.reason = reason
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
