/// An error raised by the content store: a machine-readable code, the input field it concerns, and a
/// sentence that says what is wrong and how to fix it.
///
/// The REST layer maps `code` to a status: `invalid` → 400, `tooLarge` → 413, `notFound` → 404,
/// `unknownReference` → 422, `conflict` → 409; `storage` stays a 500 with the cause logged.
public struct ContentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable {
        /// A value is malformed or out of range.
        case invalid
        /// A value is larger than its limit (title, body, tags, batch).
        case tooLarge
        /// The content item (or creator) does not exist, or is not the caller's to see.
        case notFound
        /// The input names another item (`variant_of`, `content_id`) that does not exist or is not the caller's.
        case unknownReference
        /// The change is not allowed from the current state (a status transition).
        case conflict
        /// The graph store failed; the message is for the log, not the client.
        case storage
    }

    /// The kind of failure.
    public var code: Code
    /// The input field, as a dotted path (`snapshots[3].views`), or nil when no single field is at fault.
    public var field: String?
    /// What is wrong and how to fix it. Never contains secrets.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `field: message`, prefixed with the code.
    public var description: String {
        if let field { return "\(code.rawValue): \(field): \(message)" }
        return "\(code.rawValue): \(message)"
    }

    static func invalid(_ field: String, _ message: String) -> ContentError { ContentError(.invalid, field: field, message) }
}
