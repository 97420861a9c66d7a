import Graph
import HTTP

/// The graph's REST surface under `/api/v1/graph`: nodes, relationships, neighbours, indexes and counts.
///
/// Every route is declared `admin` (the app's authorisation reads `RouteInfo.access`). Reads run on a store
/// snapshot; each write is one request to the store's group-commit writer, answered only once its batch is
/// durable, and a request that fails changes nothing. Bodies and answers use ``GraphJSON``'s lossless value
/// encoding; lists are `{"data": [...], "next_cursor": null | "…"}`.
///
/// ```swift
/// let store = try GraphStore(directory: dataDirectory + "/graph")
/// GraphRoutes.install(on: &router, store: store, configuration: GraphAPIConfiguration())
/// ```
public enum GraphRoutes {
    /// The path prefix of every graph route.
    public static let prefix = "/api/v1/graph"

    /// Adds the graph routes to `router`.
    public static func install(on router: inout Router, store: GraphStore, configuration: GraphAPIConfiguration = GraphAPIConfiguration()) {
        let h = GraphHandlers(store: store, limits: configuration)
        func info(_ summary: String, json: Bool = false) -> RouteInfo { RouteInfo(summary: summary, access: "admin", acceptsJSON: json) }

        router.post(prefix + "/nodes", info("Create a node from {labels, properties}.", json: true)) { try h.run($0, h.createNode) }
        router.get(prefix + "/nodes", info("List nodes (by label), or look nodes up by an indexed property value.")) { try h.run($0, h.listNodes) }
        router.get(prefix + "/nodes/{id}", info("One node.")) { try h.run($0, h.getNode) }
        router.patch(prefix + "/nodes/{id}", info("Change a node's labels and properties (null removes a property).", json: true)) { try h.run($0, h.patchNode) }
        router.delete(prefix + "/nodes/{id}", info("Delete a node (?detach=true also deletes its relationships).")) { try h.run($0, h.deleteNode) }
        router.get(prefix + "/nodes/{id}/neighbors", info("Relationships of a node with the nodes at their other ends, up to a depth.")) { try h.run($0, h.neighbours) }

        router.post(prefix + "/relationships", info("Create a relationship from {type, start, end, properties}.", json: true)) { try h.run($0, h.createRelationship) }
        router.get(prefix + "/relationships", info("List relationships, optionally of one type.")) { try h.run($0, h.listRelationships) }
        router.get(prefix + "/relationships/{id}", info("One relationship.")) { try h.run($0, h.getRelationship) }
        router.patch(prefix + "/relationships/{id}", info("Change a relationship's properties (null removes a property).", json: true)) { try h.run($0, h.patchRelationship) }
        router.delete(prefix + "/relationships/{id}", info("Delete a relationship.")) { try h.run($0, h.deleteRelationship) }

        router.get(prefix + "/indexes", info("Declared property indexes.")) { try h.run($0, h.listIndexes) }
        router.post(prefix + "/indexes", info("Declare a property index {label, property, unique} and fill it.", json: true)) { try h.run($0, h.createIndex) }
        router.delete(prefix + "/indexes", info("Drop a property index (?label=&property= or a {label, property} body).", json: true)) { try h.run($0, h.dropIndex) }

        router.get(prefix + "/stats", info("Node and relationship counts, per label and per type, and the declared indexes.")) { try h.run($0, h.stats) }
    }
}

/// The route handlers, sharing the store and the limits.
struct GraphHandlers: Sendable {
    let store: GraphStore
    let limits: GraphAPIConfiguration

    /// Runs a handler, turning engine errors into problem responses.
    func run(_ request: Request, _ handler: (Request) throws -> Response) throws -> Response {
        do {
            return try handler(request)
        } catch let error as APIError {
            throw error
        } catch {
            throw ErrorMapping(store: store).map(error)
        }
    }

    func reader(_ request: Request) -> RequestReader { RequestReader(request: request, limits: limits) }

    /// `{"data": items, "next_cursor": next}`.
    func list(_ items: [JSONValue], next: String?) -> Response {
        .json(.object(["data": .array(items), "next_cursor": next.map(JSONValue.string) ?? .null]))
    }

