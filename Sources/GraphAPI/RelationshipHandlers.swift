import Graph
import HTTP

extension GraphHandlers {
    func createRelationship(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let body = try r.bodyObject()
        try body.allowMembers(["type", "start", "end", "properties"], notes: ["id": "is assigned by the store; leave it out"])
        var errors: [FieldError] = []
        let type = readName(body["type"], field: "type", what: "a relationship type", limits: limits, errors: &errors)
        let start = readID(body["start"], field: "start", errors: &errors)
        let end = readID(body["end"], field: "end", errors: &errors)
        let properties = body["properties"].map {
            GraphJSON.properties(from: $0, field: "properties", limits: limits, allowNull: false, errors: &errors)
        } ?? [:]
        try throwIfAny(errors)
        guard let type, let start, let end else { throw APIError.badRequest("type, start and end are required.") }
        let relationship = try store.writeSync { txn in
            var missing: [FieldError] = []
            if try !txn.nodeExists(start) { missing.append(FieldError(field: "start", message: "node \(start) does not exist")) }
            if try !txn.nodeExists(end) { missing.append(FieldError(field: "end", message: "node \(end) does not exist")) }
            if !missing.isEmpty {
                throw APIError.unprocessable("A relationship needs existing nodes at both ends: " + missing.map { "\($0.field) \($0.message)" }.joined(separator: "; ") + ".",
                                             errors: missing)
            }
            let id = try txn.createRelationship(type: type, from: start, to: end, properties: properties)
            return try committedRelationship(txn, id)
        }
        return created(GraphJSON.relationship(relationship), at: GraphRoutes.prefix + "/relationships/\(relationship.id)")
    }

    func getRelationship(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let id = try r.pathID()
        guard let relationship = try store.read({ txn in try txn.relationship(id) }) else {
            throw APIError.notFound("Relationship \(id) does not exist.")
        }
        return .json(GraphJSON.relationship(relationship))
    }

    func patchRelationship(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let id = try r.pathID()
        let body = try r.bodyObject()
        let fixed = "cannot be changed; delete the relationship and create a new one"
        try body.allowMembers(["properties"], notes: ["id": "cannot be changed", "type": fixed, "start": fixed, "end": fixed])
        var errors: [FieldError] = []
        let changes = body["properties"].map {
            GraphJSON.properties(from: $0, field: "properties", limits: limits, allowNull: true, errors: &errors)
        } ?? [:]
        try throwIfAny(errors)
        let relationship = try store.writeSync { txn in
            guard try txn.relationship(id) != nil else { throw APIError.notFound("Relationship \(id) does not exist.") }
            if !changes.isEmpty { try txn.setProperties(changes, ofRelationship: id) }
            return try committedRelationship(txn, id)
        }
        return .json(GraphJSON.relationship(relationship))
    }

    func deleteRelationship(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let id = try r.pathID()
        try store.writeSync { txn in
            guard try txn.relationship(id) != nil else { throw APIError.notFound("Relationship \(id) does not exist.") }
            try txn.deleteRelationship(id)
        }
        return .noContent
    }

    /// `GET /relationships`: every relationship (or those of one `type`) in id order.
    func listRelationships(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery(["type", "limit", "after"])
        let type = try r.name("type", what: "a relationship type")
        let limit = try r.limit()
        let after = try r.afterID() ?? 0
        let page = try store.read { txn -> (items: [Relationship], next: RelationshipID?) in
            var ids: [RelationshipID] = []
            // The record scan reads ids without decoding properties, so skipping earlier pages is cheap.
            try txn.forEachRelationship(type: type) { (record) throws(GraphError) -> Bool in
                if record.id <= after { return true }
                ids.append(record.id)
                return ids.count <= limit
            }
            var items: [Relationship] = []
            for id in ids.prefix(limit) {
                guard let relationship = try txn.relationship(id) else { throw GraphError(.corrupted, "relationship \(id) vanished during a read") }
                items.append(relationship)
            }
            return (items, ids.count > limit ? items.last?.id : nil)
        }
        return list(page.items, next: page.next.map { String($0) }) { GraphJSON.write($0, into: &$1) }
    }

