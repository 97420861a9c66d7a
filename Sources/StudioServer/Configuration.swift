import AccountsAPI
import FoundationEssentials
import Glibc
import HTTP

/// The daemon's settings, from defaults < config file < `STUDIO_*` environment < flags.
///
/// Every key is declared once in ``Configuration/schema`` with its type, allowed range and
/// documentation; `data/studio.example.json` documents the same keys. An unknown key, a
/// wrong type or an out-of-range value is a ``ConfigurationError`` naming the key and what is
/// allowed; the CLI exits with code 78 (`EX_CONFIG`) on it.
public struct Configuration: Sendable {
    /// One declared setting.
    public struct Setting: Sendable {
        /// Dotted key, e.g. `http.threads`.
        public var key: String
        /// The kind of value and its bounds.
        public var kind: Kind
        /// The default.
        public var defaultValue: JSONValue
        /// What it does.
        public var help: String
        /// Whether the value is a secret (never printed).
        public var secret: Bool = false

        /// The environment variable that sets it: `STUDIO_` + key upper-cased, dots to underscores.
        public var environmentName: String {
            "STUDIO_" + key.uppercased().replacing(".", with: "_")
        }
    }

    /// Types of setting.
    public enum Kind: Sendable {
        case integer(ClosedRange<Int64>)
        case string
        case boolean
        case choice([String])
        case listen
    }

    /// Every setting the daemon reads: its own, then those the modules declare.
    public static let schema: [Setting] = coreSchema + AccountsSettings.keys.map { key in
        let kind: Kind
        if let choices = key.choices {
            kind = .choice(choices)
        } else if let range = key.range {
            kind = .integer(range)
        } else if case .bool = key.defaultValue {
            kind = .boolean
        } else {
            kind = .string
        }
        return Setting(key: key.key, kind: kind, defaultValue: key.defaultValue, help: key.help)
    }

