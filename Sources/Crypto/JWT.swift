import FoundationEssentials

/// The registered and private claims of an access token.
///
/// Times are whole seconds since the Unix epoch (`NumericDate`).
public struct JWTClaims: Codable, Sendable, Equatable {
    /// `iss`: who issued the token.
    public var issuer: String?
    /// `sub`: whom the token is about (a user id).
    public var subject: String?
    /// `aud`: who the token is for; a single string or an array on the wire.
    public var audience: [String]
    /// `iat`: when it was issued.
    public var issuedAt: Int64?
    /// `exp`: when it stops being valid.
    public var expiresAt: Int64?
    /// `nbf`: when it starts being valid, if later than `iat`.
    public var notBefore: Int64?
    /// `jti`: a unique token id.
    public var id: String?
    /// `role`: the subject's role when the token was issued.
    public var role: String?
    /// `scope`: space-separated scopes, OAuth 2 style.
    public var scope: String?

    /// Creates a claim set.
    public init(issuer: String? = nil, subject: String? = nil, audience: [String] = [], issuedAt: Int64? = nil,
                expiresAt: Int64? = nil, notBefore: Int64? = nil, id: String? = nil, role: String? = nil, scope: String? = nil) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.id = id
        self.role = role
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case issuer = "iss", subject = "sub", audience = "aud", issuedAt = "iat", expiresAt = "exp"
        case notBefore = "nbf", id = "jti", role, scope
    }

    /// Decodes claims, accepting `aud` as a string or an array and numeric dates with a fraction.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try c.decodeIfPresent(String.self, forKey: .issuer)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        if let one = try? c.decodeIfPresent(String.self, forKey: .audience) {
            audience = [one]
        } else {
            audience = try c.decodeIfPresent([String].self, forKey: .audience) ?? []
        }
        issuedAt = try Self.numericDate(c, .issuedAt)
        expiresAt = try Self.numericDate(c, .expiresAt)
        notBefore = try Self.numericDate(c, .notBefore)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        role = try c.decodeIfPresent(String.self, forKey: .role)
        scope = try c.decodeIfPresent(String.self, forKey: .scope)
    }

    /// Encodes claims; a single audience is written as a string.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(issuer, forKey: .issuer)
        try c.encodeIfPresent(subject, forKey: .subject)
        if audience.count == 1 {
            try c.encode(audience[0], forKey: .audience)
        } else if !audience.isEmpty {
            try c.encode(audience, forKey: .audience)
        }
        try c.encodeIfPresent(issuedAt, forKey: .issuedAt)
        try c.encodeIfPresent(expiresAt, forKey: .expiresAt)
        try c.encodeIfPresent(notBefore, forKey: .notBefore)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(role, forKey: .role)
        try c.encodeIfPresent(scope, forKey: .scope)
    }

    /// Reads claims from a parsed JSON object; nil when a known claim has the wrong type.
    init?(json: JSONValue?) {
        guard case .object(let m)? = json else { return nil }
        func string(_ name: String) -> String?? {
            guard let v = m[name] else { return .some(nil) }
            if case .null = v { return .some(nil) }
            guard let s = v.stringValue else { return nil }
            return .some(s)
        }
        func date(_ name: String) -> Int64?? {
            guard let v = m[name] else { return .some(nil) }
            guard case .number(let real, let integer) = v else { return nil }
            if let integer { return .some(integer) }
            guard real.isFinite, abs(real) < 1e15 else { return nil }
            return .some(Int64(real.rounded(.down)))
        }
        guard let iss = string("iss"), let sub = string("sub"), let jti = string("jti"), let role = string("role"),
              let scope = string("scope"), let iat = date("iat"), let exp = date("exp"), let nbf = date("nbf")
        else { return nil }
        var audience: [String] = []
        switch m["aud"] {
        case nil, .null?: break
        case .string(let one)?: audience = [one]
        case .array(let many)?:
            for item in many {
                guard let s = item.stringValue else { return nil }
                audience.append(s)
            }
        default: return nil
        }
        self.init(issuer: iss, subject: sub, audience: audience, issuedAt: iat, expiresAt: exp, notBefore: nbf, id: jti, role: role, scope: scope)
    }

    private static func numericDate(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int64? {
        if let whole = try? c.decodeIfPresent(Int64.self, forKey: key) { return whole }
        guard let real = try c.decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard real.isFinite, abs(real) < 1e15 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a NumericDate")
        }
        return Int64(real.rounded(.down))
    }
}

