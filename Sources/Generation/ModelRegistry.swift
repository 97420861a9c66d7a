import OrderedJSON
import Glibc
import Synchronization
import Writing

/// The models the orchestrator may route to, read from `data/models.json` and reloadable while the daemon runs.
///
/// The file is validated completely before it replaces the current models: a bad edit followed by SIGHUP keeps
/// the previous registry and reports what is wrong (``reload()`` throws, ``lastReloadError`` keeps it).
/// When the file has no `builtin` entry one is added, so a fresh install can always generate something.
///
/// ```swift
/// let registry = try ModelRegistry.load(path: "data/models.json")
/// registry.models.filter { registry.availability(of: $0).isAvailable }
/// ```
public final class ModelRegistry: Sendable {
    /// The file this registry was loaded from, or nil for one built in code.
    public let path: String?
    private let environment: @Sendable (String) -> String?
    private let state: Mutex<State>

    private struct State {
        var models: [ModelEntry]
        var lastError: ModelRegistryError?
    }

    /// The largest registry file accepted (a model list is a few kilobytes; more is a mistake or an attack).
    public static let maximumFileBytes = 1 << 20
    /// The most entries accepted.
    public static let maximumModels = 256

    /// A registry of the given entries (tests, or the builtin-only fallback).
    ///
    /// - Parameter environment: looks up an environment variable; defaults to the process environment.
    public init(models: [ModelEntry], environment: @escaping @Sendable (String) -> String? = ModelRegistry.processEnvironment) {
        self.path = nil
        self.environment = environment
        self.state = Mutex(State(models: models, lastError: nil))
    }

    private init(path: String, models: [ModelEntry], environment: @escaping @Sendable (String) -> String?) {
        self.path = path
        self.environment = environment
        self.state = Mutex(State(models: models, lastError: nil))
    }

    /// A registry with only the builtin model: what a fresh install has before any model is configured.
    public static func builtinOnly(environment: @escaping @Sendable (String) -> String? = ModelRegistry.processEnvironment) -> ModelRegistry {
        ModelRegistry(models: [ModelEntry.builtinDefault], environment: environment)
    }

    /// Loads and validates a registry file.
    ///
    /// - Throws: ``ModelRegistryError`` naming the entry and field at fault (`models[2].quality must be between 0 and 1`).
    public static func load(path: String,
                            environment: @escaping @Sendable (String) -> String? = ModelRegistry.processEnvironment) throws(ModelRegistryError) -> ModelRegistry {
        let models = try parse(try readFile(path), source: path)
        return ModelRegistry(path: path, models: models, environment: environment)
    }

    /// Re-reads the file (the daemon calls this on SIGHUP). On any error the current models stay in use and the
    /// error is thrown and kept in ``lastReloadError``.
    public func reload() throws(ModelRegistryError) {
        guard let path else { return }
        do {
            let models = try ModelRegistry.parse(try ModelRegistry.readFile(path), source: path)
            state.withLock { $0 = State(models: models, lastError: nil) }
        } catch {
            state.withLock { $0.lastError = error }
            throw error
        }
    }

    /// A snapshot of the current entries, in file order.
    public var models: [ModelEntry] { state.withLock { $0.models } }

    /// The error of the last failed ``reload()``, cleared by a successful one.
    public var lastReloadError: ModelRegistryError? { state.withLock { $0.lastError } }

    /// The entry with this name, if any.
    public func entry(named name: String) -> ModelEntry? { models.first { $0.name == name } }

    /// Whether the model may be called now: enabled, and its API key variable set when it names one.
    public func availability(of entry: ModelEntry) -> ModelAvailability {
        guard entry.enabled else { return .disabled }
        if let variable = entry.apiKeyEnv {
            guard let value = environment(variable), !value.isEmpty else { return .missingKey(environmentVariable: variable) }
        }
        return .available
    }

    /// The API key for a model, read from the environment at call time (nil when it names none or it is unset).
    public func apiKey(for entry: ModelEntry) -> String? {
        guard let variable = entry.apiKeyEnv, let value = environment(variable), !value.isEmpty else { return nil }
        return value
    }

    /// Reads the process environment.
    public static let processEnvironment: @Sendable (String) -> String? = { name in
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    // MARK: - Reading and validating

    static func readFile(_ path: String) throws(ModelRegistryError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw ModelRegistryError(.unreadable, "cannot open model registry \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if bytes.count > maximumFileBytes {
                throw ModelRegistryError(.tooLarge, "model registry \(path) is larger than \(maximumFileBytes) bytes")
            }
            if n < buffer.count {
                if ferror(file) != 0 { throw ModelRegistryError(.unreadable, "cannot read model registry \(path)") }
                break
            }
        }
        return bytes
    }

