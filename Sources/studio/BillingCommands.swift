import ArgumentParser
import Billing
import BillingAPI
import Dispatch
import Foundation
import HTTP

/// Where the billing database is and which config applies, for commands that run beside the daemon (WAL).
struct BillingLocation: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $STUDIO_DATA_DIR or ./var); billing is in DIR/billing.sqlite3.")
    var dataDirectory: String?

    @Option(name: .long, help: "JSON config file whose billing.* keys (seller, dunning…) apply (default /etc/studio/studio.json when present).")
    var config: String?

    var resolved: String {
        if let dataDirectory { return dataDirectory }
        if let env = ProcessInfo.processInfo.environment["STUDIO_DATA_DIR"], !env.isEmpty { return env }
        return "./var"
    }

    /// The settings from `STUDIO_BILLING_*` over the config file's `billing` object.
    func settings() throws -> BillingSettings {
        let path = config ?? (FileManager.default.isReadableFile(atPath: "/etc/studio/studio.json") ? "/etc/studio/studio.json" : nil)
        let file = path.flatMap { FileManager.default.contents(atPath: $0) }.flatMap { try? JSONValue.parse(Array($0)) }
        let environment = ProcessInfo.processInfo.environment
        do {
            return try BillingSettings.make(dataDirectory: resolved) { key in
                if let raw = environment["STUDIO_" + key.uppercased().replacingOccurrences(of: ".", with: "_")] { return .string(raw) }
                var node = file
                for part in key.split(separator: ".") { node = node?[String(part)] }
                return node
            }
        } catch {
            billingCommandError("studio: bad billing configuration: \(error)")
            throw ExitCode(78)
        }
    }

    /// Opens the store, creating the data directory when asked.
    func open(create: Bool) throws -> BillingStore {
        let settings = try settings()
        if !FileManager.default.fileExists(atPath: resolved) {
            guard create else {
                billingCommandError("studio: no data directory at \(resolved)")
                throw ExitCode(66)
            }
            do { try FileManager.default.createDirectory(atPath: resolved, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
                billingCommandError("studio: cannot create data directory \(resolved): \(error.localizedDescription)")
                throw ExitCode(73)
            }
        }
        return try blockingBilling { try await settings.openStore() }
    }
}

/// Runs async billing work from a synchronous command (the main thread is not part of the concurrency pool).
func blockingBilling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BillingResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    do {
        return try box.result!.get()
    } catch let error as BillingError {
        billingCommandError("studio: \(error)")
        throw ExitCode(1)
    }
}

/// One task's result: written by the task before it signals, read by the waiter after the wait (the semaphore orders them).
final class BillingResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

func billingCommandError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `studio billing …`: the billing run and the ledger check, from the shell.
struct BillingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing",
        abstract: "Run billing (invoices for ended periods, dunning) and check the ledger (works while the daemon runs).",
        subcommands: [BillingRunCommand.self, BillingCheckCommand.self]
    )
}

/// `studio billing run --data-dir DIR`: idempotent and crash-safe; a second run finds nothing due.
struct BillingRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Invoice every period that ended, then process dunning retries.")
    @OptionGroup var location: BillingLocation

    func run() throws {
        let store = try location.open(create: true)
        let (report, events) = try blockingBilling { () async throws -> (BillingRunReport, [BillingEvent]) in
            (try await store.runBilling(), try await store.processDunning())
        }
        let totals = report.invoicedTotals.sorted { $0.key < $1.key }.map { "\($0.key) \(Money(minor: $0.value, currency: (try? Currency(code: $0.key)) ?? .usd).decimalString)" }
        print("billing run: \(report.invoicesCreated) invoices, \(report.trialsEnded) trials ended, \(report.subscriptionsEnded) subscriptions ended, \(report.downgradesApplied) downgrades applied, \(events.count) dunning events" + (totals.isEmpty ? "" : "; invoiced " + totals.joined(separator: ", ")))
    }
}

/// `studio billing check --data-dir DIR`: debits equal credits overall and per transaction, and the ledger agrees with invoices and payments.
struct BillingCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Prove the double-entry ledger balances and agrees with invoices and payments (exit 1 if not).")
    @OptionGroup var location: BillingLocation

    func run() throws {
        let store = try location.open(create: false)
        let check = try blockingBilling { try await store.check() }
        if check.ok {
            print("billing check: ok (\(check.transactions) ledger transactions, \(check.invoices) invoices)")
        } else {
            for problem in check.problems { print("problem: \(problem)") }
            billingCommandError("billing check: \(check.problems.count) problems")
            throw ExitCode(1)
        }
    }
}

/// `studio demo …`: a clearly labelled demo business so every admin page shows real figures.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seed or remove clearly labelled demo data ([Demo] customers, DEMO invoice series).",
        subcommands: [DemoSeedCommand.self, DemoRemoveCommand.self]
    )
}

/// `studio demo seed --data-dir DIR`: twelve months of demo billing history ending today.
struct DemoSeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed", abstract: "Fill the install with twelve months of labelled demo billing data.")
    @OptionGroup var location: BillingLocation
    @Option(help: "Months of history (1–60).") var months: Int = 12

    func run() throws {
        let store = try location.open(create: true)
        let months = self.months
        let summary = try blockingBilling { try await store.seedDemo(months: months) }
        print("demo seeded: \(summary.customers) customers, \(summary.subscriptions) subscriptions, \(summary.invoices) invoices, \(summary.payments) payments, \(summary.usageEvents) usage events, \(summary.commissionSales) commission sales (remove with: studio demo remove)")
    }
}

/// `studio demo remove --data-dir DIR`: takes the demo rows out, leaving everything else.
struct DemoRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove the demo data without touching anything else.")
    @OptionGroup var location: BillingLocation

    func run() throws {
        let store = try location.open(create: false)
        let summary = try blockingBilling { try await store.removeDemo() }
        print("demo removed: \(summary.customers) customers, \(summary.subscriptions) subscriptions, \(summary.invoices) invoices, \(summary.payments) payments")
    }
}
