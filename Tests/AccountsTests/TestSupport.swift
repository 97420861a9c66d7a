import Accounts
import Crypto
import Foundation
import GRDB
import Glibc

/// A store in a fresh temporary directory with cheap argon2 parameters and a manual clock.
struct TestStore {
    let store: AccountStore
    let clock: ManualAccountsClock
    let directory: String
    var databasePath: String { directory + "/accounts.sqlite" }

    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    init(hashing: Argon2Parameters = .cheapForTesting, directory: String? = nil, clock: ManualAccountsClock? = nil,
         configure: (inout AccountsConfiguration) -> Void = { _ in }) throws {
        let dir = directory ?? Self.makeTemporaryDirectory()
        self.directory = dir
        self.clock = clock ?? ManualAccountsClock(Self.start)
        var config = AccountsConfiguration(dataDirectory: dir, commonPasswordsPath: Self.commonPasswordsPath)
        config.passwordHashing = hashing
        config.usageFlushInterval = 0
        config.initialSigningKey = Self.fixedKey
        configure(&config)
        store = try AccountStore.open(path: dir + "/accounts.sqlite", configuration: config, clock: self.clock)
    }

    /// Creates a user through the store (as the shell would) and returns it.
    @discardableResult
    func user(_ email: String, role: Role = .creator, password: String = TestStore.goodPassword, name: String = "Test User") throws -> User {
        try store.createUser(NewUser(email: email, displayName: name, role: role, password: password))
    }

    /// One RSA key for every test store: generating 2048-bit keys costs tens of milliseconds each.
    static let fixedKey: RSAPrivateKey = try! RSAPrivateKey.generate()

    static let goodPassword = "tangerine-orbit-lantern-42"

    /// The shipped list, found next to the real sources (the side package reaches them through symlinks).
    static var commonPasswordsPath: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard realpath(#filePath, &buffer) != nil else { return "data/common-passwords.txt" }
        let real = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let root = real.split(separator: "/").dropLast(3).joined(separator: "/")
        return "/" + root + "/data/common-passwords.txt"
    }

    static func makeTemporaryDirectory() -> String {
        let path = "/tmp/accounts-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        mkdir(path, 0o700)
        return path
    }
}

/// Runs `body` and returns the `AccountsError` it throws (nil if it does not throw).
func accountsError<T>(_ body: () throws -> T) -> AccountsError? {
    do {
        _ = try body()
        return nil
    } catch let error as AccountsError {
        return error
    } catch {
        return AccountsError(.storage, "unexpected error type \(type(of: error))")
    }
}
