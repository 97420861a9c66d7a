#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

/// Writes each post as a folder a person uploads by hand, for platforms whose APIs need an app review
/// (YouTube, TikTok, Instagram, …). The post stays "awaiting manual upload" until someone confirms it.
///
/// Credentials: `directory`, an absolute path (under `root` when the connector has one).
///
/// `publish` writes `<directory>/<publication id>/` with:
/// - `post.txt`: the formatted text; thread parts separated by a line `---`;
/// - `hashtags.txt`: the post's hashtags, one per line, with `#`;
/// - `meta.json`: `{"platform", "publication_id", "idempotency_key", "created_at", "parts", "media"}`;
/// - `media/`: copies of the post's media files.
///
/// The folder is built under a temporary name, synced, then renamed into place, so it either exists
/// complete or not at all; an existing folder means "already exported" (publishing twice is harmless).
public struct ExportBundleConnector: PlatformConnector {
    /// `export`.
    public let platform = "export"
    /// The folder name is the publication id: a repeat finds the folder and writes nothing.
    public let supportsIdempotencyKey = true
    /// The platform profile the bundles are for (`youtube`), written to `meta.json`.
    public let target: String
    /// When set, `directory` must be this folder or inside it (the data directory).
    public let root: String?

    /// A connector.
    /// - Parameters:
    ///   - target: The platform profile id the bundles are prepared for.
    ///   - root: The folder every export directory must be inside (nil: any absolute path).
    public init(target: String = "export", root: String? = nil) {
        self.target = target
        self.root = root.map(Self.withoutTrailingSlash)
    }

    /// Checks that the directory can be created and written; returns its path.
    public func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo {
        let directory = try exportDirectory(credentials)
        try makeDirectories(directory)
        let probe = directory + "/.write-test-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fileError("cannot write in \(directory)") }
        close(fd)
        unlink(probe)
        return AccountInfo(handle: directory)
    }

    /// Writes the bundle (or finds it written) and returns it as awaiting manual upload.
    public func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError)
        -> PublishedPost
    {
        let directory = try exportDirectory(credentials)
        guard !post.parts.isEmpty else { throw ConnectorError(.rejected, "the post has no text to export") }
        let name = try folderName(post.publicationID)
        let final = directory + "/" + name
        if isDirectory(final) { return result(post, final) }
        for path in post.media {
            guard path.hasPrefix("/"), isRegularFile(path) else {
                throw ConnectorError(.rejected, "the media file \(path) does not exist or is not a regular file")
            }
        }
        try makeDirectories(directory)
        removeLeftovers(in: directory, prefix: ".tmp-\(name)-")
        let random = (try? SecureRandom.token(byteCount: 6)) ?? String(getpid())
        let temporary = directory + "/.tmp-\(name)-\(random)"
        guard mkdir(temporary, 0o755) == 0 else { throw fileError("cannot create \(temporary)") }
        do throws(ConnectorError) {
            try writeBundle(post, into: temporary)
            try syncPath(temporary)
            if rename(temporary, final) != 0 {
                let failure = errno
                removeTree(temporary)
                // Another attempt finished first: the same publication, already exported.
                if (failure == EEXIST || failure == ENOTEMPTY) && isDirectory(final) { return result(post, final) }
                throw fileError("cannot move the bundle into \(final)", failure)
            }
            try syncPath(directory)
        } catch {
            removeTree(temporary)
            throw error
        }
        return result(post, final)
    }

    /// The bundle folder when it exists.
    public func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost? {
        let final = try exportDirectory(credentials) + "/" + (try folderName(post.publicationID))
        return isDirectory(final) ? result(post, final) : nil
    }

    // MARK: - Writing

    private func writeBundle(_ post: OutgoingPost, into folder: String) throws(ConnectorError) {
        try writeFile(folder + "/post.txt", Array(post.parts.joined(separator: "\n---\n").utf8) + [0x0A])
        let tags = post.parts.flatMap { TextEntities($0).tags }
        var unique: [String] = []
        for tag in tags where !unique.contains(where: { $0.lowercased() == tag.lowercased() }) { unique.append(tag) }
        try writeFile(folder + "/hashtags.txt", Array(unique.map { "#" + $0 + "\n" }.joined().utf8))
        var mediaNames: [String] = []
        if !post.media.isEmpty {
            guard mkdir(folder + "/media", 0o755) == 0 else { throw fileError("cannot create \(folder)/media") }
            for (index, path) in post.media.enumerated() {
                var base = String(path.split(separator: "/").last ?? "file")
                if mediaNames.contains(base) { base = "\(index + 1)-" + base }
                try copyFile(path, to: folder + "/media/" + base)
                mediaNames.append(base)
            }
            try syncPath(folder + "/media")
        }
        let meta = BundleMeta(
            platform: target, publication_id: post.publicationID, idempotency_key: post.idempotencyKey,
            created_at: Timestamps.format(milliseconds: Timestamps.nowMilliseconds()), parts: post.parts.count,
            media: mediaNames.map { "media/" + $0 }, language: post.language)
        try writeFile(folder + "/meta.json", encodeJSON(meta))
    }

    private func result(_ post: OutgoingPost, _ folder: String) -> PublishedPost {
        PublishedPost(id: post.publicationID, url: "file://" + folder, partIDs: [post.publicationID], awaitingManual: true)
    }

    private func exportDirectory(_ credentials: [String: String]) throws(ConnectorError) -> String {
        let raw = try requiredCredential(credentials, "directory", platform: "export")
        guard raw.hasPrefix("/") else { throw ConnectorError(.rejected, "the export `directory` must be an absolute path") }
        let components = raw.split(separator: "/")
        guard !components.contains(".."), !components.contains("."), !raw.contains("\0") else {
            throw ConnectorError(.rejected, "the export `directory` must not contain `.` or `..` components")
        }
        let directory = "/" + components.joined(separator: "/")
        if let root, directory != root, !directory.hasPrefix(root == "/" ? "/" : root + "/") {
            throw ConnectorError(.rejected, "the export `directory` must be inside \(root)")
        }
        return directory
    }

    private func folderName(_ publicationID: String) throws(ConnectorError) -> String {
        let allowed = publicationID.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
                || byte == 0x2E
        }
        guard allowed, !publicationID.isEmpty, publicationID.utf8.count <= 200, !publicationID.hasPrefix(".") else {
            throw ConnectorError(.rejected, "the publication id \(publicationID) cannot name a folder (letters, digits, - _ . only)")
        }
        return publicationID
    }

    private static func withoutTrailingSlash(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}

