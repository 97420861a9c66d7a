import FoundationEssentials

/// One HTTP response: a status, header fields and a body.
public struct Response: Sendable {
    /// How the body is produced.
    public enum Body: Sendable {
        /// The whole body, in memory.
        case bytes([UInt8])
        /// A `text/event-stream` that stays open and is fed by an ``EventStream``.
        case eventStream(EventStream)
        /// A response that a background task completes later; the connection is suspended meanwhile.
        case deferred(DeferredResponse)
    }

    /// The status code.
    public var status: Int
    /// Header fields (the server adds `Content-Length`, `Date` and `X-Request-Id`).
    public var headers: Headers
    /// The body.
    public var body: Body
    /// The route template that answered (set by the router; for metrics and the access log).
    public var route: String?

    /// A response with an in-memory body.
    public init(status: Int = 200, headers: Headers = Headers(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    /// A response with any kind of body.
    public init(status: Int, headers: Headers, body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The in-memory body bytes, or empty for streams.
    public var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }

    /// A JSON response from an `Encodable` value (snake_case keys, sorted, RFC 3339 dates).
    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> Response {
        var headers = Headers()
        headers["Content-Type"] = "application/json"
        return Response(status: status, headers: headers, body: try JSONCoding.encode(value))
    }

    /// A JSON response from a ``JSONValue``.
    public static func json(_ value: JSONValue, status: Int = 200) -> Response {
        var headers = Headers()
        headers["Content-Type"] = "application/json"
        return Response(status: status, headers: headers, body: value.serialized())
    }

    /// A plain-text response.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = Headers()
        headers["Content-Type"] = contentType
        return Response(status: status, headers: headers, body: Array(text.utf8))
    }

    /// 204 No Content.
    public static var noContent: Response { Response(status: 204) }
}

/// The project's JSON conventions for `Codable` types: snake_case keys, sorted output, RFC 3339 UTC dates.
public enum JSONCoding {
    /// Encodes `value` as compact JSON.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(value))
    }

    /// Decodes `T` from a JSON body, turning decoding failures into field errors (400).
    ///
    /// The body is parsed with ``JSONValue/parse(_:)-swift.type.method`` first so that a syntax error names its line and column.
    public static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(APIError) -> T {
        do {
            _ = try JSONValue.parse(body)
        } catch {
            throw APIError.badRequest("The request body is not valid JSON: \(error.description).", type: "invalid-json")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw APIError.validation([fieldError(error)])
        } catch {
            throw APIError.badRequest("The request body could not be read: \(error)")
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue { out += "[\(index)]" } else {
                if !out.isEmpty { out += "." }
                out += snakeCase(key.stringValue)
            }
        }
        return out.isEmpty ? "(body)" : out
    }

    private static func snakeCase(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    private static func fieldError(_ error: DecodingError) -> FieldError {
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(field: path(context.codingPath + [key]), message: "is required")
        case .typeMismatch(let type, let context):
            return FieldError(field: path(context.codingPath), message: "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return FieldError(field: path(context.codingPath), message: "must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            return FieldError(field: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return FieldError(field: "(body)", message: "could not be decoded")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : (String(describing: type).hasPrefix("Dictionary") ? "an object" : "of type \(type)")
        }
    }
}
