import Crypto
import Glibc
import Testing

/// One generated key shared by the suite: RSA generation costs tens of milliseconds.
private let sharedKey: RSAPrivateKey = try! RSAPrivateKey.generate()
private let otherKey: RSAPrivateKey = try! RSAPrivateKey.generate()

@Suite("RS256 JWT")
struct JWTTests {
    let now: Int64 = 1_800_000_000
    var signer: JWTSigner { JWTSigner(key: sharedKey) }
    var verifier: JWTVerifier { JWTVerifier(keys: [sharedKey.publicKey], issuer: "studio", audience: "studio-api") }

    func claims(iat: Int64? = nil, exp: Int64? = nil, nbf: Int64? = nil, iss: String = "studio", aud: [String] = ["studio-api"]) -> JWTClaims {
        JWTClaims(issuer: iss, subject: "2f1c8a6e-0000-4000-8000-000000000001", audience: aud, issuedAt: iat ?? now,
                  expiresAt: exp ?? now + 900, notBefore: nbf, id: "jti-1", role: "creator")
    }

    func rejection(_ token: String, by verifier: JWTVerifier? = nil, at time: Int64? = nil) -> JWTError.Code? {
        do {
            _ = try (verifier ?? self.verifier).verify(token, now: time ?? now)
            return nil
        } catch {
            #expect(token.count < 8 || !error.message.contains(token), "an error message must not echo the token")
            return error.code
        }
    }

    /// Builds a token with an arbitrary header and signature, as an attacker would.
    func forged(header: String, payload: JWTClaims, signature: (String) -> [UInt8]) -> String {
        let encoder = JSONEncoderForTests.encode(payload)
        let input = Base64URL.encode(header) + "." + Base64URL.encode(encoder)
        return input + "." + Base64URL.encode(signature(input))
    }

    @Test("a signed token verifies and returns its claims; header is alg RS256, kid, typ JWT")
    func roundTrip() throws {
        let token = try signer.sign(claims())
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let header = String(decoding: Base64URL.decode(parts[0])!, as: UTF8.self)
        #expect(header == "{\"alg\":\"RS256\",\"kid\":\"\(sharedKey.publicKey.keyID)\",\"typ\":\"JWT\"}")
        let decoded = try verifier.verify(token, now: now + 10)
        #expect(decoded == claims())
        #expect(Base64URL.decode(parts[2])?.count == 256)
    }

    @Test("a verifier built only from the published JWK accepts the token")
    func verifiesFromJWK() throws {
        let jwk = sharedKey.publicKey.jwk
        let rebuilt = try RSAPublicKey(jwk: jwk)
        #expect(rebuilt.keyID == jwk.kid)
        let v = JWTVerifier(keys: [rebuilt], issuer: "studio", audience: "studio-api")
        #expect(try v.verify(try signer.sign(claims()), now: now).subject == claims().subject)
    }

    @Test("alg none is rejected")
    func algNone() {
        let token = forged(header: "{\"alg\":\"none\",\"kid\":\"\(sharedKey.publicKey.keyID)\",\"typ\":\"JWT\"}", payload: claims()) { _ in [] }
        #expect(rejection(token) == .unsupportedAlgorithm)
        let unsigned = String(token.dropLast(token.count - token.lastIndex(of: ".")!.utf16Offset(in: token) - 1))
        #expect(rejection(unsigned) == .unsupportedAlgorithm)
    }

    @Test("HS256 signed with the public key as HMAC secret is rejected")
    func hs256Confusion() {
        let secrets = [sharedKey.publicKey.derRepresentation(), Array(sharedKey.publicKey.jwk.n.utf8)]
        for secret in secrets {
            let token = forged(header: "{\"alg\":\"HS256\",\"kid\":\"\(sharedKey.publicKey.keyID)\",\"typ\":\"JWT\"}", payload: claims()) {
                HMACSHA256.authenticationCode(key: secret, message: Array($0.utf8))
            }
            #expect(rejection(token) == .unsupportedAlgorithm)
        }
        let rs512 = forged(header: "{\"alg\":\"RS512\",\"kid\":\"\(sharedKey.publicKey.keyID)\"}", payload: claims()) { _ in [1] }
        #expect(rejection(rs512) == .unsupportedAlgorithm)
    }

