import Graph
import HTTP

/// Turns the graph engine's errors into problem responses a caller can act on.
///
/// Errors the caller caused become 4xx with the field or index named; storage failures stay unmapped and
/// reach the router, which logs them and answers 500 with the request id.
struct ErrorMapping {
    let store: GraphStore

    /// Field names the engine uses for arguments rather than property keys.
    static let engineFields: Set<String> = ["label", "type", "property key", "id", "unique", "depth", "range", "directory"]

    /// The API error for `error`, or `error` itself when it is not the caller's to fix.
    func map(_ error: any Error) -> any Error {
        guard let graph = error as? GraphError else { return error }
        switch graph.code {
        case .notFound:
            return APIError.notFound(sentence(graph.message))
        case .missingEndpoint:
            let field = graph.message.hasPrefix("end") ? "end" : "start"
            return APIError.unprocessable(sentence(graph.message), errors: [FieldError(field: field, message: "names a node that does not exist")])
        case .constraintViolation(let name):
            let index = resolveIndex(name)
            let shown = index.map { ":\($0.label)(\($0.property))" } ?? name
            var problem = APIError.conflict(
                "The unique index \(shown) already holds this value (\(graph.message)). Use another value, or drop the index with DELETE /api/v1/graph/indexes.",
                errors: [FieldError(field: index.map { "properties.\($0.property)" } ?? "properties",
                                    message: "duplicates a value under the unique index \(shown)")])
            problem.type = "unique-constraint"
            return problem
        case .invalidValue(let field):
            // The engine names a property by its key alone; in a request body it lives under `properties`.
            let requestField = ErrorMapping.engineFields.contains(field) ? field : "properties." + field
            return APIError.invalidField(requestField, graph.message)
        case .malformedInput:
            return APIError.badRequest(sentence(graph.message))
        case .stillConnected:
            return APIError.conflict(sentence(graph.message) + " Delete its relationships first, or repeat the request with ?detach=true.")
        case .closed:
            return APIError.unavailable("The graph store is closed (the daemon is stopping).")
        case .corrupted, .storage, .io:
            return graph
        }
    }

    /// Finds the declared index named `Label.property`; either part may contain dots, so the declared
    /// indexes decide where the split is, and the first dot is the guess for one not yet declared.
    private func resolveIndex(_ name: String) -> IndexDescription? {
        let indexes = (try? store.read { txn in try txn.indexes() }) ?? []
        if let declared = indexes.first(where: { $0.name == name }) { return declared }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        return IndexDescription(label: String(name[..<dot]), property: String(name[name.index(after: dot)...]), unique: true)
    }

    private func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        let capitalised = first.uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }
}
