#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

private let actions = "samples/exports/quyuan-2023-09-actions.csv"
private let actionsMap = "samples/exports/actions-map.json"

@Test func importAppendsTheSampleExportAndReplaysThePublishedTable() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = LedgerCLI.packageRoot.path
    let result = try LedgerCLI.run(["import", root + "/" + actions, "--map", root + "/" + actionsMap, dir.file("events.jsonl")])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("1,012 rows read (action rows, utf-8)\n1,012 events made for 248 tickets; 0 already in the log, 1,012 new on 248 tickets\nrejected: none\nappended 1,012 events to "))
    let published = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "--period", "2023-09", "--units", "samples/quyuan-units.csv"])
    let imported = try LedgerCLI.run(["replay", dir.file("events.jsonl"), "--period", "2023-09", "--units", "samples/quyuan-units.csv"])
    #expect(imported.stdout == published.stdout && imported.status == 0)
    let again = try LedgerCLI.run(["import", root + "/" + actions, "--map", root + "/" + actionsMap, dir.file("events.jsonl")])
    #expect(again.stdout.contains("1,012 already in the log, 0 new") && again.stdout.contains("appended 0 events"))
}

@Test func importHelpAndUsageErrors() throws {
    let help = try LedgerCLI.run(["import", "--help"])
    #expect(help.status == 0 && help.stdout.contains("--skip-bad") && help.stdout.contains("--time-zone"))
    let noMap = try LedgerCLI.run(["import", actions, "x.jsonl"])
    #expect(noMap.status == 64 && noMap.stderr.contains("--map"))
    let badZone = try LedgerCLI.run(["import", actions, "--map", actionsMap, "--time-zone", "Beijing", "--dry-run"])
    #expect(badZone.status == 64)
}

@Test func importRejectsBadRowsAsFileRowMessage() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("x.csv", "工单编号,操作时间,操作类型,承办单位,办理时限,回访结果,来源渠道,诉求类型,问题分类,备注,办理结果,录入时间\r\n"
                  + "T1,2023/9/1 9:00,受理,,,,12345热线,\"a,\nb\",,,,\r\nT1,2023/9/1 9:0x,派单,X局,2023-09-08,,,,,,,\r\n")
    try dir.write("log.jsonl", "")
    let result = try LedgerCLI.run(["import", "x.csv", "--map", LedgerCLI.packageRoot.path + "/" + actionsMap, "log.jsonl"], in: dir.path)
    #expect(result.status == 1)
    #expect(result.stdout.hasPrefix("x.csv:3: column '操作时间': cannot read \"2023/9/1 9:0x\""))
    #expect(result.stdout.hasSuffix("rejected: 1 bad row; nothing written, log.jsonl unchanged\n"))
    #expect(try dir.read("log.jsonl").isEmpty)
}

/// An import killed while it appends leaves the whole batch or none of it, like append.
@Test func anImportKilledDuringItsAppendLeavesTheLogAsItWas() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", "")
    let process = Process()
    process.executableURL = LedgerCLI.executable
    process.arguments = ["import", LedgerCLI.packageRoot.path + "/" + actions, "--map", LedgerCLI.packageRoot.path + "/" + actionsMap,
                         dir.file("events.jsonl")]
    var environment = ProcessInfo.processInfo.environment
    environment["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES"] = "100000"
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)
    let verify = try LedgerCLI.run(["verify", dir.file("events.jsonl")])
    #expect(verify.status == 1 && verify.stdout.contains("interrupted"))
    let repair = try LedgerCLI.run(["repair", dir.file("events.jsonl")])
    #expect(repair.status == 0)
    #expect(try dir.read("events.jsonl").isEmpty)
    // Imported again, it all goes in.
    let again = try LedgerCLI.run(["import", LedgerCLI.packageRoot.path + "/" + actions, "--map", LedgerCLI.packageRoot.path + "/" + actionsMap,
                                   dir.file("events.jsonl")])
    #expect(again.stdout.contains("appended 1,012 events"))
}

/// `--output` replaces a file as a whole, keeping its permissions, and follows a symbolic link
/// (to a file, or to a device such as /dev/null) instead of replacing the link.
@Test func importOutputKeepsPermissionsAndFollowsLinks() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = LedgerCLI.packageRoot.path
    let arguments = ["import", root + "/" + actions, "--map", root + "/" + actionsMap, "--output"]
    try dir.write("private.jsonl", "old\n")
    #expect(chmod(dir.file("private.jsonl"), 0o600) == 0)
    let replaced = try LedgerCLI.run(arguments + ["private.jsonl"], in: dir.path)
    #expect(replaced.status == 0, "\(replaced.stderr)")
    var mode = stat()
    #expect(stat(dir.file("private.jsonl"), &mode) == 0 && mode.st_mode & 0o777 == 0o600)
    #expect(try dir.text("private.jsonl").components(separatedBy: "\n").count == 1_013)
    try dir.write("target.jsonl", "old\n")
    #expect(symlink("target.jsonl", dir.file("link.jsonl")) == 0 && symlink("/dev/null", dir.file("null.jsonl")) == 0)
    for link in ["link.jsonl", "null.jsonl"] {
        let result = try LedgerCLI.run(arguments + [link], in: dir.path)
        #expect(result.status == 0, "\(link): \(result.stderr)")
        var status = stat()
        #expect(lstat(dir.file(link), &status) == 0 && status.st_mode & S_IFMT == S_IFLNK, "\(link)")
    }
    #expect(try dir.read("target.jsonl") == dir.read("private.jsonl"))
    #expect(try dir.listing().sorted() == ["link.jsonl", "null.jsonl", "private.jsonl", "target.jsonl"])
}

