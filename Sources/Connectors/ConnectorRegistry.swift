import HTTPClient
import Platforms

/// Which connector publishes to which platform.
///
/// Connectors are looked up by their own id (`mastodon`, `bluesky`, `webhook`, `export`) or by a
/// platform profile: Mastodon and Bluesky profiles go to their API connectors, every profile marked
/// `manualUpload` to an export bundle for that profile, and any other profile has no connector yet.
///
/// ```swift
/// let registry = ConnectorRegistry.standard(exportRoot: dataDirectory + "/exports")
/// let connector = registry.connector(forProfile: catalog.profile("youtube")!)   // an ExportBundleConnector
/// ```
public struct ConnectorRegistry: Sendable {
    private var byID: [String: any PlatformConnector]
    private let exportRoot: String?

    /// A registry of the given connectors, keyed by their `platform`.
    /// - Parameter exportRoot: The folder export bundles must be written inside (nil: any absolute path).
    public init(_ connectors: [any PlatformConnector], exportRoot: String? = nil) {
        byID = [:]
        for connector in connectors { byID[connector.platform] = connector }
        self.exportRoot = exportRoot
    }

    /// Mastodon, Bluesky, webhook and export bundles, sharing one HTTP client.
    /// - Parameters:
    ///   - client: The HTTP client every network connector uses.
    ///   - exportRoot: The folder export bundles must be written inside (the data directory).
    public static func standard(client: HTTPClient = HTTPClient(), exportRoot: String?) -> ConnectorRegistry {
        ConnectorRegistry(
            [
                MastodonConnector(client: client),
                BlueskyConnector(client: client),
                WebhookConnector(client: client),
                ExportBundleConnector(root: exportRoot),
            ], exportRoot: exportRoot)
    }

    /// The connector ids registered.
    public var platforms: [String] { byID.keys.sorted() }

    /// The connector registered under `platform` (`mastodon`, `bluesky`, `webhook`, `export`), or nil.
    public func connector(for platform: String) -> (any PlatformConnector)? { byID[platform] }

    /// The connector id a platform profile publishes through: its own id for `mastodon` and `bluesky`,
    /// `export` for a profile with `manualUpload`, nil when no connector can publish to it.
    public static func connectorID(forProfile profile: PlatformProfile) -> String? {
        switch profile.id {
        case "mastodon", "bluesky": profile.id
        default: profile.manualUpload ? "export" : nil
        }
    }

    /// The connector for a platform profile; for a manual-upload profile an export bundle whose
    /// `meta.json` names that profile. Nil when none is registered for it.
    public func connector(forProfile profile: PlatformProfile) -> (any PlatformConnector)? {
        guard let id = Self.connectorID(forProfile: profile), let connector = byID[id] else { return nil }
        if let export = connector as? ExportBundleConnector { return ExportBundleConnector(target: profile.id, root: export.root ?? exportRoot) }
        return connector
    }

    /// Registers (or replaces) a connector under its `platform`.
    public mutating func register(_ connector: any PlatformConnector) { byID[connector.platform] = connector }
}
