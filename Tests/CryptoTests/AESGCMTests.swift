import Crypto
import Testing

@Suite("AES-256-GCM")
struct AESGCMTests {
    let key: [UInt8]
    init() throws { key = try SecureRandom.bytes(count: 32) }

    @Test("seal then open returns the plaintext; each seal uses a new nonce")
    func roundTrip() throws {
        let message = Array("platform OAuth refresh token".utf8)
        let box1 = try AESGCM.seal(message, key: key, authenticating: Array("profile:42".utf8))
        let box2 = try AESGCM.seal(message, key: key, authenticating: Array("profile:42".utf8))
        #expect(box1.count == 12 + message.count + 16)
        #expect(box1[0..<12] != box2[0..<12])
        #expect(try AESGCM.open(box1, key: key, authenticating: Array("profile:42".utf8)) == message)
        #expect(try AESGCM.open(try AESGCM.seal([], key: key), key: key) == [])
    }

    @Test("flipping any bit of nonce, ciphertext or tag is detected")
    func tamper() throws {
        let message = Array("0123456789abcdef0123".utf8)
        let box = try AESGCM.seal(message, key: key)
        for index in [0, 11, 12, 20, box.count - 17, box.count - 16, box.count - 1] {
            var altered = box
            altered[index] ^= 0x01
            #expect(throws: CryptoError.self) { try AESGCM.open(altered, key: key) }
            do {
                _ = try AESGCM.open(altered, key: key)
            } catch {
                #expect(error.code == .authenticationFailed)
            }
        }
    }

    @Test("a different key, different associated data or a truncated box are rejected")
    func wrongInputs() throws {
        let box = try AESGCM.seal(Array("x".utf8), key: key, authenticating: [1])
        let otherKey = try SecureRandom.bytes(count: 32)
        #expect(throws: CryptoError(.authenticationFailed, "the sealed data or its associated data was altered, or the key is wrong")) {
            try AESGCM.open(box, key: otherKey, authenticating: [1])
        }
        #expect(throws: CryptoError.self) { try AESGCM.open(box, key: key, authenticating: [2]) }
        #expect(throws: CryptoError.self) { try AESGCM.open(Array(box.prefix(27)), key: key, authenticating: [1]) }
        #expect(throws: CryptoError.self) { try AESGCM.seal([1], key: [1, 2, 3]) }
    }
}
