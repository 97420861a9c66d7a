import Cypher
import Graph
import HTTP

/// `POST /api/v1/graph/query`: openCypher over the graph.
///
/// Reads run on a snapshot, a statement with writes in one write transaction through the
/// group-commit writer (all of it or none). A caller whose credential lacks the write scope
/// (a read-only API key) may only read: a writing statement is 403. Syntax and semantic
/// errors are 400 with the line and column; the per-query timeout and row limit come from
/// configuration.
public enum QueryRoutes {
    /// Limits of the query endpoint.
    public struct Limits: Sendable {
        /// Wall-clock budget per statement.
        public var timeout: Duration
        /// Most rows a statement may produce (and hold while running).
        public var maxRows: Int
        /// Longest query text accepted, in bytes.
        public var maxQueryBytes: Int

        /// Limits.
        public init(timeout: Duration = .seconds(30), maxRows: Int = 100_000, maxQueryBytes: Int = 1 << 20) {
            self.timeout = timeout
            self.maxRows = maxRows
            self.maxQueryBytes = maxQueryBytes
        }
    }

    /// Installs the route.
    public static func install(on router: inout Router, store: GraphStore, engine: CypherEngine, limits: Limits) {
        router.post("/api/v1/graph/query", RouteInfo(summary: "Run an openCypher statement; read-only for credentials without the write scope.",
                                                     access: "admin", acceptsJSON: true, invalidates: ["graph"])) { request in
            guard case .object(let body) = try parseBody(request.body) else {
                throw APIError.invalidField("(body)", "send a JSON object {\"query\": \"…\", \"parameters\": {…}}")
            }
            for key in body.keys where key != "query" && key != "parameters" {
                throw APIError.invalidField(key, "is not a field of a query request (use query and parameters)")
            }
            guard case .string(let query)? = body["query"], !query.isEmpty else {
                throw APIError.invalidField("query", "is required: the Cypher statement as a string")
            }
            guard query.utf8.count <= limits.maxQueryBytes else {
                throw APIError.invalidField("query", "is longer than \(limits.maxQueryBytes) bytes")
            }
            var parameters: [String: Value] = [:]
            if let raw = body["parameters"] {
                guard case .object(let members) = raw else { throw APIError.invalidField("parameters", "must be an object of name → value") }
                for (name, value) in members { parameters[name] = try cypherValue(value, field: "parameters.\(name)", depth: 0) }
            }
            let arguments = parameters
            let readOnly = !(request.principal?.canWrite ?? false)
            let engineLimits = CypherEngine.Limits(timeout: limits.timeout, maxRows: limits.maxRows)
            let result: QueryResult
            do {
                let prepared = try engine.prepare(query)
                if prepared.isWrite && readOnly {
                    throw APIError.forbidden("This statement writes to the graph; the credential used may only read (it lacks the write scope).")
                }
                if prepared.isWrite && !prepared.isExplain {
                    result = try store.writeSync { txn in
                        try engine.execute(prepared, parameters: arguments, on: StoreGraph(txn), readOnly: false, limits: engineLimits)
                    }
                } else {
                    result = try store.read { txn in
                        try engine.execute(prepared, parameters: arguments, on: StoreGraph(txn), readOnly: true, limits: engineLimits)
                    }
                }
            } catch let error as CypherError {
                throw problem(error)
            }
            var out: [UInt8] = []
            out.reserveCapacity(256 + result.rows.count * 64)
            out.append(contentsOf: Array("{\"columns\":".utf8))
            JSONValue.array(result.columns.map { .string($0) }).write(into: &out)
            out.append(contentsOf: Array(",\"rows\":[".utf8))
            for (i, row) in result.rows.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.array(row.map(json)).write(into: &out)
            }
            out.append(contentsOf: Array("],\"stats\":".utf8))
            let s = result.stats
            JSONValue.object([
                "nodes_created": .int(Int64(s.nodesCreated)), "nodes_deleted": .int(Int64(s.nodesDeleted)),
                "relationships_created": .int(Int64(s.relationshipsCreated)), "relationships_deleted": .int(Int64(s.relationshipsDeleted)),
                "properties_set": .int(Int64(s.propertiesSet)), "labels_added": .int(Int64(s.labelsAdded)), "labels_removed": .int(Int64(s.labelsRemoved)),
                "rows": .int(Int64(result.rows.count)),
            ]).write(into: &out)
            if let plan = result.plan {
                out.append(contentsOf: Array(",\"plan\":".utf8))
                JSONValue.array(plan.map { .string($0) }).write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
            var headers = Headers()
            headers["Content-Type"] = "application/json"
            headers["Cache-Control"] = "no-store"
            return Response(status: 200, headers: headers, body: out)
        }
    }

