import CLMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A property graph stored in LMDB: nodes with labels and properties, typed relationships, label and
/// property indexes, per-label and per-type counts.
///
/// Reads run in parallel on MVCC snapshots (`read`); writes are queued to one writer thread that groups
/// them into transactions (`write`), so each caller is answered only once its batch is on disk. The map
/// grows by itself.
///
/// ```swift
/// let store = try GraphStore(directory: "var/graph")
/// let id = try await store.write { txn in
///     try txn.createNode(labels: ["Creator"], properties: ["id": 42, "name": "Ada"])
/// }
/// let node = try store.read { txn in try txn.node(id) }
/// ```
///
/// `@unchecked Sendable`: the LMDB environment is opened with `MDB_NOTLS` and is safe to share; mutable
/// state is behind `Mutex`es, and write transactions only ever run on the writer thread.
public final class GraphStore: @unchecked Sendable {
    /// How to open a store.
    public struct Options: Sendable {
        /// The map size to start with, in bytes; it grows as needed.
        public var initialMapSize: Int = 64 << 20
        /// The most read transactions that can be open at once (LMDB reader slots).
        public var maxReaders: Int = 126
        /// The most write requests grouped into one transaction.
        public var maxBatch: Int = 256
        /// Open read-only (for tools working beside a running daemon, e.g. backup).
        public var readOnly: Bool = false
        /// Take an exclusive lock on the directory so that a second process refuses to open it.
        public var exclusive: Bool = true
        /// Sync to disk at every commit (durability). Off only for throw-away data.
        public var durable: Bool = true

        /// Default options.
        public init(initialMapSize: Int = 64 << 20, maxReaders: Int = 126, readOnly: Bool = false, exclusive: Bool = true, durable: Bool = true) {
            self.initialMapSize = initialMapSize
            self.maxReaders = maxReaders
            self.readOnly = readOnly
            self.exclusive = exclusive
            self.durable = durable
        }
    }

    /// The directory holding `data.mdb`.
    public let directory: String
    /// The options it was opened with.
    public let options: Options

    let env: OpaquePointer
    let tables: Tables
    let gate = ActivityGate()
    let published: Mutex<Published>
    private let readPool = Mutex<[TxnHandle]>([])
    private var lockFD: Int32 = -1
    private var writer: Writer?
    private let closed = Atomic<Bool>(false)

    /// Token names and declared indexes as of the last commit.
    struct Published: Sendable {
        var tokens: TokenSnapshot
        var schema: Schema
    }

    /// A pooled LMDB read transaction handle (reset when in the pool) with the cursors opened on it, which
    /// are renewed rather than reopened. `@unchecked Sendable`: a reset `MDB_NOTLS` read transaction and its
    /// cursors may be renewed on any thread, and a handle is used by one read at a time.
    final class TxnHandle: @unchecked Sendable {
        let pointer: OpaquePointer
        let cursors = CursorPool()

        init(pointer: OpaquePointer) { self.pointer = pointer }

        /// Closes the cursors, then the transaction.
        func abort() {
            cursors.drop()
            mdb_txn_abort(pointer)
        }
    }

    /// Opens (creating if needed) the store in `directory`.
    public init(directory: String, options: Options = Options()) throws(GraphError) {
        self.directory = directory
        self.options = options
        if !options.readOnly { try makeDirectories(directory) }
        let fd = options.exclusive ? try lockDirectory(directory) : -1
        lockFD = fd

        var e: OpaquePointer?
        try lmdbCheck(mdb_env_create(&e), "create environment")
        env = e!
        do throws(GraphError) {
            let env = e!
            try lmdbCheck(mdb_env_set_maxdbs(env, 16), "set max databases")
            try lmdbCheck(mdb_env_set_maxreaders(env, UInt32(max(options.maxReaders, 8))), "set max readers")
            try lmdbCheck(mdb_env_set_mapsize(env, max(options.initialMapSize, 256 << 10)), "set map size")
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            if !options.durable { flags |= UInt32(MDB_NOSYNC) }
            let rc = mdb_env_open(env, directory, flags, 0o644)
            if rc == ENOENT { throw GraphError(.notFound, "no graph store at \(directory)") }
            try lmdbCheck(rc, "open \(directory)")
            var dead: Int32 = 0
            mdb_reader_check(env, &dead)
            tables = try GraphStore.openTables(env, readOnly: options.readOnly)
            published = Mutex(Published(tokens: TokenSnapshot.empty, schema: Schema()))
        } catch {
            mdb_env_close(e)
            if fd >= 0 { Glibc.close(fd) }
            throw error
        }
        let loaded = try readTyped { txn throws(GraphError) -> Published in
            Published(tokens: try TokenSnapshot.load(txn), schema: try Schema.load(txn))
        }
        published.withLock { $0 = loaded }
        if !options.readOnly {
            writer = Writer(store: self)
        }
    }

