import ArgumentParser
import Glibc
import HTTP
import Logging
import StudioServer

/// Options every command that touches the stores shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (default ./var, or $STUDIO_DATA_DIR).")
    var dataDir: String?

    @Option(name: .long, help: "JSON config file (default /etc/studio/studio.json when present).")
    var config: String?

    /// Loads the configuration layers, exiting 78 with the message on a bad value.
    func loadConfiguration(extraFlags: [String: String] = [:]) throws -> Configuration {
        var flags = extraFlags
        if let dataDir { flags["data_dir"] = dataDir }
        do {
            return try Configuration.load(file: config, environment: ProcessEnvironment.current, flags: flags)
        } catch {
            printError("studio: configuration error: \(error.message)")
            throw ExitCode(78)
        }
    }
}

/// `studio serve`: runs the daemon until SIGTERM or SIGINT.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: HTTP API, admin page and background workers.",
        discussion: "Exits 0 after a clean shutdown on SIGTERM/SIGINT, 78 on a configuration error, 1 when it cannot start (data directory locked by another daemon, port in use).")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Listen address HOST:PORT (default 127.0.0.1:8080, or $STUDIO_LISTEN).")
    var listen: String?

    @Option(name: .long, help: "Admin page folder (default ./web-static or the installed copy).")
    var webRoot: String?

    @Option(name: .customLong("set"), help: "Set any config key: --set http.threads=8 (repeatable).")
    var settings: [String] = []

    func run() throws {
        // Signals first: every thread created from here on inherits the mask, so only
        // the main thread's sigwait sees SIGTERM/SIGINT/SIGHUP.
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&mask, signal) }
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        signal(SIGPIPE, SIG_IGN)

        var flags: [String: String] = [:]
        if let listen { flags["listen"] = listen }
        if let webRoot { flags["web_root"] = webRoot }
        for setting in settings {
            guard let eq = setting.firstIndex(of: "=") else {
                printError("studio: configuration error: --set takes KEY=VALUE, got \"\(setting)\"")
                throw ExitCode(78)
            }
            flags[String(setting[..<eq])] = String(setting[setting.index(after: eq)...])
        }
        let configuration = try store.loadConfiguration(extraFlags: flags)
        let logger = bootstrapLogging(configuration)
        let daemon: Daemon
        do {
            daemon = try Daemon.start(configuration: configuration, logger: logger)
        } catch {
            printError("studio: cannot start: \(error)")
            throw ExitCode(1)
        }
        daemon.waitForSignals(mask: mask)
        daemon.shutdown()
    }
}

/// `studio config`: prints the effective configuration and where each value came from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Print the effective configuration (secrets masked) and check it.")

    @OptionGroup var store: StoreOptions

    func run() throws {
        let configuration = try store.loadConfiguration()
        print(configuration.describe().text)
    }
}

func printError(_ message: String) {
    var line = Array((message + "\n").utf8)
    _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

enum ProcessEnvironment {
    static var current: [String: String] {
        var out: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { out[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            pointer += 1
        }
        return out
    }
}

func bootstrapLogging(_ configuration: Configuration) -> Logger {
    let level = Logger.Level(rawValue: configuration.string("log_level")) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "studio")
    logger.logLevel = level
    return logger
}
