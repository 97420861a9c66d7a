import Crypto
import Testing

@Suite("argon2id PHC strings")
struct Argon2Tests {
    @Test("default parameters give the exact PHC prefix $argon2id$v=19$m=65536,t=3,p=4$ and verify")
    func standardFormat() throws {
        let phc = try Argon2id.hash(password: "correct horse battery staple")
        #expect(phc.hasPrefix("$argon2id$v=19$m=65536,t=3,p=4$"))
        let parts = phc.split(separator: "$")
        #expect(parts.count == 5)
        #expect(parts[3].count == 22)  // 16-byte salt, unpadded base64
        #expect(parts[4].count == 43)  // 32-byte hash
        #expect(try Argon2id.verify(password: "correct horse battery staple", phc: phc))
        #expect(try !Argon2id.verify(password: "correct horse battery stapl", phc: phc))
        #expect(!Argon2id.needsRehash(phc, target: .standard))
    }

    @Test("hashes made by argon2-cffi (an independent implementation) verify")
    func independentVectors() throws {
        let a = "$argon2id$v=19$m=1024,t=2,p=2$Hqmh022zmYz/TRpPGlBAYw$2rTFXb6mr5esuPw/IJUz4JcvC6xQWEshNeQ9lO/rLRk"
        #expect(try Argon2id.verify(password: "correct horse battery staple", phc: a))
        #expect(try !Argon2id.verify(password: "Correct horse battery staple", phc: a))
        let b = "$argon2id$v=19$m=256,t=1,p=1$RWVScttaoFE$HKf+Gn2S3T16gFSwx5e+nEGE3Q6D5+Ny"
        #expect(try Argon2id.verify(password: "pässwörd ünïcode 🔑", phc: b))
        #expect(try Argon2id.parameters(of: a) == Argon2Parameters(memoryKiB: 1024, iterations: 2, parallelism: 2, saltLength: 16, hashLength: 32))
    }

    @Test("a hash with other parameters needs rehashing; one with the target's does not")
    func needsRehash() throws {
        let cheap = try Argon2id.hash(password: "a long enough password", parameters: .cheapForTesting)
        #expect(cheap.hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
        #expect(Argon2id.needsRehash(cheap, target: .standard))
        #expect(!Argon2id.needsRehash(cheap, target: .cheapForTesting))
        #expect(Argon2id.needsRehash("$2b$12$notargon", target: .standard))
    }

    @Test("malformed or hostile PHC strings are refused with invalid_hash_string",
          arguments: [
              "", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
              "$argon2id$v=19$m=64,t=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
              "$argon2id$v=20$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
              "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
              "$argon2id$v=19$m=64,t=1,p=1$c2Fsd!NhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
              "$argon2id$v=19$m=64,t=1,p=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
              "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$extra",
          ])
    func malformed(phc: String) {
        do {
            _ = try Argon2id.verify(password: "whatever password", phc: phc)
            Issue.record("accepted \(phc)")
        } catch {
            #expect(error.code == .invalidHashString)
        }
    }
}
