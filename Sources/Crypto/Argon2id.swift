import CArgon2

/// Cost parameters of an argon2id hash.
///
/// The defaults are the project's: 64 MiB of memory, 3 passes, 4 lanes. Each concurrent hash
/// holds `memoryKiB` of memory for its duration, so callers bound how many run at once.
public struct Argon2Parameters: Sendable, Hashable, CustomStringConvertible {
    /// Memory cost in KiB (`m`).
    public var memoryKiB: UInt32
    /// Number of passes (`t`).
    public var iterations: UInt32
    /// Lanes and threads (`p`).
    public var parallelism: UInt32
    /// Salt length in bytes for new hashes.
    public var saltLength: Int
    /// Raw hash length in bytes for new hashes.
    public var hashLength: Int

    /// Creates parameters; see ``validate()`` for the accepted ranges.
    public init(memoryKiB: UInt32 = 65_536, iterations: UInt32 = 3, parallelism: UInt32 = 4, saltLength: Int = 16, hashLength: Int = 32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.saltLength = saltLength
        self.hashLength = hashLength
    }

    /// m=65536 (64 MiB), t=3, p=4: the production default.
    public static let standard = Argon2Parameters()

    /// m=64 KiB, t=1, p=1: the cheapest legal setting, for tests only; never for real passwords.
    public static let cheapForTesting = Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)

    /// Largest memory cost accepted from a stored hash (1 GiB), so a hostile string cannot exhaust memory.
    public static let maximumMemoryKiB: UInt32 = 1 << 20

    /// `m=…,t=…,p=…`.
    public var description: String { "m=\(memoryKiB),t=\(iterations),p=\(parallelism)" }

    /// Checks that the parameters are within libargon2's and this engine's limits.
    public func validate() throws(CryptoError) {
        guard (1...255).contains(parallelism) else { throw CryptoError(.invalidParameters, "argon2 parallelism must be 1...255") }
        guard memoryKiB >= 8 * parallelism, memoryKiB <= Self.maximumMemoryKiB else {
            throw CryptoError(.invalidParameters, "argon2 memory must be between 8×p KiB and 1 GiB")
        }
        guard (1...1000).contains(iterations) else { throw CryptoError(.invalidParameters, "argon2 iterations must be 1...1000") }
        guard (8...64).contains(saltLength) else { throw CryptoError(.invalidParameters, "argon2 salt length must be 8...64 bytes") }
        guard (16...128).contains(hashLength) else { throw CryptoError(.invalidParameters, "argon2 hash length must be 16...128 bytes") }
    }
}

/// argon2id password hashing (RFC 9106) through libargon2, with PHC strings.
///
/// ```swift
/// let phc = try Argon2id.hash(password: "correct horse battery staple")
/// // "$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>"
/// try Argon2id.verify(password: "correct horse battery staple", phc: phc)  // true
/// ```
public enum Argon2id {
    /// Hashes `password` with a fresh random salt and returns the PHC string
    /// `$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>` (standard base64, no padding).
    public static func hash(password: String, parameters: Argon2Parameters = .standard) throws(CryptoError) -> String {
        try parameters.validate()
        let salt = try SecureRandom.bytes(count: parameters.saltLength)
        let raw = try compute(password: Array(password.utf8), salt: salt, memoryKiB: parameters.memoryKiB,
                              iterations: parameters.iterations, parallelism: parameters.parallelism,
                              version: 0x13, length: parameters.hashLength)
        return "$argon2id$v=19$m=\(parameters.memoryKiB),t=\(parameters.iterations),p=\(parameters.parallelism)$"
            + PHCBase64.encode(salt) + "$" + PHCBase64.encode(raw)
    }

    /// True when `password` matches the PHC argon2id string `phc`; the final comparison is constant-time.
    ///
    /// Any well-formed argon2id PHC string is accepted (version 16 or 19, any parameters within
    /// limits, any salt and hash length), including those made by other libraries.
    /// - Throws: ``CryptoError/Code/invalidHashString`` if `phc` is not such a string.
    public static func verify(password: String, phc: String) throws(CryptoError) -> Bool {
        let parsed = try PHCString(phc)
        let raw = try compute(password: Array(password.utf8), salt: parsed.salt, memoryKiB: parsed.parameters.memoryKiB,
                              iterations: parsed.parameters.iterations, parallelism: parsed.parameters.parallelism,
                              version: parsed.version, length: parsed.hash.count)
        return ConstantTime.equals(raw, parsed.hash)
    }

    /// The cost parameters recorded in `phc`.
    public static func parameters(of phc: String) throws(CryptoError) -> Argon2Parameters {
        try PHCString(phc).parameters
    }

