import Foundation
import GRDB

/// A rate kept as an exact fraction (churn, growth); ``basisPoints`` rounds it half-even for display.
public struct Ratio: Sendable, Equatable, CustomStringConvertible {
    /// Numerator.
    public let numerator: Int64
    /// Denominator (0 means undefined, e.g. churn of a month that started with no customers).
    public let denominator: Int64
    /// Creates a ratio.
    public init(_ numerator: Int64, _ denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
    }
    /// The ratio in basis points (1 % = 100), half-even; nil when undefined.
    public var basisPoints: Int64? {
        guard denominator != 0 else { return nil }
        let (n, d) = denominator < 0 ? (-numerator, -denominator) : (numerator, denominator)
        return try? Rounding.mulDivHalfEven(n, 10_000, d)
    }
    /// `"33.33 %"` or `"n/a"`.
    public var description: String {
        guard let bp = basisPoints else { return "n/a" }
        let sign = bp < 0 ? "-" : ""
        let m = abs(bp)
        return "\(sign)\(m / 100).\(m % 100 < 10 ? "0" : "")\(m % 100) %"
    }
}

/// One month of revenue metrics (ChartMogul definitions; see notes/billing.md §3.6).
///
/// MRR is the normalised monthly recurring revenue of licensed subscriptions that count (active, past due):
/// annual price ÷ 12, discounts subtracted, tax excluded, usage and one-offs excluded, trials zero. Movements are
/// computed per customer between the month's start and end: MRR from zero is *new* (first time) or *reactivation*;
/// to zero is *churn*; otherwise the difference is *expansion* or *contraction*. A customer who arrives and leaves
/// within one month is not counted (as ProfitWell does). So `endMRR = startMRR + new + expansion + reactivation −
/// contraction − churn` holds exactly.
public struct MonthlyRevenue: Sendable, Equatable {
    /// `"2026-03"`.
    public let month: String
    /// MRR at the first instant of the month.
    public let startMRR: Money
    /// MRR at the end of the month (or now, for the current month).
    public let endMRR: Money
    /// New business MRR.
    public let new: Money
    /// Expansion MRR.
    public let expansion: Money
    /// Contraction MRR (positive number).
    public let contraction: Money
    /// Churned MRR (positive number).
    public let churn: Money
    /// Reactivation MRR.
    public let reactivation: Money
    /// new + expansion + reactivation − contraction − churn.
    public var netNew: Money { Money(minor: new.minor + expansion.minor + reactivation.minor - contraction.minor - churn.minor, currency: new.currency) }
    /// endMRR × 12.
    public var arr: Money { Money(minor: endMRR.minor * 12, currency: endMRR.currency) }
    /// Paying customers at the start.
    public let customersStart: Int
    /// Paying customers at the end.
    public let customersEnd: Int
    /// Customers new this month.
    public let newCustomers: Int
    /// Customers lost this month.
    public let churnedCustomers: Int
    /// Customers back this month.
    public let reactivatedCustomers: Int
    /// Logo churn: churned customers ÷ customers at start.
    public var logoChurn: Ratio { Ratio(Int64(churnedCustomers), Int64(customersStart)) }
    /// Gross MRR churn: (churn + contraction) ÷ start MRR.
    public var grossRevenueChurn: Ratio { Ratio(churn.minor + contraction.minor, startMRR.minor) }
    /// Net MRR churn: (churn + contraction − expansion − reactivation) ÷ start MRR (negative = net expansion).
    public var netRevenueChurn: Ratio { Ratio(churn.minor + contraction.minor - expansion.minor - reactivation.minor, startMRR.minor) }
    /// MRR growth: (end − start) ÷ start.
    public var growth: Ratio { Ratio(endMRR.minor - startMRR.minor, startMRR.minor) }
    /// ARPA: end MRR ÷ paying customers at the end, half-even.
    public let arpa: Money
    /// LTV: ARPA ÷ logo churn rate over the trailing six months (Σ churned ÷ Σ customers at start); nil without churn.
    public let ltv: Money?
    /// Marketing spend entered for the month.
    public let marketingSpend: Money?
    /// CAC: marketing spend ÷ new customers; nil without spend or new customers.
    public let cac: Money?
    /// Recognised revenue by stream this month (invoiced net of tax, less credit notes; commissions for marketplace
    /// and sponsorship). Usage, one-off, marketplace and sponsorship are the non-recurring streams.
    public let revenueByStream: [RevenueStream: Money]
    /// Sum of ``revenueByStream``.
    public var totalRevenue: Money { Money(minor: revenueByStream.values.reduce(0) { $0 + $1.minor }, currency: endMRR.currency) }
    /// Non-recurring revenue: every stream but subscription.
    public var nonRecurringRevenue: Money {
        Money(minor: revenueByStream.filter { $0.key != .subscription }.values.reduce(0) { $0 + $1.minor }, currency: endMRR.currency)
    }
}

