import CLMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One queued write: the body to run in the batch transaction and the completion to call once durable.
/// `@unchecked Sendable`: created by the caller, then only touched by the writer thread.
final class WriteRequest: @unchecked Sendable {
    let body: (WriteTransaction) throws -> Void
    let done: @Sendable ((any Error)?) -> Void
    /// Free map space to make sure of before the batch (bulk loads ask for it to avoid replays).
    let reserve: Int

    init(reserve: Int = 0, body: @escaping (WriteTransaction) throws -> Void, done: @escaping @Sendable ((any Error)?) -> Void) {
        self.body = body
        self.done = done
        self.reserve = reserve
    }
}

/// The single writer thread: takes every queued request, runs them in one LMDB transaction, commits once,
/// then answers them all (group commit). A failing request is dropped and the batch replayed without it.
///
/// `@unchecked Sendable`: the queue is guarded by `monitor`; everything else runs on the writer thread.
final class Writer: @unchecked Sendable {
    /// The store owns the writer and joins its thread in `close()` before the store's memory goes away,
    /// so an unowned(unsafe) reference is valid whenever the thread runs.
    private unowned(unsafe) let store: GraphStore
    private let monitor = Monitor()
    private var queue: [WriteRequest] = []
    private var stopping = false
    private var thread = pthread_t()
    private var running = false

    init(store: GraphStore) {
        self.store = store
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let writer = Unmanaged<Writer>.fromOpaque(raw!).takeRetainedValue()
            writer.run()
            return nil
        }, context)
        running = rc == 0
        if !running { Unmanaged<Writer>.fromOpaque(context).release() }
    }

    func submit(_ request: WriteRequest) {
        monitor.lock()
        if stopping || !running {
            monitor.unlock()
            request.done(GraphError(.closed, "the graph store is closed"))
            return
        }
        queue.append(request)
        monitor.broadcast()
        monitor.unlock()
    }

    /// Finishes queued requests, then ends the thread.
    func stop() {
        monitor.withLock {
            stopping = true
            monitor.broadcast()
        }
        if running { pthread_join(thread, nil) }
        running = false
    }

    private func run() {
        while true {
            monitor.lock()
            while queue.isEmpty && !stopping { monitor.wait() }
            if queue.isEmpty {
                monitor.unlock()
                return
            }
            let n = min(queue.count, max(store.options.maxBatch, 1))
            let batch = Array(queue.prefix(n))
            queue.removeFirst(n)
            monitor.unlock()
            process(batch)
        }
    }

    private func process(_ batch: [WriteRequest]) {
        var attempts = 0
        while true {
            attempts += 1
            do throws(GraphError) {
                try growIfLow(reserve: batch.map(\.reserve).max() ?? 0)
                let (results, state) = try runBatch(batch)
                store.published.withLock { p in
                    p.tokens = p.tokens.adding(state.newTokens)
                    p.schema = state.schema
                }
                for (request, error) in zip(batch, results) { request.done(error) }
                return
            } catch where error.isMapFull && attempts < 48 {
                do throws(GraphError) {
                    try store.growMap(minimumFree: store.mapUsage.mapSize)
                } catch {
                    for request in batch { request.done(error) }
                    return
                }
            } catch {
                for request in batch { request.done(error) }
                return
            }
        }
    }

    /// Grows the map before a batch when less than a quarter of it (and at least 1 MiB) is free.
    private func growIfLow(reserve: Int) throws(GraphError) {
        let (size, used) = store.mapUsage
        let free = size - used
        if free < max(size / 4, 1 << 20, reserve) {
            try store.growMap(minimumFree: max(size / 2, 1 << 20, reserve))
        }
    }

    private static let mapFull = GraphError(.storage(code: MDB_MAP_FULL), "map full")

    /// Runs the batch in one transaction; returns each request's error (nil: committed). When a request
    /// fails, the transaction is thrown away and the batch replayed without it, so a failure never leaks
    /// half-written changes nor fails its neighbours (cheaper than a nested transaction per request, and
    /// failures are rare). Throws only for map-full (the caller grows and replays) or a failure of the
    /// batch transaction itself.
    private func runBatch(_ batch: [WriteRequest]) throws(GraphError) -> ([(any Error)?], WriteState) {
        var failed: [Int: any Error] = [:]
        let published = store.published.withLock { $0 }
        while true {
            var parent: OpaquePointer?
            try lmdbCheck(mdb_txn_begin(store.env, nil, 0, &parent), "begin write transaction")
            let txn = WriteTransaction(store: store, txn: parent!, tokens: published.tokens, state: WriteState())
            var committed = false
            defer {
                txn.finish()
                if !committed { mdb_txn_abort(parent) }
            }
            txn.state = try WriteState.load(parent!, store.tables, schema: published.schema)
            var replay = false
            for (i, request) in batch.enumerated() where failed[i] == nil {
                do {
                    try request.body(txn)
                } catch {
                    if txn.sawMapFull || (error as? GraphError)?.isMapFull == true { throw Writer.mapFull }
                    failed[i] = error
                    replay = true
                    break
                }
                if txn.sawMapFull { throw Writer.mapFull }
            }
            if replay { continue }
            let results = batch.indices.map { failed[$0] }
            if failed.count == batch.count {
                var untouched = WriteState()
                untouched.schema = published.schema
                return (results, untouched)
            }
            try txn.flushBatch()
            if txn.sawMapFull { throw Writer.mapFull }
            txn.finish()
            committed = true
            let rc = mdb_txn_commit(parent)
            if rc == MDB_MAP_FULL || rc == MDB_TXN_FULL { throw Writer.mapFull }
            try lmdbCheck(rc, "commit")
            return (results, txn.state)
        }
    }
}