/// Why a token was rejected. Each case has its own stable code so callers and logs can tell them apart.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for the rejection reason.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as a `snake_case` string.
        public let rawValue: String
        /// Creates a code from its string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's string form.
        public var description: String { rawValue }

        /// Not three base64url parts, or a part is not the JSON it should be.
        public static let malformed = Code(rawValue: "token_malformed")
        /// Longer than the verifier accepts.
        public static let oversized = Code(rawValue: "token_oversized")
        /// `alg` is anything but `RS256` (including `none` and `HS256`), or `crit` is present.
        public static let unsupportedAlgorithm = Code(rawValue: "token_algorithm_rejected")
        /// `kid` is missing or names no key the verifier knows.
        public static let unknownKey = Code(rawValue: "token_unknown_key")
        /// The signature does not verify.
        public static let badSignature = Code(rawValue: "token_bad_signature")
        /// `exp` is in the past (beyond the leeway).
        public static let expired = Code(rawValue: "token_expired")
        /// `nbf` or `iat` is in the future (beyond the leeway).
        public static let notYetValid = Code(rawValue: "token_not_yet_valid")
        /// `iss` is not the expected issuer.
        public static let wrongIssuer = Code(rawValue: "token_wrong_issuer")
        /// `aud` does not contain the expected audience.
        public static let wrongAudience = Code(rawValue: "token_wrong_audience")
        /// A required claim (`exp`, `iat`, `sub`) is missing.
        public static let missingClaim = Code(rawValue: "token_missing_claim")
    }

    /// The rejection reason.
    public let code: Code
    /// A readable explanation; never contains the token.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// Signs RS256 JSON Web Tokens with one private key.
///
/// ```swift
/// let signer = JWTSigner(key: try RSAPrivateKey.generate())
/// let token = try signer.sign(JWTClaims(issuer: "studio", subject: id, audience: ["studio-api"], …))
/// ```
public struct JWTSigner: Sendable {
    /// The signing key.
    public let key: RSAPrivateKey
    /// The `kid` written in each header: the key's RFC 7638 thumbprint.
    public var keyID: String { key.publicKey.keyID }
    private let encodedHeader: String

    /// Creates a signer for `key`.
    public init(key: RSAPrivateKey) {
        self.key = key
        // Fixed member order keeps the header byte-identical across tokens.
        self.encodedHeader = Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"\(key.publicKey.keyID)\",\"typ\":\"JWT\"}")
    }

    /// Returns the compact serialisation `header.payload.signature`.
    public func sign(_ claims: JWTClaims) throws(CryptoError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload: Data
        do {
            payload = try encoder.encode(claims)
        } catch {
            throw CryptoError(.malformedInput, "the claims cannot be encoded as JSON")
        }
        let signingInput = encodedHeader + "." + Base64URL.encode(payload)
        let signature = try key.signRS256(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }
}

/// Verifies RS256 JSON Web Tokens against a fixed set of public keys, an issuer and an audience.
///
/// Only `RS256` with a known `kid` is accepted: `alg: none`, HMAC algorithms (the "public key as
/// HMAC secret" confusion), unknown keys, bad signatures, expired or not-yet-valid tokens and a wrong
/// `iss` or `aud` are each rejected with their own ``JWTError/Code``. Keys are parsed once, when the
/// verifier is made.
public struct JWTVerifier: Sendable {
    /// Largest token accepted, in bytes; longer input is rejected before any parsing.
    public static let maximumLength = 8192

    private let keys: [String: RSAPublicKey]
    /// The required `iss`.
    public let issuer: String
    /// The audience that `aud` must contain.
    public let audience: String
    /// Allowed clock difference, in seconds, for `exp`, `nbf` and `iat`.
    public let leeway: Int64

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - keys: the accepted public keys, found by their ``RSAPublicKey/keyID``.
    ///   - issuer: the exact `iss` required.
    ///   - audience: a value `aud` must contain.
    ///   - leeway: seconds of clock skew tolerated (default 30).
    public init(keys: [RSAPublicKey], issuer: String, audience: String, leeway: Int64 = 30) {
        var byID: [String: RSAPublicKey] = [:]
        for key in keys { byID[key.keyID] = key }
        self.keys = byID
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
    }