/// Logo retention of the customers who started paying in one month.
public struct Cohort: Sendable, Equatable {
    /// The month they first paid.
    public let month: String
    /// How many.
    public let size: Int
    /// `retained[k]` = how many of them still pay at the end of month `k` after (k = 0 is the cohort month).
    public let retained: [Int]
    /// Creates a cohort row.
    public init(month: String, size: Int, retained: [Int]) {
        self.month = month
        self.size = size
        self.retained = retained
    }
}

/// Where MRR is heading: a least-squares line through recent month-end MRR, extended to the target.
public struct MRRProjection: Sendable, Equatable {
    /// The target (100 000 a month by default).
    public let target: Money
    /// MRR now.
    public let current: Money
    /// Trend per month (least-squares slope over the last months), half-even.
    public let slopePerMonth: Money
    /// Months of history used.
    public let monthsUsed: Int
    /// Whole months until the trend reaches the target (0 if already there); nil if the trend is flat or falling.
    public let monthsToTarget: Int?
    /// The month the target is reached on this trend.
    public let targetMonth: String?
    /// Projected MRR at the end of each of the next 12 months.
    public let next12Months: [Money]
}

/// Revenue analytics over the whole history in one currency, computed in one pass (the app caches it).
public struct RevenueReport: Sendable, Equatable {
    /// Reporting currency.
    public let currency: Currency
    /// Months, oldest first; the last one is the current month up to ``asOf``.
    public let months: [MonthlyRevenue]
    /// Cohorts, oldest first.
    public let cohorts: [Cohort]
    /// Projection to the target.
    public let projection: MRRProjection
    /// The instant the report describes.
    public let asOf: Date
    /// MRR now.
    public var mrr: Money { months.last?.endMRR ?? .zero(currency) }
    /// ARR now.
    public var arr: Money { Money(minor: mrr.minor * 12, currency: currency) }
    /// Paying customers now.
    public var activeCustomers: Int { months.last?.customersEnd ?? 0 }
}

extension BillingStore {
    /// Enters marketing spend for a month (used for CAC); replaces an earlier figure.
    public func setMarketingSpend(month: String, amount: Money) async throws {
        try await setMarketingSpend(month: month, amount: amount, demo: false)
    }

    func setMarketingSpend(month: String, amount: Money, demo: Bool) async throws {
        _ = try BillingCalendar.month(month)
        guard amount.minor >= 0 else { throw BillingError(.negativeAmount, "marketing spend must not be negative", field: "amount") }
        try await writer.write { db in
            try db.exec("INSERT INTO billing_marketing_spend(month, currency, amount_minor, demo) VALUES (?,?,?,?) ON CONFLICT(month, currency) DO UPDATE SET amount_minor = excluded.amount_minor, demo = excluded.demo",
                        [month, amount.currency.code, amount.minor, demo])
        }
    }

    /// Marketing spend entered per month (`"2026-03"` → amount) in one currency.
    public func marketingSpend(currency: Currency) async throws -> [String: Money] {
        try await writer.read { db in
            var out: [String: Money] = [:]
            for r in try db.rows("SELECT month, amount_minor FROM billing_marketing_spend WHERE currency = ?", [currency.code]) {
                out[r["month"]] = Money(minor: r["amount_minor"], currency: currency)
            }
            return out
        }
    }

    /// MRR and paying customers now, from the latest MRR of each subscription (cheap; for `/metrics` gauges).
    public func currentMRR(currency: Currency) async throws -> (mrr: Money, customers: Int) {
        try await writer.read { db in
            let row = try db.row("""
                SELECT COALESCE(SUM(mrr_minor), 0) AS mrr, COUNT(DISTINCT CASE WHEN mrr_minor > 0 THEN customer_id END) AS customers
                FROM billing_mrr_current WHERE currency = ?
                """, [currency.code])!
            return (Money(minor: row["mrr"], currency: currency), Int(row["customers"] as Int64))
        }
    }

