import Accounts
import AccountsAPI
import ArgumentParser
import FoundationEssentials
import Glibc
import HTTP

/// Where the accounts database is, for commands that may run beside the daemon.
struct AccountsLocation: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $STUDIO_DATA_DIR or ./var); accounts are in DIR/accounts.sqlite.")
    var dataDirectory: String?

    @Option(name: .long, help: "JSON config file whose accounts.* keys (argon2 cost…) apply (default /etc/studio/studio.json when present).")
    var config: String?

    /// The data directory after applying the environment default.
    var resolved: String {
        if let dataDirectory { return dataDirectory }
        if let env = getenv("STUDIO_DATA_DIR"), let value = String(validatingCString: env), !value.isEmpty { return value }
        return "./var"
    }

    var databasePath: String { AccountsSettings.databasePath(dataDirectory: resolved) }

    /// Opens the store (WAL: safe while the daemon runs). `create` makes the data directory when missing.
    func open(create: Bool) throws -> AccountStore {
        if !create, access(databasePath, F_OK) != 0 {
            accountsCommandError("studio: no accounts database at \(databasePath) (has the daemon run with this --data-dir?)")
            throw ExitCode(66)
        }
        if create, access(resolved, F_OK) != 0, mkdir(resolved, 0o700) != 0 {
            accountsCommandError("studio: cannot create data directory \(resolved): \(String(cString: strerror(errno)))")
            throw ExitCode(73)
        }
        let file = config ?? (access("/etc/studio/studio.json", R_OK) == 0 ? "/etc/studio/studio.json" : nil)
        var environment: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { environment[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            pointer += 1
        }
        let settings = AccountsSettings.make(dataDirectory: resolved, commonPasswordsPath: AccountsSettings.locateCommonPasswords(),
                                             value: AccountsSettings.lookup(configFile: file, environment: environment))
        do {
            return try AccountStore.open(path: databasePath, configuration: settings.store)
        } catch {
            accountsCommandError("studio: cannot open the accounts database: \(error.message)")
            throw ExitCode(1)
        }
    }
}

/// `studio user …`: manage accounts from the shell, with the daemon stopped or running.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create and list user accounts from the shell (works while the daemon runs).",
        subcommands: [UserCreateCommand.self, UserListCommand.self]
    )
}

/// `studio user create`: makes a user; with `--role admin` on a fresh install it replaces the setup token.
struct UserCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a user. The password is read from standard input, never from the command line.",
        discussion: """
        Example: printf '%s' "$PASSWORD" | studio user create --data-dir /var/lib/studio --email ada@example.com --role admin --password-stdin
        A creator's :Creator graph node is made by the daemon on the user's first request. Exit codes: 0 created, \
        64 bad usage, 65 refused (weak password, email taken, invalid email), 66/73 data directory problems, 1 other failures.
        """
    )

    @OptionGroup var location: AccountsLocation

    @Option(name: .long, help: "Email address (unique, ignoring case and lookalike characters).")
    var email: String

    @Option(name: .long, help: "admin, creator or viewer.")
    var role: String

    @Option(name: .long, help: "Display name (default: the part of the email before @).")
    var name: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (one line; a trailing newline is dropped).")
    var passwordStdin = false

    func validate() throws {
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be admin, creator or viewer, got \"\(role)\"") }
        guard passwordStdin else { throw ValidationError("give --password-stdin and pipe the password in (passwords are never taken as arguments)") }
    }

    func run() throws {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 8192 {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard let password = String(validating: bytes, as: UTF8.self), !password.isEmpty else {
            accountsCommandError("studio: no password on standard input (it must be UTF-8 text)")
            throw ExitCode(64)
        }
        let store = try location.open(create: true)
        let display = name ?? String(email.split(separator: "@").first ?? Substring(email))
        do {
            let user = try store.createUser(NewUser(email: email, displayName: display, role: Role(rawValue: role)!, password: password))
            print("Created \(user.role.rawValue) \(user.email) (id \(user.id.uuidString.lowercased())).")
        } catch {
            accountsCommandError("studio: cannot create the user: \(error.message)")
            switch error.code {
            case .storage, .keyFailure, .configuration, .busy: throw ExitCode(1)
            default: throw ExitCode(65)
            }
        }
    }
}

/// `studio user list`: one line per user.
struct UserListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List users: id, role, status, email.")

    @OptionGroup var location: AccountsLocation

    func run() throws {
        let store = try location.open(create: false)
        var cursor: String?
        repeat {
            let page: Page<User>
            do {
                page = try store.listUsers(limit: 200, after: cursor)
            } catch {
                accountsCommandError("studio: cannot list users: \(error.message)")
                throw ExitCode(1)
            }
            for user in page.data {
                print("\(user.id.uuidString.lowercased())  \(user.role.rawValue.padding(7))  \(user.status.rawValue.padding(8))  \(user.email)")
            }
            cursor = page.nextCursor
        } while cursor != nil
    }
}

/// Writes a line to standard error.
func accountsCommandError(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