private struct BundleMeta: Encodable {
    let platform: String
    let publication_id: String
    let idempotency_key: String
    let created_at: String
    let parts: Int
    let media: [String]
    let language: String?
}

// MARK: - File system

private func fileError(_ what: String, _ code: Int32 = errno) -> ConnectorError {
    // Permissions and a full disk do not fix themselves quickly, but may be fixed by the user: transient.
    ConnectorError(.transient, "\(what): \(String(cString: strerror(code)))")
}

private func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

private func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
}

private func makeDirectories(_ path: String) throws(ConnectorError) {
    var current = ""
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o755) != 0 && errno != EEXIST { throw fileError("cannot create \(current)") }
    }
    guard isDirectory(path) else { throw ConnectorError(.rejected, "\(path) exists and is not a directory") }
}

private func writeFile(_ path: String, _ bytes: [UInt8]) throws(ConnectorError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw fileError("cannot create \(path)") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            throw fileError("cannot write \(path)")
        }
        offset += written
    }
    guard fsync(fd) == 0 else { throw fileError("cannot sync \(path)") }
}

private func copyFile(_ source: String, to destination: String) throws(ConnectorError) {
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw ConnectorError(.rejected, "cannot read the media file \(source): \(String(cString: strerror(errno)))") }
    defer { close(input) }
    let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard output >= 0 else { throw fileError("cannot create \(destination)") }
    defer { close(output) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw fileError("cannot read \(source)")
        }
        if count == 0 { break }
        var offset = 0
        while offset < count {
            let written = buffer[offset..<count].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw fileError("cannot write \(destination)")
            }
            offset += written
        }
    }
    guard fsync(output) == 0 else { throw fileError("cannot sync \(destination)") }
}

private func syncPath(_ path: String) throws(ConnectorError) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw fileError("cannot open \(path)") }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw fileError("cannot sync \(path)") }
}

/// Removes a folder tree this connector wrote (files and one level of `media/`).
private func removeTree(_ path: String) {
    guard let dir = opendir(path) else { unlink(path); return }
    var children: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name != "." && name != ".." { children.append(name) }
    }
    closedir(dir)
    for child in children {
        let full = path + "/" + child
        if isDirectory(full) { removeTree(full) } else { unlink(full) }
    }
    rmdir(path)
}

/// Removes temporary folders a crashed attempt left behind for the same publication.
private func removeLeftovers(in directory: String, prefix: String) {
    guard let dir = opendir(directory) else { return }
    var stale: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name.hasPrefix(prefix) { stale.append(name) }
    }
    closedir(dir)
    for name in stale { removeTree(directory + "/" + name) }
}