    /// Computes every revenue metric from the MRR history, the monthly revenue rollup and marketing spend.
    /// - Parameters:
    ///   - currency: reporting currency (subscriptions in other currencies are left out).
    ///   - asOf: end of the report (default: the clock's now).
    ///   - target: the MRR goal for the projection (100 000.00 by default).
    ///   - trendMonths: how many recent months the projection's trend uses (default 6).
    public func revenueReport(currency: Currency = .usd, asOf: Date? = nil, target: Money? = nil, trendMonths: Int = 6) async throws -> RevenueReport {
        let end = (asOf ?? clock.now()).unixSeconds
        let goal = target ?? Money(minor: 100_000 * currency.minorPerMajor, currency: currency)
        try goal.requireSameCurrency(Money.zero(currency))
        return try await writer.read { db in
            try Self.report(db, currency: currency, end: end, target: goal, trendMonths: max(2, trendMonths))
        }
    }

    static func report(_ db: Database, currency: Currency, end: Int64, target: Money, trendMonths: Int) throws -> RevenueReport {
        let first = try db.int("SELECT MIN(at) FROM billing_mrr_changes WHERE currency = ?", [currency.code])
        let firstRevenue = try db.row("SELECT MIN(month) AS m FROM billing_revenue_monthly WHERE currency = ?", [currency.code])?["m"] as String?
        var startDate = first.map { BillingCalendar.startOfMonth(Date(unixSeconds: $0)) } ?? BillingCalendar.startOfMonth(Date(unixSeconds: end))
        if let fr = firstRevenue, let d = try? BillingCalendar.month(fr), d < startDate { startDate = d }
        // Month boundaries up to the one containing `end`.
        var bounds: [Int64] = [startDate.unixSeconds]
        var k = 1
        while bounds.last! <= end {
            bounds.append(BillingCalendar.adding(months: k, to: startDate).unixSeconds)
            k += 1
        }
        let monthCount = bounds.count - 1

        var revenue: [String: [RevenueStream: Int64]] = [:]
        for r in try db.rows("SELECT month, stream, net_minor FROM billing_revenue_monthly WHERE currency = ?", [currency.code]) {
            if let s = RevenueStream(rawValue: r["stream"]) { revenue[r["month"], default: [:]][s, default: 0] += r["net_minor"] as Int64 }
        }
        var spend: [String: Int64] = [:]
        for r in try db.rows("SELECT month, amount_minor FROM billing_marketing_spend WHERE currency = ?", [currency.code]) { spend[r["month"]] = r["amount_minor"] }

        // One pass over the MRR history in time order.
        var customerIndex: [Int64: Int] = [:]
        var custMRR: [Int64] = []
        var everPaid: [Bool] = []
        var cohortOf: [Int] = []
        var subMRR: [Int64: Int64] = [:]
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT customer_id, subscription_id, at, mrr_minor FROM billing_mrr_changes WHERE currency = ? AND at < ? ORDER BY at, id"),
                                         arguments: [currency.code, end + 1])
        var pending: (c: Int64, s: Int64, at: Int64, mrr: Int64)? = try cursor.next().map { ($0[0], $0[1], $0[2], $0[3]) }
        var months: [MonthlyRevenue] = []
        var cohortSizes: [Int] = []
        var retention: [[Int]] = []
        var startSnapshot: [Int64] = []
        var trailing: [(churned: Int, start: Int)] = []
        for m in 0..<monthCount {
            let monthEnd = min(bounds[m + 1], end + 1)
            startSnapshot = custMRR
            while let p = pending, p.at < monthEnd {
                let idx: Int
                if let i = customerIndex[p.c] { idx = i } else {
                    idx = custMRR.count
                    customerIndex[p.c] = idx
                    custMRR.append(0); everPaid.append(false); cohortOf.append(-1); startSnapshot.append(0)
                }
                let old = subMRR[p.s] ?? 0
                subMRR[p.s] = p.mrr
                custMRR[idx] += p.mrr - old
                pending = try cursor.next().map { ($0[0], $0[1], $0[2], $0[3]) }
            }
            var new: Int64 = 0, expansion: Int64 = 0, contraction: Int64 = 0, churn: Int64 = 0, reactivation: Int64 = 0
            var startMRR: Int64 = 0, endMRR: Int64 = 0
            var cStart = 0, cEnd = 0, cNew = 0, cChurn = 0, cReact = 0
            cohortSizes.append(0)
            retention.append([])
            var retainedNow = [Int](repeating: 0, count: m + 1)
            for i in 0..<custMRR.count {
                let s = startSnapshot[i], e = custMRR[i]
                startMRR += s
                endMRR += e
                if s > 0 { cStart += 1 }
                if e > 0 { cEnd += 1 }
                if s <= 0 && e > 0 {
                    if everPaid[i] { reactivation += e; cReact += 1 } else {
                        new += e; cNew += 1
                        cohortOf[i] = m
                        cohortSizes[m] += 1
                    }
                } else if s > 0 && e <= 0 {
                    churn += s; cChurn += 1
                } else if s > 0 && e > s {
                    expansion += e - s
                } else if s > 0 && e < s {
                    contraction += s - e
                }
                if e > 0 {
                    everPaid[i] = true
                    if cohortOf[i] >= 0 { retainedNow[cohortOf[i]] += 1 }
                }
            }
            for c in 0...m { retention[c].append(retainedNow[c]) }
            trailing.append((cChurn, cStart))
            if trailing.count > 6 { trailing.removeFirst() }
            let key = BillingCalendar.monthKey(Date(unixSeconds: bounds[m]))
            let arpa = cEnd == 0 ? 0 : Rounding.divHalfEven(endMRR, Int64(cEnd))
            let churned = trailing.reduce(0) { $0 + $1.churned }, started = trailing.reduce(0) { $0 + $1.start }
            let ltv: Int64? = churned == 0 ? nil : try Rounding.mulDivHalfEven(arpa, Int64(started), Int64(churned))
            let spent = spend[key]
            let money = { (v: Int64) in Money(minor: v, currency: currency) }
            months.append(MonthlyRevenue(
                month: key, startMRR: money(startMRR), endMRR: money(endMRR), new: money(new), expansion: money(expansion),
                contraction: money(contraction), churn: money(churn), reactivation: money(reactivation),
                customersStart: cStart, customersEnd: cEnd, newCustomers: cNew, churnedCustomers: cChurn, reactivatedCustomers: cReact,
                arpa: money(arpa), ltv: ltv.map(money), marketingSpend: spent.map(money),
                cac: spent.flatMap { cNew == 0 ? nil : money(Rounding.divHalfEven($0, Int64(cNew))) },
                revenueByStream: (revenue[key] ?? [:]).mapValues(money)))
        }
        let cohorts = (0..<monthCount).compactMap { c -> Cohort? in
            cohortSizes[c] == 0 ? nil : Cohort(month: months[c].month, size: cohortSizes[c], retained: retention[c])
        }
        let projection = try project(months: months, target: target, trendMonths: trendMonths, end: end)
        return RevenueReport(currency: currency, months: months, cohorts: cohorts, projection: projection, asOf: Date(unixSeconds: end))
    }

    /// Least-squares slope through the last `trendMonths` month-end MRR values, in exact integer arithmetic:
    /// slope = (n·Σxy − Σx·Σy) ÷ (n·Σx² − (Σx)²).
    static func project(months: [MonthlyRevenue], target: Money, trendMonths: Int, end: Int64) throws -> MRRProjection {
        let currency = target.currency
        let current = months.last?.endMRR.minor ?? 0
        let ys = months.suffix(trendMonths).map { Int128($0.endMRR.minor) }
        let n = Int128(ys.count)
        var slope: Int64 = 0
        if ys.count >= 2 {
            var sx: Int128 = 0, sy: Int128 = 0, sxy: Int128 = 0, sxx: Int128 = 0
            for (x, y) in ys.enumerated() {
                let xi = Int128(x)
                sx += xi; sy += y; sxy += xi * y; sxx += xi * xi
            }
            let num = n * sxy - sx * sy, den = n * sxx - sx * sx
            if den != 0 {
                var q = num / den
                let r = num % den
                if r != 0 && (r.magnitude * 2 > den.magnitude || (r.magnitude * 2 == den.magnitude && q % 2 != 0)) { q += num < 0 ? -1 : 1 }
                slope = Int64(clamping: q)
            }
        }
        var monthsToTarget: Int?
        if current >= target.minor { monthsToTarget = 0 } else if slope > 0 {
            let gap = target.minor - current
            monthsToTarget = Int((gap + slope - 1) / slope)
        }
        let targetMonth = monthsToTarget.map { BillingCalendar.monthKey(BillingCalendar.adding(months: $0, to: BillingCalendar.startOfMonth(Date(unixSeconds: end)))) }
        let next = (1...12).map { Money(minor: max(0, current + slope * Int64($0)), currency: currency) }
        return MRRProjection(target: target, current: Money(minor: current, currency: currency), slopePerMonth: Money(minor: slope, currency: currency),
                             monthsUsed: ys.count, monthsToTarget: monthsToTarget, targetMonth: targetMonth, next12Months: next)
    }
}