/// An import that fails leaves the file for rejected rows as it was: the new one is put in place
/// only with the events.
@Test func aFailedImportLeavesTheOldRejectedRows() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = LedgerCLI.packageRoot.path
    var export = try String(contentsOfFile: root + "/" + actions, encoding: .utf8)
    export += "BAD-1,2023/9/31 10:00:00,受理,,,,12345热线,市场管理,x,,,\r\n"
    try dir.write("export.csv", export)
    try dir.write("rejected.csv", "previous rejects\n")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // A file-size limit (50 blocks of 512 bytes) below the log's size: the append fails.
    process.arguments = ["-c", #"ulimit -f 50; exec "$0" "$@" >out.txt 2>err.txt"#, LedgerCLI.executable.path,
                         "import", "export.csv", "--map", root + "/" + actionsMap, "--skip-bad", "rejected.csv", "log.jsonl"]
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    let message = try dir.text("err.txt")
    #expect(message.contains("File too large; nothing was imported"), "\(message)")
    #expect(try dir.text("rejected.csv") == "previous rejects\n")
    #expect(try dir.listing().filter { $0.contains(".importing-") }.isEmpty)
    // Without the limit the import goes through and the file is replaced.
    let result = try LedgerCLI.run(["import", "export.csv", "--map", root + "/" + actionsMap, "--skip-bad", "rejected.csv", "log.jsonl"], in: dir.path)
    #expect(result.status == 0 && result.stdout.contains("rejected rows written to rejected.csv"), "\(result.stderr)")
    #expect(try dir.text("rejected.csv").contains("BAD-1,2023/9/31 10:00:00"))
}

/// `--skip-bad FILE` always leaves FILE saying what this import rejected (the header alone when
/// nothing was), a dry run writes no file at all, and an output that is an input is a usage error.
@Test func theRejectedRowsFileFollowsEachRunAndADryRunWritesNothing() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = LedgerCLI.packageRoot.path
    var export = try String(contentsOfFile: root + "/" + actions, encoding: .utf8)
    let clean = try dir.write("clean.csv", export)
    export += "BAD-1,2023/9/31 10:00:00,受理,,,,12345热线,市场管理,x,,,\r\n"
    let bad = try dir.write("bad.csv", export)
    let map = root + "/" + actionsMap

    try dir.write("rejected.csv", "stale rejects from an earlier run\n")
    let dry = try LedgerCLI.run(["import", bad, "--map", map, "--dry-run", "--skip-bad", "rejected.csv", "log.jsonl"], in: dir.path)
    #expect(dry.status == 0 && dry.stdout.hasSuffix("1 rejected row would go to rejected.csv; not written\n"), "\(dry.stdout)")
    #expect(try dir.text("rejected.csv") == "stale rejects from an earlier run\n")
    #expect(!FileManager.default.fileExists(atPath: dir.file("log.jsonl")))

    let none = try LedgerCLI.run(["import", clean, "--map", map, "--skip-bad", "rejected.csv", "log.jsonl"], in: dir.path)
    #expect(none.status == 0 && none.stdout.hasSuffix("no rows rejected; rejected.csv holds the header only\n"), "\(none.stdout)")
    let exported = try dir.read("clean.csv")
    let header = exported[..<(exported.firstIndex(of: 0x0A)! + 1)].drop { [0xEF, 0xBB, 0xBF].contains($0) }  // header, CRLF
    #expect(try dir.read("rejected.csv") == [0xEF, 0xBB, 0xBF] + Array(header))

    let before = try dir.read("log.jsonl")
    for (option, value) in [("--output", map), ("--skip-bad", bad), ("--output", "log.jsonl")] {
        let refused = try LedgerCLI.run(["import", bad, "--map", map, option, value, "log.jsonl"], in: dir.path)
        #expect(refused.status == 64 && refused.stderr.contains("at once; nothing was imported"), "\(option) \(value): \(refused.stderr)")
    }
    #expect(try dir.read("log.jsonl") == before && dir.text("bad.csv") == export)
}

/// An output named through a link to a file not made yet is the file it will be made at, and
/// the files an append keeps beside the log are never an import's output.
@Test func anOutputThroughADanglingLinkOrOverTheLogsOwnFilesIsRefused() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let root = LedgerCLI.packageRoot.path
    let (export, map) = (root + "/" + actions, root + "/" + actionsMap)
    try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: "new.jsonl")
    let cases: [([String], String)] = [
        (["--skip-bad", "link", "new.jsonl"], "is the log and the file for rejected rows at once"),
        (["--output", "out.jsonl", "--skip-bad", dir.path + "/./link2"], "is the output file and the file for rejected rows at once"),
        (["--skip-bad", "new.jsonl.pending", "new.jsonl"], "is the log's append marker and the file for rejected rows at once"),
        (["--skip-bad", "new.jsonl.ledger-state", "new.jsonl"], "is the log's state file and the file for rejected rows at once"),
        (["--output", "new.jsonl.pending", "new.jsonl"], "is the log's append marker and the output file at once"),
    ]
    try FileManager.default.createSymbolicLink(atPath: dir.file("link2"), withDestinationPath: dir.file("out.jsonl"))
    for (options, message) in cases {
        let result = try LedgerCLI.run(["import", export, "--map", map] + options, in: dir.path)
        #expect(result.status == 64 && result.stderr.contains(message), "\(options): \(result.stderr)")
    }
    #expect(try dir.listing().sorted() == ["link", "link2"])
}