    /// True when `phc` was not made with exactly `target`'s memory, passes, lanes, version 19 and
    /// at least its salt and hash lengths, or is not an argon2id string at all: time to hash again.
    public static func needsRehash(_ phc: String, target: Argon2Parameters) -> Bool {
        guard let parsed = try? PHCString(phc) else { return true }
        let p = parsed.parameters
        return parsed.version != 0x13
            || p.memoryKiB != target.memoryKiB || p.iterations != target.iterations || p.parallelism != target.parallelism
            || p.saltLength < target.saltLength || p.hashLength < target.hashLength
    }

    static func compute(password: [UInt8], salt: [UInt8], memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32,
                        version: UInt32, length: Int) throws(CryptoError) -> [UInt8] {
        guard password.count <= 4096 else { throw CryptoError(.invalidParameters, "passwords longer than 4096 bytes are refused") }
        var out = [UInt8](repeating: 0, count: length)
        var pwd = password.isEmpty ? [UInt8(0)] : password
        var saltCopy = salt
        let status: Int32 = out.withUnsafeMutableBufferPointer { outBuffer in
            pwd.withUnsafeMutableBufferPointer { pwdBuffer in
                saltCopy.withUnsafeMutableBufferPointer { saltBuffer in
                    var context = argon2_context()
                    context.out = outBuffer.baseAddress
                    context.outlen = UInt32(length)
                    context.pwd = pwdBuffer.baseAddress
                    context.pwdlen = UInt32(password.count)
                    context.salt = saltBuffer.baseAddress
                    context.saltlen = UInt32(salt.count)
                    context.t_cost = iterations
                    context.m_cost = memoryKiB
                    context.lanes = parallelism
                    context.threads = parallelism
                    context.version = version
                    context.flags = 0
                    return argon2_ctx(&context, Argon2_id)
                }
            }
        }
        // Scrub the password copy; the caller's String is out of reach, but this copy is ours.
        for index in pwd.indices { pwd[index] = 0 }
        guard status == ARGON2_OK.rawValue else {
            let reason = argon2_error_message(status).map { String(cString: $0) } ?? "error \(status)"
            throw CryptoError(.library, "argon2id failed: \(reason)")
        }
        return out
    }
}

/// A parsed `$argon2id$v=19$m=…,t=…,p=…$salt$hash` string.
struct PHCString {
    var version: UInt32
    var parameters: Argon2Parameters
    var salt: [UInt8]
    var hash: [UInt8]

    init(_ text: String) throws(CryptoError) {
        let bad = CryptoError(.invalidHashString, "not a PHC argon2id string")
        guard text.utf8.count <= 1024 else { throw bad }
        var parts = text.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 5, parts[0].isEmpty, parts[1] == "argon2id" else { throw bad }
        parts.removeFirst(2)
        version = 0x10
        if parts[0].hasPrefix("v=") {
            guard let v = UInt32(parts[0].dropFirst(2)), v == 0x10 || v == 0x13 else {
                throw CryptoError(.invalidHashString, "unsupported argon2 version")
            }
            version = v
            parts.removeFirst()
        }
        guard parts.count == 3 else { throw bad }
        var m: UInt32?, t: UInt32?, p: UInt32?
        for pair in parts[0].split(separator: ",", omittingEmptySubsequences: false) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, let value = UInt32(kv[1]) else { throw bad }
            switch kv[0] {
            case "m" where m == nil: m = value
            case "t" where t == nil: t = value
            case "p" where p == nil: p = value
            default: throw bad
            }
        }
        guard let m, let t, let p, let salt = PHCBase64.decode(parts[1]), let hash = PHCBase64.decode(parts[2]) else { throw bad }
        let params = Argon2Parameters(memoryKiB: m, iterations: t, parallelism: p, saltLength: salt.count, hashLength: hash.count)
        do {
            try params.validate()
        } catch {
            throw CryptoError(.invalidHashString, "the PHC string's parameters are out of range: \(error.message)")
        }
        self.parameters = params
        self.salt = salt
        self.hash = hash
    }
}

/// The PHC string format's base64: standard alphabet, no padding.
enum PHCBase64 {
    static func encode(_ bytes: [UInt8]) -> String {
        String(Base64URL.encode(bytes).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
    }

    static func decode(_ text: String) -> [UInt8]? {
        // Reject the URL alphabet so each hash has one spelling, then reuse the url decoder.
        guard !text.contains("-"), !text.contains("_") else { return nil }
        return Base64URL.decode(String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }))
    }
}
