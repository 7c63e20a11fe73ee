import Events

/// `ledger-cli verify LOG`: every problem of a log, then a summary.
enum VerifyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "verify",
        abstract: "Check every line of a log: JSON, fields, timestamps, ids, the ticket life cycle and the hash chain.",
        discussion: """
        Streams the log (memory does not grow with its length) and prints each problem as FILE:LINE: message, \
        then a summary such as '1,204 events, 311 tickets, 3 errors; chain head 3f2a…'. Checking goes on after a \
        bad line; a bad line does not change its ticket's state. Exits with 0 when the log is clean and 1 when it \
        is not.

        A chained log (one written by 'ledger-cli append') has its hash chain recomputed: a line that was \
        changed, added or removed is reported as 'hash chain broken' at that line, and checking goes on from \
        it, so only the changed lines are named. The summary ends with the chain head, the value \
        'ledger-cli digest' prints, or with 'not chained' for a log imported without a chain.

        Examples:
          ledger-cli verify samples/chained.jsonl
          ledger-cli verify samples/bad-events.jsonl
          ledger-cli verify --require-chain samples/events.jsonl
          cat events.jsonl | ledger-cli verify -
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines); '-' reads standard input.")],
        options: [
            .flag("require-chain", help: "Fail unless every line, from the first, carries the hash chain."),
            CommonOptions.maxLineBytes,
        ]
    )

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        let name = displayName(log)
        var output = ""
        try CommonOptions.requireRegularLog(log)
        let summary = try LogVerifier.verifyFile(at: log, requireChain: parsed.flag("require-chain"),
                                                 maxLineBytes: try CommonOptions.maxLineBytes(parsed)) { problem in
            output += problem.described(file: name) + "\n"
            if output.utf8.count >= 1 << 16 {
                Terminal.write(output)
                output = ""
            }
        }
        Terminal.write(output + summary.description + "; " + summary.chain.description + "\n")
        return summary.isClean ? 0 : 1
    }
}
