import COpenSSL
import Glibc
import Synchronization

/// An RSA private key used to sign RS256 tokens.
///
/// Generated with ``generate(bits:)`` or loaded from a PKCS#8 PEM file. The key is read-only after
/// creation; each signature uses its own OpenSSL context, so one key may sign from many threads.
public final class RSAPrivateKey: @unchecked Sendable {
    // @unchecked Sendable: `pkey` is never mutated after init, and OpenSSL 3 allows concurrent
    // read-only use of one EVP_PKEY when each operation has its own EVP_MD_CTX (as here).
    private let pkey: OpaquePointer

    /// The matching public key, with its JWK and key id.
    public let publicKey: RSAPublicKey

    private init(taking pkey: OpaquePointer) throws(CryptoError) {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.invalidKey, "the key is not an RSA key")
        }
        guard EVP_PKEY_get_bits(pkey) >= 2048 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.invalidKey, "RSA keys shorter than 2048 bits are refused")
        }
        self.pkey = pkey
        do {
            self.publicKey = try RSAPublicKey(derEncodedSubjectPublicKeyInfo: try Self.publicDER(of: pkey))
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Generates a new RSA key with public exponent 65537.
    ///
    /// - Parameter bits: modulus size; 2048 is the RS256 norm.
    public static func generate(bits: Int = 2048) throws(CryptoError) -> RSAPrivateKey {
        // EVP_RSA_gen is a macro over a variadic function, so use the explicit keygen sequence.
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else {
            throw CryptoError(.library, "cannot create an RSA key generation context")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1,
              EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1,
              EVP_PKEY_generate(ctx, &key) == 1,
              let key
        else {
            ERR_clear_error()
            throw CryptoError(.library, "RSA key generation failed")
        }
        return try RSAPrivateKey(taking: key)
    }

    /// Reads a PEM private key (PKCS#8 `PRIVATE KEY` or `RSA PRIVATE KEY`).
    public convenience init(pem: [UInt8]) throws(CryptoError) {
        // The BIO borrows the bytes without copying: create and read it inside one pointer scope.
        let key: OpaquePointer? = pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else {
            ERR_clear_error()
            throw CryptoError(.invalidKey, "the data is not a PEM private key")
        }
        try self.init(taking: key)
    }

    /// Reads a PEM private key file.
    ///
    /// If the file is readable by group or others, its mode is narrowed to 0600 first.
    public convenience init(contentsOfFile path: String) throws(CryptoError) {
        let bytes = try KeyFile.read(path)
        try self.init(pem: bytes)
    }

    /// The key as unencrypted PKCS#8 PEM text (`-----BEGIN PRIVATE KEY-----`).
    public func pemRepresentation() throws(CryptoError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError(.library, "BIO_new failed") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            ERR_clear_error()
            throw CryptoError(.library, "cannot encode the private key as PEM")
        }
        return readAll(bio)
    }

    /// Writes the key as PEM to `path` with mode 0600, atomically (temporary file, fsync, rename).
    public func write(toFile path: String) throws(CryptoError) {
        try KeyFile.writeAtomically(try pemRepresentation(), to: path)
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 over SHA-256 (the RS256 algorithm); 256 bytes for a 2048-bit key.
    public func signRS256(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError(.library, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, pkey) == 1 else {
            ERR_clear_error()
            throw CryptoError(.library, "cannot start an RS256 signature")
        }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, message, message.count) == 1 else {
            ERR_clear_error()
            throw CryptoError(.library, "cannot size an RS256 signature")
        }
        var signature = [UInt8](repeating: 0, count: length)
        let ok = signature.withUnsafeMutableBufferPointer { out in
            EVP_DigestSign(ctx, out.baseAddress, &length, message, message.count)
        }
        guard ok == 1 else {
            ERR_clear_error()
            throw CryptoError(.library, "RS256 signing failed")
        }
        return Array(signature[0..<length])
    }

    private static func publicDER(of pkey: OpaquePointer) throws(CryptoError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pkey, &out)
        guard length > 0, let out else { throw CryptoError(.library, "cannot encode the public key") }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// An RSA public key that verifies RS256 signatures; carries its JWK and RFC 7638 key id.
///
/// The key is parsed once; verification reuses prepared OpenSSL contexts from a small pool,
/// which keeps a verification to the cost of the RSA operation itself.
public final class RSAPublicKey: @unchecked Sendable {
    // @unchecked Sendable: `pkey` is immutable after init; the context pool is guarded by a Mutex,
    // and a context is used by one thread at a time (taken out of the pool, then returned).
    private let pkey: OpaquePointer
    private let pool = Mutex<[PooledContext]>([])
    private static let poolLimit = 16

    /// The public key as a JSON Web Key (`kty` RSA, `use` sig, `alg` RS256).
    public let jwk: JSONWebKey
    /// The key id: the RFC 7638 SHA-256 thumbprint of the JWK, base64url.
    public var keyID: String { jwk.kid }

    /// Reads a DER `SubjectPublicKeyInfo` (the body of a `PUBLIC KEY` PEM block).
    public init(derEncodedSubjectPublicKeyInfo der: [UInt8]) throws(CryptoError) {
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let key else {
            ERR_clear_error()
            throw CryptoError(.invalidKey, "the data is not a DER public key")
        }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA, EVP_PKEY_get_bits(key) >= 2048 else {
            EVP_PKEY_free(key)
            throw CryptoError(.invalidKey, "the public key is not an RSA key of at least 2048 bits")
        }
        guard let n = Self.bigNumber(key, OSSL_PKEY_PARAM_RSA_N), let e = Self.bigNumber(key, OSSL_PKEY_PARAM_RSA_E) else {
            EVP_PKEY_free(key)
            throw CryptoError(.library, "cannot read the RSA modulus and exponent")
        }
        self.pkey = key
        self.jwk = JSONWebKey(modulus: n, exponent: e)
    }

    /// Builds a key from a JWK's modulus `n` and exponent `e` (base64url), as found in a JWKS document.
    public convenience init(jwk: JSONWebKey) throws(CryptoError) {
        guard jwk.kty == "RSA", let n = Base64URL.decode(jwk.n), let e = Base64URL.decode(jwk.e), !n.isEmpty, !e.isEmpty else {
            throw CryptoError(.invalidKey, "the JWK is not an RSA key with base64url n and e")
        }
        try self.init(derEncodedSubjectPublicKeyInfo: DER.rsaSubjectPublicKeyInfo(modulus: n, exponent: e))
        guard keyID == jwk.kid || jwk.kid.isEmpty else {
            throw CryptoError(.invalidKey, "the JWK's kid is not its RFC 7638 thumbprint")
        }
    }

    deinit {
        EVP_PKEY_free(pkey)
        pool.withLock { contexts in
            for ctx in contexts { EVP_PKEY_CTX_free(ctx.pointer) }
            contexts.removeAll()
        }
    }

    /// The key as DER `SubjectPublicKeyInfo`.
    public func derRepresentation() -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pkey, &out)
        guard length > 0, let out else { return [] }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// True when `signature` is a valid RS256 signature of `message` under this key.
    public func verifyRS256(signature: [UInt8], message: some Collection<UInt8>) -> Bool {
        let digest = SHA256.hash(message)
        guard let ctx = takeContext() else { return false }
        let result = signature.withUnsafeBufferPointer { sig in
            EVP_PKEY_verify(ctx, sig.baseAddress, sig.count, digest, digest.count)
        }
        if result == 1 {
            returnContext(ctx)
            return true
        }
        // A failed verification leaves an error on the thread's queue; clear it so it cannot leak
        // into an unrelated later call. The context itself stays valid for reuse.
        ERR_clear_error()
        returnContext(ctx)
        return false
    }

    private func takeContext() -> OpaquePointer? {
        if let pooled = pool.withLock({ $0.popLast() }) { return pooled.pointer }
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { return nil }
        guard EVP_PKEY_verify_init(ctx) == 1,
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1,
              EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1
        else {
            EVP_PKEY_CTX_free(ctx)
            ERR_clear_error()
            return nil
        }
        return ctx
    }

    private func returnContext(_ ctx: OpaquePointer) {
        let kept = pool.withLock { contexts -> Bool in
            guard contexts.count < Self.poolLimit else { return false }
            contexts.append(PooledContext(pointer: ctx))
            return true
        }
        if !kept { EVP_PKEY_CTX_free(ctx) }
    }

    private static func bigNumber(_ key: OpaquePointer, _ name: String) -> [UInt8]? {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(key, name, &bn) == 1, let bn else { return nil }
        defer { BN_free(bn) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(bn) + 7) / 8))
        let written = bytes.withUnsafeMutableBufferPointer { BN_bn2bin(bn, $0.baseAddress) }
        return Array(bytes[0..<Int(written)])
    }
}

