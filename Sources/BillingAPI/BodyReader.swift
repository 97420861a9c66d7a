import Billing
import Foundation
import HTTP

/// Reads path, query and JSON body values of a billing request; every failure is a 400 naming the field.
struct BodyReader {
    let request: Request

    func allowQuery(_ names: Set<String>) throws(APIError) {
        let unknown = Set(request.query.map(\.name)).subtracting(names).sorted()
        guard unknown.isEmpty else {
            let known = names.isEmpty ? "no query parameters" : "only " + names.sorted().joined(separator: ", ")
            throw APIError.validation(unknown.map { FieldError(field: $0, message: "is not a parameter of this request (it takes \(known))") })
        }
    }

    func pathID() throws(APIError) -> Int64 {
        let text = request.parameter("id")
        guard let id = Int64(text), id > 0 else { throw APIError.invalidField("id", "must be a positive integer id, not \"\(text.prefix(40))\"") }
        return id
    }

    func queryID(_ name: String) throws(APIError) -> Int64? {
        guard let text = request.queryValue(name) else { return nil }
        guard let id = Int64(text), id > 0 else { throw APIError.invalidField(name, "must be a positive integer id") }
        return id
    }

    func limit() throws(APIError) -> Int {
        guard let text = request.queryValue("limit") else { return 100 }
        guard let n = Int(text), (1...1000).contains(n) else { throw APIError.invalidField("limit", "must be an integer from 1 to 1000") }
        return n
    }

    func after() throws(APIError) -> Int64 {
        guard let text = request.queryValue("after") else { return 0 }
        guard let n = Int64(text), n >= 0 else { throw APIError.invalidField("after", "is not a cursor from this listing; pass next_cursor unchanged") }
        return n
    }

    /// The body as a JSON object with only the `allowed` members.
    func object(allowed: Set<String>, emptyAllowed: Bool = false) throws(APIError) -> BodyObject {
        if request.body.isEmpty || request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            if emptyAllowed { return BodyObject(members: [:], prefix: "") }
            throw APIError.badRequest("The request needs a JSON object body.", errors: [FieldError(field: "body", message: "is empty")])
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body)
        } catch {
            throw APIError.badRequest("The body is not valid JSON: \(error.description).", type: "invalid-json",
                                      errors: [FieldError(field: "body", message: error.description)])
        }
        guard case .object(let members) = value else {
            throw APIError.badRequest("The body must be a JSON object, not \(value.typeName).", errors: [FieldError(field: "body", message: "must be an object")])
        }
        let object = BodyObject(members: members, prefix: "")
        try object.refuseUnknown(allowed)
        return object
    }
}

/// A JSON object of a request body; `prefix` names nested objects in errors (`items[2].`).
struct BodyObject {
    let members: [String: JSONValue]
    let prefix: String

    func fail(_ name: String, _ message: String) -> APIError { APIError.invalidField(prefix + name, message) }

    func refuseUnknown(_ allowed: Set<String>) throws(APIError) {
        let unknown = Set(members.keys).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            throw APIError.validation(unknown.map { FieldError(field: prefix + $0, message: "is not a field of this request (it takes \(allowed.sorted().joined(separator: ", ")))") })
        }
    }

    func string(_ name: String) throws(APIError) -> String {
        guard let value = try optionalString(name) else { throw fail(name, "is required") }
        return value
    }

    func optionalString(_ name: String) throws(APIError) -> String? {
        switch members[name] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(name, "must not be empty") }
            guard s.utf8.count <= 1000 else { throw fail(name, "is longer than 1000 bytes") }
            return s
        case let other?: throw fail(name, "must be a string, not \(other.typeName)")
        }
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        switch members[name] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?: throw fail(name, "must be true or false, not \(other.typeName)")
        }
    }

    func int(_ name: String, range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        switch members[name] {
        case nil, .null?: return nil
        case .int(let n)?:
            guard range.contains(n) else { throw fail(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)") }
            return n
        case .double?: throw fail(name, "must be a whole number")
        case let other?: throw fail(name, "must be an integer, not \(other.typeName)")
        }
    }

    func id(_ name: String) throws(APIError) -> Int64 {
        guard let id = try int(name, range: 1...Int64.max) else { throw fail(name, "is required (a positive integer id)") }
        return id
    }

    /// An ISO 4217 currency code the billing library knows.
    func currencyCode(_ name: String) throws(APIError) -> String {
        let code = try string(name)
        do { _ = try Currency(code: code) } catch { throw fail(name, "\"\(code.prefix(10))\" is not a known ISO 4217 currency code") }
        return code
    }

    /// `{"amount": <integer minor units>, "currency": "USD"}`.
    func money(_ name: String, positive: Bool) throws(APIError) -> Money {
        guard case .object(let m)? = members[name] else {
            throw fail(name, members[name] == nil ? "is required as {amount, currency}" : "must be an object {amount: <integer minor units>, currency}")
        }
        let inner = BodyObject(members: m, prefix: prefix + name + ".")
        try inner.refuseUnknown(["amount", "currency"])
        let minor: Int64
        switch m["amount"] {
        case .int(let n)?: minor = n
        case .double?: throw inner.fail("amount", "must be an integer number of minor units (cents), not a fraction")
        case nil: throw inner.fail("amount", "is required (integer minor units)")
        case let other?: throw inner.fail("amount", "must be an integer number of minor units, not \(other.typeName)")
        }
        if minor < 0 || (positive && minor == 0) { throw inner.fail("amount", positive ? "must be greater than zero" : "must not be negative") }
        let code = try inner.currencyCode("currency")
        do { return try Money.validated(minor: minor, currency: code, positive: positive) } catch { throw inner.fail("amount", "\(error)") }
    }

    /// An instant as ISO 8601 text or unix seconds.
    func date(_ name: String) throws(APIError) -> Date? {
        switch members[name] {
        case nil, .null?: return nil
        case .int(let n)?: return Date(timeIntervalSince1970: TimeInterval(n))
        case .string(let s)?:
            guard let d = try? Date(s, strategy: .iso8601) else { throw fail(name, "must be ISO 8601 (2026-03-01T12:00:00Z) or unix seconds") }
            return d
        case let other?: throw fail(name, "must be a date, not \(other.typeName)")
        }
    }
}
