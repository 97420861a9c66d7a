import Accounts
import Crypto
import Glibc
import HTTP

/// Settings of the accounts HTTP surface (the store has its own ``AccountsConfiguration``).
public struct AccountsAPIConfiguration: Sendable {
    /// When the refresh-token cookie carries `Secure`.
    public enum SecureCookies: String, Sendable, CaseIterable {
        /// Only when the request came over TLS as far as the daemon can tell (`X-Forwarded-Proto: https`).
        case auto
        /// Always (the daemon sits behind a TLS proxy that does not send `X-Forwarded-Proto`).
        case always
    }

    /// Requests per minute per API key, per user and per IP for anonymous calls.
    public var rateLimits: RateLimitPolicy
    /// Name of the HttpOnly cookie that holds the browser's refresh token.
    public var refreshCookieName: String = "studio_refresh"
    /// When the cookie is marked `Secure`.
    public var secureCookies: SecureCookies = .auto
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a trusted reverse proxy).
    public var trustForwardedFor: Bool = false
    /// Path prefixes whose requests are authenticated and rate limited even on public routes.
    /// (`/metrics` is outside on purpose: it has its own bearer token.)
    public var protectedPrefixes: [String] = ["/api/"]
    /// Seconds to wait before asking the app again for a creator's graph node after the hook failed.
    public var creatorNodeRetrySeconds: Double = 60

    /// The defaults: 100 requests per minute everywhere, `Secure` cookies only over TLS.
    public init(rateLimits: RateLimitPolicy = RateLimitPolicy()) {
        self.rateLimits = rateLimits
    }
}

/// The configuration keys the daemon should declare for accounts, with defaults, and how to
/// turn their values into ``AccountsConfiguration`` and ``AccountsAPIConfiguration``.
///
/// The app's configuration schema lives above this module, so the keys are listed here as plain
/// data for the app to declare; ``make(dataDirectory:commonPasswordsPath:value:)`` reads them
/// back through a lookup closure (nil: use the default).
///
/// ```swift
/// let settings = try AccountsSettings.make(dataDirectory: dir, commonPasswordsPath: path) { key in
///     configuration.describe()[key]?["value"]
/// }
/// let store = try AccountStore.open(path: AccountsSettings.databasePath(dataDirectory: dir), configuration: settings.store)
/// ```
public enum AccountsSettings {
    /// One configuration key: its dotted name, default and help text; integers carry their allowed range.
    public struct Key: Sendable {
        /// Dotted name, e.g. `accounts.argon2_memory_kib`.
        public var key: String
        /// Default value.
        public var defaultValue: JSONValue
        /// Allowed range for integers (nil for strings and booleans).
        public var range: ClosedRange<Int64>?
        /// Allowed values for a choice.
        public var choices: [String]?
        /// What it does.
        public var help: String
    }

    /// Every key, in the order `studio config` should list them.
    public static let keys: [Key] = [
        Key(key: "accounts.argon2_memory_kib", defaultValue: .int(65_536), range: 8...1_048_576, help: "argon2id memory cost per password hash, KiB (64 MiB). Peak sign-in memory is this x accounts.max_concurrent_hashes."),
        Key(key: "accounts.argon2_iterations", defaultValue: .int(3), range: 1...64, help: "argon2id time cost. Hashes made with older parameters are upgraded at the next successful sign-in."),
        Key(key: "accounts.argon2_parallelism", defaultValue: .int(4), range: 1...64, help: "argon2id lanes (threads) per hash."),
        Key(key: "accounts.max_concurrent_hashes", defaultValue: .int(2), range: 1...256, help: "Most password hashes computed at once; other sign-ins wait (then 503 + Retry-After). Keep it <= http.threads."),
        Key(key: "accounts.min_password_length", defaultValue: .int(12), range: 8...1024, help: "Shortest password accepted."),
        Key(key: "accounts.access_token_seconds", defaultValue: .int(900), range: 60...86_400, help: "Lifetime of RS256 access tokens."),
        Key(key: "accounts.refresh_token_seconds", defaultValue: .int(604_800), range: 300...31_536_000, help: "Lifetime of refresh tokens (rotated on every use)."),
        Key(key: "accounts.issuer", defaultValue: .string("creator-studio"), help: "iss claim of access tokens."),
        Key(key: "accounts.audience", defaultValue: .string("creator-studio-api"), help: "aud claim of access tokens; tokens for any other audience are refused."),
        Key(key: "accounts.login_free_failures_per_account", defaultValue: .int(5), range: 1...1000, help: "Failed sign-ins per email before growing delays start."),
        Key(key: "accounts.login_free_failures_per_ip", defaultValue: .int(20), range: 1...100_000, help: "Failed sign-ins per client address before growing delays start."),
        Key(key: "accounts.login_max_delay_seconds", defaultValue: .int(900), range: 1...86_400, help: "Longest sign-in delay (the account is then effectively locked)."),
        Key(key: "accounts.secure_cookies", defaultValue: .string("auto"), choices: ["auto", "always"], help: "Mark the refresh cookie Secure: auto (when X-Forwarded-Proto is https) or always."),
        Key(key: "accounts.trust_forwarded_for", defaultValue: .bool(false), help: "Take the client address from X-Forwarded-For (only behind a trusted reverse proxy)."),
        Key(key: "rate_limit.default_per_minute", defaultValue: .int(100), range: 1...1_000_000, help: "Requests per minute per signed-in user or API key."),
        Key(key: "rate_limit.anonymous_per_minute", defaultValue: .int(100), range: 1...1_000_000, help: "Requests per minute per client address without credentials."),
        Key(key: "rate_limit.viewer_per_minute", defaultValue: .int(0), range: 0...1_000_000, help: "Override for viewers (0: rate_limit.default_per_minute)."),
        Key(key: "rate_limit.creator_per_minute", defaultValue: .int(0), range: 0...1_000_000, help: "Override for creators (0: rate_limit.default_per_minute)."),
        Key(key: "rate_limit.admin_per_minute", defaultValue: .int(0), range: 0...1_000_000, help: "Override for admins (0: rate_limit.default_per_minute)."),
    ]

