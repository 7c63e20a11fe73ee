import Foundation
import Testing

/// The files appends keep beside a log (its append marker, its state file) and the temporary
/// files outputs are written through are never a way to write over a log or a batch.
@Suite struct SideFileTests {
    let dir: TemporaryFolder
    let log: [UInt8]

    init() throws {
        dir = try TemporaryFolder()
        log = Array(try Data(contentsOf: URL(fileURLWithPath: PackageFiles.path("samples/chained.jsonl"))))
        try dir.write("log.jsonl", log)
        try dir.write("b.jsonl", #"{"id":"zz1","ticket":"ZZ1","type":"accepted","at":"2030-01-01T09:00:00+08:00","channel":"hotline"}"# + "\n")
    }

    @Test func appendsStateFileIsNeverTheLogTheBatchOrTheMarker() throws {
        defer { dir.remove() }
        for (state, what) in [("log.jsonl", "is the log"), ("b.jsonl", "is the batch"), ("log.jsonl.pending", "is the log's append marker"),
                              ("./log.jsonl", "is the log")] {
            let result = try LedgerCLI.run(["append", "log.jsonl", "b.jsonl", "--state", state], in: dir.path)
            #expect(result.status == 64 && result.stderr.contains("--state \(state) \(what)"), "\(state): \(result.stderr)")
        }
        #expect(try dir.read("log.jsonl") == log)
        #expect(try dir.listing().sorted() == ["b.jsonl", "log.jsonl"])
    }

    @Test func aBulletinIsNeverWrittenOverTheLogsSideFiles() throws {
        defer { dir.remove() }
        for (output, what) in [("log.jsonl.pending", "the log's append marker"), ("log.jsonl.ledger-state", "the log's state file")] {
            let result = try LedgerCLI.run(["bulletin", "log.jsonl", "-p", "2023-09", "--output", output], in: dir.path)
            #expect(result.status == 64 && result.stderr.contains("--output \(output) is \(what)"), "\(result.stderr)")
        }
        #expect(try dir.listing().sorted() == ["b.jsonl", "log.jsonl"])
    }

    /// A link put where an output's temporary file will be (its name holds the process id) is
    /// removed, not written through.
    @Test func aLinkAtATemporaryFilesNameIsNotWrittenThrough() throws {
        defer { dir.remove() }
        let cli = LedgerCLI.executable.path
        let root = LedgerCLI.packageRoot.path
        try dir.write("export.csv", Array(try Data(contentsOf: URL(fileURLWithPath: PackageFiles.path("samples/exports/quyuan-2023-09-actions.csv")))))
        let export = try dir.read("export.csv")
        for script in [#"ln -s log.jsonl out.md.tmp-$$; exec "$0" bulletin log.jsonl -p 2023-09 --output out.md"#,
                       #"ln log.jsonl out.jsonl.importing-$$; exec "$0" import export.csv --map "$1" --output out.jsonl"#,
                       #"ln -s export.csv rejected.csv.importing-$$; exec "$0" import export.csv --map "$1" --skip-bad rejected.csv new.jsonl"#] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script + " >/dev/null 2>&1", cli, root + "/samples/exports/actions-map.json"]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(script)")
            #expect(try dir.read("log.jsonl") == log && dir.read("export.csv") == export, "\(script)")
        }
        #expect(try dir.text("out.md").hasPrefix("# "))
        #expect(try dir.listing().filter { $0.contains(".tmp-") || $0.contains(".importing-") }.isEmpty)
    }

    /// A log reached through a link keeps its side files beside the file itself, so that every
    /// spelling of the log finds an interrupted append's marker.
    @Test func aLogThroughALinkKeepsItsSideFilesBesideItself() throws {
        defer { dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.jsonl"), withDestinationPath: "log.jsonl")
        let result = try LedgerCLI.run(["append", "link.jsonl", "b.jsonl"], in: dir.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try dir.listing().sorted() == ["b.jsonl", "link.jsonl", "log.jsonl", "log.jsonl.ledger-state"])
    }

    /// A checkpoint directory whose checkpoint file is the log is refused before the replay.
    @Test func aCheckpointThatWouldReplaceTheLogIsRefused() throws {
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("ck"), withIntermediateDirectories: false)
        try dir.write("ck/replay.checkpoint", log)
        let result = try LedgerCLI.run(["replay", "ck/replay.checkpoint", "-p", "2023-09", "--checkpoint", "ck"], in: dir.path)
        #expect(result.status == 64 && result.stderr.contains("which is the log"), "\(result.stderr)")
        #expect(try dir.read("ck/replay.checkpoint") == log)
    }

    /// A killed import's temporary output (`OUT.importing-<pid>` of a process gone) is removed by
    /// the next import that writes OUT; one of a running process is kept.
    @Test func aKilledImportsTemporaryFilesAreRemovedByTheNextOne() throws {
        defer { dir.remove() }
        try dir.write("out.jsonl.importing-999999999", "left by a killed import\n")
        try dir.write("out.jsonl.importing-1", "pid 1 runs\n")
        let root = LedgerCLI.packageRoot.path
        let result = try LedgerCLI.run(["import", root + "/samples/exports/quyuan-2023-09-actions.csv", "--map",
                                        root + "/samples/exports/actions-map.json", "--output", "out.jsonl"], in: dir.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try dir.listing().sorted() == ["b.jsonl", "log.jsonl", "out.jsonl", "out.jsonl.importing-1"])
    }

    /// A top-level usage error quotes what was typed: escaped, one line.
    @Test func aTopLevelUsageErrorEscapesWhatWasTyped() throws {
        defer { dir.remove() }
        let result = try LedgerCLI.run(["bad\u{1B}[31mX\nY"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix(#"Error: Unknown subcommand 'bad\u001B[31mX\nY'."#), "\(result.stderr)")
    }
}
