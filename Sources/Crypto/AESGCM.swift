import COpenSSL

/// AES-256-GCM authenticated encryption.
///
/// ``seal(_:key:authenticating:)`` picks a fresh random 96-bit nonce for every message and returns
/// `nonce ‖ ciphertext ‖ tag` (12 + n + 16 bytes); ``open(_:key:authenticating:)`` checks the tag
/// before returning any plaintext.
///
/// ```swift
/// let key = try SecureRandom.bytes(count: AESGCM.keyByteCount)
/// let box = try AESGCM.seal(Array("secret".utf8), key: key)
/// let plain = try AESGCM.open(box, key: key)
/// ```
public enum AESGCM {
    /// Key length in bytes (AES-256).
    public static let keyByteCount = 32
    /// Nonce length in bytes (96 bits, the size GCM is designed for).
    public static let nonceByteCount = 12
    /// Tag length in bytes (128 bits).
    public static let tagByteCount = 16

    /// Encrypts and authenticates `plaintext`, also authenticating (but not encrypting) `aad`.
    ///
    /// - Returns: `nonce ‖ ciphertext ‖ tag`.
    /// - Throws: ``CryptoError/Code/invalidKey`` for a key that is not 32 bytes.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], authenticating aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard key.count == keyByteCount else { throw CryptoError(.invalidKey, "an AES-256-GCM key is 32 bytes, got \(key.count)") }
        let nonce = try SecureRandom.bytes(count: nonceByteCount)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError(.library, "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }

        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        var written: Int32 = 0
        var total = 0
        var ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
        ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1
        ok = ok && EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1
        if ok && !aad.isEmpty {
            ok = EVP_EncryptUpdate(ctx, nil, &written, aad, Int32(aad.count)) == 1
        }
        if ok && !plaintext.isEmpty {
            ok = ciphertext.withUnsafeMutableBufferPointer { out in
                EVP_EncryptUpdate(ctx, out.baseAddress, &written, plaintext, Int32(plaintext.count)) == 1
            }
            total = Int(written)
        }
        if ok {
            ok = ciphertext.withUnsafeMutableBufferPointer { out in
                EVP_EncryptFinal_ex(ctx, out.baseAddress! + total, &written) == 1
            }
            total += Int(written)
        }
        ok = ok && tag.withUnsafeMutableBytes { EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), $0.baseAddress) } == 1
        guard ok else { throw CryptoError(.library, "AES-256-GCM encryption failed") }
        return nonce + ciphertext[0..<total] + tag
    }

    /// Checks the tag and decrypts a `nonce ‖ ciphertext ‖ tag` box made by ``seal(_:key:authenticating:)``.
    ///
    /// - Throws: ``CryptoError/Code/authenticationFailed`` when the box, the `aad` or the key differ from
    ///   those used to seal; ``CryptoError/Code/malformedInput`` for a box shorter than nonce + tag.
    public static func open(_ box: [UInt8], key: [UInt8], authenticating aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard key.count == keyByteCount else { throw CryptoError(.invalidKey, "an AES-256-GCM key is 32 bytes, got \(key.count)") }
        guard box.count >= nonceByteCount + tagByteCount else {
            throw CryptoError(.malformedInput, "sealed data is \(box.count) bytes, shorter than nonce and tag (28)")
        }
        let nonce = Array(box[0..<nonceByteCount])
        let ciphertext = Array(box[nonceByteCount..<(box.count - tagByteCount)])
        var tag = Array(box[(box.count - tagByteCount)...])
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError(.library, "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }

        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        var total = 0
        var ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
        ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1
        ok = ok && EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1
        if ok && !aad.isEmpty {
            ok = EVP_DecryptUpdate(ctx, nil, &written, aad, Int32(aad.count)) == 1
        }
        if ok && !ciphertext.isEmpty {
            ok = plaintext.withUnsafeMutableBufferPointer { out in
                EVP_DecryptUpdate(ctx, out.baseAddress, &written, ciphertext, Int32(ciphertext.count)) == 1
            }
            total = Int(written)
        }
        ok = ok && tag.withUnsafeMutableBytes { EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), $0.baseAddress) } == 1
        guard ok else { throw CryptoError(.library, "AES-256-GCM decryption setup failed") }
        let verified = plaintext.withUnsafeMutableBufferPointer { out in
            EVP_DecryptFinal_ex(ctx, out.baseAddress! + total, &written) == 1
        }
        guard verified else {
            // Wipe what was decrypted so unauthenticated plaintext never escapes, even by accident.
            for index in plaintext.indices { plaintext[index] = 0 }
            throw CryptoError(.authenticationFailed, "the sealed data or its associated data was altered, or the key is wrong")
        }
        total += Int(written)
        return Array(plaintext[0..<total])
    }
}
