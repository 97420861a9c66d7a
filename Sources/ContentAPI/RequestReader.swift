import CivilDate
import Content
import HTTP

/// Reading query parameters and JSON bodies of content requests, each failure a 400 naming the field.
struct RequestReader {
    let request: Request

    /// Refuses query parameters the route does not read, so a typo (`?stauts=`) is an error, not a silent full listing.
    func allowQuery(_ names: Set<String>) throws(APIError) {
        let unknown = Set(request.query.map(\.name)).subtracting(names).sorted()
        guard unknown.isEmpty else {
            let known = names.isEmpty ? "no query parameters" : "only " + names.sorted().joined(separator: ", ")
            throw APIError.validation(unknown.map { FieldError(field: String($0.prefix(64)), message: "is not a parameter of this request (it takes \(known))") })
        }
        for name in names where request.query.filter({ $0.name == name }).count > 1 {
            throw APIError.invalidField(name, "is given more than once; give it once")
        }
    }

    /// A non-empty query value, or nil when absent.
    func string(_ name: String) throws(APIError) -> String? {
        guard let value = request.queryValue(name) else { return nil }
        guard !value.isEmpty else { throw APIError.invalidField(name, "is empty; leave the parameter out or give a value") }
        guard value.utf8.count <= 1024 else { throw APIError.invalidField(name, "is longer than 1024 bytes") }
        return value
    }

    /// `limit`: 1 … 100, 20 when absent.
    func limit() throws(APIError) -> Int {
        guard let text = try string("limit") else { return 20 }
        guard let n = Int(text), (1...ContentQuery.maxLimit).contains(n) else {
            throw APIError.invalidField("limit", "must be an integer from 1 to \(ContentQuery.maxLimit), not \"\(text.prefix(40))\"")
        }
        return n
    }

    /// An instant from RFC 3339 text, or from a date (`2026-12-01`): its first millisecond, or with
    /// `endOfDay` its last, so that `to=2026-12-01` includes that whole day.
    func instant(_ name: String, endOfDay: Bool) throws(APIError) -> Int64? {
        guard let text = try string(name) else { return nil }
        if let ms = Timestamp.parse(text) { return ms }
        if text.utf8.count == 10, let start = Timestamp.parse(text + "T00:00:00Z") {
            return endOfDay ? start + 86_399_999 : start
        }
        throw APIError.invalidField(name, "\"\(text.prefix(40))\" is not a date; use 2026-12-01 or an RFC 3339 date-time such as 2026-12-01T18:30:00Z")
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

    /// The body as JSON (an empty body is an error).
    func bodyJSON() throws(APIError) -> JSONValue {
        guard !request.body.isEmpty else { throw APIError.badRequest("Send a JSON body.", type: "invalid-json") }
        do {
            return try JSONValue.parse(request.body)
        } catch {
            throw APIError.badRequest("The request body is not valid JSON: \(error.description).", type: "invalid-json")
        }
    }

    /// The body as a JSON object.
    func bodyObject() throws(APIError) -> [String: JSONValue] {
        let json = try bodyJSON()
        guard case .object(let members) = json else {
            throw APIError.invalidField("(body)", "must be a JSON object, not \(json.typeName)")
        }
        return members
    }
}

extension [String: JSONValue] {
    /// Refuses members the request does not read; `notes` explains particular ones.
    func allowMembers(_ names: Set<String>, notes: [String: String] = [:]) throws(APIError) {
        let unknown = Set(keys).subtracting(names).sorted()
        guard unknown.isEmpty else {
            throw APIError.validation(unknown.prefix(20).map { name in
                FieldError(field: String(name.prefix(64)), message: notes[name] ?? "is not a member of this request body (it takes \(names.sorted().joined(separator: ", ")))")
            })
        }
    }
}
