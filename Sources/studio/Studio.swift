import ArgumentParser
import BuildInfo

/// `studio`: the Creator Studio daemon and its tools.
@main
struct Studio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "Creator Studio: content, publishing, analytics and billing for one creator's business, in one daemon.",
        version: "studio \(BuildInfo.version) (\(BuildInfo.commit), \(BuildInfo.buildDate))",
        subcommands: StudioCommands.all
    )
}