/// A prepared verification context. It moves between threads only through the pool's lock and is used
/// by one thread at a time, hence `@unchecked Sendable`.
private struct PooledContext: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// A public JSON Web Key (RFC 7517) for an RS256 signing key.
public struct JSONWebKey: Codable, Sendable, Hashable {
    /// Key type, always `RSA`.
    public var kty: String
    /// Intended use, `sig`.
    public var use: String
    /// Algorithm, `RS256`.
    public var alg: String
    /// Key id: the RFC 7638 thumbprint.
    public var kid: String
    /// Modulus, base64url big-endian without leading zeros.
    public var n: String
    /// Public exponent, base64url big-endian.
    public var e: String

    /// Creates a JWK from raw modulus and exponent bytes, computing its RFC 7638 thumbprint as `kid`.
    public init(modulus: [UInt8], exponent: [UInt8]) {
        let n = Base64URL.encode(modulus.drop(while: { $0 == 0 }))
        let e = Base64URL.encode(exponent.drop(while: { $0 == 0 }))
        self.init(kty: "RSA", use: "sig", alg: "RS256", kid: Self.thumbprint(n: n, e: e), n: n, e: e)
    }

    /// Creates a JWK from its fields, as decoded from JSON.
    public init(kty: String, use: String, alg: String, kid: String, n: String, e: String) {
        self.kty = kty
        self.use = use
        self.alg = alg
        self.kid = kid
        self.n = n
        self.e = e
    }

