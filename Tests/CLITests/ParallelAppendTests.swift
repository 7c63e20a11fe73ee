import Foundation
import Testing

/// One worker's batches: 150 tickets, each accepted, assigned and closed, in 11 batches of
/// at most 45 events, a ticket's closure coming in the batch after its assignment.
private func batches(worker: Int) -> [String] {
    let groups = 10, perGroup = 15
    func ticket(_ n: Int) -> String { "W\(worker)-T\(n)" }
    func time(_ minute: Int) -> String {
        let day = 1 + minute / 1_440, rest = minute % 1_440
        return String(format: "%02d %02d:%02d", day, rest / 60, rest % 60)
    }
    var result: [String] = []
    for group in 0...groups {
        var lines: [String] = []
        if group > 0 {
            for n in (group - 1) * perGroup ..< group * perGroup {
                lines.append(eventLine("W\(worker)-E\(n)-c", ticket(n), "closed", time(n * 10 + 2_000), #""unit":"单位\#(n % 7)""#))
            }
        }
        if group < groups {
            for n in group * perGroup ..< (group + 1) * perGroup {
                lines.append(eventLine("W\(worker)-E\(n)-a", ticket(n), "accepted", time(n * 10), #""channel":"hotline""#))
                lines.append(eventLine("W\(worker)-E\(n)-s", ticket(n), "assigned", time(n * 10 + 5),
                                       #""unit":"单位\#(n % 7)","due":"2024-02-20T18:00:00+08:00""#))
            }
        }
        result.append(jsonl(lines))
    }
    return result
}

@Test func fourParallelAppendersLoseNothing() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    var workers: [Process] = []
    for worker in 0..<4 {
        var names: [String] = []
        for (index, batch) in batches(worker: worker).enumerated() {
            names.append("w\(worker)-\(index).jsonl")
            try dir.write(names.last!, batch)
        }
        // Each worker is a shell that runs its appends one after the other.
        let script = names.map { "\"$0\" append events.jsonl \($0) >/dev/null 2>>w\(worker).err || exit 1" }.joined(separator: "\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, LedgerCLI.executable.path]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        workers.append(process)
    }
    for process in workers { try process.run() }
    for process in workers { process.waitUntilExit() }
    let errors = try (0..<4).map { try dir.text("w\($0).err") }.joined()
    #expect(workers.map(\.terminationStatus) == [0, 0, 0, 0], "\(errors)")

    let verify = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
    #expect(verify.status == 0)
    // The first append created the log, so it is chained, and the chain holds across all appenders.
    #expect(verify.stdout.hasPrefix("1,800 events, 600 tickets, 0 errors; chain head "))

    // Every event is there once, and each worker's events keep their order.
    let lines = try dir.text("events.jsonl").split(separator: "\n")
    #expect(lines.count == 1_800)
    // No marker or temporary file is left; the state file the appenders kept (each saved its own
    // temporary file and renamed it) is sound and describes the log: the next append uses it.
    #expect(try dir.listing().filter { $0.hasPrefix("events.jsonl") } == ["events.jsonl", "events.jsonl.ledger-state"])
    for worker in 0..<4 {
        let expected = batches(worker: worker).flatMap { $0.split(separator: "\n") }.map { $0.dropLast() }
        let written = lines.filter { $0.hasPrefix(#"{"id":"W\#(worker)-"#) }
        #expect(written.count == 450)
        #expect(zip(written, expected).allSatisfy { $0.0.hasPrefix($0.1) }, "worker \(worker)'s lines are intact and in order")
    }
    let more = try LedgerCLI.run(["append", "events.jsonl", "-"], in: dir.path,
                                 input: jsonl([eventLine("X-1", "X", "accepted", "05 09:00", #""channel":"hotline""#)]))
    #expect(more.status == 0)
    #expect(more.stderr == "", "the state file is used without a warning")
    let duplicate = try LedgerCLI.run(["append", "events.jsonl", "-"], in: dir.path,
                                      input: jsonl([eventLine("W0-E0-a", "Y", "accepted", "05 09:00", #""channel":"hotline""#)]))
    #expect(duplicate.status == 1)
}
