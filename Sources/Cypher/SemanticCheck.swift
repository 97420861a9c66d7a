/// Compile-time checks: scoping, variable kinds, aggregation placement, argument types.
struct SemanticCheck {
    let st: Statement
    init(_ st: Statement) { self.st = st }
    func run() throws(CypherError) {}
}
