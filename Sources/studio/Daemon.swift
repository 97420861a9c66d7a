import Accounts
import AccountsAPI
import Billing
import BillingAPI
import Content
import Generation
import Dispatch
import FoundationEssentials
import Glibc
import Graph
import HTTP
import Logging
import Prometheus
import PublishingAPI
import StudioServer

/// A running daemon: the locked data directory, the stores, the HTTP server and the workers.
final class Daemon: @unchecked Sendable {
    // Sound: created and stopped on the main thread; workers only read immutable references.
    let configuration: Configuration
    let logger: Logger
    let dataDirectory: DataDirectory
    let graph: GraphStore
    let accountStore: AccountStore
    let app: StudioApp
    let studio: ContentStudio
    let publishing: PublishingService
    let server: HTTPServer
    let notifier: SystemdNotifier
    private var timers: [PeriodicThread] = []

    private init(configuration: Configuration, logger: Logger, dataDirectory: DataDirectory, graph: GraphStore, accountStore: AccountStore,
                 app: StudioApp, studio: ContentStudio, publishing: PublishingService, server: HTTPServer, notifier: SystemdNotifier) {
        self.configuration = configuration
        self.logger = logger
        self.dataDirectory = dataDirectory
        self.graph = graph
        self.accountStore = accountStore
        self.app = app
        self.studio = studio
        self.publishing = publishing
        self.server = server
        self.notifier = notifier
    }

