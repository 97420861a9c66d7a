import Glibc
import HTTP
import StudioServer
import Testing

func writeTemp(_ text: String) -> String {
    var template = Array("/tmp/studio-config-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
    close(fd)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// The repository root, found from this file's path.
func repositoryRoot() -> String {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

@Suite struct ConfigurationTests {
    @Test func defaults() {
        let config = Configuration()
        #expect(config.listen == ListenAddress("127.0.0.1:8080"))
        #expect(config.string("data_dir") == "./var")
        #expect(config.int("http.body_limit_bytes") == 1 << 20)
    }

    @Test func layersApplyInOrder() throws {
        let file = writeTemp(#"{"listen": "127.0.0.1:9000", "http": {"threads": 8, "idle_timeout_seconds": 40}, "_note": "comment"}"#)
        let config = try Configuration.load(
            file: file,
            environment: ["STUDIO_HTTP_THREADS": "6", "STUDIO_LISTEN": "0.0.0.0:9100", "UNRELATED": "x"],
            flags: ["listen": "[::1]:9200"])
        #expect(config.int("http.threads") == 6)
        #expect(config.sources["http.threads"] == "STUDIO_HTTP_THREADS")
        #expect(config.int("http.idle_timeout_seconds") == 40)
        #expect(config.listen == ListenAddress("[::1]:9200"))
        #expect(config.listen.host == "::1")
    }

    @Test(arguments: [
        (#"{"htp": {"threads": 2}}"#, "htp"),
        (#"{"http": {"thread": 2}}"#, "http.thread"),
        (#"{"http": {"threads": "two"}}"#, "http.threads"),
        (#"{"http": {"threads": 0}}"#, "http.threads"),
        (#"{"http": {"threads": 100000}}"#, "http.threads"),
        (#"{"listen": "localhost"}"#, "listen"),
        (#"{"listen": "127.0.0.1:99999"}"#, "listen"),
        (#"{"log_level": "loud"}"#, "log_level"),
        (#"{"metrics": {"access": true}}"#, "metrics.access"),
    ])
    func badFileValuesNameTheKey(text: String, key: String) {
        let file = writeTemp(text)
        do {
            _ = try Configuration.load(file: file, environment: [:], flags: [:])
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.key == key, "\(error.message)")
            #expect(error.message.contains(key))
        }
    }

    @Test func malformedAndHostileFiles() {
        for text in ["{", "[1,2]", "not json", String(repeating: "{\"a\":", count: 5000)] {
            let file = writeTemp(text)
            #expect(throws: ConfigurationError.self) { try Configuration.load(file: file, environment: [:], flags: [:]) }
        }
        #expect(throws: ConfigurationError.self) { try Configuration.load(file: "/nonexistent/studio.json", environment: [:], flags: [:]) }
    }

    @Test func badEnvironmentValuesNameTheVariable() {
        do {
            _ = try Configuration.load(file: nil, environment: ["STUDIO_HTTP_THREADS": "many"], flags: [:])
            Issue.record("accepted a non-integer")
        } catch {
            #expect(error.message.contains("STUDIO_HTTP_THREADS"))
        }
        #expect(throws: ConfigurationError.self) { try Configuration.load(file: nil, environment: [:], flags: ["nope": "1"]) }
    }

    @Test func shippedExampleDocumentsEveryKeyAndLoads() throws {
        let path = repositoryRoot() + "/data/studio.example.json"
        let config = try Configuration.load(file: path, environment: [:], flags: [:])
        #expect(config.listen == ListenAddress("127.0.0.1:8080"))
        let text = String(decoding: try #require(readAll(path)), as: UTF8.self)
        for setting in Configuration.schema {
            let leaf = String(setting.key.split(separator: ".").last!)
            #expect(text.contains("\"\(leaf)\""), "data/studio.example.json does not document \(setting.key)")
        }
    }

    @Test func secretsAreMaskedWhenDescribed() throws {
        let config = try Configuration.load(file: nil, environment: ["STUDIO_METRICS_TOKEN": "s3cret-token"], flags: [:])
        #expect(!config.describe().text.contains("s3cret-token"))
    }
}

func readAll(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return out }
        out.append(contentsOf: buffer[0..<n])
    }
}
