#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the deterministic creator graph used by demos, tests and the benchmark:
/// `(:Creator {id, email, name, country, plan})-[:CREATED {timestamp}]->(:Content {id, title, platform,
/// created_at, status})-[:PERFORMS {engagement}]->(:Metric {id, at, views, likes, comments, shares})`.
///
/// `users` creators own 20 × `users` content items in total, spread with a heavy tail (Lomax, α = 2, at least
/// one each); each content item has at least one of 5 × content metric snapshots (exponential weights).
/// Ownership is shuffled so a creator's content ids are not contiguous. The same users and seed always give
/// the same graph: ids are creators `1...users`, then content, then metrics.
public enum DemoGraph {
    /// What was built.
    public struct Summary: Sendable, Hashable {
        /// Creator nodes.
        public var creators: Int
        /// Content nodes.
        public var content: Int
        /// Metric nodes.
        public var metrics: Int
        /// All relationships (CREATED + PERFORMS).
        public var relationships: Int
    }

    /// Builds the graph into `store` in one transaction; unique indexes on `Creator.id` and `Content.id`
    /// are declared first. The store should be empty (ids are fixed); otherwise an id clash is an error.
    public static func build(into store: GraphStore, users: Int, seed: UInt64) throws -> Summary {
        guard users >= 1 && users <= 10_000_000 else {
            throw GraphError(.invalidValue(field: "users"), "users must be between 1 and 10000000")
        }
        let plan = Plan(users: users, seed: seed)
        return try store.writeSync(reserving: plan.metricCount * 300 + (16 << 20)) { txn in try plan.write(txn) }
    }

    struct Plan: Sendable {
        let users: Int
        let seed: UInt64
        let contentOwner: [Int32]
        let metricContent: [Int32]

        var contentCount: Int { contentOwner.count }
        var metricCount: Int { metricContent.count }

        init(users: Int, seed: UInt64) {
            self.users = users
            self.seed = seed
            var rng = SplitMix64(seed: seed)
            let contentTotal = users * 20
            let perUser = allocate(total: contentTotal, weights: (0..<users).map { _ in
                let u = rng.nextDouble()
                return 1 / (1 - u).squareRoot() - 1  // Lomax(α = 2)
            })
            var owners: [Int32] = []
            owners.reserveCapacity(contentTotal)
            for (u, n) in perUser.enumerated() { owners += repeatElement(Int32(u), count: n) }
            rng.shuffle(&owners)
            contentOwner = owners
            let metricTotal = contentTotal * 5
            let perContent = allocate(total: metricTotal, weights: (0..<contentTotal).map { _ in -log1p(-rng.nextDouble()) })
            var contents: [Int32] = []
            contents.reserveCapacity(metricTotal)
            for (c, n) in perContent.enumerated() { contents += repeatElement(Int32(c), count: n) }
            rng.shuffle(&contents)
            metricContent = contents
        }

