import Graph
import HTTP

extension GraphHandlers {
    func createNode(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let body = try r.bodyObject()
        try body.allowMembers(["labels", "properties"], notes: ["id": "is assigned by the store; leave it out"])
        var errors: [FieldError] = []
        let labels = body["labels"].map { readNames($0, field: "labels", what: "a label", limits: limits, errors: &errors) } ?? []
        let properties = body["properties"].map {
            GraphJSON.properties(from: $0, field: "properties", limits: limits, allowNull: false, errors: &errors)
        } ?? [:]
        try throwIfAny(errors)
        let node = try store.writeSync { txn in
            let id = try txn.createNode(labels: labels, properties: properties)
            return try committedNode(txn, id)
        }
        return created(GraphJSON.node(node), at: GraphRoutes.prefix + "/nodes/\(node.id)")
    }

    func getNode(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let id = try r.pathID()
        guard let node = try store.read({ txn in try txn.node(id) }) else { throw APIError.notFound("Node \(id) does not exist.") }
        return .json(GraphJSON.node(node))
    }

    func patchNode(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery([])
        let id = try r.pathID()
        let body = try r.bodyObject()
        try body.allowMembers(["labels", "properties"], notes: ["id": "cannot be changed"])
        var errors: [FieldError] = []
        let labels = body["labels"].map { readNames($0, field: "labels", what: "a label", limits: limits, errors: &errors) }
        let changes = body["properties"].map {
            GraphJSON.properties(from: $0, field: "properties", limits: limits, allowNull: true, errors: &errors)
        } ?? [:]
        try throwIfAny(errors)
        let node = try store.writeSync { txn in
            guard let current = try txn.node(id) else { throw APIError.notFound("Node \(id) does not exist.") }
            if let labels {
                let add = labels.filter { !current.labels.contains($0) }
                let remove = current.labels.filter { !labels.contains($0) }
                if !add.isEmpty { try txn.addLabels(add, to: id) }
                if !remove.isEmpty { try txn.removeLabels(remove, from: id) }
            }
            if !changes.isEmpty { try txn.setProperties(changes, ofNode: id) }
            return try committedNode(txn, id)
        }
        return .json(GraphJSON.node(node))
    }

    func deleteNode(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery(["detach"])
        let id = try r.pathID()
        let detach = try r.flag("detach")
        try store.writeSync { txn in
            guard try txn.nodeExists(id) else { throw APIError.notFound("Node \(id) does not exist.") }
            if !detach {
                let degree = try txn.degree(of: id)
                if degree > 0 {
                    throw APIError.conflict("Node \(id) still has relationships (\(degree) relationship ends). Delete them first, or repeat the request with ?detach=true to delete them with the node.",
                                            errors: [FieldError(field: "detach", message: "is needed to delete a node that has relationships")])
                }
            }
            try txn.deleteNode(id, detach: detach)
        }
        return .noContent
    }

    /// `GET /nodes`: a label listing, an indexed-property lookup (`label` + `property` + `value`) or every node, by id.
    func listNodes(_ request: Request) throws -> Response {
        let r = reader(request)
        try r.allowQuery(["label", "property", "value", "limit", "after"])
        let label = try r.name("label", what: "a label")
        let property = try r.name("property", what: "a property key")
        let valueText = request.queryValue("value")
        let limit = try r.limit()
        let after = try r.afterID()

        if property != nil || valueText != nil {
            var missing: [FieldError] = []
            if label == nil { missing.append(FieldError(field: "label", message: "is required for a lookup by property value")) }
            if property == nil { missing.append(FieldError(field: "property", message: "is required with value")) }
            if valueText == nil { missing.append(FieldError(field: "value", message: "is required with property")) }
            try throwIfAny(missing)
        }
        let page: (nodes: [Node], next: NodeID?)
        if let label, let property, let valueText {
            let value = try lookupValue(valueText)
            page = try store.read { txn in
                var ids = try txn.findNodes(label: label, property: property, equals: value).sorted()
                if let after { ids = Array(ids.drop { $0 <= after }) }
                return try nodePage(txn, ids, limit: limit)
            }
        } else if let label {
            page = try store.read { txn in
                try nodePage(txn, try txn.nodes(withLabel: label, after: after, limit: limit + 1), limit: limit)
            }
        } else {
            page = try store.read { txn in try nodePage(txn, try allNodeIDs(txn, after: after ?? 0, count: limit + 1), limit: limit) }
        }
        return list(page.nodes, next: page.next.map { String($0) }) { GraphJSON.write($0, into: &$1) }
    }

    /// Parses `?value=` of a lookup: JSON when it parses (`42`, `true`, `"42"`, `{"$date": "2026-03-01"}`), else the text itself.
    private func lookupValue(_ text: String) throws(APIError) -> PropertyValue {
        guard let json = try? JSONValue.parse(text) else { return .string(text) }
        var errors: [FieldError] = []
        let value = GraphJSON.value(from: json, field: "value", limits: limits, errors: &errors)
        try throwIfAny(errors)
        guard let value, !value.isNull else {
            throw APIError.invalidField("value", "cannot be null (nodes without the property are not in the index)")
        }
        return value
    }
}

/// The node as this transaction now sees it (after the request's own writes).
func committedNode(_ txn: ReadTransaction, _ id: NodeID) throws -> Node {
    guard let node = try txn.node(id) else { throw GraphError(.corrupted, "node \(id) vanished inside its own write") }
    return node
}

/// Decodes the first `limit` of `ids`; the cursor is the last one returned when more follow.
func nodePage(_ txn: ReadTransaction, _ ids: [NodeID], limit: Int) throws -> (nodes: [Node], next: NodeID?) {
    var nodes: [Node] = []
    nodes.reserveCapacity(min(ids.count, limit))
    for id in ids.prefix(limit) {
        guard let node = try txn.node(id) else { throw GraphError(.corrupted, "an index names node \(id), which does not exist") }
        nodes.append(node)
    }
    return (nodes, ids.count > limit ? nodes.last?.id : nil)
}

/// Up to `count` node ids above `after`, ascending, with or without labels.
///
/// Ids are handed out in sequence, so the next ones are usually just above `after`: probing them one by one
/// costs a few B-tree lookups per node. Where deletions left the ids sparse, the probe gives up and a full
/// scan in id order finishes the page (the engine has no "first node id after X" seek).
func allNodeIDs(_ txn: ReadTransaction, after: NodeID, count: Int) throws -> [NodeID] {
    var ids: [NodeID] = []
    var candidate = after
    var probes = 0
    let budget = 4 * count + 64
    while ids.count < count, probes < budget, candidate < UInt64.max - 1 {
        candidate += 1
        probes += 1
        if try txn.nodeExists(candidate) { ids.append(candidate) }
    }
    if ids.count < count, probes >= budget {
        let probed = candidate
        try txn.forEachNode { (node) throws(GraphError) -> Bool in
            if node.id <= probed { return true }
            ids.append(node.id)
            return ids.count < count
        }
    }
    return ids
}
