import Foundation
@testable import Graph

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TempDir {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "graphtest.XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Opens a store in a fresh directory and hands it to `body`, closing and removing everything after.
func withStore<T>(_ options: GraphStore.Options = GraphStore.Options(), _ body: (GraphStore, TempDir) async throws -> T) async throws -> T {
    let dir = TempDir()
    defer { dir.cleanup() }
    let store = try GraphStore(directory: dir.path + "/graph", options: options)
    defer { store.close() }
    return try await body(store, dir)
}