    /// `GET /nodes/{id}/neighbors`: direct neighbours page through the engine's adjacency cursor; deeper
    /// expansions (breadth-first, each node once at its smallest depth) page by position.
    func neighbours(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery(["direction", "type", "depth", "limit", "after"])
        let id = try r.pathID()
        let direction = try readDirection(r)
        let types = try readTypes(request)
        let depth = try readDepth(r)
        let limit = try r.limit()
        let after = try r.string("after")

        let page = try store.read { txn -> (items: [Step], next: String?) in
            guard try txn.nodeExists(id) else { throw APIError.notFound("Node \(id) does not exist.") }
            if depth == 1 {
                var cursor: AdjacencyCursor? = nil
                if let after {
                    guard let parsed = AdjacencyCursor(after) else { throw badCursor(depth: 1) }
                    cursor = parsed
                }
                let (items, next) = try txn.neighbours(of: id, direction: direction, types: types, limit: limit, after: cursor)
                // The engine hands a cursor whenever the page is full; keep it only if something follows.
                var more = next
                if let next, try txn.neighbours(of: id, direction: direction, types: types, limit: 1, after: next).items.isEmpty { more = nil }
                return (items.map { Step(relationship: $0.relationship, node: $0.node, depth: 1) }, more?.description)
            }
            var offset = 0
            if let after {
                guard after.hasPrefix("hop."), let n = Int(after.dropFirst(4)), n >= 0, n <= 100_000_000 else { throw badCursor(depth: depth) }
                offset = n
            }
            let reached = try txn.expand(from: id, direction: direction, types: types, maxDepth: depth, limit: offset + limit + 1)
            var steps: [Step] = []
            for step in reached.dropFirst(offset).prefix(limit) {
                guard let relationship = try txn.relationship(step.via), let node = try txn.node(step.node) else {
                    throw GraphError(.corrupted, "the expansion from node \(id) names relationship \(step.via) or node \(step.node), which does not exist")
                }
                steps.append(Step(relationship: relationship, node: node, depth: step.depth))
            }
            return (steps, reached.count > offset + limit ? "hop.\(offset + limit)" : nil)
        }
        // {"depth", "node", "relationship"}: keys in sorted order, like every other object the API writes.
        return list(page.items, next: page.next) { step, out in
            out.append(contentsOf: #"{"depth":"#.utf8)
            out.append(contentsOf: String(step.depth).utf8)
            out.append(contentsOf: #","node":"#.utf8)
            GraphJSON.write(step.node, into: &out)
            out.append(contentsOf: #","relationship":"#.utf8)
            GraphJSON.write(step.relationship, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// One item of a neighbours page.
    struct Step {
        var relationship: Relationship
        var node: Node
        var depth: Int
    }

    private func badCursor(depth: Int) -> APIError {
        APIError.invalidField("after", "is not a cursor of a depth-\(depth) listing; pass the next_cursor of the previous page unchanged, with the same depth")
    }

    private func readDirection(_ r: RequestReader) throws(APIError) -> Direction {
        switch try r.string("direction") {
        case nil, "both": return .both
        case "out", "outgoing": return .outgoing
        case "in", "incoming": return .incoming
        case let other?: throw APIError.invalidField("direction", "must be out, in or both, not \"\(other.prefix(40))\"")
        }
    }

    /// `type=A,B` or `type=A&type=B`.
    private func readTypes(_ request: Request) throws(APIError) -> [String] {
        var types: [String] = []
        for item in request.query where item.name == "type" {
            for part in item.value.split(separator: ",", omittingEmptySubsequences: false) {
                let name = String(part)
                if let problem = GraphJSON.nameProblem(name, what: "a relationship type", limits: limits) {
                    throw APIError.invalidField("type", problem + " (give types as type=A,B)")
                }
                if !types.contains(name) { types.append(name) }
            }
        }
        return types
    }

    private func readDepth(_ r: RequestReader) throws(APIError) -> Int {
        guard let text = try r.string("depth") else { return 1 }
        guard let n = Int(text), (1...limits.maxDepth).contains(n) else {
            throw APIError.invalidField("depth", "must be an integer from 1 to \(limits.maxDepth) (the configured maximum), not \"\(text.prefix(40))\"")
        }
        return n
    }
}

/// The relationship as this transaction now sees it.
func committedRelationship(_ txn: ReadTransaction, _ id: RelationshipID) throws -> Relationship {
    guard let relationship = try txn.relationship(id) else { throw GraphError(.corrupted, "relationship \(id) vanished inside its own write") }
    return relationship
}
