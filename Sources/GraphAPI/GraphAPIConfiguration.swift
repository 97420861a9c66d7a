import Graph

/// Limits of the graph REST API: page sizes, traversal depth and the size of property values a request may send.
///
/// The defaults suit an admin page and scripts on one box; the app may read them from its configuration.
///
/// ```swift
/// var configuration = GraphAPIConfiguration()
/// configuration.maxDepth = 4
/// GraphRoutes.install(on: &router, store: store, configuration: configuration)
/// ```
public struct GraphAPIConfiguration: Sendable, Hashable {
    /// The deepest `depth` a neighbours request may ask for (hops from the start node).
    public var maxDepth: Int
    /// The largest `limit` a list request may ask for.
    public var maxPageSize: Int
    /// The page size when a request gives no `limit`.
    public var defaultPageSize: Int
    /// The most items one list property value may hold.
    public var maxListLength: Int
    /// The deepest nesting of lists in one property value (`[[1]]` nests 2 deep).
    ///
    /// The store refuses lists nested deeper than `PropertyValue.maxDepth` whatever this says, so a larger
    /// value only moves that refusal from this layer to the store (still a 400).
    public var maxListNesting: Int
    /// The longest label, relationship type or property key, in UTF-8 bytes (the store's own limit is 65,535).
    public var maxNameBytes: Int

    /// Limits with the given values; each defaults to the documented value.
    public init(maxDepth: Int = 3, maxPageSize: Int = 1000, defaultPageSize: Int = 100, maxListLength: Int = 10_000,
                maxListNesting: Int = PropertyValue.maxDepth, maxNameBytes: Int = 65_535) {
        self.maxDepth = max(1, maxDepth)
        self.maxPageSize = max(1, maxPageSize)
        self.defaultPageSize = min(max(1, defaultPageSize), self.maxPageSize)
        self.maxListLength = max(0, maxListLength)
        self.maxListNesting = max(1, maxListNesting)
        self.maxNameBytes = max(1, min(maxNameBytes, 65_535))
    }
}
