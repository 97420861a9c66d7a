import Glibc
import HTTP

/// The data directory: created on first use, and locked by the one daemon serving it.
///
/// The lock is a `flock` on `studio.lock`, released by the kernel when the process dies, so
/// a `kill -9` never leaves a stale lock behind. Tools that may run beside the daemon
/// (`studio user create`, `studio backup`) do not take it.
public final class DataDirectory: Sendable {
    /// The absolute path.
    public let path: String
    private let lockDescriptor: Int32

    /// Creates the folder if missing (mode 0700) and returns it, unlocked.
    public static func prepare(_ path: String) throws(DataDirectoryError) -> String {
        if mkdirParents(path, mode: 0o700) != 0 && errno != EEXIST {
            throw DataDirectoryError(message: "cannot create data directory \(path): \(String(cString: strerror(errno)))")
        }
        guard let resolved = realpath(path, nil) else {
            throw DataDirectoryError(message: "cannot resolve data directory \(path): \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        let absolute = String(cString: resolved)
        guard access(absolute, W_OK) == 0 else {
            throw DataDirectoryError(message: "data directory \(absolute) is not writable by this user")
        }
        return absolute
    }

    /// Prepares and locks `path` for this process; fails when another daemon holds it.
    public init(lockingPath path: String) throws(DataDirectoryError) {
        let absolute = try Self.prepare(path)
        let lockPath = absolute + "/studio.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DataDirectoryError(message: "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 31, 0)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimming(" \n") : "unknown"
            close(fd)
            throw DataDirectoryError(message: "another studio daemon (pid \(holder)) is already serving data directory \(absolute); stop it first or choose another --data-dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.path = absolute
        self.lockDescriptor = fd
    }

    /// Whether the folder accepts a durable write right now (readiness check).
    public func probeWritable() -> String? {
        let probe = path + "/.ready-probe"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "data directory not writable: \(String(cString: strerror(errno)))" }
        defer { close(fd); unlink(probe) }
        let ok = write(fd, "ok", 2) == 2 && fsync(fd) == 0
        return ok ? nil : "data directory write failed: \(String(cString: strerror(errno)))"
    }

    deinit {
        close(lockDescriptor)
    }
}

/// A problem with the data directory.
public struct DataDirectoryError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    public var description: String { message }
}

/// `mkdir -p`.
func mkdirParents(_ path: String, mode: mode_t) -> Int32 {
    var current = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
        current += (current.isEmpty || current.hasSuffix("/") ? "" : "/") + part
        if mkdir(current, mode) != 0 && errno != EEXIST { return -1 }
    }
    errno = EEXIST
    return 0
}
