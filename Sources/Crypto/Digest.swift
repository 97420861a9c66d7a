import COpenSSL

/// SHA-256 digests.
public enum SHA256 {
    /// The digest length in bytes.
    public static let byteCount = 32

    /// Returns the 32-byte SHA-256 digest of `data`.
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        let done: Bool? = data.withContiguousStorageIfAvailable { input in
            hashBuffer(UnsafeRawBufferPointer(input), into: &out)
        }
        if done == nil {
            let copy = Array(data)
            _ = copy.withUnsafeBytes { hashBuffer($0, into: &out) }
        }
        return out
    }

    /// Returns the SHA-256 digest of the UTF-8 bytes of `string`.
    public static func hash(_ string: String) -> [UInt8] {
        hash(Array(string.utf8))
    }

    /// Returns the digest of `data` as 64 lowercase hexadecimal characters.
    public static func hexHash(_ data: some Collection<UInt8>) -> String {
        Hex.encode(hash(data))
    }

    /// Returns the digest of the UTF-8 bytes of `string` as lowercase hexadecimal.
    public static func hexHash(_ string: String) -> String {
        Hex.encode(hash(string))
    }

    @discardableResult
    private static func hashBuffer(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        out.withUnsafeMutableBufferPointer { digest in
            // SHA256() is a one-shot, allocation-free call; it never fails for in-memory input.
            _ = COpenSSL.SHA256(input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, digest.baseAddress)
        }
        return true
    }
}

/// HMAC with SHA-256 (RFC 2104).
public enum HMACSHA256 {
    /// Returns the 32-byte authentication code of `message` under `key`.
    public static func authenticationCode(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        // Empty inputs are legal; OpenSSL wants non-null pointers, so lend it a byte and pass length 0.
        let keyBuffer = key.isEmpty ? [UInt8(0)] : key
        let messageBuffer = message.isEmpty ? [UInt8(0)] : message
        keyBuffer.withUnsafeBytes { keyBytes in
            messageBuffer.withUnsafeBufferPointer { messageBytes in
                out.withUnsafeMutableBufferPointer { digest in
                    _ = HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(key.count),
                             messageBytes.baseAddress, message.count, digest.baseAddress, &length)
                }
            }
        }
        return out
    }

    /// Checks `code` against the HMAC of `message` in constant time.
    public static func isValid(_ code: some Collection<UInt8>, key: some Collection<UInt8>, message: some Collection<UInt8>) -> Bool {
        ConstantTime.equals(authenticationCode(key: key, message: message), Array(code))
    }
}

/// Comparisons whose running time does not depend on where inputs differ.
public enum ConstantTime {
    /// True when `a` and `b` are byte-for-byte equal.
    ///
    /// The time depends only on the lengths, never on the contents, so a secret
    /// (a MAC, a token hash) can be compared without leaking how much of it matched.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, pa.count) == 0 }
        }
    }

    /// True when the UTF-8 bytes of `a` and `b` are equal, compared in constant time.
    public static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hexadecimal.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hexadecimal (either case); nil when the text is not an even number of hex digits.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = value(chars[index]), let low = value(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
