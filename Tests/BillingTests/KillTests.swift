import Billing
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` in the middle of a billing run: this test binary relaunches itself (`/proc/self/exe`) to run only
/// ``killChildRunsBilling()`` with the database path in the environment, SIGKILLs it once some invoices are on
/// disk, then checks the books, finishes the run and checks the numbers.
@Suite struct KillTests {
    static let childEnv = "BILLING_KILL_TEST_DB"

    static func open(_ path: String) async throws -> BillingStore {
        var config = BillingConfiguration(seller: SellerDetails(name: "Studio GmbH", country: "DE"))
        config.billingRunBatchSize = 50
        let store = try BillingStore.open(path: path, configuration: config,
                                          taxTable: try TaxTable.load(path: dataPath("tax_rates.csv"), sellerCountry: "DE"))
        try await store.seedCatalogue(try CatalogueFile.load(path: dataPath("plans.json")))
        return store
    }

    /// Does nothing unless started by ``billingRunKilledMidwayLeavesNoHalfInvoice()``.
    @Test func killChildRunsBilling() async throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childEnv] else { return }
        let store = try await Self.open(path)
        _ = try await store.runBilling()
        // Reaching this line means the parent failed to kill us in time; exit so it notices.
        exit(3)
    }

    @Test func billingRunKilledMidwayLeavesNoHalfInvoice() async throws {
        if ProcessInfo.processInfo.environment[Self.childEnv] != nil { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("billing-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("billing.sqlite").path
        let count = 2500
        do {
            let store = try await Self.open(path)
            try await BillingBenchmark.prepareDueSubscriptions(store: store, count: count)
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = ["--testing-library", "swift-testing", "--filter", "killChildRunsBilling"]
        var env = ProcessInfo.processInfo.environment
        env[Self.childEnv] = path
        child.environment = env
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        var seen = 0
        let deadline = Date().addingTimeInterval(120)
        while seen < 200 && child.isRunning && Date() < deadline {
            try await Task.sleep(nanoseconds: 10_000_000)
            seen = (try? BillingBenchmark.invoiceCount(path: path)) ?? 0
        }
        let wasRunning = child.isRunning
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(wasRunning, "the child billing run ended (status \(child.terminationStatus)) before it could be killed")
        #expect(child.terminationReason == .uncaughtSignal)

        let store = try await Self.open(path)
        let written = try BillingBenchmark.invoiceCount(path: path)
        let expected = count - count / 5   // every fifth subscription is metered without usage: nothing to invoice
        #expect(written > 0 && written < expected, "killed after \(written) of \(expected) invoices")
        let afterKill = try await store.check()
        #expect(afterKill.ok, "\(afterKill.problems)")
        let rest = try await store.runBilling()
        #expect(rest.invoicesCreated == expected - written)
        #expect(try await BillingBenchmark.invoiceSequences(store: store) == Array(1...Int64(expected)))
        #expect(try await store.check().ok)
    }
}
