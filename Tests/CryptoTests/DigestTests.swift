import Crypto
import Testing

@Suite("SHA-256, HMAC, base64url, constant-time compare")
struct DigestTests {
    @Test("SHA-256 of 'abc' and of the empty string match FIPS 180-2")
    func sha256Vectors() {
        #expect(SHA256.hexHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexHash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    struct HMACVector: Sendable, CustomStringConvertible {
        let name: String
        let key: [UInt8]
        let data: [UInt8]
        let expected: String
        var description: String { name }
    }

    // RFC 4231 §4.2–4.8 (case 5 is a truncated MAC and tests nothing extra here).
    static let rfc4231: [HMACVector] = [
        HMACVector(name: "case 1", key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
                   expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        HMACVector(name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
                   expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        HMACVector(name: "case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
                   expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        HMACVector(name: "case 4", key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
                   expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        HMACVector(name: "case 6", key: [UInt8](repeating: 0xaa, count: 131),
                   data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                   expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        HMACVector(name: "case 7", key: [UInt8](repeating: 0xaa, count: 131),
                   data: Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
                   expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test("HMAC-SHA256 matches RFC 4231", arguments: rfc4231)
    func hmacVectors(vector: HMACVector) {
        let mac = HMACSHA256.authenticationCode(key: vector.key, message: vector.data)
        #expect(Hex.encode(mac) == vector.expected)
        #expect(HMACSHA256.isValid(mac, key: vector.key, message: vector.data))
        var altered = mac
        altered[31] ^= 1
        #expect(!HMACSHA256.isValid(altered, key: vector.key, message: vector.data))
    }

    @Test("HMAC accepts an empty key and message")
    func hmacEmpty() {
        // Known value: HMAC-SHA256 with empty key over empty message.
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: [UInt8](), message: [UInt8]()))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("base64url round-trips every length and rejects padding, foreign characters and non-canonical tails")
    func base64url() throws {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.encode(Array("hello?>".utf8)) == "aGVsbG8_Pg")
        #expect(Base64URL.decode("aGVsbG8_Pg") == Array("hello?>".utf8))
        #expect(Base64URL.decode("aGVsbG8=") == nil)
        #expect(Base64URL.decode("aGV+bG8") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("QR") == nil)  // "Q" + "R" leaves non-zero trailing bits
        #expect(Base64URL.decode("QQ") == [0x41])
    }

    @Test("constant-time compare tells equal from unequal, including length differences")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([UInt8](), []))
        #expect(ConstantTime.equals("sk_abc", "sk_abc"))
        #expect(!ConstantTime.equals("sk_abc", "sk_abd"))
    }

    @Test("random bytes differ between calls and tokens are 43 base64url characters")
    func random() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && a != b)
        let token = try SecureRandom.token()
        #expect(token.count == 43)
        #expect(Base64URL.decode(token)?.count == 32)
    }
}
