/// One problem with one input field.
public struct FieldError: Sendable, Hashable, Codable {
    /// The field, as a dotted path (`targets[0].account`), or a query parameter or header name.
    public var field: String
    /// What is wrong and how to fix it.
    public var message: String

    /// A field error.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// An error that becomes an RFC 9457 `application/problem+json` response.
///
/// Handlers throw it for anything the caller can act on; every other error is a logged 500.
public struct APIError: Error, Sendable {
    /// The HTTP status.
    public var status: Int
    /// A short slug that becomes the problem `type` URI (`/problems/<slug>`).
    public var type: String
    /// A short, fixed summary of the problem type.
    public var title: String
    /// What happened in this occurrence and how to fix it; safe to show (never a secret).
    public var detail: String
    /// Field-level errors for bad input.
    public var errors: [FieldError]
    /// Extra header fields (`Allow`, `Retry-After`…).
    public var headers: Headers

    /// A problem.
    public init(status: Int, type: String, title: String, detail: String, errors: [FieldError] = [], headers: Headers = Headers()) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// 400 for a request that cannot be understood.
    public static func badRequest(_ detail: String, type: String = "bad-request", errors: [FieldError] = []) -> APIError {
        APIError(status: 400, type: type, title: "Bad request", detail: detail, errors: errors)
    }

    /// 400 for input that parsed but is not acceptable, naming each field.
    public static func validation(_ errors: [FieldError], detail: String? = nil) -> APIError {
        let text = detail ?? errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        return APIError(status: 400, type: "validation", title: "Invalid input", detail: text, errors: errors)
    }

    /// 400 for one bad field.
    public static func invalidField(_ field: String, _ message: String) -> APIError {
        validation([FieldError(field: field, message: message)])
    }

    /// 401: no or bad credentials.
    public static func unauthorized(_ detail: String = "Sign in, or send a valid bearer token.") -> APIError {
        var headers = Headers()
        headers["WWW-Authenticate"] = "Bearer"
        return APIError(status: 401, type: "unauthorized", title: "Unauthorized", detail: detail, headers: headers)
    }

    /// 403: authenticated but not allowed.
    public static func forbidden(_ detail: String) -> APIError {
        APIError(status: 403, type: "forbidden", title: "Forbidden", detail: detail)
    }

    /// 404: nothing here.
    public static func notFound(_ detail: String = "There is nothing at this address.") -> APIError {
        APIError(status: 404, type: "not-found", title: "Not found", detail: detail)
    }

    /// 405 with the methods that are allowed.
    public static func methodNotAllowed(_ allowed: [Method]) -> APIError {
        var headers = Headers()
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        headers["Allow"] = list
        return APIError(status: 405, type: "method-not-allowed", title: "Method not allowed", detail: "This resource accepts \(list).", headers: headers)
    }

    /// 409: conflicts with the current state.
    public static func conflict(_ detail: String, errors: [FieldError] = []) -> APIError {
        APIError(status: 409, type: "conflict", title: "Conflict", detail: detail, errors: errors)
    }

    /// 413: the body is larger than the limit.
    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(status: 413, type: "payload-too-large", title: "Payload too large", detail: "The request body is larger than the limit of \(limit) bytes.")
    }

    /// 415: the body is not of a type this route reads.
    public static func unsupportedMediaType(expected: String) -> APIError {
        APIError(status: 415, type: "unsupported-media-type", title: "Unsupported media type", detail: "Send the body as \(expected) (set Content-Type: \(expected)).")
    }

    /// 422: well-formed but refers to something that does not exist or cannot be done.
    public static func unprocessable(_ detail: String, errors: [FieldError] = []) -> APIError {
        APIError(status: 422, type: "unprocessable", title: "Unprocessable request", detail: detail, errors: errors)
    }

    /// 429 with `Retry-After`.
    public static func tooManyRequests(retryAfterSeconds: Int) -> APIError {
        var headers = Headers()
        headers["Retry-After"] = String(max(1, retryAfterSeconds))
        return APIError(status: 429, type: "rate-limited", title: "Too many requests", detail: "Rate limit reached; retry in \(max(1, retryAfterSeconds)) s.", headers: headers)
    }

    /// 503: temporarily unable.
    public static func unavailable(_ detail: String) -> APIError {
        APIError(status: 503, type: "unavailable", title: "Service unavailable", detail: detail)
    }

    /// 500 that names only the request id; the cause goes to the log, not the client.
    public static func internalError(requestID: String) -> APIError {
        APIError(status: 500, type: "internal", title: "Internal error", detail: "Something went wrong on our side; the log has the cause under request id \(requestID).")
    }

    /// The problem+json response for this error.
    public func response(instance: String? = nil) -> Response {
        var members: [String: JSONValue] = [
            "type": .string("/problems/\(type)"),
            "title": .string(title),
            "status": .int(Int64(status)),
            "detail": .string(detail),
        ]
        if let instance { members["instance"] = .string(instance) }
        if !errors.isEmpty {
            members["errors"] = .array(errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        var response = Response(status: status, headers: headers, body: JSONValue.object(members).serialized())
        response.headers["Content-Type"] = "application/problem+json"
        return response
    }
}
