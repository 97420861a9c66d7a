import Connectors
import Glibc
import HTTP
import Platforms
import Testing

/// A fresh temporary directory, removed by `cleanup`.
func temporaryDirectory() -> String {
    var template = Array("/tmp/connectors-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    return path
}

func readText(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        out += buffer[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

func writeText(_ path: String, _ text: String) {
    let file = fopen(path, "wb")!
    _ = Array(text.utf8).withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

func listing(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

func cleanup(_ path: String) { _ = system("rm -rf '\(path)'") }

@Suite struct ExportBundleTests {
    @Test func writesTheBundle() async throws {
        let root = temporaryDirectory()
        defer { cleanup(root) }
        writeText(root + "/clip.mp4", "not really a video")
        writeText(root + "/thumb.png", "png bytes")
        let connector = ExportBundleConnector(target: "youtube", root: root)
        let credentials = ["directory": root + "/exports"]
        let info = try await connector.verify(credentials: credentials)
        #expect(info.handle == root + "/exports")
        let post = OutgoingPost(
            publicationID: "pub-42", parts: ["Éclair tutorial #baking #Pâtisserie", "part two #baking"], idempotencyKey: "idem-42",
            media: [root + "/clip.mp4", root + "/thumb.png"])
        let result = try await connector.publish(post, credentials: credentials, resumeAfter: [])
        #expect(result.awaitingManual)
        #expect(result.id == "pub-42")
        let folder = root + "/exports/pub-42"
        #expect(listing(root + "/exports") == ["pub-42"])
        #expect(listing(folder) == ["hashtags.txt", "media", "meta.json", "post.txt"])
        #expect(readText(folder + "/post.txt") == "Éclair tutorial #baking #Pâtisserie\n---\npart two #baking\n")
        #expect(readText(folder + "/hashtags.txt") == "#baking\n#Pâtisserie\n")
        #expect(readText(folder + "/media/clip.mp4") == "not really a video")
        #expect(readText(folder + "/media/thumb.png") == "png bytes")
        let meta = try JSONValue.parse(readText(folder + "/meta.json") ?? "")
        #expect(meta["platform"]?.string == "youtube")
        #expect(meta["idempotency_key"]?.string == "idem-42")
        #expect(meta["publication_id"]?.string == "pub-42")
        #expect(meta["created_at"]?.string?.hasSuffix("Z") == true)
        #expect(try await connector.find(post, credentials: credentials) == result)
    }

    @Test func secondPublishIsTheSameExport() async throws {
        let root = temporaryDirectory()
        defer { cleanup(root) }
        let connector = ExportBundleConnector(root: root)
        let credentials = ["directory": root]
        let post = OutgoingPost(publicationID: "pub-1", parts: ["hello"], idempotencyKey: "k")
        #expect(try await connector.find(post, credentials: credentials) == nil)
        let first = try await connector.publish(post, credentials: credentials, resumeAfter: [])
        let metaBefore = readText(root + "/pub-1/meta.json")
        let second = try await connector.publish(OutgoingPost(publicationID: "pub-1", parts: ["changed"], idempotencyKey: "k"),
                                                 credentials: credentials, resumeAfter: [])
        #expect(second == first)
        #expect(listing(root) == ["pub-1"])
        #expect(readText(root + "/pub-1/post.txt") == "hello\n")
        #expect(readText(root + "/pub-1/meta.json") == metaBefore)
    }

    @Test func badInputWritesNothing() async throws {
        let root = temporaryDirectory()
        defer { cleanup(root) }
        let connector = ExportBundleConnector(root: root + "/data")
        let missing = await #expect(throws: ConnectorError.self) {
            try await connector.publish(
                OutgoingPost(publicationID: "p1", parts: ["x"], idempotencyKey: "k", media: [root + "/nope.png"]),
                credentials: ["directory": root + "/data/out"], resumeAfter: [])
        }
        #expect(missing?.kind == .rejected)
        #expect(missing?.message.contains("nope.png") == true)
        #expect(listing(root + "/data/out").isEmpty)
        let outside = await #expect(throws: ConnectorError.self) {
            try await connector.verify(credentials: ["directory": root + "/elsewhere"])
        }
        #expect(outside?.message.contains("inside") == true)
        let dots = await #expect(throws: ConnectorError.self) {
            try await connector.verify(credentials: ["directory": root + "/data/../elsewhere"])
        }
        #expect(dots?.kind == .rejected)
        let badID = await #expect(throws: ConnectorError.self) {
            try await connector.publish(OutgoingPost(publicationID: "../escape", parts: ["x"], idempotencyKey: "k"),
                                        credentials: ["directory": root + "/data/out"], resumeAfter: [])
        }
        #expect(badID?.kind == .rejected)
        #expect(listing(root).isEmpty)  // not even the export folder
    }

    @Test func leftoversOfACrashedAttemptAreReplaced() async throws {
        let root = temporaryDirectory()
        defer { cleanup(root) }
        // A crash between mkdir and rename leaves a temporary folder, never a half-written bundle.
        mkdir(root + "/.tmp-pub-5-abc", 0o755)
        writeText(root + "/.tmp-pub-5-abc/post.txt", "half")
        let connector = ExportBundleConnector(root: root)
        _ = try await connector.publish(OutgoingPost(publicationID: "pub-5", parts: ["whole"], idempotencyKey: "k"),
                                        credentials: ["directory": root], resumeAfter: [])
        #expect(listing(root) == ["pub-5"])
        #expect(readText(root + "/pub-5/post.txt") == "whole\n")
    }
}

@Suite struct RegistryTests {
    static func catalog() throws -> PlatformCatalog {
        // #filePath may be a symlinked path; the data folder sits next to the real Tests folder.
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX))
        let file = realpath(#filePath, &resolved).map { String(cString: $0) } ?? #filePath
        let parts = file.split(separator: "/").dropLast(3)
        return try PlatformCatalog.load(path: "/" + parts.joined(separator: "/") + "/data/platforms.json")
    }

    @Test func profilesMapToConnectors() throws {
        let catalog = try Self.catalog()
        let registry = ConnectorRegistry.standard(exportRoot: "/var/lib/studio")
        #expect(registry.platforms == ["bluesky", "export", "mastodon", "webhook"])
        #expect(registry.connector(forProfile: try #require(catalog.profile("mastodon")))?.platform == "mastodon")
        #expect(registry.connector(forProfile: try #require(catalog.profile("bluesky")))?.platform == "bluesky")
        for profile in catalog.profiles where profile.manualUpload {
            let connector = registry.connector(forProfile: profile) as? ExportBundleConnector
            #expect(connector?.target == profile.id)
            #expect(connector?.root == "/var/lib/studio")
        }
        #expect(registry.connector(forProfile: try #require(catalog.profile("x"))) == nil)
        #expect(registry.connector(for: "webhook")?.supportsIdempotencyKey == true)
        #expect(registry.connector(for: "bluesky")?.supportsIdempotencyKey == false)
        #expect(registry.connector(for: "nope") == nil)
    }
}
