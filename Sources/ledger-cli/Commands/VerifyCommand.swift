import Events

/// `ledger-cli verify LOG`: every problem of a log, then a summary.
enum VerifyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "verify",
        abstract: "Check every line of a log: JSON, fields, timestamps, ids and the ticket life cycle.",
        discussion: """
        Streams the log (memory does not grow with its length) and prints each problem as FILE:LINE: message, \
        then a summary such as '1,204 events, 311 tickets, 3 errors'. Checking goes on after a bad line; a bad \
        line does not change its ticket's state. Exits with 0 when the log is clean and 1 when it is not.

        Examples:
          ledger-cli verify samples/events.jsonl
          ledger-cli verify samples/bad-events.jsonl
          cat events.jsonl | ledger-cli verify -
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines); '-' reads standard input.")]
    )

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        let name = displayName(log)
        var output = ""
        let summary = try LogVerifier.verifyFile(at: log) { problem in
            output += problem.formatted(file: name) + "\n"
            if output.utf8.count >= 1 << 16 {
                Terminal.write(output)
                output = ""
            }
        }
        Terminal.write(output + summary.description + "\n")
        return summary.isClean ? 0 : 1
    }
}
