import Synchronization

/// Where each creator's model spend is kept, per UTC day, in micro-dollars.
///
/// The app provides a SQLite implementation (so spend survives a restart and feeds billing and the dashboard);
/// ``InMemorySpendLedger`` serves tests and tools. Every billed call is recorded, local models at their configured
/// price, so a budget cannot be bypassed by routing to a "free" model that has a price.
public protocol SpendLedger: Sendable {
    /// Micro-dollars spent by `creator` on `day` (`"2026-12-01"`, UTC).
    func spent(creator: String, day: String) throws -> Int64
    /// Adds one call's cost and tokens to the creator's day.
    func record(creator: String, day: String, model: String, micros: Int64, inputTokens: Int, outputTokens: Int) throws
}

/// A ``SpendLedger`` in memory: for tests, benchmarks and a daemon run without a database.
public final class InMemorySpendLedger: SpendLedger {
    /// One recorded call.
    public struct Entry: Sendable, Equatable {
        /// Who spent.
        public var creator: String
        /// The UTC day.
        public var day: String
        /// Which model was called.
        public var model: String
        /// Cost in micro-dollars.
        public var micros: Int64
        /// Prompt tokens.
        public var inputTokens: Int
        /// Completion tokens.
        public var outputTokens: Int

        /// Creates an entry.
        public init(creator: String, day: String, model: String, micros: Int64, inputTokens: Int, outputTokens: Int) {
            self.creator = creator
            self.day = day
            self.model = model
            self.micros = micros
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }
    }

    private struct State {
        var entries: [Entry] = []
        var totals: [String: Int64] = [:]
    }

    private let state = Mutex(State())

    /// An empty ledger.
    public init() {}

    /// Sum of the creator's recorded micros on `day`.
    public func spent(creator: String, day: String) throws -> Int64 {
        state.withLock { $0.totals[creator + "|" + day] ?? 0 }
    }

    /// Appends one entry.
    public func record(creator: String, day: String, model: String, micros: Int64, inputTokens: Int, outputTokens: Int) throws {
        state.withLock { s in
            s.entries.append(Entry(creator: creator, day: day, model: model, micros: micros, inputTokens: inputTokens, outputTokens: outputTokens))
            s.totals[creator + "|" + day, default: 0] = (s.totals[creator + "|" + day] ?? 0).addingSaturating(micros)
        }
    }

    /// Every entry so far, in order.
    public var recorded: [Entry] { state.withLock { $0.entries } }
}

extension Int64 {
    /// Addition that stops at `Int64.max` instead of trapping (budgets compare against it; overflow would wrap).
    func addingSaturating(_ other: Int64) -> Int64 {
        let (r, o) = addingReportingOverflow(other)
        return o ? (other > 0 ? .max : .min) : r
    }
}
