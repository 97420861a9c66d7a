import ArgumentParser
import Graph
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--data-dir`, shared by every command that opens the graph (the graph lives in `DIR/graph/`).
struct GraphDataDirectory: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $STUDIO_DATA_DIR or ./var); the graph is in DIR/graph/.")
    var dataDirectory: String?

    /// The data directory after applying the environment default.
    var resolved: String {
        if let dataDirectory { return dataDirectory }
        if let env = getenv("STUDIO_DATA_DIR"), let value = String(validatingCString: env), !value.isEmpty { return value }
        return "./var"
    }

    /// The graph store directory.
    var graphDirectory: String { resolved + "/graph" }

    func open(readOnly: Bool = false) throws -> GraphStore {
        if readOnly {
            return try GraphStore(directory: graphDirectory, options: GraphStore.Options(readOnly: true, exclusive: false))
        }
        return try GraphStore(directory: graphDirectory)
    }
}

/// `studio graph …`: tools for the property graph.
public struct GraphCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Import, export, generate and verify the property graph.",
        subcommands: [GraphImportCommand.self, GraphExportCommand.self, GraphDemoCommand.self, GraphCheckCommand.self, GraphStatsCommand.self]
    )

    /// Creates the command (ArgumentParser).
    public init() {}
}

/// `studio graph import`: loads neo4j-admin style CSV files in one transaction.
public struct GraphImportCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load CSV files in the neo4j-admin import format (all or nothing).",
        discussion: """
        Give a directory holding nodes*.csv and relationships*.csv (as written by `graph export`), or name files \
        with --nodes [Label:…=]FILE and --relationships [TYPE=]FILE as neo4j-admin does.
        """
    )

    @OptionGroup var data: GraphDataDirectory
    @Option(name: .customLong("nodes"), help: "A node file, optionally prefixed with labels: Label1:Label2=file.csv")
    var nodes: [String] = []
    @Option(name: .customLong("relationships"), help: "A relationship file, optionally prefixed with a type: TYPE=file.csv")
    var relationships: [String] = []
    @Argument(help: "A directory of CSV files written by `graph export`.")
    var directory: String?

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Runs the import.
    public func run() throws {
        guard directory != nil || !nodes.isEmpty || !relationships.isEmpty else {
            throw ValidationError("give a directory or at least one --nodes/--relationships file")
        }
        let store = try data.open()
        defer { store.close() }
        let clock = ContinuousClock()
        let started = clock.now
        var nodeCount = 0, relationshipCount = 0
        if let directory {
            let summary = try CSVImport.importDirectory(directory, into: store)
            nodeCount = summary.nodes
            relationshipCount = summary.relationships
        }
        if !nodes.isEmpty || !relationships.isEmpty {
            let nodeFiles = nodes.map { spec -> CSVImport.NodeFile in
                let (prefix, path) = splitSpec(spec)
                return CSVImport.NodeFile(path: path, labels: prefix.map { $0.split(separator: ":").map(String.init) } ?? [])
            }
            let relFiles = relationships.map { spec -> CSVImport.RelationshipFile in
                let (prefix, path) = splitSpec(spec)
                return CSVImport.RelationshipFile(path: path, type: prefix)
            }
            let more = try CSVImport.importFiles(nodes: nodeFiles, relationships: relFiles, into: store)
            nodeCount += more.nodes
            relationshipCount += more.relationships
        }
        let seconds = (clock.now - started).seconds
        print("imported \(nodeCount) nodes and \(relationshipCount) relationships in \(formatted(seconds)) s "
            + "(\(Int(Double(nodeCount + relationshipCount) / max(seconds, 1e-9))) entities/s)")
    }

    private func splitSpec(_ spec: String) -> (String?, String) {
        guard let eq = spec.firstIndex(of: "=") else { return (nil, spec) }
        return (String(spec[..<eq]), String(spec[spec.index(after: eq)...]))
    }
}

/// `studio graph export DIR`: writes the graph as neo4j-admin CSV files.
public struct GraphExportCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the graph as neo4j-admin import CSV files.")

    @OptionGroup var data: GraphDataDirectory
    @Argument(help: "Output directory (created if needed).")
    var output: String

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Runs the export (read-only; works beside a running daemon).
    public func run() throws {
        let store = try data.open(readOnly: true)
        defer { store.close() }
        let summary = try CSVExport.export(store, to: output)
        print("exported \(summary.nodes) nodes and \(summary.relationships) relationships to \(summary.files.count) files in \(output)")
    }
}

/// `studio graph demo --users N --seed S`: builds the deterministic creator graph.
public struct GraphDemoCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(commandName: "demo", abstract: "Build the deterministic demo creator graph into an empty store.")

    @OptionGroup var data: GraphDataDirectory
    @Option(help: "Number of creators (content ≈ 20 per creator, metrics ≈ 5 per content).")
    var users: Int = 1000
    @Option(help: "Random seed; the same seed gives the same graph.")
    var seed: UInt64 = 20_240_601

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Builds the graph.
    public func run() throws {
        let store = try data.open()
        defer { store.close() }
        let clock = ContinuousClock()
        let started = clock.now
        let s = try DemoGraph.build(into: store, users: users, seed: seed)
        print("built \(s.creators) creators, \(s.content) content, \(s.metrics) metrics and \(s.relationships) relationships "
            + "in \(formatted((clock.now - started).seconds)) s")
    }
}

/// `studio graph check`: verifies records, adjacency, indexes and counts agree.
public struct GraphCheckCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(commandName: "check", abstract: "Verify that records, adjacency, indexes and counts agree.")

    @OptionGroup var data: GraphDataDirectory

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Prints each problem and exits with status 1 if any.
    public func run() throws {
        let store = try data.open(readOnly: true)
        defer { store.close() }
        let report = try store.check()
        if report.isClean {
            print("graph is consistent: \(report.nodes) nodes, \(report.relationships) relationships")
            return
        }
        for problem in report.problems { printToStandardError("problem: \(problem)") }
        printToStandardError("graph check failed: \(report.problems.count) problem(s)")
        throw ExitCode(1)
    }
}

/// `studio graph stats`: counts per label and type, and declared indexes.
public struct GraphStatsCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(commandName: "stats", abstract: "Print counts per label and type, and indexes.")

    @OptionGroup var data: GraphDataDirectory

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Prints the counts.
    public func run() throws {
        let store = try data.open(readOnly: true)
        defer { store.close() }
        let stats = try store.read { txn in try txn.stats() }
        print("nodes \(stats.nodes), relationships \(stats.relationships)")
        for (label, n) in stats.labels.sorted(by: { $0.key < $1.key }) { print("  :\(label) \(n)") }
        for (type, n) in stats.types.sorted(by: { $0.key < $1.key }) { print("  [:\(type)] \(n)") }
        for index in stats.indexes { print("  index :\(index.label)(\(index.property))\(index.unique ? " unique" : "")") }
    }
}

/// `studio backup DIR`: a consistent, compacted hot copy of the graph into `DIR/graph/`.
public struct BackupCommand: ParsableCommand {
    /// Command metadata.
    public static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the graph (consistent snapshot, compacted) while the daemon keeps serving writes.",
        discussion: "The copy goes to DIR/graph/, so `--data-dir DIR` opens it."
    )

    @OptionGroup var data: GraphDataDirectory
    @Argument(help: "Target directory (must not already hold a graph).")
    var target: String

    /// Creates the command (ArgumentParser).
    public init() {}

    /// Takes the copy.
    public func run() throws {
        let store = try data.open(readOnly: true)
        defer { store.close() }
        let clock = ContinuousClock()
        let started = clock.now
        try store.backup(to: target + "/graph")
        print("backed up the graph to \(target)/graph in \(formatted((clock.now - started).seconds)) s")
    }
}

private func printToStandardError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

private extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

private func formatted(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
