/// A procedure callable with `CALL name(args) YIELD …`.
///
/// Inputs and outputs are typed with Cypher type names (`INTEGER?`, `FLOAT?`, `NUMBER?`, `STRING?`,
/// `BOOLEAN?`, `ANY?` …; the `?` allows null). `body` gets the (coerced) arguments and returns rows of
/// output values in `outputs` order.
public struct Procedure: Sendable {
    /// A named, typed parameter or output column.
    public struct Field: Sendable, Equatable {
        /// The name.
        public var name: String
        /// The Cypher type, e.g. `INTEGER?`.
        public var type: String
        /// Creates a field.
        public init(name: String, type: String) { self.name = name; self.type = type }

        /// The argument converted to this field's type, or nil when it does not fit.
        func accept(_ v: Value) -> Value? {
            let t = String(type.uppercased().filter { $0 != "?" })
            switch (t, v) {
            case (_, .null): return v
            case ("ANY", _): return v
            case ("INTEGER", .int), ("STRING", .string), ("BOOLEAN", .bool), ("FLOAT", .float), ("MAP", .map), ("LIST", .list),
                 ("NUMBER", .int), ("NUMBER", .float), ("NODE", .node), ("RELATIONSHIP", .relationship), ("PATH", .path):
                return v
            case ("FLOAT", .int(let i)): return .float(Double(i))
            default:
                if t.hasPrefix("LIST"), case .list = v { return v }
                return nil
            }
        }
    }

    /// The qualified name, e.g. `db.labels`.
    public var name: String
    /// Input parameters.
    public var inputs: [Field]
    /// Output columns.
    public var outputs: [Field]
    /// The implementation.
    public var body: @Sendable ([Value]) throws -> [[Value]]

    /// Creates a procedure.
    public init(name: String, inputs: [Field], outputs: [Field], body: @escaping @Sendable ([Value]) throws -> [[Value]]) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.body = body
    }
}

extension CypherEngine {
    /// Cypher equivalence (as used by DISTINCT): 1 and 1.0 are equal, null equals null.
    public static func equivalent(_ a: Value, _ b: Value) -> Bool { GroupKey.equivalent(a, b) }
}