        func write(_ txn: WriteTransaction) throws -> Summary {
            try txn.createIndex(label: "Creator", property: "id", unique: true)
            try txn.createIndex(label: "Content", property: "id", unique: true)
            var rng = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
            let creator = [try txn.intern(.label, "Creator")]
            let content = [try txn.intern(.label, "Content")]
            let metric = [try txn.intern(.label, "Metric")]
            let created = try txn.intern(.type, "CREATED")
            let performs = try txn.intern(.type, "PERFORMS")
            func key(_ name: String) throws -> UInt32 { try txn.intern(.key, name) }
            let (kID, kEmail, kName, kCountry, kPlan) = (try key("id"), try key("email"), try key("name"), try key("country"), try key("plan"))
            let (kTitle, kPlatform, kCreatedAt, kStatus) = (try key("title"), try key("platform"), try key("created_at"), try key("status"))
            let (kAt, kViews, kLikes, kComments, kShares) = (try key("at"), try key("views"), try key("likes"), try key("comments"), try key("shares"))
            let (kTimestamp, kEngagement) = (try key("timestamp"), try key("engagement"))
            let countries = ["US", "GB", "DE", "FR", "IN", "BR", "JP", "NG", "CA", "ES"]
            let plans = ["free", "free", "free", "pro", "pro", "business"]
            let platforms = ["youtube", "tiktok", "instagram", "x", "linkedin", "twitch"]
            let statuses = ["published", "published", "published", "draft", "archived"]
            let start: Int64 = 1_704_067_200  // 2024-01-01T00:00Z
            // Seconds are never :00 so every timestamp renders as HH:MM:SS (simpler for other engines' parsers).
            func time(_ seconds: Int64) throws -> PropertyValue {
                .dateTime(try ZonedDateTime(epochSecond: start + (seconds % 60 == 0 ? seconds + 1 : seconds)))
            }

            let append = try txn.entries(txn.tables.nodes) == 0
            for u in 0..<users {
                let id = Int64(u + 1)
                let props: [(UInt32, PropertyValue)] = [
                    (kID, .int(id)), (kEmail, .string("creator\(id)@example.com")), (kName, .string("Creator \(id)")),
                    (kCountry, .string(countries[rng.next(countries.count)])), (kPlan, .string(plans[rng.next(plans.count)])),
                ]
                guard try txn.insertNode(id: UInt64(id), labelTokens: creator, properties: props, append: append) else {
                    throw GraphError(.invalidValue(field: "id"), "node \(id) already exists; build the demo into an empty store")
                }
            }
            var contentTime: [Int64] = []
            contentTime.reserveCapacity(contentCount)
            for c in 0..<contentCount {
                let id = Int64(users + c + 1)
                let t = Int64(rng.next(365 * 86_400))
                contentTime.append(t)
                let props: [(UInt32, PropertyValue)] = [
                    (kID, .int(id)), (kTitle, .string("Post \(id)")), (kPlatform, .string(platforms[rng.next(platforms.count)])),
                    (kCreatedAt, try time(t)), (kStatus, .string(statuses[rng.next(statuses.count)])),
                ]
                guard try txn.insertNode(id: UInt64(id), labelTokens: content, properties: props, append: append) else {
                    throw GraphError(.invalidValue(field: "id"), "node \(id) already exists; build the demo into an empty store")
                }
            }
            var engagement: [Double] = []
            engagement.reserveCapacity(metricCount)
            for m in 0..<metricCount {
                let id = Int64(users + contentCount + m + 1)
                let views = Int64(rng.next(100_000)) * Int64(1 + rng.next(3)) / 2
                let likes = views * Int64(rng.next(200)) / 1000
                let comments = likes * Int64(rng.next(100)) / 1000
                let shares = likes * Int64(rng.next(50)) / 1000
                engagement.append(Double(likes + comments + shares) / Double(max(views, 1)))
                let at = contentTime[Int(metricContent[m])] + Int64(rng.next(30 * 86_400))
                let props: [(UInt32, PropertyValue)] = [
                    (kID, .int(id)), (kAt, try time(at)), (kViews, .int(views)), (kLikes, .int(likes)),
                    (kComments, .int(comments)), (kShares, .int(shares)),
                ]
                guard try txn.insertNode(id: UInt64(id), labelTokens: metric, properties: props, append: append) else {
                    throw GraphError(.invalidValue(field: "id"), "node \(id) already exists; build the demo into an empty store")
                }
            }
            var adjacency: [(UInt64, UInt32, UInt64, UInt64)] = []
            adjacency.reserveCapacity(contentCount + metricCount)
            let bulk = try txn.entries(txn.tables.outAdj) == 0 && txn.entries(txn.tables.rels) == 0
            func relate(_ type: UInt32, _ from: UInt64, _ to: UInt64, _ props: [(UInt32, PropertyValue)]) throws {
                let id = txn.state.nextRelationship
                try txn.insertRelationship(id: id, type: type, start: from, end: to, properties: props, append: bulk, deferAdjacency: bulk)
                if bulk { adjacency.append((from, type, to, id)) }
            }
            for c in 0..<contentCount {
                try relate(created, UInt64(contentOwner[c]) + 1, UInt64(users + c + 1), [(kTimestamp, try time(contentTime[c]))])
            }
            for m in 0..<metricCount {
                try relate(performs, UInt64(users + Int(metricContent[m]) + 1), UInt64(users + contentCount + m + 1), [(kEngagement, .float(engagement[m]))])
            }
            if bulk { try txn.appendAdjacency(&adjacency) }
            return Summary(creators: users, content: contentCount, metrics: metricCount, relationships: contentCount + metricCount)
        }
    }
}

extension WriteTransaction {
    /// Writes deferred adjacency entries (start, type, end, relationship) in key order, as appends.
    func appendAdjacency(_ entries: inout [(UInt64, UInt32, UInt64, UInt64)]) throws(GraphError) {
        entries.sort { ($0.0, $0.1, $0.2, $0.3) < ($1.0, $1.1, $1.2, $1.3) }
        for e in entries { try putAdjacency(incoming: false, e.0, e.1, e.2, e.3, append: true) }
        var incoming = entries.map { ($0.2, $0.1, $0.0, $0.3) }
        entries = []
        incoming.sort { ($0.0, $0.1, $0.2, $0.3) < ($1.0, $1.1, $1.2, $1.3) }
        for e in incoming { try putAdjacency(incoming: true, e.0, e.1, e.2, e.3, append: true) }
    }
}

/// Splits `total` into one share per weight, each at least 1, by largest remainder (exact total).
func allocate(total: Int, weights: [Double]) -> [Int] {
    let n = weights.count
    guard n > 0 else { return [] }
    let rest = max(total - n, 0)
    let sum = weights.reduce(0, +)
    var shares = [Int](repeating: 1, count: n)
    guard sum > 0 else { return shares }
    var fractions: [(Double, Int)] = []
    fractions.reserveCapacity(n)
    var given = 0
    for (i, w) in weights.enumerated() {
        let exact = w / sum * Double(rest)
        let whole = Int(exact)
        shares[i] += whole
        given += whole
        fractions.append((exact - Double(whole), i))
    }
    fractions.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
    for k in 0..<(rest - given) { shares[fractions[k % n].1] += 1 }
    return shares
}

/// A small, fast, seedable generator (SplitMix64) so the demo is the same on every platform.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextDouble() -> Double { Double(nextUInt64() >> 11) * 0x1.0p-53 }

    /// Uniform in 0 ..< n.
    mutating func next(_ n: Int) -> Int { Int(nextUInt64() % UInt64(n)) }

    mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, next(i + 1)) }
    }
}
