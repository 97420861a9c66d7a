#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
import Platforms
import Testing
@testable import Writing

/// A folder of the repository found from this file's real location (the side package reaches it through a symlink).
func repositoryPath(_ relative: String, file: String = #filePath) -> String {
    var resolved = file
    if let real = realpath(file, nil) {
        resolved = String(cString: real)
        free(real)
    }
    var parts = resolved.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // TestSupport.swift, WritingTests, Tests
    return parts.joined(separator: "/") + "/" + relative
}

/// The repository's platform catalog (`data/platforms.json`), loaded once.
let catalog: PlatformCatalog = {
    do { return try PlatformCatalog.load(path: repositoryPath("data/platforms.json")) } catch { fatalError("platforms.json: \(error)") }
}()

/// One input of the corpus fixture.
struct CorpusEntry: CustomStringConvertible, Sendable {
    let name: String
    let text: String
    var description: String { name }
}

/// `Fixtures/corpus.txt`: entries start with a line `=== name`; the lines until the next one are the input
/// (raw bytes: it holds tabs, `\r\n` and other control characters on purpose).
let corpus: [CorpusEntry] = {
    let path = repositoryPath("Tests/WritingTests/Fixtures/corpus.txt")
    guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
    var entries: [CorpusEntry] = []
    var name: String?
    var body: [UInt8] = []
    func finish() {
        guard let current = name else { return }
        if body.last == UInt8(ascii: "\n") { body.removeLast() }
        entries.append(CorpusEntry(name: current, text: String(decoding: body, as: UTF8.self)))
    }
    for line in Array(data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        if line.starts(with: Array("=== ".utf8)) {
            finish()
            name = String(decoding: line.dropFirst(4), as: UTF8.self)
            body = []
        } else if name != nil {
            body += line
            body.append(UInt8(ascii: "\n"))
        }
    }
    finish()
    return entries
}()

func entry(_ name: String) -> String {
    guard let found = corpus.first(where: { $0.name == name }) else { fatalError("no corpus entry \(name)") }
    return found.text
}

let model = BuiltinModel()

func generate(_ kind: ContentKind, _ input: String, platform: String? = nil, options: [String: String] = [:]) throws(BuiltinError) -> String {
    try model.generate(BuiltinRequest(kind: kind, input: input, platform: platform.flatMap { catalog.profile($0) }, options: options))
}

/// True when the text has a control character other than `\n`.
func hasControlCharacter(_ text: String) -> Bool {
    text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
}

/// The `#tags` of a hashtags output.
func tags(_ output: String) -> [String] { output.split(separator: " ").map(String.init) }