    /// Parses and validates registry JSON; `source` names the file in messages.
    public static func parse(_ bytes: [UInt8], source: String = "models.json") throws(ModelRegistryError) -> [ModelEntry] {
        guard bytes.count <= maximumFileBytes else {
            throw ModelRegistryError(.tooLarge, "model registry \(source) is larger than \(maximumFileBytes) bytes")
        }
        let root: JSONText
        do { root = try JSONText.parse(bytes) } catch {
            throw ModelRegistryError(.syntax, "model registry \(source) is not valid JSON: \(error)")
        }
        guard case .object(let top) = root else {
            throw ModelRegistryError(.invalidField, "model registry \(source) must be an object with a \"models\" array", field: "models")
        }
        try rejectDuplicateKeys(top, at: "")
        for member in top where !["models", "currency", "note"].contains(member.key) {
            throw ModelRegistryError(.invalidField, "\(clip(member.key)) is not a known field (allowed: models, currency, note)", field: clip(member.key))
        }
        if let currency = root["currency"] {
            guard currency.stringValue == TokenPrice.currency else {
                throw ModelRegistryError(.invalidField, "currency must be \"\(TokenPrice.currency)\" (prices are in micro-dollars)", field: "currency")
            }
        }
        guard case .array(let items)? = root["models"] else {
            throw ModelRegistryError(.invalidField, "models must be an array of model entries", field: "models")
        }
        guard items.count <= maximumModels else {
            throw ModelRegistryError(.invalidField, "models has \(items.count) entries; at most \(maximumModels) are accepted", field: "models")
        }
        var entries: [ModelEntry] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let entry = try parseEntry(item, index: index)
            if let first = seen[entry.name] {
                throw ModelRegistryError(.duplicate, "models[\(index)].name \"\(entry.name)\" is already used by models[\(first)]", field: "models[\(index)].name")
            }
            seen[entry.name] = index
            entries.append(entry)
        }
        if !entries.contains(where: { $0.provider == .builtin }) { entries.append(.builtinDefault) }
        return entries
    }

    private static let knownFields: Set<String> = [
        "name", "provider", "endpoint", "model", "api_key_env", "cost_per_1k_input", "cost_per_1k_output", "quality", "speed",
        "context_length", "capabilities", "timeout_seconds", "enabled", "note",
    ]

    private static func parseEntry(_ item: JSONText, index: Int) throws(ModelRegistryError) -> ModelEntry {
        let at = "models[\(index)]"
        guard case .object(let members) = item else {
            throw ModelRegistryError(.invalidField, "\(at) must be an object, got \(item.typeName)", field: at)
        }
        try rejectDuplicateKeys(members, at: at + ".")
        for member in members where !knownFields.contains(member.key) {
            throw ModelRegistryError(.invalidField, "\(at).\(clip(member.key)) is not a known field (allowed: \(knownFields.sorted().joined(separator: ", ")))",
                                     field: "\(at).\(clip(member.key))")
        }
        func fail(_ field: String, _ reason: String) -> ModelRegistryError {
            ModelRegistryError(.invalidField, "\(at).\(field) \(reason)", field: "\(at).\(field)")
        }
        func string(_ field: String, required: Bool, limit: Int = 512) throws(ModelRegistryError) -> String? {
            guard let value = item[field], value != .null else {
                if required { throw fail(field, "is required") }
                return nil
            }
            guard case .string(let s) = value else { throw fail(field, "must be a string, got \(value.typeName)") }
            guard s.utf8.count <= limit else { throw fail(field, "is longer than \(limit) bytes") }
            guard !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { throw fail(field, "must not contain control characters") }
            return s
        }
        func number(_ field: String) throws(ModelRegistryError) -> String? {
            guard let value = item[field], value != .null else { return nil }
            switch value {
            case .number(let literal): return literal
            case .string(let s) where s.utf8.count <= 64: return s
            default: throw fail(field, "must be a number, got \(value.typeName)")
            }
        }
        func integer(_ field: String, default fallback: Int, range: ClosedRange<Int>) throws(ModelRegistryError) -> Int {
            guard let literal = try number(field) else { return fallback }
            guard let v = Int(literal) else { throw fail(field, "must be a whole number") }
            guard range.contains(v) else { throw fail(field, "must be between \(range.lowerBound) and \(range.upperBound)") }
            return v
        }
        func price(_ field: String) throws(ModelRegistryError) -> TokenPrice {
            guard let literal = try number(field) else { return .zero }
            do { return try TokenPrice.parse(literal) } catch { throw fail(field, error.reason) }
        }

        let name = try string("name", required: true, limit: 64)!
        guard !name.isEmpty, name.utf8.allSatisfy({ isNameByte($0) }) else {
            throw fail("name", "must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")
        }
        let providerText = try string("provider", required: true, limit: 32)!
        guard let provider = ModelEntry.ProviderKind(rawValue: providerText) else {
            throw fail("provider", "must be one of \(ModelEntry.ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(clip(providerText))\"")
        }
        var enabled = true
        if let value = item["enabled"] {
            guard case .bool(let b) = value else { throw fail("enabled", "must be true or false, got \(value.typeName)") }
            enabled = b
        }
        let endpoint = try string("endpoint", required: false, limit: 2048) ?? ""
        if provider == .openai {
            if endpoint.isEmpty {
                if enabled { throw fail("endpoint", "is required for an enabled openai model (the base URL, e.g. http://127.0.0.1:11434/v1)") }
            } else if let problem = endpointProblem(endpoint) {
                throw fail("endpoint", problem)
            }
        }
        let modelID = try string("model", required: false, limit: 256) ?? ""
        if provider == .openai, modelID.isEmpty { throw fail("model", "is required for an openai model (the server's model id)") }
        var apiKeyEnv: String?
        if let variable = try string("api_key_env", required: false, limit: 128), !variable.isEmpty {
            // Never echo the value: a key pasted here by mistake must not end up in a log.
            guard isEnvironmentName(variable) else {
                throw fail("api_key_env", "must be the NAME of an environment variable (A-Z, 0-9, _), not a key; the value is not shown")
            }
            apiKeyEnv = variable
        }
        let inputPrice = try price("cost_per_1k_input")
        let outputPrice = try price("cost_per_1k_output")
        guard let qualityText = try number("quality") else { throw fail("quality", "is required (a number between 0 and 1)") }
        guard let quality = Double(qualityText), quality.isFinite else { throw fail("quality", "must be a number between 0 and 1") }
        guard (0...1).contains(quality) else { throw fail("quality", "must be between 0 and 1") }
        var speed = 0.0
        if let speedText = try number("speed") {
            guard let s = Double(speedText), s.isFinite, s >= 0, s <= 1_000_000 else { throw fail("speed", "must be a number of tokens per second between 0 and 1000000") }
            speed = s
        }
        let contextLength = try integer("context_length", default: provider == .builtin ? 1_000_000 : 8192, range: 1...100_000_000)
        let timeoutSeconds = try integer("timeout_seconds", default: provider == .builtin ? 10 : 60, range: 1...600)
        var capabilities = Set<ContentKind>()
        if let value = item["capabilities"] {
            guard case .array(let kinds) = value else { throw fail("capabilities", "must be an array of content kinds") }
            for (k, kindValue) in kinds.enumerated() {
                guard let text = kindValue.stringValue, let kind = ContentKind(rawValue: text) else {
                    throw fail("capabilities[\(k)]", "must be one of \(ContentKind.allowedList)")
                }
                capabilities.insert(kind)
            }
        } else if provider == .builtin {
            capabilities = BuiltinModel.capabilities
        } else {
            throw fail("capabilities", "is required: the content kinds this model may be asked for (\(ContentKind.allowedList))")
        }
        if provider == .builtin {
            let beyond = capabilities.subtracting(BuiltinModel.capabilities)
            if !beyond.isEmpty {
                throw fail("capabilities", "lists \(beyond.map(\.rawValue).sorted().joined(separator: ", ")), which the builtin model cannot do")
            }
        }
        let note = try string("note", required: false, limit: 1024)
        return ModelEntry(name: name, provider: provider, endpoint: provider == .builtin ? "" : endpoint,
                          model: provider == .builtin ? "builtin" : modelID, apiKeyEnv: apiKeyEnv,
                          inputPrice: inputPrice, outputPrice: outputPrice, quality: quality, speed: speed,
                          contextLength: contextLength, capabilities: capabilities, timeoutSeconds: timeoutSeconds,
                          enabled: enabled, note: note)
    }

    private static func rejectDuplicateKeys(_ members: [(key: String, value: JSONText)], at prefix: String) throws(ModelRegistryError) {
        var keys = Set<String>()
        for member in members where !keys.insert(member.key).inserted {
            throw ModelRegistryError(.duplicate, "\(prefix)\(clip(member.key)) appears twice", field: prefix + clip(member.key))
        }
    }

    /// Why an endpoint is not acceptable, or nil. Credentials in the URL are refused without echoing them.
    static func endpointProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return "must start with http:// or https://" }
        let afterScheme = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard afterScheme.count >= 3, !afterScheme[2].isEmpty else { return "must name a host" }
        if afterScheme[2].contains("@") { return "must not contain credentials (use api_key_env); the value is not shown" }
        if url.contains("?") || url.contains("#") { return "must be a base URL without query or fragment" }
        if url.contains(where: { $0 == " " }) { return "must not contain spaces" }
        return nil
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    private static func isEnvironmentName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return s.utf8.allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }

    /// A field name from the file, shortened and stripped of control characters before it goes into a message.
    private static func clip(_ s: String) -> String {
        let clean = String(String.UnicodeScalarView(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        return clean.count > 40 ? String(clean.prefix(40)) + "…" : clean
    }
}

/// Why a model registry file was refused: a code, a message naming the entry and field, and that field's path.
public struct ModelRegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: String, Sendable {
        /// The file could not be opened or read.
        case unreadable = "unreadable"
        /// The file is larger than ``ModelRegistry/maximumFileBytes``.
        case tooLarge = "too_large"
        /// The file is not valid JSON.
        case syntax = "syntax"
        /// A field is missing, of the wrong type, or out of range.
        case invalidField = "invalid_field"
        /// A key or a model name appears twice.
        case duplicate = "duplicate"
    }

    /// The problem's code.
    public let code: Code
    /// A message a person can act on, e.g. `models[2].quality must be between 0 and 1`.
    public let message: String
    /// The field's path, e.g. `models[2].quality`, when the problem is about one.
    public let field: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The message.
    public var description: String { message }
}
