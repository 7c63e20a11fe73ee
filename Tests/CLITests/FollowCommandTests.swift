import Foundation
import Testing

/// `ledger-cli follow`: the table once, then again after each commit of another process.
@Test func followPrintsTheReplayObjectAgainAfterEachCommitOfAnotherProcess() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl(assignedTicket))
    let follow = Process()
    follow.executableURL = LedgerCLI.executable
    follow.arguments = ["follow", "events.jsonl", "--period", "2024-02", "--format", "json", "--updates", "2", "--interval", "5"]
    follow.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    try dir.write("follow.out", "")
    follow.standardOutput = FileHandle(forWritingAtPath: dir.file("follow.out"))
    follow.standardError = FileHandle.nullDevice
    try follow.run()
    // SIGKILL: a process started from a test's thread inherits its blocked signals (SIGTERM).
    defer { if follow.isRunning { kill(follow.processIdentifier, SIGKILL) } }
    func lines() throws -> [String] { try dir.text("follow.out").split(separator: "\n").map(String.init) }
    func waitFor(_ count: Int) throws {
        let deadline = Date().addingTimeInterval(20)
        while try lines().count < count && Date() < deadline { usleep(10_000) }
    }
    try waitFor(1)
    for (n, batch) in [[eventLine("b1", "T1", "closed", "02 10:00", #""unit":"市城管局""#)],
                       [eventLine("c1", "T2", "accepted", "02 11:00", #""channel":"hotline""#)]].enumerated() {
        let append = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl(batch))
        #expect(append.status == 0, "\(append.stderr)")
        try waitFor(2 + n)
    }
    let deadline = Date().addingTimeInterval(20)
    while follow.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!follow.isRunning && follow.terminationStatus == 0)
    // Each update is exactly the JSON object of replay as of the instant it names, on one line,
    // for the log as it was then.
    let updates = try lines()
    #expect(updates.count == 3)
    let asOf = try #require(try followObject(updates[2])["asOf"] as? String)
    let replay = try LedgerCLI.run(["replay", "events.jsonl", "--period", "2024-02", "--format", "json", "--as-of", asOf], in: dir.path)
    #expect(try followObject(updates[2]) == followObject(replay.stdout))
    #expect(updates[0].contains(#""done": 0"#) && updates[1].contains(#""done": 1"#))
}

private func followObject(_ text: String) throws -> NSDictionary {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
}

/// A live table counts an open ticket as due once its deadline has come, not before: `follow`
/// prints the table again when a deadline passes, with no new event, and each update is replay's
/// as of the instant it names.
@Test func followPrintsTheTableAgainWhenADeadlineComes() throws {
    let now = Date()
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
    func time(_ seconds: Double) -> String { formatter.string(from: now.addingTimeInterval(seconds)) }
    func day(_ days: Double) -> String { String(time(days * 86_400).prefix(10)) }
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl([
        #"{"id":"1","ticket":"A","type":"accepted","at":"\#(time(-7200))"}"#,
        #"{"id":"2","ticket":"A","type":"assigned","at":"\#(time(-7200))","unit":"市住建局","due":"\#(time(-3600))"}"#,
        #"{"id":"3","ticket":"B","type":"accepted","at":"\#(time(-7200))"}"#,
        #"{"id":"4","ticket":"B","type":"assigned","at":"\#(time(-7200))","unit":"市住建局","due":"\#(time(6))"}"#,
        #"{"id":"5","ticket":"C","type":"accepted","at":"\#(time(-7200))"}"#,
        #"{"id":"6","ticket":"C","type":"assigned","at":"\#(time(-7200))","unit":"市住建局","due":"\#(time(86_400 * 3))"}"#,
    ]))
    let period = "\(day(-1))..\(day(1))"
    let follow = Process()
    follow.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    follow.arguments = ["-s", "KILL", "60", LedgerCLI.executable.path,
                        "follow", "events.jsonl", "-p", period, "--format", "json", "--updates", "1"]
    follow.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    try dir.write("follow.out", "")
    follow.standardOutput = FileHandle(forWritingAtPath: dir.file("follow.out"))
    follow.standardError = FileHandle.nullDevice
    try follow.run()
    let deadline = Date().addingTimeInterval(40)
    while follow.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!follow.isRunning && follow.terminationStatus == 0)
    let updates = try dir.text("follow.out").split(separator: "\n").map(String.init)
    try #require(updates.count == 2, "\(updates)")
    var instants: [Date] = []
    for (update, due) in zip(updates, [1, 2]) {
        let object = try followObject(update)
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["due"] as? Int == due && total["overdue"] as? Int == due, "\(update)")
        let asOf = try #require(object["asOf"] as? String)
        // To the nanosecond; the seconds are enough here.
        instants.append(try #require(formatter.date(from: String(asOf.prefix(19)) + "+08:00"), "\(asOf)"))
        let replay = try LedgerCLI.run(["replay", "events.jsonl", "-p", period, "--format", "json", "--as-of", asOf], in: dir.path)
        #expect(try followObject(replay.stdout) == object)
    }
    // The second table came when B's deadline did, not at the next commit (there was none).
    let due = now.addingTimeInterval(6).timeIntervalSince1970.rounded(.down)
    #expect(instants[0].timeIntervalSince1970 < due && instants[1].timeIntervalSince1970 >= due, "\(instants)")
    #expect(instants[1].timeIntervalSince1970 - due < 5, "\(instants)")
}