    static func start(configuration: Configuration, logger: Logger) throws -> Daemon {
        let dataDirectory = try DataDirectory(lockingPath: configuration.string("data_dir"))
        guard let webRoot = Resources.locate("web-static", explicit: configuration.string("web_root")) else {
            throw HTTPServerError(message: "cannot find the admin page folder web-static (set web_root)")
        }
        let resources = Resources(directory: Resources.locate("data", explicit: "") ?? "data")
        let graph: GraphStore
        do {
            graph = try GraphStore(directory: dataDirectory.path + "/graph")
        } catch {
            throw HTTPServerError(message: "cannot open the graph store in \(dataDirectory.path)/graph: \(error)")
        }
        let settings = AccountsSettings.make(
            dataDirectory: dataDirectory.path,
            commonPasswordsPath: resources.path("common-passwords.txt") ?? AccountsSettings.locateCommonPasswords()) { key in configuration.value(key) }
        let accountStore: AccountStore
        do {
            accountStore = try AccountStore.open(path: AccountsSettings.databasePath(dataDirectory: dataDirectory.path), configuration: settings.store)
        } catch {
            throw HTTPServerError(message: "cannot open the accounts database in \(dataDirectory.path): \(error)")
        }
        let accounts = AccountsService(store: accountStore, configuration: settings.api) { userID, _ in
            try CreatorNodes.findOrCreate(in: graph, userID: userID)
        }
        let billingSettings: BillingSettings
        do {
            billingSettings = try BillingSettings.make(dataDirectory: dataDirectory.path, dataFilesDirectory: resources.directory) { key in
                configuration.value(key)
            }
        } catch {
            throw HTTPServerError(message: "billing configuration: \(error)")
        }
        let billingStore: BillingStore
        do {
            billingStore = try blockingAwait { try await billingSettings.openStore() }
        } catch {
            throw HTTPServerError(message: "cannot open the billing database in \(dataDirectory.path): \(error)")
        }
        let startedAt = monotonicSeconds()
        let billing = try BillingService(store: billingStore, stripeWebhookSecret: billingSettings.stripeWebhookSecret) {
            let content = (try? graph.read { txn in (try txn.count(label: "Content"), try txn.count(label: "Metric"), try txn.count(label: "Creator")) }) ?? (0, 0, 0)
            return .object([
                "content": .object(["items": .int(Int64(content.0)), "metric_snapshots": .int(Int64(content.1)), "creators": .int(Int64(content.2))]),
                "system": .object(["uptime_seconds": .int(Int64(monotonicSeconds() - startedAt))]),
            ])
        }
        let events = EventBus()
        let metrics = StudioMetrics()
        // user_metrics' total revenue: the install's billing revenue belongs to its owner (the admin who runs billing).
        let ownerRevenue = Locked<(minor: Int64, currency: String)?>(nil)
        let studio = try ContentStudio.open(
            configuration: configuration, dataDirectory: dataDirectory.path, resources: resources, graph: graph, events: events, logger: logger,
            revenue: { userID in
                guard let id = UUID(uuidString: userID), (try? accountStore.user(id: id))??.role == .admin else { return nil }
                return ownerRevenue.withLock { $0 }
            },
            onGenerationSeconds: { seconds in metrics.generationDuration.record(seconds) })
        let publishing: PublishingService
        do {
            publishing = try PublishingService.open(dataDirectory: dataDirectory.path, catalog: studio.catalog, content: studio.content, logger: logger) {
                type, payload, audience in events.publish(type, payload, audience: audience)
            }
        } catch {
            throw HTTPServerError(message: "cannot open the publishing outbox in \(dataDirectory.path): \(error)")
        }
        let app = try StudioApp(configuration: configuration, dataDirectory: dataDirectory, resources: resources, webRoot: webRoot, logger: logger,
                                graph: graph, accounts: accounts, billing: billing, events: events, metrics: metrics, studio: studio,
                                publishing: publishing)
        app.addReadinessCheck("accounts") {
            do {
                _ = try accountStore.needsSetup()
                return nil
            } catch {
                return "accounts database not readable: \(error)"
            }
        }
        app.addReadinessCheck("graph") {
            do {
                _ = try graph.read { txn in try txn.nodeCount() }
                return nil
            } catch {
                return "graph store not readable: \(error)"
            }
        }
        ErrorReporter.install { error, request in
            logger.error("unhandled error", metadata: ["request_id": "\(request.requestID)", "route": "\(request.routeTemplate ?? request.path)", "error": "\(error)"])
        }

        var http = HTTPServer.Configuration()
        let listen = configuration.listen
        http.host = listen.host
        http.port = listen.port
        http.threads = configuration.int("http.threads")
        http.bodyLimit = configuration.int("http.body_limit_bytes")
        http.headerLimit = configuration.int("http.header_limit_bytes")
        http.idleTimeout = configuration.int("http.idle_timeout_seconds")
        http.headerTimeout = configuration.int("http.header_timeout_seconds")
        http.connectionLimit = configuration.int("http.max_connections")
        let accessLogger = Logger(label: "studio.access")
        let accessLog = configuration.bool("http.access_log")
        let server = HTTPServer(configuration: http, logger: logger, onAccess: { record in
            metrics.record(record)
            guard accessLog else { return }
            accessLogger.info("\(record.method) \(record.path) \(record.status) \(record.bytes)B \(Int(record.seconds * 1e6))us", metadata: [
                "request_id": "\(record.requestID)", "route": "\(record.route)", "remote": "\(record.remoteAddress)",
            ])
        }, handler: { request in app.respond(request) })
        try server.start()
        do { try studio.start() } catch { throw HTTPServerError(message: "cannot start the generation workers: \(error)") }
        publishing.start()

        let notifier = SystemdNotifier(environment: ProcessEnvironment.current)
        let daemon = Daemon(configuration: configuration, logger: logger, dataDirectory: dataDirectory, graph: graph, accountStore: accountStore,
                            app: app, studio: studio, publishing: publishing, server: server, notifier: notifier)

        daemon.timers.append(PeriodicThread(interval: Double(configuration.int("events.keepalive_seconds"))) { events.keepAlive() })
        let revenueTotal = Locked<(counter: Counter, last: Int64)?>(nil)
        let revenueMRR = Locked<Gauge?>(nil)
        let activeUsers = Locked<Gauge?>(nil)
        let billingPass: @Sendable () -> Void = {
            do {
                let result = try blockingAwait { try await billing.runScheduledBilling() }
                let figures = try blockingAwait { try await billing.revenueFigures() }
                ownerRevenue.withLock { $0 = (figures.totalRevenue.minor, figures.totalRevenue.currency.code) }
                revenueTotal.withLock { state in
                    if state == nil {
                        state = (app.metrics.registry.makeCounter(name: "revenue_total", labels: [("currency", figures.totalRevenue.currency.code), ("tier", "all")],
                                                                  help: "Revenue recognised on invoices, in minor units, by currency and plan tier."), 0)
                    }
                    let delta = figures.totalRevenue.minor - (state?.last ?? 0)
                    if delta > 0 { state?.counter.increment(by: delta); state?.last = figures.totalRevenue.minor }
                }
                revenueMRR.withLock { gauge in
                    if gauge == nil {
                        gauge = app.metrics.registry.makeGauge(name: "revenue_mrr", labels: [("currency", figures.mrr.currency.code)],
                                                               help: "Monthly recurring revenue in minor units, by currency.")
                    }
                    gauge?.set(Double(figures.mrr.minor))
                }
                activeUsers.withLock { gauge in
                    if gauge == nil {
                        gauge = app.metrics.registry.makeGauge(name: "active_users", labels: [("plan", "all"), ("region", "all")],
                                                               help: "Customers with an active subscription, by plan and region.")
                    }
                    gauge?.set(Double(figures.activeCustomers))
                }
                if result.changedAnything {
                    app.responseCache.invalidate(resource: "revenue")
                    app.responseCache.invalidate(resource: "dashboard")
                    app.events.publish("revenue.updated", .object([
                        "mrr": .object(["amount": .int(figures.mrr.minor), "currency": .string(figures.mrr.currency.code)]),
                        "total_revenue": .object(["amount": .int(figures.totalRevenue.minor), "currency": .string(figures.totalRevenue.currency.code)]),
                        "active_customers": .int(Int64(figures.activeCustomers)),
                    ]))
                }
            } catch {
                logger.error("scheduled billing failed: \(error)")
            }
        }
        DispatchQueue.global().async { billingPass() }
        daemon.timers.append(PeriodicThread(interval: Double(billingSettings.runIntervalSeconds), billingPass))
        if let interval = notifier.watchdogInterval {
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            daemon.timers.append(PeriodicThread(interval: max(0.5, seconds / 2)) { notifier.notify("WATCHDOG=1") })
        }
        let shownHost = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
        let url = "http://\(shownHost):\(server.port)/"
        logger.info("Creator Studio listening on \(url)", metadata: ["data_dir": "\(dataDirectory.path)", "threads": "\(http.threads)"])
        print("Creator Studio is running at \(url)  (data: \(dataDirectory.path))")
        if let token = try? accountStore.issueSetupToken() {
            print("No users yet. Open \(url) and create the first admin with this one-time setup token:")
            print("Setup token: \(token)")
            print("or, on this host: studio user create --data-dir \(dataDirectory.path) --email you@example.com --role admin --password-stdin")
        } else {
            print("Sign in at \(url) with your email and password.")
        }
        fflush(nil)
        notifier.notify("READY=1\nSTATUS=Serving on \(url)\nMAINPID=\(getpid())")
        return daemon
    }