    deinit { close() }

    /// Stops the writer (after finishing queued requests) and closes the environment. Idempotent.
    public func close() {
        if closed.exchange(true, ordering: .sequentiallyConsistent) { return }
        writer?.stop()
        writer = nil
        gate.exclusive {
            let handles = readPool.withLock { pool -> [TxnHandle] in
                defer { pool.removeAll() }
                return pool
            }
            for h in handles { h.abort() }
            mdb_env_close(env)
        }
        if lockFD >= 0 {
            Glibc.close(lockFD)
            lockFD = -1
        }
    }

    // MARK: reads

    /// Runs `body` in a read transaction: a consistent snapshot, isolated from concurrent writes.
    /// Keep it short: a long read holds back page reuse.
    /// Errors thrown by `body` are passed through; the store's own are `GraphError`s.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw GraphError(.closed, "the graph store is closed") }
        gate.enter()
        defer { gate.leave() }
        guard !closed.load(ordering: .sequentiallyConsistent) else { throw GraphError(.closed, "the graph store is closed") }
        // Published state first: it is then never newer than the snapshot the transaction reads.
        let state = published.withLock { $0 }
        let handle = try beginRead()
        let txn = ReadTransaction(store: self, txn: handle.pointer, tokens: state.tokens, schema: state.schema, cursors: handle.cursors)
        defer {
            txn.finish()
            endRead(handle)
        }
        return try body(txn)
    }

    /// `read` with typed throws, for the engine's own use.
    func readTyped<T>(_ body: (ReadTransaction) throws(GraphError) -> T) throws(GraphError) -> T {
        guard !closed.load(ordering: .relaxed) else { throw GraphError(.closed, "the graph store is closed") }
        gate.enter()
        defer { gate.leave() }
        guard !closed.load(ordering: .sequentiallyConsistent) else { throw GraphError(.closed, "the graph store is closed") }
        // Published state first: it is then never newer than the snapshot the transaction reads.
        let state = published.withLock { $0 }
        let handle = try beginRead()
        let txn = ReadTransaction(store: self, txn: handle.pointer, tokens: state.tokens, schema: state.schema, cursors: handle.cursors)
        defer {
            txn.finish()
            endRead(handle)
        }
        return try body(txn)
    }

    private func beginRead() throws(GraphError) -> TxnHandle {
        if let h = readPool.withLock({ $0.popLast() }) {
            let rc = mdb_txn_renew(h.pointer)
            if rc == 0 {
                h.cursors.generation &+= 1
                return h
            }
            h.abort()
        }
        var t: OpaquePointer?
        var rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &t)
        if rc == MDB_MAP_RESIZED {
            mdb_env_set_mapsize(env, 0)
            rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &t)
        }
        try lmdbCheck(rc, "begin read transaction")
        return TxnHandle(pointer: t!)
    }

    private func endRead(_ h: TxnHandle) {
        mdb_txn_reset(h.pointer)
        let kept = readPool.withLock { pool -> Bool in
            guard pool.count < 32 else { return false }
            pool.append(h)
            return true
        }
        if !kept { h.abort() }
    }

    // MARK: writes

    /// Queues `body` for the writer thread and returns its result once its batch is durable.
    ///
    /// `body` runs inside a transaction shared with other queued requests (group commit). If it throws,
    /// its changes are undone and only this call fails. It may run more than once (the batch is replayed
    /// after the map grows), so it must not have side effects outside the transaction.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws -> T) async throws -> T {
        guard let writer else { throw GraphError(.closed, options.readOnly ? "the graph store is read-only" : "the graph store is closed") }
        let box = Box<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.submit(WriteRequest(body: { txn in box.value = try body(txn) }, done: { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            }))
        }
        return box.value!
    }

    /// The blocking form of `write`, for command-line tools and tests. Never call it from the writer itself.
    @discardableResult
    public func writeSync<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws -> T) throws -> T {
        try writeSync(reserving: 0, body)
    }

    /// `writeSync` that first makes sure `reserving` bytes of map are free (for bulk loads).
    func writeSync<T: Sendable>(reserving: Int, _ body: @escaping @Sendable (WriteTransaction) throws -> T) throws -> T {
        guard let writer else { throw GraphError(.closed, options.readOnly ? "the graph store is read-only" : "the graph store is closed") }
        let box = Box<T>()
        let failure = Box<any Error>()
        let done = Monitor()
        let finished = Box<Bool>()
        writer.submit(WriteRequest(reserve: reserving, body: { txn in box.value = try body(txn) }, done: { error in
            done.withLock {
                failure.value = error
                finished.value = true
                done.broadcast()
            }
        }))
        done.withLock { while finished.value != true { done.wait() } }
        if let error = failure.value { throw error }
        return box.value!
    }

    // MARK: maintenance

    /// Writes a consistent, compacted copy of the store into `directory` (created if needed, must not hold a
    /// store). Safe while writes go on: the copy is one read snapshot.
    public func backup(to directory: String) throws(GraphError) {
        try makeDirectories(directory)
        if fileExists(directory + "/data.mdb") {
            throw GraphError(.invalidValue(field: "directory"), "\(directory) already holds a graph store")
        }
        gate.enter()
        defer { gate.leave() }
        try lmdbCheck(mdb_env_copy2(env, directory, UInt32(MDB_CP_COMPACT)), "backup to \(directory)")
    }

    /// The current map size and the bytes in use, for metrics.
    public var mapUsage: (mapSize: Int, used: Int) {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var stat = MDB_stat()
        mdb_env_stat(env, &stat)
        return (info.me_mapsize, (info.me_last_pgno + 1) * Int(stat.ms_psize))
    }

    /// Grows the map (called by the writer between transactions, with readers held back).
    func growMap(minimumFree: Int) throws(GraphError) {
        let (size, used) = mapUsage
        var newSize = size
        while newSize - used < minimumFree || newSize == size {
            newSize += min(max(newSize, 1 << 20), 4 << 30)
        }
        let rc: Int32 = gate.exclusive { mdb_env_set_mapsize(env, newSize) }
        try lmdbCheck(rc, "grow the map to \(newSize) bytes")
    }

    private static func openTables(_ env: OpaquePointer, readOnly: Bool) throws(GraphError) -> Tables {
        var txn: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "begin")
        var t = Tables()
        let create = readOnly ? 0 : MDB_CREATE
        func open(_ name: String, _ flags: Int32) throws(GraphError) -> MDB_dbi {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, name, UInt32(flags | create), &dbi)
            if rc == MDB_NOTFOUND { throw GraphError(.notFound, "the graph store has no '\(name)' table") }
            try lmdbCheck(rc, "open table \(name)")
            return dbi
        }
        do throws(GraphError) {
            t.meta = try open("meta", 0)
            t.tokens = try open("tokens", 0)
            t.tokenNames = try open("token_names", 0)
            t.nodes = try open("nodes", 0)
            t.rels = try open("relationships", 0)
            t.outAdj = try open("out", MDB_DUPSORT | MDB_DUPFIXED)
            t.inAdj = try open("in", MDB_DUPSORT | MDB_DUPFIXED)
            t.labels = try open("labels", 0)
            t.schema = try open("schema", 0)
            t.index = try open("index", 0)
            t.counts = try open("counts", 0)
            try lmdbCheck(mdb_txn_commit(txn), "commit")
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        return t
    }
}

func makeDirectories(_ path: String) throws(GraphError) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw GraphError(.io, "cannot create directory \(current): \(String(cString: strerror(errno)))")
        }
    }
}

func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

private func lockDirectory(_ directory: String) throws(GraphError) -> Int32 {
    let fd = open(directory + "/owner.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw GraphError(.io, "cannot open \(directory)/owner.lock: \(String(cString: strerror(errno)))") }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        close(fd)
        throw GraphError(.io, "the graph store in \(directory) is in use by another process")
    }
    return fd
}
