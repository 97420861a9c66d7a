/// An error from parsing, checking or running a Cypher query.
///
/// `kind` and `detail` use the openCypher TCK vocabulary (`SyntaxError` / `UndefinedVariable`, `TypeError` /
/// `InvalidArgumentValue` …) so clients can branch on them; `line` and `column` (1-based) locate compile-time
/// errors in the query text.
public struct CypherError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The error class, e.g. `SyntaxError`, `SemanticError`, `TypeError`, `ArgumentError`, `EntityNotFound`.
    public var kind: String
    /// The fine-grained TCK detail code, e.g. `UndefinedVariable`, `InvalidArgumentType`.
    public var detail: String
    /// A readable message.
    public var message: String
    /// True when raised before execution started (parse or semantic check).
    public var compileTime: Bool
    /// 1-based line in the query, when known.
    public var line: Int?
    /// 1-based column in the query, when known.
    public var column: Int?

    /// Creates an error.
    public init(_ kind: String, _ detail: String, _ message: String, compileTime: Bool = false, line: Int? = nil, column: Int? = nil) {
        self.kind = kind; self.detail = detail; self.message = message
        self.compileTime = compileTime; self.line = line; self.column = column
    }

    /// A stable code, `kind.detail`.
    public var code: String { "\(kind).\(detail)" }

    /// A readable rendering.
    public var description: String {
        if let line, let column { return "\(kind) (\(detail)) at line \(line), column \(column): \(message)" }
        return "\(kind) (\(detail)): \(message)"
    }

    static func syntax(_ detail: String, _ message: String, at pos: SourcePos? = nil) -> CypherError {
        CypherError("SyntaxError", detail, message, compileTime: true, line: pos?.line, column: pos?.column)
    }
    static func semantic(_ detail: String, _ message: String, at pos: SourcePos? = nil) -> CypherError {
        CypherError("SemanticError", detail, message, compileTime: true, line: pos?.line, column: pos?.column)
    }
    static func type(_ detail: String, _ message: String) -> CypherError { CypherError("TypeError", detail, message) }
    static func argument(_ detail: String, _ message: String) -> CypherError { CypherError("ArgumentError", detail, message) }
}

/// A position in the query text (1-based line and column).
public struct SourcePos: Sendable, Hashable {
    /// 1-based line.
    public var line: Int
    /// 1-based column (in Unicode scalars).
    public var column: Int
}