    @Test("a wrong or missing kid is rejected, even with a valid signature from another key")
    func wrongKid() throws {
        let token = try JWTSigner(key: otherKey).sign(claims())
        #expect(rejection(token) == .unknownKey)
        let noKid = forged(header: "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload: claims()) { try! sharedKey.signRS256(Array($0.utf8)) }
        #expect(rejection(noKid) == .unknownKey)
    }

    @Test("a signature by another key under our kid, or an altered payload, is a bad signature")
    func badSignature() throws {
        let kid = sharedKey.publicKey.keyID
        let wrongSigner = forged(header: "{\"alg\":\"RS256\",\"kid\":\"\(kid)\",\"typ\":\"JWT\"}", payload: claims()) {
            try! otherKey.signRS256(Array($0.utf8))
        }
        #expect(rejection(wrongSigner) == .badSignature)

        let token = try signer.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        var admin = claims()
        admin.role = "admin"
        let alteredPayload = parts[0] + "." + Base64URL.encode(JSONEncoderForTests.encode(admin)) + "." + parts[2]
        #expect(rejection(alteredPayload) == .badSignature)
        var sig = Base64URL.decode(parts[2])!
        sig[100] ^= 0x40
        #expect(rejection(parts[0] + "." + parts[1] + "." + Base64URL.encode(sig)) == .badSignature)
        #expect(rejection(parts[0] + "." + parts[1] + "." + Base64URL.encode(Array(sig.prefix(255)))) == .badSignature)
    }

    @Test("expired tokens are rejected after the leeway, accepted within it")
    func expired() throws {
        let token = try signer.sign(claims(iat: now - 1000, exp: now - 100))
        #expect(rejection(token) == .expired)
        let justExpired = try signer.sign(claims(iat: now - 1000, exp: now - 10))
        #expect(rejection(justExpired) == nil)
    }

    @Test("nbf or iat in the future beyond the leeway is not yet valid")
    func notYetValid() throws {
        #expect(rejection(try signer.sign(claims(nbf: now + 120))) == .notYetValid)
        #expect(rejection(try signer.sign(claims(iat: now + 120, exp: now + 1000))) == .notYetValid)
        #expect(rejection(try signer.sign(claims(nbf: now + 5))) == nil)
    }

    @Test("wrong issuer and wrong audience are rejected with their own codes")
    func wrongIssuerAudience() throws {
        #expect(rejection(try signer.sign(claims(iss: "someone-else"))) == .wrongIssuer)
        #expect(rejection(try signer.sign(claims(aud: ["other-api"]))) == .wrongAudience)
        #expect(rejection(try signer.sign(claims(aud: []))) == .wrongAudience)
        #expect(rejection(try signer.sign(claims(aud: ["other-api", "studio-api"]))) == nil)
    }

    @Test("missing exp or sub is a missing claim")
    func missingClaims() throws {
        var c = claims()
        c.expiresAt = nil
        #expect(rejection(try signer.sign(c)) == .missingClaim)
        c = claims()
        c.subject = nil
        #expect(rejection(try signer.sign(c)) == .missingClaim)
    }

    @Test("malformed, truncated and oversized tokens are rejected without crashing",
          arguments: ["", ".", "..", "a.b", "a.b.c.d", "!!!.###.$$$", "eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJSUzI1NiJ9..", "e30.e30.e30"])
    func malformed(token: String) {
        let code = rejection(token)
        #expect(code == .malformed || code == .unsupportedAlgorithm || code == .unknownKey)
    }

    @Test("truncating a valid token anywhere never yields a valid token")
    func truncated() throws {
        let token = try signer.sign(claims())
        for length in stride(from: 0, to: token.count, by: 7) {
            #expect(rejection(String(token.prefix(length))) != nil)
        }
        #expect(rejection(String(repeating: "a", count: 9000)) == .oversized)
    }

    @Test("verification is cheap: the parsed key is cached (under 50 µs in release on an idle core)")
    func verifyCost() throws {
        let token = try signer.sign(claims())
        let v = verifier
        let parts = token.split(separator: ".")
        let signature = Base64URL.decode(parts[2])!
        let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let rounds = 1000
        for _ in 0..<50 { _ = try v.verify(token, now: now) }
        // Interleave with the bare RSA operation so machine load affects both numbers alike.
        var tokenNanos: UInt64 = 0
        var rsaNanos: UInt64 = 0
        for _ in 0..<rounds {
            let a = monotonicNanoseconds()
            _ = try v.verify(token, now: now)
            let b = monotonicNanoseconds()
            _ = sharedKey.publicKey.verifyRS256(signature: signature, message: input)
            let c = monotonicNanoseconds()
            tokenNanos += b - a
            rsaNanos += c - b
        }
        let micros = Double(tokenNanos) / Double(rounds) / 1000
        let rsaMicros = Double(rsaNanos) / Double(rounds) / 1000
        print("JWT RS256 verify: \(micros) µs per token; bare RSA-2048 verify: \(rsaMicros) µs")
        #if DEBUG
        // Unoptimised Swift parsing dominates in debug builds; only a gross regression is caught here.
        #expect(micros < 40 * rsaMicros + 500)
        #else
        // Parsing the key per call (PEM/DER decode + context setup) would add well over 100 µs.
        #expect(micros < max(50, 2.5 * rsaMicros + 15))
        #endif
    }

    @Test("private key PEM survives a save/load round trip with file mode 0600")
    func pemFile() throws {
        let dir = "/tmp/crypto-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o700)
        defer { _ = unlink(dir + "/k.pem"); rmdir(dir) }
        try sharedKey.write(toFile: dir + "/k.pem")
        var info = stat()
        #expect(stat(dir + "/k.pem", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let loaded = try RSAPrivateKey(contentsOfFile: dir + "/k.pem")
        #expect(loaded.publicKey.keyID == sharedKey.publicKey.keyID)
        let pem = String(decoding: try loaded.pemRepresentation(), as: UTF8.self)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8)) }
        #expect(throws: CryptoError.self) { try RSAPrivateKey(contentsOfFile: dir + "/missing.pem") }
    }

    @Test("JWK thumbprint matches the RFC 7638 example")
    func rfc7638() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        #expect(JSONWebKey.thumbprint(n: n, e: "AQAB") == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        let jwk = sharedKey.publicKey.jwk
        #expect(jwk.kty == "RSA" && jwk.alg == "RS256" && jwk.use == "sig" && jwk.e == "AQAB")
        #expect(Base64URL.decode(jwk.n)?.count == 256)
    }
}

enum JSONEncoderForTests {
    static func encode(_ claims: JWTClaims) -> [UInt8] {
        // Hand-written JSON so forged tokens do not depend on the code under test.
        var members: [String] = []
        if let v = claims.issuer { members.append("\"iss\":\"\(v)\"") }
        if let v = claims.subject { members.append("\"sub\":\"\(v)\"") }
        if !claims.audience.isEmpty { members.append("\"aud\":[" + claims.audience.map { "\"\($0)\"" }.joined(separator: ",") + "]") }
        if let v = claims.issuedAt { members.append("\"iat\":\(v)") }
        if let v = claims.expiresAt { members.append("\"exp\":\(v)") }
        if let v = claims.notBefore { members.append("\"nbf\":\(v)") }
        if let v = claims.id { members.append("\"jti\":\"\(v)\"") }
        if let v = claims.role { members.append("\"role\":\"\(v)\"") }
        return Array(("{" + members.joined(separator: ",") + "}").utf8)
    }
}

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
