import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Workloads for `make bench` (issue 8's performance lines) and the crash test: bulk set-up through SQL, then
/// the real code paths measured. Wall-clock seconds are `Double` here: they are durations, never amounts.
public enum BillingBenchmark {
    /// One measured figure.
    public struct Measurement: Sendable, CustomStringConvertible {
        /// What was measured.
        public let name: String
        /// Items processed.
        public let count: Int
        /// Wall-clock seconds.
        public let seconds: Double
        /// CPU seconds used by this process meanwhile (on a shared machine, the fairer figure).
        public var cpuSeconds: Double = 0
        /// Items per second.
        public var rate: Double { seconds > 0 ? Double(count) / seconds : 0 }
        /// One line for the bench log.
        public var description: String {
            "\(name): \(count) in \(String(format: "%.3f", seconds)) s wall, \(String(format: "%.3f", cpuSeconds)) s CPU (\(String(format: "%.0f", rate))/s wall, \(String(format: "%.0f", cpuSeconds > 0 ? Double(count) / cpuSeconds : 0))/s CPU)"
        }
    }

    /// Inserts `count` customers each with one subscription whose first period has just ended (so the next
    /// billing run invoices all of them). Every fifth subscription is the metered API plan. Returns the ids of
    /// the customers on the metered plan.
    @discardableResult
    public static func prepareDueSubscriptions(store: BillingStore, count: Int) async throws -> [Int64] {
        let now = store.clock.now().unixSeconds
        let anchor = BillingCalendar.adding(months: -1, to: Date(unixSeconds: now - 3600)).unixSeconds
        let periodEnd = BillingCalendar.adding(months: 1, to: Date(unixSeconds: anchor)).unixSeconds
        let plans = ["starter_monthly", "pro_monthly", "business_monthly", "white_label", "api_metered"]
        var prices: [String: PriceVersion] = [:]
        for p in plans { prices[p] = try await store.currentPrice(planCode: p, currency: .usd) }
        let priceByPlan = prices
        let countries: [(String, String?)] = [("US", nil), ("FR", nil), ("DE", "DE123456789"), ("NL", "NL123456789B01"), ("GB", nil)]
        var metered: [Int64] = []
        var done = 0
        while done < count {
            let chunk = min(20_000, count - done)
            let base = done
            metered += try await store.writer.write { db -> [Int64] in
                let customer = try db.cachedStatement(sql: "INSERT INTO billing_customers(name, email, country, vat_id, currency, created_at) VALUES (?,?,?,?, 'USD', ?)")
                let sub = try db.cachedStatement(sql: """
                    INSERT INTO billing_subscriptions(customer_id, plan_code, price_id, period_price_id, status, anchor, period_index, period_start, period_end, next_bill_at, created_at)
                    VALUES (?,?,?,?, 'active', ?, 0, ?, ?, ?, ?)
                    """)
                let mrr = try db.cachedStatement(sql: "INSERT INTO billing_mrr_changes(customer_id, subscription_id, at, mrr_minor, currency) VALUES (?,?,?,?, 'USD')")
                let current = try db.cachedStatement(sql: "INSERT INTO billing_mrr_current(subscription_id, customer_id, mrr_minor, currency) VALUES (?,?,?, 'USD')")
                var out: [Int64] = []
                for i in base..<(base + chunk) {
                    let (country, vat) = countries[i % countries.count]
                    try customer.execute(arguments: ["Bench \(i)", "bench\(i)@example.com", country, vat, anchor])
                    let cid = db.lastInsertedRowID
                    let plan = plans[i % plans.count]
                    let price = priceByPlan[plan]!
                    try sub.execute(arguments: [cid, plan, price.id, price.id, anchor, anchor, periodEnd, periodEnd, anchor])
                    if plan == "api_metered" { out.append(cid) } else {
                        let sid = db.lastInsertedRowID
                        try mrr.execute(arguments: [cid, sid, anchor, price.amount.minor])
                        try current.execute(arguments: [sid, cid, price.amount.minor])
                    }
                }
                return out
            }
            done += chunk
        }
        return metered
    }

    /// Ingests `perCustomer` usage events for each customer in batches of `batch`, timestamped inside the
    /// period that has just ended, and measures the rate.
    public static func ingest(store: BillingStore, customers: [Int64], perCustomer: Int, batch: Int = 5000, prefix: String = "evt") async throws -> Measurement {
        let at = BillingCalendar.adding(months: -1, to: store.clock.now()).addingTimeInterval(86_400)
        var events: [UsageEvent] = []
        events.reserveCapacity(batch)
        var total = 0
        let cpu = cpuNow()
        let start = DispatchTime.now()
        for k in 0..<perCustomer {
            for c in customers {
                events.append(UsageEvent(eventID: "\(prefix)-\(c)-\(k)", customerID: c, metric: "api_requests", quantity: 1, occurredAt: at))
                if events.count == batch {
                    total += try await store.ingestUsage(events).accepted
                    events.removeAll(keepingCapacity: true)
                }
            }
        }
        if !events.isEmpty { total += try await store.ingestUsage(events).accepted }
        return Measurement(name: "usage ingestion", count: total, seconds: seconds(since: start), cpuSeconds: cpuNow() - cpu)
    }

    /// Runs the billing run and measures it.
    public static func billingRun(store: BillingStore) async throws -> (Measurement, BillingRunReport) {
        let cpu = cpuNow()
        let start = DispatchTime.now()
        let report = try await store.runBilling()
        return (Measurement(name: "billing run", count: report.invoicesCreated, seconds: seconds(since: start), cpuSeconds: cpuNow() - cpu), report)
    }

    /// Writes a synthetic MRR history ending at the store's now: `customers` customers joining over `months`
    /// months, with monthly upgrades (2 %), downgrades (1 %), churn (3 %) and reactivations (10 % of the churned),
    /// plus monthly revenue rollups, for the analytics benchmark. Returns the number of MRR changes written.
    @discardableResult
    public static func synthesizeHistory(store: BillingStore, customers: Int, months: Int, seed: UInt64 = 1) async throws -> Int {
        let end = BillingCalendar.startOfMonth(store.clock.now())
        let start = BillingCalendar.adding(months: -months, to: end)
        let bounds = (0...months).map { BillingCalendar.adding(months: $0, to: start).unixSeconds }
        let ladder: [Int64] = [2417, 2900, 9900, 29_900, 99_900]
        var written = 0
        var next = 0
        while next < customers {
            let chunk = min(10_000, customers - next)
            let base = next
            let chunkSeed = seed &+ UInt64(base) &* 0x9E37_79B9
            written += try await store.writer.write { db -> Int in
                var local = DemoRandom(seed: chunkSeed)
                let customer = try db.cachedStatement(sql: "INSERT INTO billing_customers(name, email, country, currency, created_at) VALUES (?,?, 'US', 'USD', ?)")
                let mrr = try db.cachedStatement(sql: "INSERT INTO billing_mrr_changes(customer_id, subscription_id, at, mrr_minor, currency) VALUES (?,?,?,?, 'USD')")
                var n = 0
                for i in base..<(base + chunk) {
                    let joinMonth = local.below(months)
                    let joined = bounds[joinMonth] + Int64(local.below(27 * 86_400))
                    try customer.execute(arguments: ["Synthetic \(i)", "s\(i)@example.com", joined])
                    let cid = db.lastInsertedRowID
                    var level = local.below(ladder.count)
                    var active = true
                    try mrr.execute(arguments: [cid, cid, joined, ladder[level]]); n += 1
                    for m in (joinMonth + 1)..<months {
                        let at = bounds[m] + Int64(local.below(27 * 86_400))
                        let roll = local.below(1000)
                        if active {
                            if roll < 30 { active = false; try mrr.execute(arguments: [cid, cid, at, 0]); n += 1 }
                            else if roll < 50 && level + 1 < ladder.count { level += 1; try mrr.execute(arguments: [cid, cid, at, ladder[level]]); n += 1 }
                            else if roll < 60 && level > 0 { level -= 1; try mrr.execute(arguments: [cid, cid, at, ladder[level]]); n += 1 }
                        } else if roll < 100 {
                            active = true; try mrr.execute(arguments: [cid, cid, at, ladder[level]]); n += 1
                        }
                    }
                }
                return n
            }
            next += chunk
        }
        try await store.writer.write { db in
            try BillingSchema.rebuildCurrentMRR(db)
            for m in 0..<months {
                let key = BillingCalendar.monthKey(Date(unixSeconds: bounds[m]))
                for (stream, amount) in [("subscription", 500_000_00), ("usage", 12_000_00), ("marketplace", 3_000_00), ("sponsorship", 8_000_00)] {
                    try BillingStore.addRevenue(db, month: key, currency: .usd, stream: stream, amount: Int64(amount + m * 1000))
                }
            }
        }
        return written
    }

    /// Computes the revenue report and measures it.
    public static func analytics(store: BillingStore) async throws -> (Measurement, RevenueReport) {
        let cpu = cpuNow()
        let start = DispatchTime.now()
        let report = try await store.revenueReport(currency: .usd)
        return (Measurement(name: "revenue report (\(report.months.count) months)", count: report.months.count, seconds: seconds(since: start), cpuSeconds: cpuNow() - cpu), report)
    }

    /// Runs ``BillingStore/check()`` and measures it.
    public static func check(store: BillingStore) async throws -> (Measurement, LedgerCheck) {
        let cpu = cpuNow()
        let start = DispatchTime.now()
        let check = try await store.check()
        return (Measurement(name: "ledger check", count: check.transactions, seconds: seconds(since: start), cpuSeconds: cpuNow() - cpu), check)
    }

    /// Finalised invoice numbers' sequence values, ascending (for gap checks).
    public static func invoiceSequences(store: BillingStore) async throws -> [Int64] {
        try await store.writer.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM billing_invoices WHERE seq IS NOT NULL ORDER BY seq") }
    }

    /// How many invoices a database file holds, read through a separate read-only connection (progress of a
    /// billing run in another process).
    public static func invoiceCount(path: String) throws -> Int {
        var c = Configuration()
        c.readonly = true
        let q = try DatabaseQueue(path: path, configuration: c)
        return try q.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM billing_invoices") ?? 0 }
    }

    /// CPU time of this process so far.
    public static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
