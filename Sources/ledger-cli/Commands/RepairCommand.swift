import Events

/// `ledger-cli repair LOG`: move a torn last line aside.
enum RepairCommand: Subcommand {
    static let spec = CommandSpec(
        name: "repair",
        abstract: "Move a torn last line (a write cut short by a crash) to a side file.",
        discussion: """
        When the log's last line has no newline, its bytes are copied to LOG.torn-<UTC time> and flushed to \
        disk, then the log is cut just after its last complete line. No byte is ever deleted. A log that ends \
        with a newline is left alone. Takes the same lock as append, so it is safe while appenders run.

        Example:
          ledger-cli repair events.jsonl
        """,
        arguments: [.required("LOG", help: "The event log (a regular file).")]
    )

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        let report = try LogRepair(path: log).repair()
        guard let side = report.sideFile else {
            Terminal.writeLine("\(log) ends with a complete line; nothing to repair")
            return 0
        }
        var output = "moved \(counted(Int(report.tornByteCount), "byte")) of a torn last line from \(log) to \(side)\n"
        if report.tornLineIsCompleteEvent {
            output += "the moved line is a complete event that only lacked its newline; to keep it, run: ledger-cli append \(log) \(side)\n"
        }
        Terminal.write(output)
        return 0
    }
}