    static func parseBody(_ body: [UInt8]) throws -> JSONValue {
        do { return try JSONValue.parse(body) } catch {
            throw APIError.badRequest("The request body is not valid JSON: \(error.description).", type: "invalid-json")
        }
    }

    /// A Cypher error as problem+json: compile-time ones are 400 with line and column.
    static func problem(_ error: CypherError) -> APIError {
        var fields: [FieldError] = []
        var where_ = ""
        if let line = error.line, let column = error.column {
            where_ = " at line \(line), column \(column)"
            fields.append(FieldError(field: "query", message: "\(error.code)\(where_): \(error.message)"))
        }
        switch (error.kind, error.detail) {
        case ("SecurityError", "ForbiddenWrite"):
            return APIError.forbidden("This statement writes to the graph; the credential used may only read.")
        case ("TransientError", "Timeout"):
            return APIError(status: 503, type: "query-timeout", title: "Query timed out", detail: "The query ran longer than the configured timeout and was stopped; nothing it wrote was kept.")
        case ("TransientError", "RowLimit"):
            return APIError(status: 413, type: "query-too-large", title: "Result too large", detail: "The query produced more rows than the configured limit; add LIMIT or narrow the pattern.")
        default:
            let phase = error.compileTime ? "compile" : "runtime"
            return APIError(status: 400, type: "cypher-\(phase)-error", title: error.compileTime ? "Invalid Cypher" : "Cypher runtime error",
                            detail: "\(error.kind) (\(error.detail))\(where_): \(error.message)", errors: fields)
        }
    }

    static func cypherValue(_ json: JSONValue, field: String, depth: Int) throws -> Value {
        guard depth < 32 else { throw APIError.invalidField(field, "is nested deeper than 32 levels") }
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .float(d)
        case .string(let s): return .string(s)
        case .array(let items):
            guard items.count <= 100_000 else { throw APIError.invalidField(field, "has more than 100000 items") }
            return .list(try items.enumerated().map { try cypherValue($0.element, field: "\(field)[\($0.offset)]", depth: depth + 1) })
        case .object(let members):
            var out: [String: Value] = [:]
            for (k, v) in members { out[k] = try cypherValue(v, field: "\(field).\(k)", depth: depth + 1) }
            return .map(out)
        }
    }

    /// A result value as JSON: nodes and relationships as in the graph REST API, temporal values tagged.
    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .double(f)
        case .string(let s): return .string(s)
        case .list(let items): return .array(items.map(json))
        case .map(let members): return .object(members.mapValues(json))
        case .node(let n): return node(n)
        case .relationship(let r): return relationship(r)
        case .path(let p): return .object(["nodes": .array(p.nodes.map(node)), "relationships": .array(p.relationships.map(relationship))])
        case .temporal(let t):
            let tag: String
            switch t {
            case .date: tag = "$date"
            case .localTime: tag = "$localtime"
            case .time: tag = "$time"
            case .localDateTime: tag = "$localdatetime"
            case .dateTime: tag = "$datetime"
            case .duration: tag = "$duration"
            }
            return .object([tag: .string(t.description)])
        }
    }

    static func node(_ n: NodeRef) -> JSONValue {
        .object(["id": .int(n.id), "labels": .array(n.labels.map { .string($0) }), "properties": .object(n.properties.mapValues(json))])
    }

    static func relationship(_ r: RelRef) -> JSONValue {
        .object(["id": .int(r.id), "type": .string(r.type), "start": .int(r.start), "end": .int(r.end), "properties": .object(r.properties.mapValues(json))])
    }
}
