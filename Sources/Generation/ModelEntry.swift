import Writing

/// One model the orchestrator can route to, as configured in `data/models.json`.
///
/// The entry names the environment variable that holds the API key (``apiKeyEnv``), never the key itself:
/// the key is read from the environment at call time and is never logged or put in an error.
public struct ModelEntry: Sendable, Hashable, CustomStringConvertible {
    /// Which client talks to the model.
    public enum ProviderKind: String, Sendable, Hashable, CaseIterable {
        /// OpenAI-compatible Chat Completions over HTTP (Ollama, llama.cpp server, vLLM, DeepSeek, OpenAI).
        case openai
        /// The deterministic, offline builtin model.
        case builtin
    }

    /// The routing name (`"deepseek"`), unique in the registry; what a request's `model` field names.
    public var name: String
    /// Which client talks to it.
    public var provider: ProviderKind
    /// Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:11434/v1` (empty for builtin).
    public var endpoint: String
    /// The model id the server expects in the request (`"gemma3"`, `"deepseek-chat"`).
    public var model: String
    /// Name of the environment variable holding the API key, when the server needs one.
    public var apiKeyEnv: String?
    /// Price of 1k prompt tokens.
    public var inputPrice: TokenPrice
    /// Price of 1k completion tokens.
    public var outputPrice: TokenPrice
    /// Configured quality in 0…1 (the router's notion of "better").
    public var quality: Double
    /// Typical generation speed in tokens per second (informational; shown in the admin page).
    public var speed: Double
    /// Context window in tokens: prompt plus completion must fit.
    public var contextLength: Int
    /// The content kinds this model may be asked for.
    public var capabilities: Set<ContentKind>
    /// Longest one call may take before it counts as a timeout.
    public var timeoutSeconds: Int
    /// Whether the operator turned the model on.
    public var enabled: Bool
    /// A free-text note from the file ("disabled until given an endpoint").
    public var note: String?

    /// Creates an entry (tests and the builtin default; files go through ``ModelRegistry``).
    public init(name: String, provider: ProviderKind, endpoint: String = "", model: String = "", apiKeyEnv: String? = nil,
                inputPrice: TokenPrice = .zero, outputPrice: TokenPrice = .zero, quality: Double, speed: Double = 0,
                contextLength: Int = 8192, capabilities: Set<ContentKind>, timeoutSeconds: Int = 60, enabled: Bool = true,
                note: String? = nil) {
        self.name = name
        self.provider = provider
        self.endpoint = endpoint
        self.model = model.isEmpty ? name : model
        self.apiKeyEnv = apiKeyEnv
        self.inputPrice = inputPrice
        self.outputPrice = outputPrice
        self.quality = quality
        self.speed = speed
        self.contextLength = contextLength
        self.capabilities = capabilities
        self.timeoutSeconds = timeoutSeconds
        self.enabled = enabled
        self.note = note
    }

    /// The entry used when the registry file has none for the builtin model: free, quality 0.5, always on.
    public static var builtinDefault: ModelEntry {
        ModelEntry(name: "builtin", provider: .builtin, model: "builtin", quality: 0.5, speed: 0, contextLength: 1_000_000,
                   capabilities: BuiltinModel.capabilities, timeoutSeconds: 10, enabled: true,
                   note: "deterministic and offline; always available")
    }

    /// The per-call timeout.
    public var timeout: Duration { .seconds(timeoutSeconds) }

    /// Cost in micro-dollars of a call with these token counts, at this model's prices.
    public func cost(inputTokens: Int, outputTokens: Int) -> Int64 {
        TokenPrice.cost(inputTokens: inputTokens, outputTokens: outputTokens, input: inputPrice, output: outputPrice)
    }

    /// `"deepseek (openai, quality 0.92)"`.
    public var description: String { "\(name) (\(provider.rawValue), quality \(quality))" }
}

/// Whether a model can be called right now, and if not, why (for error messages that say what to fix).
public enum ModelAvailability: Sendable, Equatable, CustomStringConvertible {
    /// Enabled, and its key (if any) is set.
    case available
    /// `enabled` is false in the registry file.
    case disabled
    /// The named environment variable is not set or empty.
    case missingKey(environmentVariable: String)

    /// Whether the model may be called.
    public var isAvailable: Bool { self == .available }

    /// Why not, in words.
    public var description: String {
        switch self {
        case .available: "available"
        case .disabled: "disabled in the model registry"
        case .missingKey(let name): "needs the environment variable \(name) to be set"
        }
    }
}
