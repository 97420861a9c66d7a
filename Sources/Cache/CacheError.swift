/// Why a cache operation or configuration was refused.
///
/// Refusals never leave a partial entry behind: the cache is unchanged.
public struct CacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Machine-readable reason.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable string form.
        public let rawValue: String
        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The string form, e.g. `value_too_large`.
        public var description: String { rawValue }

        /// The key is the empty string (almost always a key-building bug: it would collide for every caller).
        public static let emptyKey = Code(rawValue: "empty_key")
        /// The key's UTF-8 form is longer than ``TieredCache/maximumKeyLength`` bytes.
        public static let keyTooLong = Code(rawValue: "key_too_long")
        /// The entry is larger than the target tier can ever hold in one shard.
        public static let valueTooLarge = Code(rawValue: "value_too_large")
        /// A TTL, budget or shard count is out of range.
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
    }

    /// Machine-readable reason.
    public let code: Code
    /// Readable explanation; never contains the value's bytes.
    public let description: String

    /// Creates an error with a code and a readable explanation.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
