import Billing
import Foundation

/// What one scheduled billing pass did.
public struct ScheduledBillingResult: Sendable {
    /// The billing run's report (invoices created, trials ended…).
    public let run: BillingRunReport
    /// Dunning steps taken (retries, past_due → unpaid/canceled).
    public let dunningEvents: [BillingEvent]
    /// Whether anything changed (publish `revenue.updated` and invalidate `revenue`/`dashboard` then).
    public var changedAnything: Bool {
        run.invoicesCreated > 0 || run.trialsEnded > 0 || run.subscriptionsEnded > 0 || run.downgradesApplied > 0 || !dunningEvents.isEmpty
    }
}

/// The figures behind the `revenue_total` and `active_users` gauges and the `revenue.updated` event.
public struct RevenueFigures: Sendable, Equatable {
    /// Current MRR in the reporting currency.
    public let mrr: Money
    /// All revenue recognised so far (every stream, net of tax) in the reporting currency.
    public let totalRevenue: Money
    /// Customers with MRR > 0.
    public let activeCustomers: Int
}

extension BillingService {
    /// One pass of the daemon's schedule: bills every period that ended (idempotent, crash-safe), then processes
    /// dunning retries. Run it every `BillingSettings.runIntervalSeconds` (default hourly) and once at start-up.
    public func runScheduledBilling() async throws -> ScheduledBillingResult {
        let run = try await store.runBilling()
        let events = try await store.processDunning()
        return ScheduledBillingResult(run: run, dunningEvents: events)
    }

    /// MRR, revenue to date and active customers, for the gauges (`revenue_total` = `totalRevenue` in major
    /// units or minor units as the metrics module prefers; `active_users` = `activeCustomers`).
    public func revenueFigures() async throws -> RevenueFigures {
        let report = try await store.revenueReport(currency: currency, target: target)
        let total = report.months.reduce(Int64(0)) { $0 + $1.totalRevenue.minor }
        return RevenueFigures(mrr: report.mrr, totalRevenue: Money(minor: total, currency: currency), activeCustomers: report.activeCustomers)
    }
}
