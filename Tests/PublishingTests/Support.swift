import Connectors
import Foundation
import GRDB
import Platforms
import Synchronization
@testable import Publishing

/// Profiles built in code so the tests do not depend on data/platforms.json's current numbers.
enum TestProfiles {
    static func profile(_ id: String, limit: Int = 500, threads: Bool = true, rate: RateLimit = RateLimit(posts: 1000, windowSeconds: 60),
                        best: [WeeklySlot] = [WeeklySlot(day: 2, hour: 9)]) -> PlatformProfile {
        PlatformProfile(id: id, name: id.capitalized, textLimit: limit, counting: .graphemes,
                        hashtags: HashtagRules(maxCount: 10, placement: .inlineEnd), media: MediaRules(maxImages: 4, maxVideoSeconds: nil, textOnlyAllowed: true),
                        rateLimit: rate, threads: ThreadRules(allowed: threads, maxParts: threads ? 10 : 1), bestTimes: best)
    }

    static let catalog = PlatformCatalog(profiles: [
        profile("mastodon"), profile("bluesky", limit: 300), profile("x", limit: 280), profile("reddit", threads: false),
        profile("slowplat", rate: RateLimit(posts: 2, windowSeconds: 60)),
    ])
}

/// A fake platform: records what was really created, can be scripted to fail, and (like Mastodon) recognises a
/// repeated idempotency key when `supportsIdempotencyKey` is true.
final class FakePlatform: PlatformConnector {
    enum Step: Sendable {
        /// Fail before anything is created.
        case fail(ConnectorError)
        /// Create the whole post, then report this error (a timeout after sending).
        case postThenFail(ConnectorError)
        /// Create this many further parts of a thread, then fail with this kind (createdPartIDs filled in).
        case partial(Int, ConnectorError.Kind)
    }

    struct Created: Sendable, Equatable {
        var publicationID: String
        var key: String
        var text: String
        var id: String
    }

    struct State {
        var script: [Step] = []
        var created: [Created] = []
        var publishCalls: [(key: String, resumeAfter: [String], at: Date)] = []
        var findCalls = 0
        var inFlight = 0
        var maxInFlight = 0
        var nextID = 1
    }

    let platform: String
    let supportsIdempotencyKey: Bool
    let delay: Duration?
    let clock: (any PublishingClock)?
    let state = Mutex(State())

    init(platform: String, idempotent: Bool, script: [Step] = [], delay: Duration? = nil, clock: (any PublishingClock)? = nil) {
        self.platform = platform
        self.supportsIdempotencyKey = idempotent
        self.delay = delay
        self.clock = clock
        state.withLock { $0.script = script }
    }

