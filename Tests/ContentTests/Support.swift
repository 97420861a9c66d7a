import Content
import Foundation
import Graph
import Writing

/// A content store on a fresh temporary LMDB directory, removed when the value goes away.
final class ContentHarness: @unchecked Sendable {
    let directory: String
    let graph: GraphStore
    let store: ContentStore
    let clock: TestClock

    init(revenue: @escaping @Sendable (String) -> (minor: Int64, currency: String)? = { _ in nil }) throws {
        var template = Array((NSTemporaryDirectory() + "content.XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: p!)
        graph = try GraphStore(directory: directory + "/graph", options: GraphStore.Options(initialMapSize: 8 << 20))
        let clock = TestClock()
        self.clock = clock
        store = try ContentStore(graph: graph, revenue: revenue, clock: { clock.now() })
    }

    deinit {
        graph.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates an item and returns it (titles default to a numbered one).
    @discardableResult
    func make(_ caller: ContentCaller, title: String = "A post", body: String = "Some text", kind: ContentKind = .socialPost,
              tags: [String] = [], status: ContentStatus = .draft) throws -> ContentItem {
        try store.create(NewContent(kind: kind, title: title, body: body, tags: tags, status: status), by: caller)
    }
}

/// A settable clock in Unix milliseconds that advances one millisecond per reading.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 1_780_000_000_000  // 2026-05-28

    func now() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }

    func set(_ ms: Int64) {
        lock.lock()
        value = ms
        lock.unlock()
    }
}

/// A small deterministic generator (SplitMix64) for property-style tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let alice = ContentCaller(userID: "0193a1b2-c3d4-7e5f-8a9b-000000000a11", isAdmin: false)
let bob = ContentCaller(userID: "0193a1b2-c3d4-7e5f-8a9b-000000000b0b", isAdmin: false)
let admin = ContentCaller(userID: "0193a1b2-c3d4-7e5f-8a9b-0000000000ad", isAdmin: true)

/// The error a call throws, if it is a `ContentError`.
func contentError(_ body: () throws -> Void) -> ContentError? {
    do {
        try body()
        return nil
    } catch let e as ContentError {
        return e
    } catch {
        return ContentError(.storage, "unexpected \(error)")
    }
}
