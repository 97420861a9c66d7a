import Glibc
import HTTPClient
import Synchronization
import Testing

/// TLS against a real `openssl s_server` with a throwaway self-signed certificate.
@Suite("TLS")
struct TLSTests {
    @Test("Verified against the given CA file; refused without it, for the wrong address, and with an unreadable CA file")
    func verification() async throws {
        guard let openssl = opensslBinary() else {
            Issue.record("the openssl command-line tool is missing (looked in /usr/bin and /usr/local/bin): install the 'openssl' Debian package (make test-deps installs it)")
            return
        }
        let directory = try TemporaryDirectory()
        let cert = directory.path + "/cert.pem", key = directory.path + "/key.pem"
        let made = try runProcess(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1", "-keyout", key, "-out", cert,
        ])
        #expect(made == 0, "openssl req failed")
        let server = try OpenSSLServer(openssl, cert: cert, key: key)
        defer { server.stop() }

        let trusting = HTTPClient(caFile: cert)
        let byName = try await trusting.send(HTTPClientRequest(url: "https://localhost:\(server.port)/", timeout: .seconds(3)))
        #expect(byName.status == 200)
        #expect(String(decoding: byName.body, as: UTF8.self).contains("s_server"))  // -www echoes its command line

        let byAddress = try await trusting.send(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/", timeout: .seconds(3)))
        #expect(byAddress.status == 200)

        let untrusted = await expectFailure(HTTPClient(), HTTPClientRequest(url: "https://localhost:\(server.port)/", timeout: .seconds(3)))
        #expect(untrusted?.code == .tls)
        #expect(untrusted?.requestSent == false)
        #expect(untrusted?.message.contains("certificate") == true, "\(untrusted.map { "\($0)" } ?? "")")

        // 127.0.0.2 reaches the same server, but the certificate names only localhost and 127.0.0.1.
        let wrongAddress = await expectFailure(trusting, HTTPClientRequest(url: "https://127.0.0.2:\(server.port)/", timeout: .seconds(3)))
        #expect(wrongAddress?.code == .tls)
        #expect(wrongAddress?.message.contains("mismatch") == true, "\(wrongAddress.map { "\($0)" } ?? "")")

        let missingCA = await expectFailure(
            HTTPClient(caFile: directory.path + "/absent.pem"), HTTPClientRequest(url: "https://localhost:\(server.port)/"))
        #expect(missingCA?.code == .tls)
        #expect(missingCA?.message.contains("absent.pem") == true)
    }

    @Test("A server that accepts TCP but never answers the handshake fails at connectTimeout")
    func silentHandshake() async throws {
        let held = Mutex<Double?>(nil)
        let server = try LoopbackServer { peer in
            let accepted = ContinuousClock.now
            peer.waitForClose(limit: .seconds(10))
            held.withLock { $0 = seconds(ContinuousClock.now - accepted) }
        }
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = await expectFailure(
            HTTPClient(), HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/", timeout: .seconds(20), connectTimeout: .milliseconds(300)))
        let elapsed = seconds(ContinuousClock.now - started)
        #expect(error?.code == .connect)
        #expect(error?.requestSent == false)
        // Measured by the server, from accept to the client's close (see FailureTests).
        let duration = try await eventually { held.withLock { $0 } }
        #expect(duration < 3.0, "the client closed \(duration) s after the server accepted")
        #expect(elapsed >= 0.29, "gave up after \(elapsed) s, before the deadline")
    }
}

private func opensslBinary() -> String? {
    ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { access($0, X_OK) == 0 }
}

/// A directory under /tmp, removed with its files when released.
final class TemporaryDirectory {
    let path: String
    init() throws {
        var template = Array("/tmp/httpclient-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw ServerError("mkdtemp failed") }
        path = String(cString: made)
    }
    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}

/// Starts a process with stdin and stderr on /dev/null and stdout on `stdoutFD` (or /dev/null).
func spawn(_ path: String, _ arguments: [String], stdoutFD: Int32? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if let stdoutFD { posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1) } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
    defer { (argv + envp).forEach { free($0) } }
    // The child would inherit this thread's signal mask (Dispatch threads block nearly everything), so reset it.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard rc == 0 else { throw ServerError("posix_spawn \(path): \(rc)") }
    return pid
}

/// Runs a process to completion and returns its exit status.
func runProcess(_ path: String, _ arguments: [String]) throws -> Int32 {
    let pid = try spawn(path, arguments)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

/// `openssl s_server -www` on a port the system chooses (read back from its `ACCEPT` line).
final class OpenSSLServer {
    let pid: pid_t
    let port: Int

    init(_ openssl: String, cert: String, key: String) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ServerError("pipe failed") }
        let spawned = try spawn(openssl, ["s_server", "-accept", "0", "-cert", cert, "-key", key, "-www", "-naccept", "10"], stdoutFD: fds[1])
        close(fds[1])
        defer { close(fds[0]) }
        // Wait up to 5 s for "ACCEPT [::]:PORT".
        var output: [UInt8] = []
        var entry = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        let end = ContinuousClock.now + .seconds(5)
        var found: Int?
        var chunk = [UInt8](repeating: 0, count: 512)
        while found == nil, ContinuousClock.now < end {
            guard poll(&entry, 1, 50) > 0 else { continue }
            let n = read(fds[0], &chunk, chunk.count)
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
            let text = String(decoding: output, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT") }), let colon = line.lastIndex(of: ":") {
                found = Int(line[line.index(after: colon)...].trimmingCharacters())
            }
        }
        guard let found else {
            kill(spawned, SIGKILL)
            var status: Int32 = 0
            waitpid(spawned, &status, 0)
            throw ServerError("openssl s_server did not report its port: \(String(decoding: output, as: UTF8.self))")
        }
        pid = spawned
        port = found
    }

    /// Stops the server process this test started.
    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
