import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (seeded by the kernel).
public enum SecureRandom {
    /// Returns `count` random bytes.
    ///
    /// - Throws: ``CryptoError/Code/randomFailure`` if the generator is not seeded.
    public static func bytes(count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count >= 0, "count must not be negative")
        var out = [UInt8](repeating: 0, count: count)
        if count == 0 { return out }
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard ok == 1 else { throw CryptoError(.randomFailure, "the random generator failed") }
        return out
    }

    /// Returns `byteCount` random bytes encoded as unpadded base64url: an opaque token.
    ///
    /// 32 bytes give 256 bits of entropy in 43 characters.
    public static func token(byteCount: Int = 32) throws(CryptoError) -> String {
        Base64URL.encode(try bytes(count: byteCount))
    }
}