    /// The key ids this verifier accepts.
    public var keyIDs: Set<String> { Set(keys.keys) }

    /// Verifies `token` at time `now` (seconds since the epoch) and returns its claims.
    public func verify(_ token: some StringProtocol, now: Int64) throws(JWTError) -> JWTClaims {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumLength else {
            throw JWTError(.oversized, "the token is longer than \(Self.maximumLength) bytes")
        }
        let dot = UInt8(ascii: ".")
        guard let first = bytes.firstIndex(of: dot),
              let second = bytes[(first + 1)...].firstIndex(of: dot),
              bytes[(second + 1)...].firstIndex(of: dot) == nil
        else { throw JWTError(.malformed, "a token has three dot-separated parts") }

        guard let headerBytes = Base64URL.decode(utf8: bytes[..<first]),
              let header = Header(JSONValue.parse(headerBytes))
        else { throw JWTError(.malformed, "the token header is not a base64url JSON object") }

        guard header.alg == "RS256" else {
            throw JWTError(.unsupportedAlgorithm, "only RS256 tokens are accepted, not \(Self.printable(header.alg ?? "(missing)"))")
        }
        guard !header.crit else { throw JWTError(.unsupportedAlgorithm, "tokens with critical header extensions are refused") }
        if let typ = header.typ, typ.uppercased() != "JWT" {
            throw JWTError(.malformed, "the token type is \(Self.printable(typ)), not JWT")
        }
        guard let kid = header.kid, let key = keys[kid] else {
            throw JWTError(.unknownKey, "the token names no known signing key")
        }
        guard let signature = Base64URL.decode(utf8: bytes[(second + 1)...]), !signature.isEmpty else {
            throw JWTError(.malformed, "the token signature is not base64url")
        }
        guard key.verifyRS256(signature: signature, message: bytes[..<second]) else {
            throw JWTError(.badSignature, "the token signature does not verify")
        }

        guard let payloadBytes = Base64URL.decode(utf8: bytes[(first + 1)..<second]),
              let claims = JWTClaims(json: JSONValue.parse(payloadBytes))
        else { throw JWTError(.malformed, "the token payload is not base64url JSON claims") }

        guard let exp = claims.expiresAt else { throw JWTError(.missingClaim, "the token has no exp claim") }
        guard let iat = claims.issuedAt else { throw JWTError(.missingClaim, "the token has no iat claim") }
        guard now <= exp + leeway else { throw JWTError(.expired, "the token expired") }
        if let nbf = claims.notBefore, nbf > now + leeway {
            throw JWTError(.notYetValid, "the token is not valid yet (nbf is in the future)")
        }
        guard iat <= now + leeway else { throw JWTError(.notYetValid, "the token was issued in the future (iat)") }
        guard claims.issuer == issuer else { throw JWTError(.wrongIssuer, "the token was issued by someone else") }
        guard claims.audience.contains(audience) else { throw JWTError(.wrongAudience, "the token is meant for another audience") }
        guard let subject = claims.subject, !subject.isEmpty else { throw JWTError(.missingClaim, "the token has no sub claim") }
        return claims
    }

    private struct Header {
        var alg: String?
        var kid: String?
        var typ: String?
        var crit: Bool

        init?(_ json: JSONValue?) {
            guard case .object(let members)? = json else { return nil }
            alg = members["alg"]?.stringValue
            kid = members["kid"]?.stringValue
            typ = members["typ"]?.stringValue
            crit = members["crit"] != nil
            // A present but non-string alg/kid/typ is malformed, not merely absent.
            for name in ["alg", "kid", "typ"] where members[name] != nil && members[name]?.stringValue == nil { return nil }
        }
    }

    private static func printable(_ text: String) -> String {
        // Header values come from the caller; quote a short, sanitised form only.
        let cleaned = text.unicodeScalars.prefix(16).map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" ? Character($0) : "?" }
        return "\"" + String(cleaned) + "\""
    }
}