    /// Blocks until SIGTERM or SIGINT; SIGHUP reloads what can be reloaded.
    func waitForSignals(mask: sigset_t) {
        var mask = mask
        while true {
            var received: Int32 = 0
            guard sigwait(&mask, &received) == 0 else { continue }
            if received == SIGHUP {
                logger.info("SIGHUP: reloading data files")
                notifier.notify("RELOADING=1")
                if let problem = studio.reload() {
                    logger.error("SIGHUP: the model registry was not reloaded, the previous one stays in force: \(problem)")
                } else {
                    logger.info("SIGHUP: model registry reloaded (\(studio.registry.models.count) models)")
                }
                notifier.notify("READY=1")
                continue
            }
            logger.info("signal \(received): shutting down")
            return
        }
    }

    /// Stops accepting, drains, closes the stores; returns when it is safe to exit 0.
    func shutdown() {
        notifier.notify("STOPPING=1")
        for timer in timers { timer.stop() }
        app.events.closeAll()
        server.stop(drain: .seconds(configuration.int("shutdown.drain_seconds")))
        let studio = self.studio
        publishing.stop()
        _ = try? blockingAwait { await studio.stop(timeout: .seconds(3)) }
        accountStore.flushUsage()
        graph.close()
        logger.info("stopped cleanly")
    }
}

/// Runs async work to completion from a plain thread (start-up and timer threads only, never a task).
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Locked<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        box.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try box.withLock { $0! }.get()
}

/// A thread that runs `body` every `interval` seconds until stopped.
final class PeriodicThread: @unchecked Sendable {
    // Sound: `running` is only touched under `lock`; the thread owns nothing else.
    private let lock = Lock()
    private var running = true
    private let interval: Double
    private let body: @Sendable () -> Void
    private var thread = pthread_t()
    private var condition = pthread_cond_t()
    private var mutex = pthread_mutex_t()

    init(interval: Double, _ body: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.body = body
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        let unmanaged = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { arg in
            let me = Unmanaged<PeriodicThread>.fromOpaque(arg!).takeRetainedValue()
            me.loop()
            return nil
        }, unmanaged.toOpaque())
    }

    private func loop() {
        pthread_mutex_lock(&mutex)
        while running {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let nanos = Int(interval * 1e9)
            var deadline = timespec(tv_sec: now.tv_sec + nanos / 1_000_000_000, tv_nsec: now.tv_nsec + nanos % 1_000_000_000)
            if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
            let rc = pthread_cond_timedwait(&condition, &mutex, &deadline)
            if !running { break }
            if rc == ETIMEDOUT {
                pthread_mutex_unlock(&mutex)
                body()
                pthread_mutex_lock(&mutex)
            }
        }
        pthread_mutex_unlock(&mutex)
    }

    func stop() {
        pthread_mutex_lock(&mutex)
        running = false
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        pthread_join(thread, nil)
    }
}
