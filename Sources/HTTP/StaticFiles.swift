import CMicroHTTPD
import Glibc

/// Serves the files of one folder (the admin page), and nothing outside it.
///
/// `..`, encoded `..` (MHD decodes `%2e%2e` and `%2f` before we see the path), hidden
/// names, NUL bytes and symlinks that resolve outside the folder are all 404. Files are read
/// once and kept with their gzip form and a strong ETag; a changed file (size or mtime) is
/// read again.
public final class StaticFiles: Sendable {
    /// The resolved folder.
    public let root: String
    private let cache = Locked<[String: Entry]>([:])

    struct Entry {
        let body: [UInt8]
        let gzipped: [UInt8]?
        let etag: String
        let lastModified: String
        let mtime: Int
        let size: Int
        let contentType: String
    }

    /// Serves `root`; fails if it is not a readable folder.
    public init(root: String) throws(HTTPServerError) {
        guard let resolved = realpath(root, nil) else {
            throw HTTPServerError(message: "web root '\(root)' does not exist or cannot be read")
        }
        self.root = String(cString: resolved)
        free(resolved)
    }

    /// Answers a GET/HEAD for `request.path`, or throws 404.
    public func respond(_ request: Request) throws -> Response {
        guard let relative = Self.safeRelativePath(request.path) else { throw APIError.notFound() }
        let entry = try load(relative)
        var headers = Headers()
        headers["Content-Type"] = entry.contentType
        headers["ETag"] = entry.etag
        headers["Last-Modified"] = entry.lastModified
        headers["Cache-Control"] = "no-cache"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        if entry.contentType.hasPrefix("text/html") {
            headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
            headers["X-Frame-Options"] = "DENY"
        }
        if entry.gzipped != nil { headers["Vary"] = "Accept-Encoding" }
        if let inm = request.headers["If-None-Match"] {
            if inm.split(separator: ",").contains(where: { String($0).trimming(" ") == entry.etag || String($0).trimming(" ") == "*" }) {
                return Response(status: 304, headers: headers)
            }
        } else if let ims = request.headers["If-Modified-Since"], ims == entry.lastModified {
            return Response(status: 304, headers: headers)
        }
        if let gz = entry.gzipped, Gzip.accepted(by: request.headers["Accept-Encoding"]) {
            headers["Content-Encoding"] = "gzip"
            return Response(status: 200, headers: headers, body: gz)
        }
        return Response(status: 200, headers: headers, body: entry.body)
    }

    /// The path below the root for a URL path, or nil when it is not a plain downward path.
    static func safeRelativePath(_ path: String) -> String? {
        if path == "/" || path.isEmpty { return "index.html" }
        guard path.hasPrefix("/"), !path.utf8.contains(0), !path.contains("\\") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var clean: [Substring] = []
        for (i, part) in parts.enumerated() {
            if part.isEmpty {
                if i == parts.count - 1 { break } // trailing slash
                return nil
            }
            if part.hasPrefix(".") { return nil } // "..", ".", and hidden files
            clean.append(part)
        }
        guard !clean.isEmpty else { return "index.html" }
        return clean.joined(separator: "/")
    }

    private func load(_ relative: String) throws -> Entry {
        let candidate = root + "/" + relative
        guard let resolvedC = realpath(candidate, nil) else { throw APIError.notFound() }
        let resolved = String(cString: resolvedC)
        free(resolvedC)
        guard resolved.hasPrefix(root + "/") else { throw APIError.notFound() }
        var info = stat()
        guard stat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw APIError.notFound() }
        let mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let size = Int(info.st_size)
        if let cached = cache.withLock({ $0[relative] }), cached.mtime == mtime, cached.size == size {
            return cached
        }
        guard let body = Self.readFile(resolved) else { throw APIError.notFound() }
        let type = Self.contentType(for: relative)
        var gz: [UInt8]? = nil
        if let pre = Self.readFile(resolved + ".gz") {
            gz = pre
        } else if body.count > 1024, Self.compressible(type) {
            gz = Gzip.compress(body, level: 9).flatMap { $0.count < body.count ? $0 : nil }
        }
        let entry = Entry(
            body: body, gzipped: gz, etag: "\"\(String(Self.fnv1a(body), radix: 16))-\(String(size, radix: 16))\"",
            lastModified: HTTPDate.format(epochSeconds: Int(info.st_mtim.tv_sec)), mtime: mtime, size: size, contentType: type)
        cache.withLock { $0[relative] = entry }
        return entry
    }

    /// The whole content of a regular file, or nil when it cannot be read or exceeds `limit` bytes.
    public static func readFile(_ path: String, limit: Int = Int.max) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { return nil }
        }
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100000001b3 }
        return hash
    }

    static func compressible(_ type: String) -> Bool {
        type.hasPrefix("text/") || type.contains("javascript") || type.contains("json") || type.contains("svg") || type.contains("xml")
    }

    /// The media type for a file name.
    public static func contentType(for name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "webmanifest": return "application/manifest+json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}

/// HTTP dates (RFC 9110 IMF-fixdate).
public enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT` for a Unix time.
    public static func format(epochSeconds: Int) -> String {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
