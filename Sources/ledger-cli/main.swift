#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events

// Closed standard descriptors (`>&-`) are taken by /dev/null first, so that no file opened later
// is descriptor 1 or 2 and receives the messages; a report to a closed standard output fails.
Terminal.reserveClosedStandardDescriptors()

// A write past a file-size limit (ulimit -f) fails with EFBIG instead of killing the process, so
// that an append rolls back and says why.
signal(SIGXFSZ, SIG_IGN)

// A writer that finds another writer's lock on the log waits for it, and says so.
WriterLockWait.onWait { log in
    if Terminal.isStandardErrorTerminal { Terminal.writeError("\r\u{1B}[K") }   // over a progress line
    Terminal.writeErrorLine("waiting for another writer of \(log) to finish (it holds the writers' lock)")
}

let dispatcher = CommandDispatcher(
    commandName: "ledger-cli",
    abstract: "Keep 12345 hotline ticket events in an append-only log and fold them into assessment tables.",
    subcommands: [
        VerifyCommand.self,
        AppendCommand.self,
        ImportCommand.self,
        RepairCommand.self,
        DigestCommand.self,
        ReplayCommand.self,
        ExplainCommand.self,
        WhatIfCommand.self,
        BulletinCommand.self,
        FollowCommand.self,
        DeadlinesCommand.self,
        CopyCommand.self,
    ]
)
var status = dispatcher.run(Array(CommandLine.arguments.dropFirst()))
// A report that did not reach its file (a full disk, `ulimit -f`) is a failure, not an empty success.
if let failure = Terminal.outputFailure() {
    Terminal.writeErrorLine("Error: cannot write the output: \(failure); what was written is incomplete")
    if status == 0 { status = CommandDispatcher.failureExitCode }
}
exit(status)
