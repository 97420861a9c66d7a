import HTTP

/// The members of a JSON object request body, read field by field with errors that name the field.
///
/// Unknown members are refused (a misspelt `pasword` is a 400, not a silently ignored field). An
/// empty body reads as `{}`, for routes whose fields are all optional (refresh, logout).
struct JSONFields {
    let members: [String: JSONValue]

    init(_ request: Request, allowed: Set<String>) throws(APIError) {
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            members = [:]
            return
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body)
        } catch {
            throw APIError.badRequest("The request body is not valid JSON: \(error.description).", type: "invalid-json")
        }
        guard case .object(let object) = value else {
            throw APIError.invalidField("(body)", "must be a JSON object, got \(value.typeName)")
        }
        let unknown = object.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty {
            let known = allowed.sorted().joined(separator: ", ")
            throw APIError.validation(unknown.prefix(20).map { FieldError(field: String($0.prefix(100)), message: "is not a field of this request (known: \(known))") })
        }
        members = object
    }

    /// Whether the body has `key` at all (even as null).
    func has(_ key: String) -> Bool { members[key] != nil }

    /// A string member; `required` makes a missing one an error. Values are never echoed in errors.
    func string(_ key: String, required: Bool = false, maxBytes: Int = 1024) throws(APIError) -> String? {
        guard let value = members[key], value != .null else {
            if required { throw APIError.invalidField(key, "is required") }
            return nil
        }
        guard case .string(let text) = value else { throw APIError.invalidField(key, "must be a string, got \(value.typeName)") }
        guard text.utf8.count <= maxBytes else { throw APIError.invalidField(key, "must be at most \(maxBytes) bytes long") }
        return text
    }

    /// A list of strings.
    func strings(_ key: String, required: Bool = false, maxCount: Int = 16) throws(APIError) -> [String]? {
        guard let value = members[key], value != .null else {
            if required { throw APIError.invalidField(key, "is required") }
            return nil
        }
        guard case .array(let items) = value else { throw APIError.invalidField(key, "must be an array of strings, got \(value.typeName)") }
        guard items.count <= maxCount else { throw APIError.invalidField(key, "must have at most \(maxCount) items") }
        var out: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, text.utf8.count <= 64 else {
                throw APIError.invalidField("\(key)[\(index)]", "must be a short string")
            }
            out.append(text)
        }
        return out
    }
}
