import Events

/// `ledger-cli repair LOG`: settle an interrupted append, move a torn last line aside.
enum RepairCommand: Subcommand {
    static let spec = CommandSpec(
        name: "repair",
        abstract: "Finish or roll back an interrupted append; move a torn last line to a side file.",
        discussion: """
        An append that was stopped while it wrote (a crash, kill -9, a full disk, a file-size limit) leaves \
        LOG.pending beside the log, recording the log's length before the batch and the batch's digest. Repair \
        settles it first: if the log holds the whole batch, the append is finished and the marker removed; \
        otherwise the bytes the batch left are copied to LOG.interrupted-<UTC time>, flushed, and the log is cut \
        back to where it ended before the batch, so that the batch can be appended again as a whole. (The next \
        append does the same by itself; replay and verify leave such bytes out and say so.)

        Then, when the log's last line has no newline, its bytes are copied to LOG.torn-<UTC time> and flushed to \
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
        var output = report.interruptedAppend.map { Self.describe($0, log: log) + "\n" } ?? ""
        guard let side = report.sideFile else {
            if report.interruptedAppend == nil { output += "\(log) ends with a complete line; nothing to repair\n" }
            Terminal.write(output)
            return 0
        }
        output += "moved \(counted(Int(report.tornByteCount), "byte")) of a torn last line from \(log) to \(side)\n"
        if report.tornLineIsCompleteEvent {
            output += "the moved line is a complete event that only lacked its newline; to keep it, run: ledger-cli append \(log) \(side)\n"
        }
        Terminal.write(output)
        return 0
    }

    /// One line on how an interrupted append was settled.
    static func describe(_ outcome: PendingAppend.Outcome, log: String) -> String {
        switch outcome {
        case .finished(let pending):
            return "finished an interrupted append: all \(counted(pending.lineCount, "line")) of its batch were in \(log)"
        case .rolledBack(let pending, let bytes, let side?) where pending.isOpen:
            return "rolled back an interrupted streamed append (an import that never finished): moved the \(counted(Int(bytes), "byte")) "
                + "it had written from \(log) to \(side); \(log) is back to \(counted(Int(pending.logLength), "byte")), run the import again"
        case .rolledBack(let pending, _, nil) where pending.isOpen:
            return "rolled back an interrupted streamed append (an import that never finished): none of it had been written to \(log)"
        case .rolledBack(let pending, let bytes, let side?):
            return "rolled back an interrupted append of \(counted(pending.lineCount, "line")): moved the \(counted(Int(bytes), "byte")) "
                + "it had written from \(log) to \(side); \(log) is back to \(counted(Int(pending.logLength), "byte")), append the batch again"
        case .rolledBack(let pending, _, nil):
            return "rolled back an interrupted append of \(counted(pending.lineCount, "line")): none of it had been written to \(log)"
        }
    }
}
