import Content
import ContentAPI
import Generation
import GenerationAPI
import Graph
import HTTP
import HTTPClient
import Logging
import Platforms
import Writing

/// The content side of the studio: content and metrics in the graph, the model registry and orchestrator,
/// the durable generation jobs, platform profiles and the compose preview — opened together and installed as routes.
///
/// ```swift
/// let studio = try ContentStudio.open(configuration: configuration, dataDirectory: dir, resources: resources,
///                                     graph: graph, events: events, logger: logger)
/// let app = try StudioApp(..., events: events, studio: studio)
/// try studio.start()
/// ```
public final class ContentStudio: Sendable {
    /// Content items and metric snapshots.
    public let content: ContentStore
    /// Generation jobs, model spend and style guides (SQLite).
    public let jobs: JobStore
    /// The job workers.
    public let queue: JobQueue
    /// The model registry (reloaded on SIGHUP).
    public let registry: ModelRegistry
    /// Routes requests to models.
    public let orchestrator: Orchestrator
    /// Platform profiles (`data/platforms.json`).
    public let catalog: PlatformCatalog
    /// Creators' style guides.
    public let styleGuides: StyleGuides
    let settings: GenerationRoutes.Settings
    let events: EventBus

    init(content: ContentStore, jobs: JobStore, queue: JobQueue, registry: ModelRegistry, orchestrator: Orchestrator, catalog: PlatformCatalog,
         styleGuides: StyleGuides, settings: GenerationRoutes.Settings, events: EventBus) {
        self.content = content
        self.jobs = jobs
        self.queue = queue
        self.registry = registry
        self.orchestrator = orchestrator
        self.catalog = catalog
        self.styleGuides = styleGuides
        self.settings = settings
        self.events = events
    }

    /// Opens the stores and files. `dataDirectory` nil keeps the jobs in memory (tests).
    /// - Parameters:
    ///   - revenue: a creator's total revenue (minor units, currency) for `user_metrics`, nil when unknown.
    ///   - onGenerationSeconds: each successful generation's duration (the `content_generation_duration_seconds` histogram).
    public static func open(configuration: Configuration, dataDirectory: String?, resources: Resources, graph: GraphStore, events: EventBus,
                            logger: Logger, revenue: @escaping @Sendable (String) -> (minor: Int64, currency: String)? = { _ in nil },
                            onGenerationSeconds: @escaping @Sendable (Double) -> Void = { _ in }) throws(HTTPServerError) -> ContentStudio {
        func failing<T>(_ what: String, _ body: () throws -> T) throws(HTTPServerError) -> T {
            do { return try body() } catch { throw HTTPServerError(message: "\(what): \(error)") }
        }
        let content = try failing("cannot open the content store in the graph") { try ContentStore(graph: graph, revenue: revenue) }
        let jobs = try failing("cannot open the generation database") {
            try dataDirectory.map { try JobStore.open(path: $0 + "/generation.sqlite3") } ?? JobStore.inMemory()
        }
        let explicitModels = configuration.string("generation.models_file")
        guard let modelsPath = explicitModels.isEmpty ? resources.path("models.json") : explicitModels else {
            throw HTTPServerError(message: "cannot find the model registry data/models.json (set generation.models_file)")
        }
        let registry = try failing("generation.models_file \(modelsPath)") { try ModelRegistry.load(path: modelsPath) }
        guard let platformsPath = resources.path("platforms.json") else {
            throw HTTPServerError(message: "cannot find the platform profiles data/platforms.json")
        }
        let catalog = try failing("data/platforms.json") { try PlatformCatalog.load(path: platformsPath) }
        let budget = Int64(configuration.int("generation.daily_budget_micros"))
        let orchestrator = Orchestrator(
            registry: registry, httpClient: HTTPClient(), ledger: jobs, catalog: catalog,
            configuration: OrchestratorConfiguration(
                dailyBudgetMicros: budget > 0 ? budget : nil,
                qualityThreshold: Double(configuration.int("generation.quality_threshold_percent")) / 100,
                breaker: CircuitBreakerSettings(failureThreshold: configuration.int("generation.breaker_failures"),
                                                cooldown: .seconds(configuration.int("generation.breaker_cooldown_seconds"))),
                totalDeadline: .seconds(configuration.int("generation.total_timeout_seconds"))))
        let styleGuides = StyleGuides(store: jobs)
        let runner = StudioRunner(orchestrator: orchestrator, content: content, styleGuides: styleGuides)
        let queue = JobQueue(store: jobs, runner: runner, concurrency: configuration.int("generation.concurrency"), logger: logger,
                             publish: { type, payload, audience in events.publish(type, payload, audience: audience) },
                             onDuration: onGenerationSeconds)
        return ContentStudio(content: content, jobs: jobs, queue: queue, registry: registry, orchestrator: orchestrator, catalog: catalog,
                             styleGuides: styleGuides,
                             settings: GenerationRoutes.Settings(waitSeconds: Double(configuration.int("generation.wait_seconds")),
                                                                 maxBatch: configuration.int("generation.max_batch")),
                             events: events)
    }

    /// Adds the content, metrics, generation, job, model, platform and compose routes.
    public func install(on router: inout Router) {
        let events = self.events
        ContentRoutes.install(on: &router, store: content) { type, payload, audience in events.publish(type, payload, audience: audience) }
        GenerationRoutes.install(on: &router, queue: queue, settings: settings)
        CatalogRoutes.install(on: &router, registry: registry, breaker: orchestrator.breaker, catalog: catalog, styleGuides: styleGuides)
    }

    /// Starts the job workers (jobs a crash left running are queued again first).
    public func start() throws {
        try queue.start()
    }

    /// Stops the workers, waiting up to `timeout` for jobs in hand.
    public func stop(timeout: Duration = .seconds(5)) async {
        await queue.stop(timeout: timeout)
    }

    /// Re-reads the model registry (SIGHUP); returns the error when the file was refused (the old registry stays).
    public func reload() -> String? {
        do {
            try registry.reload()
            return nil
        } catch {
            return "\(error)"
        }
    }
}
