import Graph
import HTTP

/// Reading path parameters, query parameters and JSON bodies of graph requests, each failure a 400 naming the field.
struct RequestReader {
    let request: Request
    let limits: GraphAPIConfiguration

    /// Refuses query parameters the route does not read, so a typo (`?lable=`) is an error rather than a silent full listing.
    func allowQuery(_ names: Set<String>) throws(APIError) {
        let unknown = Set(request.query.map(\.name)).subtracting(names).sorted()
        guard unknown.isEmpty else {
            let known = names.isEmpty ? "no query parameters" : "only " + names.sorted().joined(separator: ", ")
            throw APIError.validation(unknown.map { FieldError(field: $0, message: "is not a parameter of this request (it takes \(known))") })
        }
    }

    /// The `{id}` path parameter as a node or relationship id.
    func pathID() throws(APIError) -> UInt64 {
        let text = request.parameter("id")
        guard let id = UInt64(text), id > 0 else {
            throw APIError.invalidField("id", "must be a positive integer id, not \"\(text.prefix(40))\"")
        }
        return id
    }

    /// A non-empty query value, or nil when absent.
    func string(_ name: String) throws(APIError) -> String? {
        guard let value = request.queryValue(name) else { return nil }
        guard !value.isEmpty else { throw APIError.invalidField(name, "is empty; leave the parameter out or give a value") }
        return value
    }

    /// A label or type name from the query string.
    func name(_ name: String, what: String) throws(APIError) -> String? {
        guard let value = try string(name) else { return nil }
        if let problem = GraphJSON.nameProblem(value, what: what, limits: limits) { throw APIError.invalidField(name, problem) }
        return value
    }

    /// `limit`: 1 … the configured maximum, the configured default when absent.
    func limit() throws(APIError) -> Int {
        guard let text = try string("limit") else { return limits.defaultPageSize }
        guard let n = Int(text), (1...limits.maxPageSize).contains(n) else {
            throw APIError.invalidField("limit", "must be an integer from 1 to \(limits.maxPageSize), not \"\(text.prefix(40))\"")
        }
        return n
    }

    /// `after` as an id cursor (the `next_cursor` of the previous page).
    func afterID() throws(APIError) -> UInt64? {
        guard let text = try string("after") else { return nil }
        guard let id = UInt64(text) else {
            throw APIError.invalidField("after", "is not a cursor from this listing; pass the next_cursor of the previous page unchanged")
        }
        return id
    }

    /// A `true`/`false` flag, `false` when absent.
    func flag(_ name: String) throws(APIError) -> Bool {
        guard let text = request.queryValue(name) else { return false }
        switch text.lowercased() {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw APIError.invalidField(name, "must be true or false, not \"\(text.prefix(40))\"")
        }
    }

    /// The body as a JSON object (an empty body is an error).
    func bodyObject() throws(APIError) -> [String: JSONValue] {
        guard !request.body.isEmpty else { throw APIError.badRequest("Send a JSON object as the request body.", type: "invalid-json") }
        let json: JSONValue
        do {
            json = try JSONValue.parse(request.body)
        } catch {
            throw APIError.badRequest("The request body is not valid JSON: \(error.description).", type: "invalid-json")
        }
        guard case .object(let members) = json else {
            throw APIError.invalidField("(body)", "must be a JSON object, not \(json.typeName)")
        }
        return members
    }
}

/// Checks of body members shared by the handlers.
extension [String: JSONValue] {
    /// Refuses members the request does not read; `notes` explains particular ones (`id`: assigned by the store).
    func allowMembers(_ names: Set<String>, notes: [String: String] = [:]) throws(APIError) {
        let unknown = Set(keys).subtracting(names).sorted()
        guard unknown.isEmpty else {
            throw APIError.validation(unknown.map { name in
                FieldError(field: name, message: notes[name] ?? "is not a member of this request body (it takes \(names.sorted().joined(separator: ", ")))")
            })
        }
    }
}

/// Reads a list of names (`labels`) from a body member.
func readNames(_ json: JSONValue, field: String, what: String, limits: GraphAPIConfiguration, errors: inout [FieldError]) -> [String] {
    guard case .array(let items) = json else {
        errors.append(FieldError(field: field, message: "must be an array of strings, not \(json.typeName)"))
        return []
    }
    var names: [String] = []
    for (i, item) in items.enumerated() {
        guard case .string(let name) = item else {
            errors.append(FieldError(field: "\(field)[\(i)]", message: "must be a string, not \(item.typeName)"))
            continue
        }
        if let problem = GraphJSON.nameProblem(name, what: what, limits: limits) {
            errors.append(FieldError(field: "\(field)[\(i)]", message: problem))
            continue
        }
        if !names.contains(name) { names.append(name) }
    }
    return names
}

/// Reads one name (`type`, `label`) from a body member.
func readName(_ json: JSONValue?, field: String, what: String, limits: GraphAPIConfiguration, errors: inout [FieldError]) -> String? {
    guard let json else {
        errors.append(FieldError(field: field, message: "is required"))
        return nil
    }
    guard case .string(let name) = json else {
        errors.append(FieldError(field: field, message: "must be a string, not \(json.typeName)"))
        return nil
    }
    if let problem = GraphJSON.nameProblem(name, what: what, limits: limits) {
        errors.append(FieldError(field: field, message: problem))
        return nil
    }
    return name
}

/// Reads a node id (`start`, `end`) from a body member.
func readID(_ json: JSONValue?, field: String, errors: inout [FieldError]) -> UInt64? {
    switch json {
    case .none:
        errors.append(FieldError(field: field, message: "is required (a node id)"))
    case .int(let i)? where i > 0:
        return UInt64(i)
    case .string(let s)? where UInt64(s).map({ $0 > 0 }) == true:
        return UInt64(s)
    case let other?:
        errors.append(FieldError(field: field, message: "must be a positive integer node id, not \(other.typeName == "a number" ? "the number \(other.text)" : other.typeName)"))
    }
    return nil
}

/// Throws the collected field errors as one 400, if there are any.
func throwIfAny(_ errors: [FieldError]) throws(APIError) {
    if !errors.isEmpty { throw APIError.validation(errors) }
}
