import CLMDB

// Thin, internal helpers over the LMDB C API. No C type leaves the Graph module.

@inline(__always) func lmdbCheck(_ rc: Int32, _ what: @autoclosure () -> String) throws(GraphError) {
    if rc != 0 { throw lmdbError(rc, what()) }
}

func lmdbError(_ rc: Int32, _ what: String) -> GraphError {
    let text = String(cString: mdb_strerror(rc))
    return GraphError(.storage(code: rc), "\(what): \(text)")
}

extension GraphError {
    /// True when the error is LMDB's "map full", which the writer answers by growing the map and replaying.
    var isMapFull: Bool {
        if case .storage(let rc) = code { return rc == MDB_MAP_FULL }
        return false
    }
}

/// The sub-databases of the store, opened once at start.
struct Tables {
    var meta: MDB_dbi = 0
    var tokens: MDB_dbi = 0
    var tokenNames: MDB_dbi = 0
    var nodes: MDB_dbi = 0
    var rels: MDB_dbi = 0
    var outAdj: MDB_dbi = 0
    var inAdj: MDB_dbi = 0
    var labels: MDB_dbi = 0
    var schema: MDB_dbi = 0
    var index: MDB_dbi = 0
    var counts: MDB_dbi = 0
}

/// Calls `body` with an MDB_val over the bytes of `array` (valid only inside the call).
@inline(__always) func withVal<R>(_ array: [UInt8], _ body: (inout MDB_val) throws(GraphError) -> R) throws(GraphError) -> R {
    let result: Result<R, GraphError> = array.withUnsafeBytes { raw in
        var v = MDB_val(mv_size: raw.count, mv_data: UnsafeMutableRawPointer(mutating: raw.baseAddress))
        do throws(GraphError) { return .success(try body(&v)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// An 8-byte big-endian id key held on the stack.
@inline(__always) func withIDVal<R>(_ id: UInt64, _ body: (inout MDB_val) throws(GraphError) -> R) throws(GraphError) -> R {
    var be = id.bigEndian
    return try withUnsafeMutableBytes(of: &be) { (raw) throws(GraphError) -> R in
        var v = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
        return try body(&v)
    }
}

/// The 12-byte adjacency key (node, type), big-endian, on the stack.
@inline(__always) func withAdjKey<R>(_ node: UInt64, _ type: UInt32, _ body: (inout MDB_val) throws(GraphError) -> R) throws(GraphError) -> R {
    var key: (UInt64, UInt32) = (node.bigEndian, type.bigEndian)
    return try withUnsafeMutableBytes(of: &key) { (raw) throws(GraphError) -> R in
        var v = MDB_val(mv_size: 12, mv_data: raw.baseAddress)
        return try body(&v)
    }
}

/// The 16-byte adjacency value (other node, relationship), big-endian, on the stack.
@inline(__always) func withAdjValue<R>(_ other: UInt64, _ rel: UInt64, _ body: (inout MDB_val) throws(GraphError) -> R) throws(GraphError) -> R {
    var value: (UInt64, UInt64) = (other.bigEndian, rel.bigEndian)
    return try withUnsafeMutableBytes(of: &value) { (raw) throws(GraphError) -> R in
        var v = MDB_val(mv_size: 16, mv_data: raw.baseAddress)
        return try body(&v)
    }
}

extension MDB_val {
    /// The bytes LMDB points to; valid until the transaction ends or the next write.
    @inline(__always) var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: mv_data, count: mv_size) }
    /// A copy of the bytes.
    var bytes: [UInt8] { Array(raw) }
}

@inline(__always) func getRaw(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: inout MDB_val) throws(GraphError) -> MDB_val? {
    var data = MDB_val()
    let rc = mdb_get(txn, dbi, &key, &data)
    if rc == MDB_NOTFOUND { return nil }
    try lmdbCheck(rc, "read")
    return data
}

func getBytes(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) throws(GraphError) -> [UInt8]? {
    try withVal(key) { (k) throws(GraphError) -> [UInt8]? in try getRaw(txn, dbi, &k)?.bytes }
}

func putBytes(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8], flags: Int32 = 0) throws(GraphError) {
    try withVal(key) { (k) throws(GraphError) in
        try withVal(value) { (v) throws(GraphError) in
            try lmdbCheck(mdb_put(txn, dbi, &k, &v, UInt32(flags)), "write")
        }
    }
}

/// Deletes a key (all its duplicates); returns false when it did not exist.
@discardableResult
func deleteKey(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) throws(GraphError) -> Bool {
    try withVal(key) { (k) throws(GraphError) -> Bool in
        let rc = mdb_del(txn, dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try lmdbCheck(rc, "delete")
        return true
    }
}

/// A cursor that closes itself.
/// Cursors kept with a pooled read transaction, per table and nesting depth; `generation` tells which
/// were already renewed for the current use of the transaction.
final class CursorPool {
    var generation: UInt64 = 0
    var out: [Cursor] = []
    var `in`: [Cursor] = []
    var index: Cursor?

    func drop() {
        out = []
        `in` = []
        index = nil
    }
}

final class Cursor {
    let pointer: OpaquePointer
    /// The pool generation this cursor was last renewed for.
    var generation: UInt64 = 0

    init(_ txn: OpaquePointer, _ dbi: MDB_dbi) throws(GraphError) {
        var c: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(txn, dbi, &c), "open cursor")
        pointer = c!
    }

    deinit { mdb_cursor_close(pointer) }

    /// Rebinds a cursor of a reset-and-renewed read transaction.
    func renew(_ txn: OpaquePointer, generation: UInt64) throws(GraphError) {
        if self.generation == generation { return }
        try lmdbCheck(mdb_cursor_renew(txn, pointer), "renew cursor")
        self.generation = generation
    }

    /// Positions and returns (key, value), or nil at NOTFOUND.
    @inline(__always) func get(_ key: inout MDB_val, _ data: inout MDB_val, _ op: MDB_cursor_op) throws(GraphError) -> Bool {
        let rc = mdb_cursor_get(pointer, &key, &data, op)
        if rc == MDB_NOTFOUND { return false }
        try lmdbCheck(rc, "cursor")
        return true
    }

    /// Visits every entry whose key starts with `prefix`, in key order, until `body` returns false.
    func scan(prefix: [UInt8], from start: [UInt8]? = nil,
              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(GraphError) -> Bool) throws(GraphError) {
        let seek = start ?? prefix
        try withVal(seek) { (key) throws(GraphError) in
            let empty = key.mv_size == 0
            var data = MDB_val()
            var op = empty ? MDB_FIRST : MDB_SET_RANGE
            while try get(&key, &data, op) {
                op = MDB_NEXT
                let k = key.raw
                if k.count < prefix.count || !prefix.withUnsafeBytes({ $0.elementsEqual(k.prefix(prefix.count)) }) { return }
                if try !body(k, data.raw) { return }
            }
        }
    }
}

/// FNV-1a, used to shorten index values too long for an LMDB key (the value is always verified after).
func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