    var created: [Created] { state.withLock { $0.created } }
    var publishCalls: Int { state.withLock { $0.publishCalls.count } }
    var callTimes: [Date] { state.withLock { $0.publishCalls.map(\.at) } }
    var resumeAfters: [[String]] { state.withLock { $0.publishCalls.map(\.resumeAfter) } }
    var keys: [String] { state.withLock { $0.publishCalls.map(\.key) } }
    var findCalls: Int { state.withLock { $0.findCalls } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    func verify(credentials: [String: String]) async throws(ConnectorError) -> AccountInfo {
        guard credentials["token"] == "good" else { throw ConnectorError(.unauthorized, "The access token is invalid", status: 401) }
        return AccountInfo(handle: "@ada@\(platform).example", textLimit: nil)
    }

    func publish(_ post: OutgoingPost, credentials: [String: String], resumeAfter: [String]) async throws(ConnectorError) -> PublishedPost {
        let now = clock?.now() ?? Date()
        let step: Step? = state.withLock { s in
            s.publishCalls.append((post.idempotencyKey, resumeAfter, now))
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            return s.script.isEmpty ? nil : s.script.removeFirst()
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if let delay { try? await Task.sleep(for: delay) }
        guard credentials["token"] == "good" else { throw ConnectorError(.unauthorized, "The access token is invalid", status: 401) }
        if supportsIdempotencyKey, let existing = existingPost(post) { return existing }
        switch step {
        case .fail(let e)?:
            throw e
        case .postThenFail(let e)?:
            _ = create(post, from: resumeAfter.count, count: post.parts.count - resumeAfter.count)
            throw e
        case .partial(let n, let kind)?:
            let ids = create(post, from: resumeAfter.count, count: n)
            throw ConnectorError(kind, "connection reset after part \(resumeAfter.count + n)", status: kind == .transient ? 503 : nil, createdPartIDs: resumeAfter + ids)
        case nil:
            let ids = create(post, from: resumeAfter.count, count: post.parts.count - resumeAfter.count)
            let all = resumeAfter + ids
            return PublishedPost(id: all[0], url: "https://\(platform).example/\(all[0])", partIDs: all)
        }
    }

    func find(_ post: OutgoingPost, credentials: [String: String]) async throws(ConnectorError) -> PublishedPost? {
        state.withLock { $0.findCalls += 1 }
        return existingPost(post)
    }

    private func existingPost(_ post: OutgoingPost) -> PublishedPost? {
        state.withLock { s in
            let mine = s.created.filter { $0.publicationID == post.publicationID }
            guard let first = mine.first else { return nil }
            return PublishedPost(id: first.id, url: "https://\(platform).example/\(first.id)", partIDs: mine.map(\.id))
        }
    }

    private func create(_ post: OutgoingPost, from index: Int, count: Int) -> [String] {
        state.withLock { s in
            var ids: [String] = []
            for i in index..<min(post.parts.count, index + count) {
                let id = "\(platform)-\(s.nextID)"
                s.nextID += 1
                s.created.append(Created(publicationID: post.publicationID, key: post.idempotencyKey, text: post.parts[i], id: id))
                ids.append(id)
            }
            return ids
        }
    }
}

/// Collects events.
final class EventLog: Sendable {
    let events = Mutex<[String]>([])
    var sink: PublishingEventSink { { e in self.events.withLock { $0.append("\(e.type) \(e.publication.id)") } } }
    var all: [String] { events.withLock { $0 } }
}

/// A fresh publishing database in a temporary directory, a vault, an outbox and a manual clock.
struct Harness {
    let directory: String
    let writer: any DatabaseWriter
    let vault: AccountVault
    let outbox: Outbox
    let clock: ManualPublishingClock
    let log = EventLog()
    static let start = Date(timeIntervalSince1970: 1_790_000_000) // 2026-09-21T14:13:20Z, a Monday

    init(directory: String? = nil, clock: ManualPublishingClock? = nil, key: VaultKey? = nil) throws {
        let dir = directory ?? Harness.temporaryDirectory()
        self.directory = dir
        self.clock = clock ?? ManualPublishingClock(Harness.start)
        writer = try PublishingDatabase.open(path: dir + "/publishing.sqlite")
        vault = AccountVault(writer: writer, key: try key ?? VaultKey.loadOrCreate(directory: dir), clock: self.clock)
        outbox = Outbox(writer: writer, catalog: TestProfiles.catalog, clock: self.clock, events: log.sink)
    }

    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("publishing-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func connect(_ platform: String, creator: String = "u1") async throws -> ConnectedAccount {
        try await vault.connect(creator: creator, platform: platform, label: "Main", info: AccountInfo(handle: "@ada@\(platform).example"), credentials: ["token": "good"])
    }

    func post(_ text: String, on platform: String, thread: Bool = false) -> FormattedPost {
        PostFormatter.format(PostSource(text: text), for: TestProfiles.catalog.profile(platform)!, thread: thread)
    }

    /// Schedules one post due now.
    func scheduleNow(_ account: ConnectedAccount, text: String = "Hello from the outbox", thread: Bool = false) async throws -> Publication {
        try await outbox.schedule(contentID: "c1", creator: account.creator, targets: [
            PublicationTarget(accountID: account.id, at: clock.now(), post: post(text, on: account.platform, thread: thread)),
        ], timeZone: "Europe/Berlin")[0]
    }

    func scheduler(_ connectors: [any PlatformConnector], policy: RetryPolicy = RetryPolicy(), seed: UInt64 = 42,
                   configuration: SchedulerConfiguration = SchedulerConfiguration()) -> Scheduler {
        Scheduler(outbox: outbox, vault: vault, connectors: Dictionary(uniqueKeysWithValues: connectors.map { ($0.platform, $0) }),
                  policy: policy, configuration: configuration, clock: clock, jitter: .seeded(seed))
    }

    func get(_ id: Int64, creator: String = "u1") async throws -> Publication {
        try await outbox.publication(id: id, creator: creator)!
    }
}
