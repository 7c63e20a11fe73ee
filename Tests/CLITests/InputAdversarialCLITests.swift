#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Hostile input through the real binary (issue 9, "Input"): endless input and files that are
/// not files must end quickly with a clear error; every run here has a deadline.
@Suite struct InputAdversarialCLITests {
    private static let history = [
        eventLine("a1", "T1", "accepted", "01 09:00", #""channel":"hotline""#),
        eventLine("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00+08:00""#),
        eventLine("a3", "T1", "closed", "03 10:00", #""unit":"市城管局""#),
    ]

    /// Runs `ledger-cli arguments…` with `stdin` (a path) on standard input; kills it and
    /// records an issue when it takes longer than `seconds`.
    static func run(_ arguments: [String], in directory: String, stdin: String = "/dev/null",
                    seconds: Double = 30) throws -> CLIResult {
        let scratch = try TemporaryFolder()
        defer { scratch.remove() }
        let outPath = try scratch.write("stdout", [])
        let errPath = try scratch.write("stderr", [])
        let process = Process()
        process.executableURL = LedgerCLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle(forReadingAtPath: stdin)
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("ledger-cli \(arguments.joined(separator: " ")) still ran after \(seconds) s")
        }
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: try scratch.read("stdout"), as: UTF8.self),
                         stderr: String(decoding: try scratch.read("stderr"), as: UTF8.self))
    }

