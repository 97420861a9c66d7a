import HTTPClient
import Testing

@Suite("Request checks and Retry-After")
struct RequestTests {
    @Test("Invalid URLs are refused before any connection", arguments: [
        "", "example.com/path", "ftp://example.com/file", "http://", "http:///path", "http://:80/", "http://host:0/",
        "http://host:65536/", "http://host:8o/", "http://host:/", "http://exa mple.com/", "http://example.com/a b",
        "http://user:pw@example.com/", "http://[::1/", "http://[zz::1]/", "http://a:b:c/", "https://exämple.com/",
        "http://host/\n", "mailto:someone@example.com",
    ])
    func invalidURLs(_ url: String) async {
        let error = await expectFailure(HTTPClient(), HTTPClientRequest(url: url, timeout: .milliseconds(500)))
        #expect(error?.code == .invalidURL, "\(url)")
        #expect(error?.requestSent == false)
    }

    @Test("Invalid methods, header names and values are refused", arguments: [
        HTTPClientRequest(method: "GE T", url: "http://127.0.0.1:1/"),
        HTTPClientRequest(method: "", url: "http://127.0.0.1:1/"),
        HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("Bad Name", "v")]),
        HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("X-A", "line\nbreak")]),
        HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("Transfer-Encoding", "chunked")]),
        HTTPClientRequest(method: "POST", url: "http://127.0.0.1:1/", headers: [("Content-Length", "5")], body: [1, 2]),
        HTTPClientRequest(url: "http://127.0.0.1:1/", timeout: .zero),
    ])
    func invalidRequests(_ request: HTTPClientRequest) async {
        let error = await expectFailure(HTTPClient(), request)
        #expect(error?.code == .invalidURL)
    }

    @Test("Retry-After: delta-seconds and HTTP-dates")
    func retryAfter() {
        #expect(RetryAfter.seconds("120") == 120)
        #expect(RetryAfter.seconds(" 0 ") == 0)
        #expect(RetryAfter.seconds(nil) == nil)
        #expect(RetryAfter.seconds("") == nil)
        #expect(RetryAfter.seconds("-5") == nil)
        #expect(RetryAfter.seconds("1.5") == nil)
        #expect(RetryAfter.seconds("soon") == nil)
        // 1994-11-06 08:49:37 UTC is 784111777.
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_717) == 60)
        #expect(RetryAfter.seconds("Sunday, 06-Nov-94 08:49:37 GMT", now: 784_111_717) == 60)
        #expect(RetryAfter.seconds("Sun Nov  6 08:49:37 1994", now: 784_111_717) == 60)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_877) == 0)  // in the past
        #expect(RetryAfter.seconds("Wed, 29 Feb 2028 00:00:00 GMT", now: 1_835_395_200 - 3600) == 3600)  // 2028-02-29
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 25:49:37 GMT", now: 0) == nil)
        #expect(RetryAfter.seconds("Sun, 06 Foo 1994 08:49:37 GMT", now: 0) == nil)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 PST", now: 0) == nil)
        let now = RetryAfter.seconds("Thu, 01 Jan 1970 00:00:10 GMT", now: 4)
        #expect(now == 6)
    }
}
