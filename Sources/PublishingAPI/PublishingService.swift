import Connectors
import Content
import Foundation
import HTTP
import HTTPClient
import Logging
import Platforms
import Publishing

/// Publishing over REST: connected platform accounts (credentials verified with the platform when connected,
/// encrypted at rest, never returned), the publish call that schedules one publication per target, the outbox
/// listing with each publication's attempts, cancel/retry/confirm, and good posting times.
///
/// ```swift
/// let publishing = try PublishingService.open(dataDirectory: dir, catalog: catalog, content: store, logger: logger) { type, payload, audience in
///     bus.publish(type, payload, audience: audience)
/// }
/// publishing.install(on: &router)
/// publishing.start()
/// ```
public final class PublishingService: Sendable {
    /// Scheduled and finished publications.
    public let outbox: Outbox
    /// Connected accounts and their encrypted credentials.
    public let vault: AccountVault
    /// Hands due publications to the connectors.
    public let scheduler: Scheduler
    /// Platform profiles.
    public let catalog: PlatformCatalog
    let registry: ConnectorRegistry
    let content: ContentStore
    let logger: Logger
    let runner = LockedTask()

    init(outbox: Outbox, vault: AccountVault, scheduler: Scheduler, catalog: PlatformCatalog, registry: ConnectorRegistry, content: ContentStore, logger: Logger) {
        self.outbox = outbox
        self.vault = vault
        self.scheduler = scheduler
        self.catalog = catalog
        self.registry = registry
        self.content = content
        self.logger = logger
    }

    /// Opens `publishing.sqlite3` and the vault key (`publishing-credentials.key`, mode 0600) in `dataDirectory`.
    /// - Parameters:
    ///   - connectors: the platform connectors (default: Mastodon, Bluesky, webhook and export bundles under `<data>/exports`).
    ///   - publish: event bus hook `(type, payload, audience user id)` for `publication.*`.
    public static func open(dataDirectory: String, catalog: PlatformCatalog, content: ContentStore, logger: Logger,
                            connectors: ConnectorRegistry? = nil, policy: RetryPolicy = RetryPolicy(),
                            publish: @escaping @Sendable (String, JSONValue, String?) -> Void) throws -> PublishingService {
        let writer = try PublishingDatabase.open(path: dataDirectory + "/publishing.sqlite3")
        let key = try VaultKey.loadOrCreate(directory: dataDirectory)
        let vault = AccountVault(writer: writer, key: key)
        let outbox = Outbox(writer: writer, catalog: catalog) { event in
            publish(event.type, PublishingJSON.publication(event.publication), event.publication.creator)
        }
        let registry = connectors ?? ConnectorRegistry.standard(client: HTTPClient(), exportRoot: dataDirectory + "/exports")
        var byPlatform: [String: any PlatformConnector] = [:]
        for profile in catalog.profiles {
            if let connector = registry.connector(forProfile: profile) { byPlatform[profile.id] = connector }
        }
        if let webhook = registry.connector(for: "webhook") { byPlatform["webhook"] = webhook }
        let scheduler = Scheduler(outbox: outbox, vault: vault, connectors: byPlatform, policy: policy)
        return PublishingService(outbox: outbox, vault: vault, scheduler: scheduler, catalog: catalog, registry: registry, content: content, logger: logger)
    }

    /// Recovers publications a crash left in flight, then runs the scheduler until ``stop()``.
    public func start() {
        let scheduler = self.scheduler, logger = self.logger
        runner.start {
            do {
                let recovered = try await scheduler.recover()
                if recovered > 0 { logger.info("publishing: \(recovered) publication(s) interrupted by the last stop will be reconciled or retried") }
            } catch {
                logger.error("publishing: recovery failed: \(error)")
            }
            await scheduler.run()
        }
    }

    /// Stops the scheduler (work in hand is recovered at the next start).
    public func stop() { runner.cancel() }

    /// The connector that publishes to accounts on `platform` (a profile id, or `webhook`).
    func connector(for platform: String) -> (any PlatformConnector)? {
        if platform == "webhook" { return registry.connector(for: "webhook") }
        guard let profile = catalog.profile(platform) else { return nil }
        return registry.connector(forProfile: profile)
    }

    /// Platforms an account can be connected on.
    var connectablePlatforms: [String] {
        (catalog.profiles.filter { registry.connector(forProfile: $0) != nil }.map(\.id) + ["webhook"]).sorted()
    }
}

/// One background task that can be started once and cancelled.
final class LockedTask: Sendable {
    private let task = Locked<Task<Void, Never>?>(nil)

    func start(_ body: @escaping @Sendable () async -> Void) {
        task.withLock { current in
            guard current == nil else { return }
            current = Task.detached { await body() }
        }
    }

    func cancel() {
        task.withLock { current in
            current?.cancel()
            current = nil
        }
    }
}