    /// Both configurations, built from the keys above.
    public struct Settings: Sendable {
        /// For ``AccountStore/open(path:configuration:clock:)``.
        public var store: AccountsConfiguration
        /// For ``AccountsService``.
        public var api: AccountsAPIConfiguration
    }

    /// The accounts database inside the data directory: `<dataDirectory>/accounts.sqlite`.
    public static func databasePath(dataDirectory: String) -> String {
        dataDirectory + "/accounts.sqlite"
    }

    /// Builds the settings, reading each key through `value` (nil or a wrong type: the default).
    public static func make(dataDirectory: String, commonPasswordsPath: String?, value: (String) -> JSONValue?) -> Settings {
        func int(_ key: String) -> Int64 {
            if case .int(let n)? = value(key) { return n }
            if case .int(let n)? = keys.first(where: { $0.key == key })?.defaultValue { return n }
            return 0
        }
        func string(_ key: String) -> String {
            if case .string(let s)? = value(key) { return s }
            if case .string(let s)? = keys.first(where: { $0.key == key })?.defaultValue { return s }
            return ""
        }
        func bool(_ key: String) -> Bool {
            if case .bool(let b)? = value(key) { return b }
            return false
        }
        var store = AccountsConfiguration(dataDirectory: dataDirectory, commonPasswordsPath: commonPasswordsPath)
        store.passwordHashing = Argon2Parameters(memoryKiB: UInt32(clamping: int("accounts.argon2_memory_kib")),
                                                 iterations: UInt32(clamping: int("accounts.argon2_iterations")),
                                                 parallelism: UInt32(clamping: int("accounts.argon2_parallelism")))
        store.maximumConcurrentHashes = Int(int("accounts.max_concurrent_hashes"))
        store.minimumPasswordLength = Int(int("accounts.min_password_length"))
        store.accessTokenLifetime = int("accounts.access_token_seconds")
        store.refreshTokenLifetime = int("accounts.refresh_token_seconds")
        store.issuer = string("accounts.issuer")
        store.audience = string("accounts.audience")
        store.loginThrottle.freeFailuresPerAccount = Int(int("accounts.login_free_failures_per_account"))
        store.loginThrottle.freeFailuresPerIP = Int(int("accounts.login_free_failures_per_ip"))
        store.loginThrottle.maximumDelay = int("accounts.login_max_delay_seconds")

        var perRole: [Role: Int] = [:]
        for role in Role.allCases {
            let n = int("rate_limit.\(role.rawValue)_per_minute")
            if n > 0 { perRole[role] = Int(n) }
        }
        var api = AccountsAPIConfiguration(rateLimits: RateLimitPolicy(defaultPerMinute: Int(int("rate_limit.default_per_minute")), perRole: perRole,
                                                                       anonymousPerMinute: Int(int("rate_limit.anonymous_per_minute"))))
        api.secureCookies = AccountsAPIConfiguration.SecureCookies(rawValue: string("accounts.secure_cookies")) ?? .auto
        api.trustForwardedFor = bool("accounts.trust_forwarded_for")
        return Settings(store: store, api: api)
    }
}

extension AccountsSettings {
    /// The shipped list of common passwords: `./data/common-passwords.txt`, else the installed
    /// `<binary>/../share/studio/data/common-passwords.txt`; nil when neither exists.
    public static func locateCommonPasswords() -> String? {
        let name = "data/common-passwords.txt"
        if access(name, R_OK) == 0 { return name }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        guard n > 0 else { return nil }
        let exe = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var parts = exe.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count > 2 else { return nil }
        parts.removeLast(2)
        let candidate = parts.joined(separator: "/") + "/share/studio/" + name
        return access(candidate, R_OK) == 0 ? candidate : nil
    }

    /// Reads the accounts keys from the layers the daemon also reads, for tools that run beside it
    /// (`studio user create`): a JSON config file with nested objects (`{"accounts": {"argon2_memory_kib": …}}`),
    /// then `STUDIO_*` environment variables (`STUDIO_ACCOUNTS_ARGON2_MEMORY_KIB`). Unknown or unreadable values
    /// fall back to the defaults.
    public static func lookup(configFile: String?, environment: [String: String]) -> (String) -> JSONValue? {
        var file: JSONValue?
        let fd = configFile.map { open($0, O_RDONLY | O_CLOEXEC) } ?? -1
        if fd >= 0 {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while bytes.count < 1 << 20 {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes.append(contentsOf: chunk[0..<n])
            }
            close(fd)
            file = try? JSONValue.parse(bytes)
        }
        return { key in
            let declared = keys.first { $0.key == key }
            if let raw = environment["STUDIO_" + key.uppercased().replacing(".", with: "_")] {
                switch declared?.defaultValue {
                case .int?: if let n = Int64(raw.trimming(" ")) { return .int(n) }
                case .bool?: return .bool(["true", "1", "yes", "on"].contains(raw.lowercased()))
                default: return .string(raw)
                }
            }
            var node = file
            for part in key.split(separator: ".") { node = node?[String(part)] }
            return node
        }
    }
}
