/// An error raised by the graph engine: a machine-readable code plus a readable description.
///
/// Every failure the engine reports is one of these, so the REST layer can map `code` to a status
/// (`notFound` → 404, `constraintViolation` → 409, `invalidValue` → 400, `missingEndpoint` → 422).
public struct GraphError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with the detail a caller needs to act on it.
    public enum Code: Sendable, Hashable {
        /// A node, relationship or index with that id or name does not exist.
        case notFound
        /// A relationship names a start or end node that does not exist.
        case missingEndpoint
        /// A unique index already holds the value; the associated value names the index (`Label.key`).
        case constraintViolation(index: String)
        /// A value or argument is not acceptable; the associated value names the field.
        case invalidValue(field: String)
        /// A node still has relationships and was deleted without `detach`.
        case stillConnected
        /// Input (CSV, ISO text) could not be parsed.
        case malformedInput
        /// The store's files are inconsistent (see `GraphStore.check()`).
        case corrupted
        /// The store is closed or the writer has stopped.
        case closed
        /// An LMDB call failed; the associated value is its return code.
        case storage(code: Int32)
        /// An I/O operation (files, directories) failed.
        case io
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence a person can act on. Never contains secrets.
    public var message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message prefixed with the code's short name.
    public var description: String {
        let name: String
        switch code {
        case .notFound: name = "not found"
        case .missingEndpoint: name = "missing endpoint"
        case .constraintViolation(let index): name = "constraint violation on \(index)"
        case .invalidValue(let field): name = "invalid value for \(field)"
        case .stillConnected: name = "still connected"
        case .malformedInput: name = "malformed input"
        case .corrupted: name = "corrupted"
        case .closed: name = "closed"
        case .storage(let rc): name = "storage error \(rc)"
        case .io: name = "i/o error"
        }
        return "\(name): \(message)"
    }
}