    /// `{"data": [...], "next_cursor": next}` with each item written by `write` straight into the body.
    func list<Item>(_ items: [Item], next: String?, _ write: (Item, inout [UInt8]) -> Void) -> Response {
        var out: [UInt8] = []
        out.reserveCapacity(64 + items.count * 160)
        out.append(contentsOf: #"{"data":["#.utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            write(item, &out)
        }
        out.append(contentsOf: #"],"next_cursor":"#.utf8)
        if let next { JSONValue.writeString(next, into: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(UInt8(ascii: "}"))
        var headers = Headers()
        headers["Content-Type"] = "application/json"
        return Response(status: 200, headers: headers, body: out)
    }

    /// 201 with the created resource and its address.
    func created(_ value: JSONValue, at path: String) -> Response {
        var response = Response.json(value, status: 201)
        response.headers["Location"] = path
        return response
    }

    // MARK: indexes and counts

    func listIndexes(_ request: Request) throws -> Response {
        try reader(request).allowQuery([])
        let indexes = try store.read { txn in try txn.indexes() }
        return list(indexes.map(GraphJSON.index), next: nil)
    }

    func createIndex(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let body = try r.bodyObject()
        try body.allowMembers(["label", "property", "unique"])
        var errors: [FieldError] = []
        let label = readName(body["label"], field: "label", what: "a label", limits: limits, errors: &errors)
        let property = readName(body["property"], field: "property", what: "a property key", limits: limits, errors: &errors)
        var unique = false
        switch body["unique"] {
        case .none, .null?: break
        case .bool(let b)?: unique = b
        case let other?: errors.append(FieldError(field: "unique", message: "must be true or false, not \(other.typeName)"))
        }
        try throwIfAny(errors)
        guard let label, let property else { throw APIError.badRequest("label and property are required.") }
        let isUnique = unique
        let isNew: Bool
        do {
            isNew = try store.writeSync { txn in try txn.createIndex(label: label, property: property, unique: isUnique) }
        } catch let error as GraphError {
            if case .invalidValue(field: "unique") = error.code {
                throw APIError.conflict("An index on :\(label)(\(property)) already exists with unique=\(!unique); drop it first to change its uniqueness.",
                                        errors: [FieldError(field: "unique", message: "differs from the existing index")])
            }
            if case .constraintViolation = error.code {
                var problem = APIError.conflict("Nodes labelled :\(label) already share values of \(property), so a unique index on :\(label)(\(property)) cannot be declared (\(error.message)). Make the values distinct, or declare the index with unique=false.",
                                                errors: [FieldError(field: "unique", message: "existing :\(label) nodes repeat a value of \(property)")])
                problem.type = "unique-constraint"
                throw problem
            }
            throw error
        }
        let value = GraphJSON.index(IndexDescription(label: label, property: property, unique: unique))
        return isNew ? created(value, at: GraphRoutes.prefix + "/indexes") : .json(value)
    }

    func dropIndex(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery(["label", "property"])
        var label = try r.name("label", what: "a label")
        var property = try r.name("property", what: "a property key")
        if !request.body.isEmpty {
            guard label == nil, property == nil else {
                throw APIError.badRequest("Name the index either in the query (?label=&property=) or in the body, not both.")
            }
            let body = try r.bodyObject()
            try body.allowMembers(["label", "property", "unique"])
            var errors: [FieldError] = []
            label = readName(body["label"], field: "label", what: "a label", limits: limits, errors: &errors)
            property = readName(body["property"], field: "property", what: "a property key", limits: limits, errors: &errors)
            try throwIfAny(errors)
        }
        var missing: [FieldError] = []
        if label == nil { missing.append(FieldError(field: "label", message: "is required (the index's label)")) }
        if property == nil { missing.append(FieldError(field: "property", message: "is required (the index's property key)")) }
        try throwIfAny(missing)
        guard let label, let property else { throw APIError.badRequest("label and property are required.") }
        try store.writeSync { txn in try txn.dropIndex(label: label, property: property) }
        return .noContent
    }

    func stats(_ request: Request) throws -> Response {
        try reader(request).allowQuery([])
        let stats = try store.read { txn in try txn.stats() }
        return .json(.object([
            "nodes": .int(Int64(stats.nodes)),
            "relationships": .int(Int64(stats.relationships)),
            "labels": .object(stats.labels.mapValues { .int(Int64($0)) }),
            "types": .object(stats.types.mapValues { .int(Int64($0)) }),
            "indexes": .array(stats.indexes.sorted().map(GraphJSON.index)),
        ]))
    }
}