    /// Feeds a FIFO from a thread: opens it for writing (waiting for a reader), writes `bytes`
    /// `times` times (`nil`: until the reader goes away), then closes it.
    static func feed(_ fifo: String, _ bytes: [UInt8], times: Int?) -> Thread {
        let thread = Thread {
            signal(SIGPIPE, SIG_IGN)
            let fd = open(fifo, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var round = 0
            while times.map({ round < $0 }) ?? true {
                let ok = bytes.withUnsafeBytes { b -> Bool in
                    var done = 0
                    while done < b.count {
                        let n = write(fd, b.baseAddress! + done, b.count - done)
                        if n <= 0 { return false }
                        done += n
                    }
                    return true
                }
                if !ok { return }
                round += 1
            }
        }
        thread.start()
        return thread
    }

    /// Lets a writer still waiting to open `fifo` go (the reader it waited for never came).
    static func release(_ fifo: String) {
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd >= 0 { usleep(50_000); close(fd) }
    }

    @Test func devZeroAndAFIFOAreRefusedAsLogsByEveryCommand() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        try dir.write("batch.jsonl", Array(jsonl(Self.history).utf8))
        for (log, kind) in [("/dev/zero", "a character device"), ("fifo", "a FIFO (named pipe)")] {
            let commands: [[String]] = [
                ["verify", log], ["replay", log, "-p", "2024-02"], ["replay", log, "-p", "2024-02", "--checkpoint", "cp"],
                ["explain", log, "-p", "2024-02", "-u", "市城管局"], ["digest", log], ["whatif", log, "-p", "2024-02", "--alt", "yueyang-mailbox"],
                ["bulletin", log, "-p", "2024-02"], ["append", log, "batch.jsonl"], ["repair", log],
            ]
            for arguments in commands {
                let result = try Self.run(arguments, in: dir.path, seconds: 20)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.stderr.contains("\(log): \(kind), not a regular file: a log must be a regular file"), "\(arguments): \(result.stderr)")
            }
        }
    }

    @Test func endlessStandardInputStopsAtTheLineLimit() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let verify = try Self.run(["verify", "-", "--max-line-bytes", "65536"], in: dir.path, stdin: "/dev/zero")
        #expect(verify.status == 1)
        #expect(verify.stderr.hasPrefix("Error: standard input: line 1 is longer than 65,536 bytes, the limit for one line"))
        // The default limit (1 MiB) holds too.
        let byDefault = try Self.run(["verify", "-"], in: dir.path, stdin: "/dev/zero")
        #expect(byDefault.stderr.hasPrefix("Error: standard input: line 1 is longer than 1,048,576 bytes"))
        let append = try Self.run(["append", "events.jsonl", "--max-line-bytes", "4096"], in: dir.path, stdin: "/dev/zero")
        #expect(append.status == 1)
        #expect(append.stderr == "Error: <stdin>: line 1 of the batch is longer than 4,096 bytes, the limit for one line (--max-line-bytes)\n")
        let file = try Self.run(["append", "events.jsonl", "/dev/zero", "--max-line-bytes", "4096"], in: dir.path)
        #expect(file.stderr == "Error: /dev/zero: line 1 of the batch is longer than 4,096 bytes, the limit for one line (--max-line-bytes)\n")
        #expect(!FileManager.default.fileExists(atPath: dir.file("events.jsonl")))
        let bad = try Self.run(["verify", "-", "--max-line-bytes", "0"], in: dir.path)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("invalid --max-line-bytes '0'"))
    }

    @Test func aLongLineInALogFileIsNamed() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        try dir.write("events.jsonl", Array((jsonl(Self.history) + String(repeating: "x", count: 3000) + "\n").utf8))
        for arguments in [["verify", "events.jsonl"], ["replay", "events.jsonl", "-p", "2024-02"], ["digest", "events.jsonl"],
                          ["explain", "events.jsonl", "-p", "2024-02", "-u", "市城管局"]] {
            let result = try Self.run(arguments + ["--max-line-bytes", "2048"], in: dir.path)
            #expect(result.status == 1)
            #expect(result.stderr.contains("events.jsonl: line 4 is longer than 2,048 bytes, the limit for one line"), "\(arguments): \(result.stderr)")
        }
        #expect(try Self.run(["verify", "events.jsonl"], in: dir.path).stdout.hasSuffix("3 events, 1 ticket, 1 error; not chained\n"))
    }

    /// The second read behind the warning about an empty table filtered to a channel keeps the
    /// raised limit (it once read with the default 1 MiB and failed on the line the first read took).
    @Test func theEmptyChannelWarningReadsWithTheRaisedLineLimit() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let lines = [
            eventLine("a1", "T1", "accepted", "01 09:00", #""channel":"web","topic":""# + String(repeating: "x", count: 1_200_000) + #"""#),
            eventLine("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00+08:00""#),
        ]
        try dir.write("events.jsonl", Array(jsonl(lines).utf8))
        for arguments in [["replay", "events.jsonl", "-p", "2024-02"], ["explain", "events.jsonl", "-p", "2024-02", "-u", "市城管局"],
                          ["whatif", "events.jsonl", "-p", "2024-02", "--alt", "yueyang-mailbox"], ["bulletin", "events.jsonl", "-p", "2024-02"]] {
            let result = try Self.run(arguments + ["--max-line-bytes", "2000000"], in: dir.path, seconds: 60)
            #expect(!result.stderr.contains("longer than"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("on other channels (web: 1)"), "\(arguments): \(result.stderr)")
        }
    }

    @Test func aFIFOBatchIsReadAsABoundedStream() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let fifo = dir.file("batch.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        // A batch written to the FIFO by another thread, then closed: appended.
        _ = Self.feed(fifo, Array(jsonl(Self.history).utf8), times: 1)
        let good = try Self.run(["append", "events.jsonl", fifo], in: dir.path)
        Self.release(fifo)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasPrefix("appended 3 events to events.jsonl"))
        // Endless zeros through the FIFO: stopped at the line limit, the log unchanged.
        let before = try dir.text("events.jsonl")
        _ = Self.feed(fifo, [UInt8](repeating: 0, count: 1 << 16), times: nil)
        let endless = try Self.run(["append", "events.jsonl", fifo, "--max-line-bytes", "100000"], in: dir.path)
        Self.release(fifo)
        #expect(endless.status == 1)
        #expect(endless.stderr == "Error: \(fifo): line 1 of the batch is longer than 100,000 bytes, the limit for one line (--max-line-bytes)\n")
        #expect(try dir.text("events.jsonl") == before)
    }

    @Test func theOtherInputItemsThroughTheBinary() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        try dir.write("events.jsonl", Array(jsonl(Self.history + [
            eventLine("cb-4", "T1", "callback-rated", "04 10:00", #""unit":"市城管局","rating":"satisfied""#),
        ]).utf8))
        // An id spelled with an escape is the id already in the log.
        try dir.write("batch.jsonl", Array(jsonl([
            eventLine(#"cb\u002d4"#, "T1", "callback-rated", "04 11:00", #""unit":"市城管局","rating":"satisfied""#),
        ]).utf8))
        let append = try Self.run(["append", "events.jsonl", "batch.jsonl"], in: dir.path)
        #expect(append.status == 1)
        #expect(append.stdout.hasPrefix(#"batch.jsonl:1: event id "cb-4" is already in the log (line 4)"#))
        // A lone surrogate, a year the ledger cannot hold.
        try dir.write("bad.jsonl", Array(jsonl(Self.history + [
            eventLine("s1", "T1", "closed", "03 11:00", #""unit":"市\ud800局""#),
            #"{"id":"y1","ticket":"T9","type":"accepted","at":"9999-12-31T23:59:59Z"}"#,
        ]).utf8))
        let verify = try Self.run(["verify", "bad.jsonl"], in: dir.path)
        try #require(verify.lines.count == 3, "\(verify.stdout)")
        #expect(verify.lines[0].hasPrefix(#"bad.jsonl:4: malformed JSON at column 86: field 'unit' holds a lone surrogate \ud800"#))
        #expect(verify.lines[1] == #"bad.jsonl:5: field 'at' holds "9999-12-31T23:59:59Z", a valid RFC 3339 date-time the ledger cannot hold: year 9999 is outside the supported range 1678–2261 (times are kept as nanoseconds since 1970 in 64 bits)"#)
        let asOf = try Self.run(["replay", "events.jsonl", "-p", "2024-02", "--as-of", "2024-02-29T23:59:60+08:00"], in: dir.path)
        #expect(asOf.status == 64)
        #expect(asOf.stderr.contains("leap second 23:59:60 is not supported"))
        // A chained log converted to CRLF.
        #expect(try Self.run(["append", "chained.jsonl", "events.jsonl"], in: dir.path).status == 0)
        let chained = try dir.text("chained.jsonl")
        try dir.write("crlf.jsonl", Array(chained.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        let crlf = try Self.run(["verify", "crlf.jsonl"], in: dir.path)
        #expect(crlf.status == 1)
        try #require(crlf.lines.count == 5, "\(crlf.stdout)")
        #expect(crlf.lines[0].hasPrefix(#"crlf.jsonl:1: the line ends with \r\n (a CRLF line ending)"#))
        let head = try Self.run(["digest", "chained.jsonl"], in: dir.path).stdout.prefix(64)
        #expect(crlf.lines[4] == "0 events, 0 tickets, 4 errors; chain head \(head)")
    }
}
