import Billing
import Testing

@Suite struct HMACTests {
    @Test func sha256MatchesFIPSVector() {
        #expect(StripeSignatureVerifier.hex(HMAC.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hmacMatchesRFC4231Case2() {
        #expect(StripeSignatureVerifier.hex(HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