    static let coreSchema: [Setting] = [
        Setting(key: "listen", kind: .listen, defaultValue: .string("127.0.0.1:8080"), help: "Address and port to serve HTTP on (HOST:PORT; [::1]:PORT for IPv6; port 0 picks a free port)."),
        Setting(key: "data_dir", kind: .string, defaultValue: .string("./var"), help: "Folder for the graph, the database, keys and the lock file; created if missing."),
        Setting(key: "web_root", kind: .string, defaultValue: .string(""), help: "Folder of the admin page; empty means ./web-static, else <binary>/../share/studio/web-static."),
        Setting(key: "log_level", kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), defaultValue: .string("info"), help: "Least severe log level written to standard error."),
        Setting(key: "http.threads", kind: .integer(1...256), defaultValue: .int(4), help: "Worker threads of the HTTP pool. Each may hash one password at a time, so threads x argon2 memory is the memory budget for sign-ins."),
        Setting(key: "http.body_limit_bytes", kind: .integer(1024...1_073_741_824), defaultValue: .int(1_048_576), help: "Largest request body; larger requests get 413."),
        Setting(key: "http.header_limit_bytes", kind: .integer(4096...1_048_576), defaultValue: .int(16_384), help: "Largest request header block; larger requests get 431."),
        Setting(key: "http.idle_timeout_seconds", kind: .integer(1...3600), defaultValue: .int(30), help: "Seconds without traffic before a connection is closed."),
        Setting(key: "http.header_timeout_seconds", kind: .integer(1...600), defaultValue: .int(10), help: "Seconds a client has to send a complete request header block (slow-loris defence)."),
        Setting(key: "http.max_connections", kind: .integer(16...100_000), defaultValue: .int(4096), help: "Most simultaneous connections, event streams included."),
        Setting(key: "http.access_log", kind: .boolean, defaultValue: .bool(true), help: "Write one log line per request (method, path, status, bytes, microseconds, request id)."),
        Setting(key: "shutdown.drain_seconds", kind: .integer(0...60), defaultValue: .int(5), help: "On SIGTERM, how long in-flight requests may take to finish."),
        Setting(key: "events.keepalive_seconds", kind: .integer(1...300), defaultValue: .int(15), help: "Interval of keep-alive comments on /api/v1/events."),
        Setting(key: "graph.max_depth", kind: .integer(1...10), defaultValue: .int(3), help: "Deepest neighbour expansion /api/v1/graph/nodes/{id}/neighbors accepts."),
        Setting(key: "graph.max_page_size", kind: .integer(1...100_000), defaultValue: .int(1000), help: "Largest page (limit) the graph list routes accept."),
        Setting(key: "graph.query_timeout_seconds", kind: .integer(1...3600), defaultValue: .int(30), help: "Longest a Cypher statement on /api/v1/graph/query may run."),
        Setting(key: "graph.query_max_rows", kind: .integer(1...100_000_000), defaultValue: .int(100_000), help: "Most rows a Cypher statement may produce."),
        Setting(key: "billing.stripe_webhook_secret", kind: .string, defaultValue: .string(""), help: "Signing secret of the Stripe webhook endpoint (whsec_…); empty: /api/v1/webhooks/stripe answers 503.", secret: true),
        Setting(key: "billing.seller.name", kind: .string, defaultValue: .string("Creator Studio"), help: "Seller name printed on invoices."),
        Setting(key: "billing.seller.address", kind: .string, defaultValue: .string(""), help: "Seller address on invoices, lines separated by newlines."),
        Setting(key: "billing.seller.country", kind: .string, defaultValue: .string("US"), help: "Seller country (two letters): decides domestic tax and EU reverse charge."),
        Setting(key: "billing.seller.vat_id", kind: .string, defaultValue: .string(""), help: "Seller VAT id printed on invoices."),
        Setting(key: "billing.seller.email", kind: .string, defaultValue: .string(""), help: "Seller contact email printed on invoices."),
        Setting(key: "billing.invoice_series", kind: .string, defaultValue: .string("INV"), help: "Invoice number prefix: INV-2026-000123."),
        Setting(key: "billing.payment_terms_days", kind: .integer(0...365), defaultValue: .int(14), help: "Days from finalising an invoice to its due date."),
        Setting(key: "billing.dunning.retry_days", kind: .string, defaultValue: .string("3,5,7"), help: "Days after a failed payment at which it is retried, comma-separated."),
        Setting(key: "billing.dunning.final_state", kind: .choice(["unpaid", "canceled"]), defaultValue: .string("unpaid"), help: "Subscription state after the last failed retry."),
        Setting(key: "billing.run_interval_seconds", kind: .integer(60...86_400), defaultValue: .int(3600), help: "How often the daemon runs billing and dunning."),
        Setting(key: "cache.hot_bytes", kind: .integer(0...68_719_476_736), defaultValue: .int(32 << 20), help: "Byte budget of the hot cache tier (keys, values and per-entry overhead)."),
        Setting(key: "cache.warm_bytes", kind: .integer(0...68_719_476_736), defaultValue: .int(128 << 20), help: "Byte budget of the warm tier (values compressed when that saves space)."),
        Setting(key: "cache.cold_bytes", kind: .integer(0...68_719_476_736), defaultValue: .int(512 << 20), help: "Byte budget of the cold tier (values compressed when that saves space)."),
        Setting(key: "cache.hot_ttl_seconds", kind: .integer(1...31_536_000), defaultValue: .int(300), help: "Lifetime of an entry in the hot tier."),
        Setting(key: "cache.warm_ttl_seconds", kind: .integer(1...31_536_000), defaultValue: .int(3600), help: "Lifetime of an entry in the warm tier."),
        Setting(key: "cache.cold_ttl_seconds", kind: .integer(1...31_536_000), defaultValue: .int(86_400), help: "Lifetime of an entry in the cold tier."),
        Setting(key: "generation.models_file", kind: .string, defaultValue: .string(""), help: "Model registry (JSON); empty means the shipped data/models.json. Reloaded on SIGHUP; a bad edit keeps the previous registry."),
        Setting(key: "generation.concurrency", kind: .integer(1...64), defaultValue: .int(2), help: "Generation jobs run at once (model calls in flight)."),
        Setting(key: "generation.wait_seconds", kind: .integer(0...300), defaultValue: .int(20), help: "How long POST /api/v1/generate waits for the result before answering 202 with the job."),
        Setting(key: "generation.max_batch", kind: .integer(1...10_000), defaultValue: .int(500), help: "Most requests in one POST /api/v1/generate/batch."),
        Setting(key: "generation.daily_budget_micros", kind: .integer(0...1_000_000_000_000), defaultValue: .int(5_000_000), help: "Each creator's daily model spend limit in millionths of a US dollar (5000000 = $5.00); 0 means no limit. Local models count at their configured price."),
        Setting(key: "generation.quality_threshold_percent", kind: .integer(0...100), defaultValue: .int(50), help: "Results scoring below this (0-100) are retried on the next model; the best is kept if none passes."),
        Setting(key: "generation.total_timeout_seconds", kind: .integer(1...3600), defaultValue: .int(180), help: "Longest one generation request may take across all its attempts."),
        Setting(key: "generation.breaker_failures", kind: .integer(1...100), defaultValue: .int(3), help: "Consecutive failures after which a model is cooled down (circuit breaker)."),
        Setting(key: "generation.breaker_cooldown_seconds", kind: .integer(1...86_400), defaultValue: .int(30), help: "How long a failing model is left out before one trial request."),
        Setting(key: "metrics.access", kind: .choice(["loopback", "token", "open"]), defaultValue: .string("loopback"), help: "Who may read /metrics: loopback clients only, holders of metrics.token, or anyone."),
        Setting(key: "metrics.token", kind: .string, defaultValue: .string(""), help: "Bearer token for /metrics when metrics.access is \"token\".", secret: true),
    ]

    private var values: [String: JSONValue]
    /// Where each value came from (`default`, the file path, the environment variable, `flag`).
    public private(set) var sources: [String: String]

    /// The defaults only.
    public init() {
        values = [:]
        sources = [:]
        for setting in Self.schema {
            values[setting.key] = setting.defaultValue
            sources[setting.key] = "default"
        }
    }

    /// Loads the layers. `file` nil means `/etc/studio/studio.json` when it exists.
    public static func load(file: String?, environment: [String: String], flags: [String: String]) throws(ConfigurationError) -> Configuration {
        var config = Configuration()
        let path = file ?? (access("/etc/studio/studio.json", F_OK) == 0 ? "/etc/studio/studio.json" : nil)
        if let path { try config.apply(file: path) }
        for setting in schema {
            if let raw = environment[setting.environmentName] {
                try config.set(setting.key, text: raw, source: setting.environmentName)
            }
        }
        for (key, raw) in flags.sorted(by: { $0.key < $1.key }) {
            try config.set(key, text: raw, source: "flag")
        }
        return config
    }

    /// Applies a JSON config file (nested objects: `{"http": {"threads": 8}}`).
    public mutating func apply(file path: String) throws(ConfigurationError) {
        guard let bytes = StaticFiles.readFile(path, limit: 64 << 20) else {
            throw ConfigurationError(key: nil, message: "cannot read config file \(path)")
        }
        guard bytes.count <= 1 << 20 else { throw ConfigurationError(key: nil, message: "config file \(path) is larger than 1 MiB") }
        let root: JSONValue
        do { root = try JSONValue.parse(bytes) } catch {
            throw ConfigurationError(key: nil, message: "config file \(path): \(error.description)")
        }
        guard case .object = root else { throw ConfigurationError(key: nil, message: "config file \(path) must hold a JSON object") }
        try apply(root, prefix: "", source: path)
    }

    private mutating func apply(_ value: JSONValue, prefix: String, source: String) throws(ConfigurationError) {
        guard case .object(let members) = value else { return }
        for (name, child) in members.sorted(by: { $0.key < $1.key }) {
            if name.hasPrefix("_") || name == "$schema" { continue } // comments
            let key = prefix.isEmpty ? name : prefix + "." + name
            if Self.schema.contains(where: { $0.key == key }) {
                try set(key, value: child, source: source)
            } else if case .object = child, Self.schema.contains(where: { $0.key.hasPrefix(key + ".") }) {
                try apply(child, prefix: key, source: source)
            } else {
                let known = Self.schema.map(\.key).filter { prefix.isEmpty || $0.hasPrefix(prefix + ".") }
                throw ConfigurationError(key: key, message: "unknown key \"\(key)\" in \(source); known keys: \(known.joined(separator: ", "))")
            }
        }
    }

    /// Sets a key from text (environment or flag), converting it to the key's type.
    public mutating func set(_ key: String, text: String, source: String) throws(ConfigurationError) {
        guard let setting = Self.schema.first(where: { $0.key == key }) else {
            throw ConfigurationError(key: key, message: "unknown key \"\(key)\" (from \(source)); known keys: \(Self.schema.map(\.key).joined(separator: ", "))")
        }
        let value: JSONValue
        switch setting.kind {
        case .integer:
            guard let n = Int64(text.trimming(" ")) else {
                throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be an integer, got \"\(text)\"")
            }
            value = .int(n)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes", "on": value = .bool(true)
            case "false", "0", "no", "off": value = .bool(false)
            default: throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be true or false, got \"\(text)\"")
            }
        default:
            value = .string(text)
        }
        try set(key, value: value, source: source)
    }

    /// Sets a key from a JSON value, checking its type and range.
    public mutating func set(_ key: String, value: JSONValue, source: String) throws(ConfigurationError) {
        guard let setting = Self.schema.first(where: { $0.key == key }) else {
            throw ConfigurationError(key: key, message: "unknown key \"\(key)\"")
        }
        switch (setting.kind, value) {
        case (.integer(let range), .int(let n)):
            guard range.contains(n) else {
                throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be between \(range.lowerBound) and \(range.upperBound), got \(n)")
            }
        case (.integer(let range), _):
            throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be an integer between \(range.lowerBound) and \(range.upperBound), got \(value.typeName)")
        case (.string, .string): break
        case (.string, _):
            throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be a string, got \(value.typeName)")
        case (.boolean, .bool): break
        case (.boolean, _):
            throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be true or false, got \(value.typeName)")
        case (.choice(let options), .string(let s)):
            guard options.contains(s) else {
                throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be one of \(options.joined(separator: ", ")), got \"\(s)\"")
            }
        case (.choice(let options), _):
            throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be one of \(options.joined(separator: ", ")), got \(value.typeName)")
        case (.listen, .string(let s)):
            guard ListenAddress(s) != nil else {
                throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be HOST:PORT with a port from 0 to 65535 (e.g. 127.0.0.1:8080 or [::1]:8080), got \"\(s)\"")
            }
        case (.listen, _):
            throw ConfigurationError(key: key, message: "\(key) (from \(source)) must be a string HOST:PORT, got \(value.typeName)")
        }
        values[key] = value
        sources[key] = source
    }

    /// The raw value of a setting (nil for an unknown key).
    public func value(_ key: String) -> JSONValue? { values[key] }

    /// An integer setting.
    public func int(_ key: String) -> Int {
        if case .int(let n) = values[key] { return Int(n) }
        preconditionFailure("setting \(key) is not an integer")
    }

    /// A string setting.
    public func string(_ key: String) -> String {
        if case .string(let s) = values[key] { return s }
        preconditionFailure("setting \(key) is not a string")
    }

    /// A boolean setting.
    public func bool(_ key: String) -> Bool {
        if case .bool(let b) = values[key] { return b }
        preconditionFailure("setting \(key) is not a boolean")
    }

    /// The listen address.
    public var listen: ListenAddress { ListenAddress(string("listen"))! }

    /// The effective settings with secrets masked, as printed by `studio config`.
    public func describe() -> JSONValue {
        var out: [String: JSONValue] = [:]
        for setting in Self.schema {
            let value = values[setting.key] ?? .null
            let shown: JSONValue = setting.secret && value != .string("") ? .string("(set)") : value
            out[setting.key] = .object(["value": shown, "source": .string(sources[setting.key] ?? "default")])
        }
        return .object(out)
    }
}

/// A bad configuration value; the CLI exits with 78.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The offending key, when there is one.
    public var key: String?
    /// What is wrong and what is allowed.
    public var message: String
    public var description: String { message }
}

/// `HOST:PORT`, with IPv6 hosts in brackets.
public struct ListenAddress: Sendable, Equatable {
    /// The host part (brackets removed).
    public var host: String
    /// The port.
    public var port: UInt16

    /// Parses `HOST:PORT`; nil when malformed.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { return nil }
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.host = host
        self.port = port
    }
}
