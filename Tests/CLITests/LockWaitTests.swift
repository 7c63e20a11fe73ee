import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `ledger-cli append LOG BATCH` in `dir` while this process holds the log's lock for
/// `seconds`, and returns what it printed.
private func appendBehindALock(held seconds: Double, in dir: TemporaryFolder) throws -> CLIResult {
    let fd = open(dir.file("events.jsonl"), O_RDWR)
    #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
    let (out, err) = (try dir.write("out", []), try dir.write("err", []))
    let process = Process()
    process.executableURL = LedgerCLI.executable
    process.arguments = ["append", "events.jsonl", "batch.jsonl"]
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: err)
    try process.run()
    usleep(UInt32(seconds * 1_000_000))
    close(fd)
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: try dir.text("out"), stderr: try dir.text("err"))
}

/// An append behind another writer's lock waits for it; a wait of more than a second is said
/// once on standard error, a short one not at all.
@Test func anAppendWaitingForAnotherWritersLockSaysSo() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("a.jsonl", jsonl([eventLine("a1", "T1", "accepted", "01 09:00", #""channel":"hotline""#)]))
    #expect(try LedgerCLI.run(["append", "events.jsonl", "a.jsonl"], in: dir.path).status == 0)

    try dir.write("batch.jsonl", jsonl([eventLine("a2", "T2", "accepted", "01 09:05", #""channel":"hotline""#)]))
    let long = try appendBehindALock(held: 2.0, in: dir)
    #expect(long.status == 0 && long.stdout.hasPrefix("appended 1 event to events.jsonl"))
    #expect(long.stderr == "waiting for another writer of events.jsonl to finish (it holds the writers' lock)\n")

    try dir.write("batch.jsonl", jsonl([eventLine("a3", "T3", "accepted", "01 09:10", #""channel":"hotline""#)]))
    let short = try appendBehindALock(held: 0.1, in: dir)
    #expect(short.status == 0 && short.stdout.hasPrefix("appended 1 event to events.jsonl"))
    #expect(short.stderr.isEmpty)
    #expect(try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path).stdout.hasPrefix("3 events, 3 tickets, 0 errors"))
}