@Test func followRefusesWhatItCannotFollow() throws {
    let missing = try LedgerCLI.run(["follow", "nope.jsonl", "--period", "2024-02"])
    #expect(missing.status == 1)
    #expect(missing.stderr.hasPrefix("Error: nope.jsonl: cannot open the file"))
    let usage = try LedgerCLI.run(["follow", "samples/events.jsonl", "--period", "2024-02", "--format", "csv"])
    #expect(usage.status == 64)
    let help = try LedgerCLI.run(["follow", "--help"])
    #expect(help.status == 0 && help.stdout.contains("Ctrl-C ends it"))
}

/// Starts `follow events.jsonl -p 2024-02 --format json --interval 5` in `dir`, its output to
/// follow.out and follow.err there, and waits (up to 20 s) for its first table.
///
/// Under `timeout -s KILL`: a follow that never stops (a failure these tests are for) ends with
/// the test, whatever signals the test's thread blocks.
private func startFollow(in dir: TemporaryFolder, _ more: String...) throws -> Process {
    let follow = Process()
    follow.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    follow.arguments = ["-s", "KILL", "40", LedgerCLI.executable.path,
                        "follow", "events.jsonl", "--period", "2024-02", "--format", "json", "--interval", "5"] + more
    follow.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    try dir.write("follow.out", "")
    try dir.write("follow.err", "")
    follow.standardOutput = FileHandle(forWritingAtPath: dir.file("follow.out"))
    follow.standardError = FileHandle(forWritingAtPath: dir.file("follow.err"))
    try follow.run()
    let deadline = Date().addingTimeInterval(20)
    while try dir.text("follow.out").isEmpty && Date() < deadline { usleep(10_000) }
    return follow
}

/// `follow` of a log that then receives a line it cannot take (written around the ledger's
/// appends), or is replaced by another log, stops with exit 1 and says why, instead of going on
/// with a table that is no longer the log's (and reading the damaged log again and again).
@Test(arguments: ["damaged", "replaced", "replaced, same size and end", "removed"])
func followStopsWhenTheLogCannotBeFollowed(_ change: String) throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let first = assignedTicket
    try dir.write("events.jsonl", jsonl(first))
    try dir.write("other.jsonl", jsonl(first.map { $0.replacingOccurrences(of: "市城管局", with: "市水务集团") }))
    // The same length and the same last bytes: only another file (a rename over the log) says so.
    try dir.write("same-size.jsonl", jsonl(first).replacingOccurrences(of: #""id":"a1""#, with: #""id":"z1""#))
    let follow = try startFollow(in: dir)
    if change == "damaged" {
        let handle = try #require(FileHandle(forWritingAtPath: dir.file("events.jsonl")))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"id":"x1","ticket":"broken"#.utf8 + [0x0A]))
        handle.closeFile()
    } else if change == "replaced" {
        #expect(rename(dir.file("other.jsonl"), dir.file("events.jsonl")) == 0)
    } else if change == "removed" {
        #expect(unlink(dir.file("events.jsonl")) == 0)
    } else {
        #expect(rename(dir.file("same-size.jsonl"), dir.file("events.jsonl")) == 0)
    }
    let deadline = Date().addingTimeInterval(20)
    while follow.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!follow.isRunning)
    #expect(follow.terminationStatus == 1)
    let errors = try dir.text("follow.err")
    #expect(try dir.text("follow.out").split(separator: "\n").count == 1)
    #expect(!errors.contains("nothing was appended"), "\(errors)")
    if change == "damaged" {
        #expect(errors.contains("events.jsonl:3: malformed JSON"), "\(errors)")
        #expect(errors.contains("events.jsonl has invalid lines; run 'ledger-cli verify events.jsonl' for the full list. follow stopped."), "\(errors)")
    } else if change == "removed" {
        #expect(errors.contains("events.jsonl: cannot open the file: No such file or directory. follow stopped."), "\(errors)")
    } else {
        #expect(errors.contains("events.jsonl: the log was rewritten: its first 2 lines are no longer those read"), "\(errors)")
    }
}

/// A log that cannot be followed from the start: the problem in a reader's words.
@Test func followOfAnInvalidLogSaysNoReportWasProduced() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("bad.jsonl", "{\"x\n")
    let bad = try LedgerCLI.run(["follow", "bad.jsonl", "-p", "2024-02"], in: dir.path)
    #expect(bad.status == 1 && bad.stdout.isEmpty)
    #expect(bad.stderr.contains("bad.jsonl has invalid lines; run 'ledger-cli verify bad.jsonl' for the full list. No report was produced."), "\(bad.stderr)")
    #expect(!bad.stderr.contains("appended"), "\(bad.stderr)")
}

