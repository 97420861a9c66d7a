// swift-tools-version:6.1
import PackageDescription

// Upcoming features on for our own code; the C wrapper targets are system libraries.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "CreatorStudio",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "studio", targets: ["studio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // C libraries from Debian packages, each imported by exactly one Swift module.
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CArgon2", path: "Sources/CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Build stamp: version, commit and date compiled into the binary.
        .plugin(name: "BuildInfoPlugin", capability: .buildTool(), path: "Sources/BuildInfoPlugin"),
        .target(name: "BuildInfo", plugins: ["BuildInfoPlugin"]),

        // Engines.
        .target(name: "HTTP", dependencies: ["CMicroHTTPD", "CZlib", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "Graph", dependencies: ["CLMDB"], swiftSettings: swiftSettings),
        .target(name: "Cache", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(name: "Crypto", dependencies: ["COpenSSL", "CArgon2"], swiftSettings: swiftSettings),
        .target(name: "Cypher", dependencies: ["Graph"], swiftSettings: swiftSettings),
        .target(name: "HTTPClient", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "OrderedJSON", swiftSettings: swiftSettings),
        .target(name: "CivilDate", swiftSettings: swiftSettings),
        .target(name: "Platforms", dependencies: ["OrderedJSON"], swiftSettings: swiftSettings),
        .target(name: "Writing", dependencies: ["Platforms"], swiftSettings: swiftSettings),

        // Domain.
        .target(name: "Accounts", dependencies: ["Crypto", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
        .target(name: "Billing", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
        .target(name: "Content", dependencies: ["Graph", "Writing", "CivilDate"], swiftSettings: swiftSettings),
        .target(name: "Generation", dependencies: ["HTTPClient", "Writing", "Platforms", "OrderedJSON", "CivilDate"], swiftSettings: swiftSettings),
        .target(name: "Connectors", dependencies: ["HTTPClient", "Platforms", "Crypto", "CivilDate"], swiftSettings: swiftSettings),
        .target(name: "Publishing", dependencies: ["Connectors", "Platforms", "Crypto", "CivilDate", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),

        // HTTP surfaces of the engines and domains: each installs its routes on a Router.
        .target(name: "GraphAPI", dependencies: ["HTTP", "Graph", "Cypher"], swiftSettings: swiftSettings),
        .target(name: "AccountsAPI", dependencies: ["HTTP", "Accounts", "Crypto"], swiftSettings: swiftSettings),
        .target(name: "BillingAPI", dependencies: ["HTTP", "Billing", "Crypto"], swiftSettings: swiftSettings),
        .target(name: "GenerationAPI", dependencies: ["HTTP", "Generation", "Content", "Writing", "Platforms", "CivilDate", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "ContentAPI", dependencies: ["HTTP", "Content", "Graph", "Writing", "CivilDate"], swiftSettings: swiftSettings),
        .target(name: "PublishingAPI", dependencies: ["HTTP", "HTTPClient", "Publishing", "Connectors", "Platforms", "Content", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),

        // App layer: wiring, routes, workers; the only place that knows every piece.
        .target(
            name: "StudioServer",
            dependencies: [
                "HTTP", "Graph", "Cache", "Crypto", "Cypher", "Accounts", "Billing", "BuildInfo", "GraphAPI", "AccountsAPI", "BillingAPI",
                "Content", "ContentAPI", "Generation", "GenerationAPI", "Platforms", "Writing", "HTTPClient", "Publishing", "PublishingAPI", "Connectors",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "studio",
            dependencies: [
                "StudioServer", "Graph", "Accounts", "AccountsAPI", "Billing", "BillingAPI", "HTTP", "Content", "Generation", "PublishingAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "studio-bench",
            dependencies: ["StudioServer", "HTTP", "Graph", "Cache", "Crypto", "Cypher", "Billing", "Content", "Generation", "Writing", "Publishing",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        .executableTarget(name: "cypher-tck", dependencies: ["Cypher", "Graph"], swiftSettings: swiftSettings),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], swiftSettings: swiftSettings),
        .testTarget(name: "GraphTests", dependencies: ["Graph"], swiftSettings: swiftSettings),
        .testTarget(name: "CacheTests", dependencies: ["Cache"], swiftSettings: swiftSettings),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"], swiftSettings: swiftSettings),
        .testTarget(name: "GraphAPITests", dependencies: ["GraphAPI", "Graph", "HTTP"], swiftSettings: swiftSettings),
        .testTarget(name: "AccountsAPITests", dependencies: ["AccountsAPI", "Accounts", "HTTP"], swiftSettings: swiftSettings),
        .testTarget(name: "BillingAPITests", dependencies: ["BillingAPI", "Billing", "HTTP"], swiftSettings: swiftSettings),
        .testTarget(name: "CypherTests", dependencies: ["Cypher", "Graph"], swiftSettings: swiftSettings),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "Crypto"], swiftSettings: swiftSettings),
        .testTarget(name: "BillingTests", dependencies: ["Billing"], swiftSettings: swiftSettings),
        .testTarget(name: "GenerationAPITests", dependencies: ["GenerationAPI", "HTTP", "Content"], swiftSettings: swiftSettings),
        .testTarget(name: "PlatformsTests", dependencies: ["Platforms"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"], swiftSettings: swiftSettings),
        .testTarget(name: "WritingTests", dependencies: ["Writing", "Platforms"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "HTTPClient", "Writing", "Platforms", "OrderedJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "ContentTests", dependencies: ["Content", "Graph", "Writing", "CivilDate"], swiftSettings: swiftSettings),
        .testTarget(name: "ContentAPITests", dependencies: ["ContentAPI", "Content", "Graph", "HTTP", "Writing", "CivilDate"], swiftSettings: swiftSettings),
        .testTarget(name: "ConnectorsTests", dependencies: ["Connectors", "HTTPClient", "Platforms", "Crypto", "HTTP", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "PublishingTests", dependencies: ["Publishing", "Connectors", "Platforms", "Crypto", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
        .testTarget(name: "StudioServerTests", dependencies: ["StudioServer", "HTTP", "Graph", "Cache", "Accounts", "AccountsAPI", "Billing", "BillingAPI", "Crypto", "Content", "PublishingAPI"], swiftSettings: swiftSettings),
    ]
)
