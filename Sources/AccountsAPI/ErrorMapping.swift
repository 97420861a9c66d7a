import Accounts
import HTTP

extension APIError {
    /// The HTTP problem for an Accounts store error.
    ///
    /// Bad input is 400 naming the field, a clash 409, wrong or stale credentials 401, a refused
    /// action 403, a missing thing 404, throttling 429 with `Retry-After`. Storage and key failures are
    /// not mapped: they stay errors, so the router logs them and answers 500 with the request id.
    /// Messages come from the store, which never puts a password, token, key or hash in them.
    static func from(_ error: AccountsError) -> APIError? {
        let field = error.field.map { [FieldError(field: $0, message: error.message)] } ?? []
        switch error.code {
        case .invalidEmail, .weakPassword, .commonPassword, .invalidInput, .scopeTooWide:
            var problem = APIError.validation(field.isEmpty ? [FieldError(field: "(body)", message: error.message)] : field)
            problem.type = error.code.rawValue.replacing("_", with: "-")
            return problem
        case .emailTaken:
            var problem = APIError.conflict(error.message, errors: field.isEmpty ? [FieldError(field: "email", message: error.message)] : field)
            problem.type = "email-taken"
            return problem
        case .invalidCredentials:
            var problem = APIError.unauthorized(error.message)
            problem.type = "invalid-credentials"
            problem.errors = field
            problem.headers["WWW-Authenticate"] = nil
            return problem
        case .invalidToken, .refreshTokenReused:
            var problem = APIError.unauthorized(error.message)
            problem.type = error.code == .refreshTokenReused ? "refresh-token-reused" : "invalid-token"
            problem.headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\", error_description=\"\(error.message.replacing("\"", with: "'"))\""
            return problem
        case .invalidSetupToken:
            var problem = APIError.unauthorized(error.message)
            problem.type = "invalid-setup-token"
            problem.errors = [FieldError(field: "setup_token", message: error.message)]
            problem.headers["WWW-Authenticate"] = nil
            return problem
        case .throttled:
            var problem = APIError.tooManyRequests(retryAfterSeconds: error.retryAfter ?? 1)
            problem.type = "sign-in-throttled"
            problem.detail = error.message
            return problem
        case .busy:
            var problem = APIError.unavailable(error.message)
            problem.type = "busy"
            problem.headers["Retry-After"] = String(max(1, error.retryAfter ?? 2))
            return problem
        case .accountDisabled:
            var problem = APIError.forbidden(error.message)
            problem.type = "account-disabled"
            return problem
        case .forbidden:
            return APIError.forbidden(error.message)
        case .notFound:
            return APIError.notFound(error.message)
        case .lastAdmin:
            var problem = APIError.conflict(error.message)
            problem.type = "last-admin"
            return problem
        case .setupUnavailable:
            var problem = APIError.conflict(error.message)
            problem.type = "setup-done"
            return problem
        default:
            return nil
        }
    }
}

/// Runs a store call, turning its errors into problems (storage and key failures stay 500s).
func accounts<T>(_ body: () throws(AccountsError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        if let problem = APIError.from(error) { throw problem }
        throw error
    }
}
