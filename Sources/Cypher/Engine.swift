import Foundation
import Synchronization

/// The result of a statement: named columns and rows of values, plus write counters and, for EXPLAIN/PROFILE,
/// the plan.
public struct QueryResult: Sendable {
    /// Column names in RETURN order (empty for a statement without RETURN).
    public var columns: [String]
    /// Rows; each has one value per column. Nodes and relationships carry a snapshot of labels/properties.
    public var rows: [[Value]]
    /// What the statement changed.
    public var stats: QueryStats
    /// The plan, one operator per line, for EXPLAIN and PROFILE (PROFILE adds rows and time).
    public var plan: [String]?
}

/// A parsed and checked statement, cached by query text.
public struct PreparedStatement: Sendable {
    let statement: Statement
    /// True when the statement contains CREATE, MERGE, SET, REMOVE or DELETE.
    public let isWrite: Bool
    /// True for EXPLAIN.
    public var isExplain: Bool { statement.explain }
    /// True for PROFILE.
    public var isProfile: Bool { statement.profile }
}

/// The entry point: parses, checks, plans and runs Cypher statements against a `CypherGraph`.
///
/// ```swift
/// let engine = CypherEngine()
/// let graph = InMemoryGraph()
/// _ = try engine.execute("CREATE (:Creator {id: $id})", parameters: ["id": .int(1)], on: graph)
/// let r = try engine.execute("MATCH (c:Creator) RETURN c.id AS id", on: graph)
/// // r.columns == ["id"], r.rows == [[.int(1)]]
/// ```
///
/// Thread-safe: the plan cache is behind a mutex; each `execute` uses its own executor state. The graph
/// passed in must not be used concurrently unless its implementation allows it.
public final class CypherEngine: Sendable {
    /// Per-query limits.
    public struct Limits: Sendable {
        /// Wall-clock budget per statement; nil for none.
        public var timeout: Duration?
        /// Maximum intermediate or result rows.
        public var maxRows: Int
        /// Creates limits.
        public init(timeout: Duration? = .seconds(30), maxRows: Int = 1_000_000) {
            self.timeout = timeout; self.maxRows = maxRows
        }
    }

    private let cache = Mutex<[String: PreparedStatement]>([:])
    private let registered = Mutex<[String: Procedure]>([:])

    /// Makes a procedure callable with `CALL name(…)` from every statement of this engine.
    public func register(_ procedure: Procedure) {
        registered.withLock { $0[procedure.name] = procedure }
    }
    private let cacheCapacity = 512
    /// Default limits for `execute`.
    public let limits: Limits

    /// Creates an engine.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Parses and checks `query` (using the cache); throws a compile-time `CypherError` with line/column.
    public func prepare(_ query: String) throws(CypherError) -> PreparedStatement {
        if let hit = cache.withLock({ $0[query] }) { return hit }
        let st = try Parser.parse(query)
        try SemanticCheck(st).run()
        let prepared = PreparedStatement(statement: st, isWrite: st.parts.contains { $0.contains(where: \.isUpdating) })
        cache.withLock { c in
            if c.count >= cacheCapacity { c.removeAll(keepingCapacity: true) }
            c[query] = prepared
        }
        return prepared
    }

    /// Runs `query` with `parameters` on `graph` in one unit of work: all of its writes or none.
    ///
    /// - Parameters:
    ///   - readOnly: when true a statement with writes is refused with `ForbiddenWrite` before it runs.
    ///   - limits: overrides the engine's default limits.
    public func execute(_ query: String, parameters: [String: Value] = [:], on graph: any CypherGraph,
                        readOnly: Bool = false, limits: Limits? = nil, procedures: [String: Procedure] = [:]) throws(CypherError) -> QueryResult {
        let prepared = try prepare(query)
        return try execute(prepared, parameters: parameters, on: graph, readOnly: readOnly, limits: limits, procedures: procedures)
    }

    /// Runs a prepared statement.
    public func execute(_ prepared: PreparedStatement, parameters: [String: Value] = [:], on graph: any CypherGraph,
                        readOnly: Bool = false, limits: Limits? = nil, procedures: [String: Procedure] = [:]) throws(CypherError) -> QueryResult {
        // One clock reading per statement, so date() and friends agree within it.
        do {
            return try TemporalOps.$statementTime.withValue(Date().timeIntervalSince1970) {
                try run(prepared, parameters: parameters, on: graph, readOnly: readOnly, limits: limits, procedures: procedures)
            }
        } catch let e as CypherError {
            throw e
        } catch {
            throw CypherError("TransientError", "Internal", "\(error)")
        }
    }

    private func run(_ prepared: PreparedStatement, parameters: [String: Value], on graph: any CypherGraph,
                     readOnly: Bool, limits: Limits?, procedures: [String: Procedure]) throws(CypherError) -> QueryResult {
        let limits = limits ?? self.limits
        let st = prepared.statement
        if readOnly && prepared.isWrite {
            throw CypherError("SecurityError", "ForbiddenWrite", "this statement writes to the graph but the caller may only read", compileTime: true)
        }
        if st.explain {
            return QueryResult(columns: ["plan"], rows: Planner.describe(st, graph: graph).map { [.string($0)] }, stats: QueryStats(),
                               plan: Planner.describe(st, graph: graph))
        }
        let deadline = limits.timeout.map { ContinuousClock.now + $0 }
        let ev = Evaluator(graph: graph, parameters: parameters, deadline: deadline)
        let exec = Executor(ev: ev, maxRows: limits.maxRows)
        exec.profiling = st.profile
        exec.procedures = registered.withLock { $0 }.merging(procedures) { _, new in new }
        do {
            try graph.begin(write: prepared.isWrite)
        } catch {
            throw CypherError("TransientError", "StorageError", "could not start a transaction: \(error)")
        }
        do {
            let start = ContinuousClock.now
            let (columns, rows) = try exec.run(st)
            let out = try rows.map { row in try columns.map { try materialize(row[$0] ?? .null, graph) } }
            try graph.commit()
            var plan: [String]? = nil
            if st.profile {
                plan = Planner.describe(st, graph: graph)
                    + exec.profile.map { "profile \($0.clause): rows \($0.rows), time \($0.time)" }
                    + ["rows: \(rows.count), time: \(ContinuousClock.now - start)"]
            }
            return QueryResult(columns: columns, rows: out, stats: exec.stats, plan: plan)
        } catch let e as CypherError {
            graph.rollback()
            throw e
        } catch {
            graph.rollback()
            throw CypherError("TransientError", "StorageError", "\(error)")
        }
    }

    /// Fills node/relationship snapshots (labels, properties) so results are self-contained.
    private func materialize(_ v: Value, _ g: any CypherGraph) throws -> Value {
        switch v {
        case .node(var n):
            n.labels = try g.labels(of: n.id)
            n.properties = try g.nodeProperties(n.id)
            return .node(n)
        case .relationship(var r):
            r.properties = try g.relationshipProperties(r.id)
            return .relationship(r)
        case .path(var p):
            p.nodes = try p.nodes.map { n in
                guard case .node(let m) = try materialize(.node(n), g) else { return n }
                return m
            }
            p.relationships = try p.relationships.map { r in
                guard case .relationship(let m) = try materialize(.relationship(r), g) else { return r }
                return m
            }
            return .path(p)
        case .list(let l): return .list(try l.map { try materialize($0, g) })
        case .map(let m): return .map(try m.mapValues { try materialize($0, g) })
        default: return v
        }
    }
}
