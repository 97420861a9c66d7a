/// An error from the Crypto engine: a stable machine-readable code and a readable message.
///
/// Messages never contain key material, passwords or tokens; they say what went wrong
/// and, where it helps, which input was at fault.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as a `snake_case` string, suitable for logs and API problem types.
        public let rawValue: String
        /// Creates a code from its string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// The operating system's random generator failed.
        public static let randomFailure = Code(rawValue: "random_failure")
        /// A key had the wrong size or format.
        public static let invalidKey = Code(rawValue: "invalid_key")
        /// Sealed data was too short or malformed.
        public static let malformedInput = Code(rawValue: "malformed_input")
        /// An authentication tag or signature did not match: the data was altered or the key is wrong.
        public static let authenticationFailed = Code(rawValue: "authentication_failed")
        /// A PEM file could not be read or written.
        public static let keyFile = Code(rawValue: "key_file")
        /// An OpenSSL or libargon2 call failed unexpectedly.
        public static let library = Code(rawValue: "library_failure")
        /// A password hash string is not a supported PHC argon2id string.
        public static let invalidHashString = Code(rawValue: "invalid_hash_string")
        /// Argon2 parameters are outside the supported range.
        public static let invalidParameters = Code(rawValue: "invalid_parameters")
    }

    /// What kind of failure this is.
    public let code: Code
    /// A readable explanation, free of secrets.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
