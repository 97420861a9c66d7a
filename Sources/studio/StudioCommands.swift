import ArgumentParser

/// Every subcommand of `studio`, in the order `--help` lists them.
enum StudioCommands {
    static let all: [any ParsableCommand.Type] = [
        Serve.self,
        ConfigCommand.self,
        UserCommand.self,
        AuditCommand.self,
        GraphCommand.self,
        BackupCommand.self,
        BillingCommand.self,
        DemoCommand.self,
    ]
}