/// A last line without its newline may still be being written by a writer that does not take
/// the log's lock: `follow` leaves it out until it ends, and counts it then; one that stays cut
/// short (2 s by default) stops it, naming the fix.
@Test func followWaitsForALineStillBeingWrittenAndStopsAtOneThatStaysTorn() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let closed = eventLine("b1", "T1", "closed", "02 10:00", #""unit":"市城管局""#)
    try dir.write("events.jsonl", jsonl(assignedTicket) + closed.prefix(20))
    let follow = try startFollow(in: dir, "--updates", "1")
    // The line goes on growing, then ends, each piece well within the wait.
    for piece in [closed.dropFirst(20).prefix(10), closed.dropFirst(30) + "\n"] {
        usleep(700_000)
        let handle = try #require(FileHandle(forWritingAtPath: dir.file("events.jsonl")))
        handle.seekToEndOfFile()
        handle.write(Data(piece.utf8))
        handle.closeFile()
    }
    let deadline = Date().addingTimeInterval(20)
    while follow.isRunning && Date() < deadline { usleep(10_000) }
    let errors = try dir.text("follow.err")
    #expect(!follow.isRunning && follow.terminationStatus == 0, "\(errors)")
    let updates = try dir.text("follow.out").split(separator: "\n")
    #expect(updates.count == 2 && updates[0].contains(#""done": 0"#) && updates[1].contains(#""done": 1"#), "\(updates)")
    #expect(errors.isEmpty)

    // A line that stays cut short.
    try dir.write("torn.jsonl", jsonl(assignedTicket) + #"{"id":"a3""#)
    let started = Date()
    let torn = try LedgerCLI.run(["follow", "torn.jsonl", "-p", "2024-02", "--format", "json"], in: dir.path)
    #expect(Date().timeIntervalSince(started) >= 2)
    #expect(torn.status == 1 && torn.stdout.split(separator: "\n").count == 1, "\(torn.stdout)")
    #expect(torn.stderr.contains("torn.jsonl:3: the log ends with a torn line (10 bytes without a final newline). "
                                 + "Run 'ledger-cli repair torn.jsonl' to move it aside. follow stopped."), "\(torn.stderr)")
    #expect(!torn.stderr.contains("append"), "\(torn.stderr)")
}

/// What replay warns about, follow warns about too, on standard error and once: units missing
/// from the roster (again when another one comes), and a table filtered to a channel that came
/// out empty while the period has other channels' assignments (with the first table).
@Test func followWarnsAsReplayDoesOnceEach() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl(assignedTicket))
    try dir.write("units.csv", "unit,group\n市水务集团,一类\n")
    let follow = try startFollow(in: dir, "--units", "units.csv", "--updates", "2")
    for batch in [[eventLine("b1", "T1", "closed", "02 10:00", #""unit":"市城管局""#)],
                  [eventLine("c1", "T2", "accepted", "02 11:00", #""channel":"hotline""#),
                   eventLine("c2", "T2", "assigned", "02 11:05", #""unit":"市住建局","due":"2024-02-09T18:00:00+08:00""#)]] {
        let append = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl(batch))
        #expect(append.status == 0, "\(append.stderr)")
        usleep(300_000)
    }
    let deadline = Date().addingTimeInterval(20)
    while follow.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!follow.isRunning && follow.terminationStatus == 0)
    #expect(try dir.text("follow.out").split(separator: "\n").count == 3)
    let replay = try LedgerCLI.run(["replay", "events.jsonl", "-p", "2024-02", "--units", "units.csv"], in: dir.path)
    #expect(replay.stderr == "warning: 2 units in the log but not in the roster: 市住建局, 市城管局\n")
    #expect(try dir.text("follow.err") == "warning: 1 unit in the log but not in the roster: 市城管局\n" + replay.stderr)

    // Nothing on the mailbox, an assignment on the hotline: said once, with the first table.
    let mailbox = try startFollow(in: dir, "--channel", "mailbox", "--updates", "1")
    let append = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path,
                                   input: jsonl([eventLine("d1", "T3", "accepted", "03 10:00", #""channel":"hotline""#)]))
    #expect(append.status == 0, "\(append.stderr)")
    let end = Date().addingTimeInterval(20)
    while mailbox.isRunning && Date() < end { usleep(10_000) }
    #expect(!mailbox.isRunning && mailbox.terminationStatus == 0)
    let alone = try LedgerCLI.run(["replay", "events.jsonl", "-p", "2024-02", "--channel", "mailbox"], in: dir.path)
    #expect(alone.stderr.hasPrefix("warning: nothing was counted on channel 'mailbox' in 2024-02"), "\(alone.stderr)")
    #expect(try dir.text("follow.err") == alone.stderr)
}
