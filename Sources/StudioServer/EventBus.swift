import HTTP
import Synchronization

/// The in-process event bus behind `GET /api/v1/events` (Server-Sent Events).
///
/// Domain code publishes `content.generated`, `publication.*`, `metrics.changed` and
/// `revenue.updated`; every open stream whose filter matches gets the event. Streams that
/// end (client gone, server stopping) remove themselves.
public final class EventBus: Sendable {
    /// One subscriber: a stream and the event types it wants (nil: all).
    struct Subscriber {
        let stream: EventStream
        let filter: [String]?
        let audience: String?
    }

    private let subscribers = Locked<[ObjectIdentifier: Subscriber]>([:])
    private let sequence = Atomic<Int64>(0)

    /// An empty bus.
    public init() {}

    /// Number of open streams.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Adds a stream. `filter` holds event types or prefixes ending in `*` (`publication.*`);
    /// `audience` limits it to events for one principal (nil: all events, for admins).
    public func subscribe(_ stream: EventStream, filter: [String]?, audience: String? = nil) {
        let id = ObjectIdentifier(stream)
        subscribers.withLock { $0[id] = Subscriber(stream: stream, filter: filter, audience: audience) }
        stream.onClose { [weak self] in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    /// Publishes an event with a JSON payload; `audience` nil means everyone may see it.
    public func publish(_ type: String, _ payload: JSONValue, audience: String? = nil) {
        let id = sequence.add(1, ordering: .relaxed).newValue
        let data = payload.text
        let targets = subscribers.withLock { Array($0.values) }
        for subscriber in targets where Self.matches(subscriber.filter, type) {
            if let wanted = subscriber.audience, let audience, wanted != audience { continue }
            if subscriber.audience != nil, audience == nil, type.hasPrefix("revenue.") { continue }
            subscriber.stream.send(event: type, id: String(id), data: data)
        }
    }

    /// Sends a keep-alive comment to every stream.
    public func keepAlive() {
        let targets = subscribers.withLock { Array($0.values) }
        for subscriber in targets { subscriber.stream.comment("keep-alive") }
    }

    /// Ends every stream (shutdown).
    public func closeAll() {
        let targets = subscribers.withLock { Array($0.values) }
        for subscriber in targets { subscriber.stream.close() }
    }

    static func matches(_ filter: [String]?, _ type: String) -> Bool {
        guard let filter else { return true }
        return filter.contains { pattern in
            pattern.hasSuffix("*") ? type.hasPrefix(String(pattern.dropLast())) : pattern == type
        }
    }
}
