import Foundation
import GRDB

/// One metered event (an API request, a generation …). The event id makes ingestion idempotent: the same id
/// twice counts once, whichever batch it arrives in.
public struct UsageEvent: Sendable, Equatable {
    /// Unique id chosen by the producer (e.g. the request id).
    public var eventID: String
    /// The customer billed.
    public var customerID: Int64
    /// Metric name, e.g. `"api_requests"` (matches a metered plan's `metric`).
    public var metric: String
    /// How many units (≥ 0).
    public var quantity: Int64
    /// When it happened (at most 5 minutes in the future).
    public var occurredAt: Date

    /// Creates an event.
    public init(eventID: String, customerID: Int64, metric: String, quantity: Int64 = 1, occurredAt: Date) {
        self.eventID = eventID
        self.customerID = customerID
        self.metric = metric
        self.quantity = quantity
        self.occurredAt = occurredAt
    }
}

/// What ``BillingStore/ingestUsage(_:)`` did with a batch.
public struct UsageIngestResult: Sendable, Equatable {
    /// New events stored.
    public var accepted: Int
    /// Events whose id was already stored (ignored).
    public var duplicates: Int
}

extension BillingStore {
    /// Stores a batch of usage events in one transaction, ignoring ids already seen. Usage is aggregated per
    /// billing period when invoiced (in arrears). Events that arrive after their period was invoiced are kept
    /// but not billed.
    /// - Throws: `invalid_input` (empty id or metric, negative quantity, timestamp more than 5 minutes ahead) and
    ///   `not_found` (unknown customer), naming the first bad event; nothing of the batch is stored then.
    @discardableResult
    public func ingestUsage(_ events: [UsageEvent]) async throws -> UsageIngestResult {
        if events.isEmpty { return UsageIngestResult(accepted: 0, duplicates: 0) }
        let limit = now + 300
        for (i, e) in events.enumerated() {
            guard !e.eventID.isEmpty, e.eventID.utf8.count <= 200 else {
                throw BillingError(.invalidInput, "event \(i): event id must be 1–200 bytes", field: "event_id")
            }
            guard !e.metric.isEmpty, e.metric.utf8.count <= 64 else { throw BillingError(.invalidInput, "event \(i): metric must be 1–64 bytes", field: "metric") }
            guard e.quantity >= 0 else { throw BillingError(.negativeAmount, "event \(i): quantity must not be negative", field: "quantity") }
            guard e.occurredAt.unixSeconds <= limit else {
                throw BillingError(.invalidInput, "event \(i): timestamp is more than 5 minutes in the future", field: "occurred_at")
            }
        }
        let customers = Array(Set(events.map(\.customerID)))
        return try await writer.write { db in
            for chunk in stride(from: 0, to: customers.count, by: 500) {
                let ids = customers[chunk..<min(chunk + 500, customers.count)]
                let known = try Int64.fetchSet(db, sql: "SELECT id FROM billing_customers WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                                               arguments: StatementArguments(Array(ids)))
                if let missing = ids.first(where: { !known.contains($0) }) {
                    throw BillingError(.notFound, "usage for unknown customer \(missing)", field: "customer_id")
                }
            }
            // 100 rows per statement: per-statement overhead, not SQLite's B-tree work, dominates single-row inserts.
            let wide = 100
            let sql = "INSERT OR IGNORE INTO billing_usage_events(event_id, customer_id, metric, quantity, occurred_at) VALUES "
            let many = try db.cachedStatement(sql: sql + Array(repeating: "(?,?,?,?,?)", count: wide).joined(separator: ","))
            let one = try db.cachedStatement(sql: sql + "(?,?,?,?,?)")
            var accepted = 0
            var i = 0
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(wide * 5)
            while i + wide <= events.count {
                values.removeAll(keepingCapacity: true)
                for e in events[i..<(i + wide)] {
                    values.append(e.eventID); values.append(e.customerID); values.append(e.metric)
                    values.append(e.quantity); values.append(e.occurredAt.unixSeconds)
                }
                try many.execute(arguments: StatementArguments(values))
                accepted += db.changesCount
                i += wide
            }
            for e in events[i...] {
                try one.execute(arguments: [e.eventID, e.customerID, e.metric, e.quantity, e.occurredAt.unixSeconds])
                accepted += db.changesCount
            }
            return UsageIngestResult(accepted: accepted, duplicates: events.count - accepted)
        }
    }

    /// Units of a metric a customer used in [from, to).
    public func usage(customerID: Int64, metric: String, from: Date, to: Date) async throws -> Int64 {
        try await writer.read { db in
            try db.int("SELECT COALESCE(SUM(quantity), 0) FROM billing_usage_events WHERE customer_id = ? AND metric = ? AND occurred_at >= ? AND occurred_at < ?",
                       [customerID, metric, from.unixSeconds, to.unixSeconds]) ?? 0
        }
    }
}
