import Accounts
import AccountsAPI
import ArgumentParser

/// `studio audit …`: tools for the security audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the security audit log.",
        subcommands: [AuditVerifyCommand.self]
    )
}

/// `studio audit verify`: walks the hash chain; exits 1 naming each edited or missing row.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit log's hash chain (every row against its hash and its link to the previous row).",
        discussion: "Exit codes: 0 intact, 1 damaged (each bad row is named on standard error), 66 no accounts database."
    )

    @OptionGroup var location: AccountsLocation

    func run() throws {
        let store = try location.open(create: false)
        let result: AuditVerification
        do {
            result = try store.verifyAudit()
        } catch {
            accountsCommandError("studio: cannot read the audit log: \(error.message)")
            throw ExitCode(1)
        }
        if result.isIntact {
            print("Audit log intact: \(result.checkedRows) rows checked.")
            return
        }
        for problem in result.problems {
            accountsCommandError("audit log damaged: row \(problem.rowID): \(problem.kind.rawValue): \(problem.message)")
        }
        accountsCommandError("studio: the audit log fails verification (\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s") in \(result.checkedRows) rows)")
        throw ExitCode(1)
    }
}