    /// The RFC 7638 thumbprint: SHA-256 of `{"e":…,"kty":"RSA","n":…}` (members sorted, no spaces), base64url.
    public static func thumbprint(n: String, e: String) -> String {
        Base64URL.encode(SHA256.hash("{\"e\":\"\(e)\",\"kty\":\"RSA\",\"n\":\"\(n)\"}"))
    }
}

/// A JWK Set document (`/.well-known/jwks.json`).
public struct JSONWebKeySet: Codable, Sendable, Hashable {
    /// The keys, newest first.
    public var keys: [JSONWebKey]

    /// Creates a set.
    public init(keys: [JSONWebKey]) { self.keys = keys }
}

private func readAll(_ bio: OpaquePointer) -> [UInt8] {
    // BIO_get_mem_data is a macro; read the memory BIO out in chunks instead.
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<Int(n)])
    }
    return out
}

/// Minimal DER writer for the one structure needed: an RSA `SubjectPublicKeyInfo`.
private enum DER {
    static func rsaSubjectPublicKeyInfo(modulus: [UInt8], exponent: [UInt8]) -> [UInt8] {
        let rsaPublicKey = sequence(integer(modulus) + integer(exponent))
        // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
        let algorithm: [UInt8] = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]
        let bitString = [0x03] + length(rsaPublicKey.count + 1) + [0x00] + rsaPublicKey
        return sequence(algorithm + bitString)
    }

    private static func integer(_ bytes: [UInt8]) -> [UInt8] {
        var body = Array(bytes.drop(while: { $0 == 0 }))
        if body.isEmpty { body = [0] }
        if body[0] & 0x80 != 0 { body.insert(0, at: 0) }
        return [0x02] + length(body.count) + body
    }

    private static func sequence(_ body: [UInt8]) -> [UInt8] {
        [0x30] + length(body.count) + body
    }

    private static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes = [UInt8]()
        var value = n
        while value > 0 {
            bytes.insert(UInt8(value & 0xff), at: 0)
            value >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}

/// Reading and writing secret files with owner-only permissions.
enum KeyFile {
    static func read(_ path: String) throws(CryptoError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CryptoError(.keyFile, "cannot open key file \(path): \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & 0o077 != 0 {
            // A key readable by others is a leak waiting to happen; narrow it rather than refuse to start.
            _ = fchmod(fd, 0o600)
        }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CryptoError(.keyFile, "cannot read key file \(path): \(errnoText())")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > 1 << 20 { throw CryptoError(.keyFile, "key file \(path) is larger than 1 MiB") }
        }
        return out
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(CryptoError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CryptoError(.keyFile, "cannot create key file \(path): \(errnoText())") }
        var ok = fchmod(fd, 0o600) == 0
        var offset = 0
        while ok && offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { ok = false; break }
            offset += n
        }
        ok = ok && fsync(fd) == 0
        let failure = errnoText()
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CryptoError(.keyFile, "cannot write key file \(path): \(failure)")
        }
        // Make the rename itself durable.
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
