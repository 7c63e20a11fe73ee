import Foundation
import Testing

/// SplitMix64: a small seeded generator, so the damage is the same on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Test func verifyGivesALineNumberedMessageForEveryDamagedLine() throws {
    let seeds = try String(contentsOfFile: LedgerCLI.packageRoot.appendingPathComponent("samples/events.jsonl").path, encoding: .utf8)
        .split(separator: "\n").map { Array($0.utf8) }
    var random = SeededGenerator(state: 2024)
    var bytes: [UInt8] = []
    for round in 0..<5_000 {
        var line = seeds[round % seeds.count]
        let position = Int.random(in: 0..<line.count, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: line.removeSubrange(position...)
        case 1: line[position] = UInt8.random(in: 0...255, using: &random)
        case 2: line[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        default: line.remove(at: position)
        }
        bytes += line
        bytes.append(0x0A)
    }
    // End with a cut-off line too.
    bytes += seeds[0].prefix(30)
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("fuzz.jsonl", bytes)
    let result = try LedgerCLI.run(["verify", "fuzz.jsonl"], in: dir.path)
    #expect(result.status == 1)
    #expect(result.stderr == "")
    let lines = result.lines
    let summary = try #require(lines.last)
    var previous = 0
    for problem in lines.dropLast() {
        let parts = problem.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        #expect(parts.count == 3 && parts[0] == "fuzz.jsonl" && parts[2].count > 1, "\(problem)")
        let number = Int(parts.count > 1 ? parts[1] : "") ?? 0
        #expect(number > previous, "\(problem)")
        previous = number
    }
    #expect(lines.dropLast().last?.contains("the last line is cut short (30 bytes without a final newline)") == true)
    // events + errors = lines read.
    let counts = summary.split(separator: " ").compactMap { Int($0.replacingOccurrences(of: ",", with: "")) }
    #expect(counts.count == 3)
    let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
    #expect(counts[0] + counts[2] == lineCount)
}

/// A report whose standard output cannot be written (a full disk, a file-size limit) fails,
/// saying why, instead of ending as a success with the report cut short or empty.
@Test func aReportThatCannotBeWrittenFailsSayingWhy() throws {
    func run(_ shell: String) throws -> (status: Int32, stderr: String) {
        let scratch = try TemporaryFolder()
        defer { scratch.remove() }
        let errPath = try scratch.write("stderr", [])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", shell, LedgerCLI.executable.path, scratch.path]
        process.currentDirectoryURL = LedgerCLI.packageRoot
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: try scratch.read("stderr"), as: UTF8.self))
    }
    for command in ["replay samples/quyuan-2023-09.jsonl -p 2023-09", "digest samples/chained.jsonl", "verify samples/chained.jsonl",
                    "bulletin samples/quyuan-2023-09.jsonl -p 2023-09 --units samples/quyuan-units.csv"] {
        let full = try run(#"exec "$0" \#(command) > /dev/full"#)
        #expect(full.status == 1 && full.stderr.hasSuffix("Error: cannot write the output: No space left on device; what was written is incomplete\n"),
                "\(command): \(full)")
    }
    // `follow` stops watching when its table cannot be written (else it would wait for commits forever).
    let cut = try TemporaryFolder()
    defer { cut.remove() }
    let copy = try cut.write("events.jsonl", try Data(contentsOf: LedgerCLI.packageRoot.appendingPathComponent("samples/events.jsonl")).map { $0 })
    let follow = try run(#"exec timeout -s KILL 30 "$0" follow \#(copy) -p 2024-02 > /dev/full"#)
    #expect(follow.status == 1 && follow.stderr.hasSuffix("Error: cannot write the output: No space left on device; what was written is incomplete\n"),
            "\(follow)")
    // The bulletin is several kilobytes; 1 block of the file-size limit holds at most 1,024 bytes.
    let limited = try run(#"ulimit -f 1; exec "$0" bulletin samples/quyuan-2023-09.jsonl -p 2023-09 --units samples/quyuan-units.csv > "$1/out.txt""#)
    #expect(limited.status == 1 && limited.stderr.contains("Error: cannot write the output: File too large"), "\(limited)")
    // Written in full: a success, as before.
    let fine = try run(#"exec "$0" replay samples/quyuan-2023-09.jsonl -p 2023-09 > /dev/null"#)
    #expect(fine.status == 0 && fine.stderr.isEmpty)
}

/// A command started with standard output closed (`>&-`) does its work, says the output could
/// not be written (exit 1), and no file it opens takes descriptor 1: the log gets only its lines.
@Test func aClosedStandardOutputIsAFailureAndNoFileTakesItsPlace() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("batch.jsonl", jsonl(assignedTicket))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", #"exec "$0" append log.jsonl batch.jsonl >&-"#, LedgerCLI.executable.path]
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    let err = Pipe()
    process.standardError = err
    try process.run()
    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    #expect(errors.contains("Error: cannot write the output: Bad file descriptor"), "\(errors)")
    let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
    #expect(verify.status == 0 && verify.stdout.hasPrefix("2 events, 1 ticket, 0 errors"), "\(verify.stdout)\(verify.stderr)")
}
