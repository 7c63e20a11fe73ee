#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// Every command that writes, on a disk that fills up: a tmpfs of 96 KiB mounted for the test
/// (as root, where mounts are allowed; skipped, saying so, elsewhere). Each must refuse with
/// the system's reason, leave what was there as it was, and leave nothing beside it.
@Suite(.serialized, .enabled(if: SmallDisk.available, "needs root and a tmpfs mount (the tests mount a 96 KiB one)"))
struct FullDiskTests {
    static let quyuan = LedgerCLI.packageRoot.appendingPathComponent("samples/quyuan-2023-09.jsonl").path

    static func lines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    }

    /// `append` of a batch larger than the room left: refused, the log as it was; then a batch
    /// that fits is taken, and a state file that no longer fits is only a warning.
    @Test func appendRefusesWhatDoesNotFitAndTakesWhatDoes() throws {
        let disk = try SmallDisk()
        defer { disk.remove() }
        let lines = try Self.lines(Self.quyuan)
        let base = Array((lines[..<200].joined(separator: "\n") + "\n").utf8)
        try disk.folder.write("disk/log.jsonl", base)
        try disk.folder.write("big.jsonl", lines[200..<700].joined(separator: "\n") + "\n")
        try disk.folder.write("small.jsonl", lines[200..<210].joined(separator: "\n") + "\n")

        let big = try LedgerCLI.run(["append", "disk/log.jsonl", "big.jsonl", "--no-state"], in: disk.folder.path)
        #expect(big.status == 1)
        #expect(big.stderr.contains("disk/log.jsonl: cannot write the file: No space left on device; nothing was appended"), "\(big.stderr)")
        #expect(try disk.folder.read("disk/log.jsonl") == base)
        #expect(try disk.listing() == ["log.jsonl"])

        // The state file (the log's tables, larger than the 10 lines) no longer fits: a warning.
        let small = try LedgerCLI.run(["append", "disk/log.jsonl", "small.jsonl"], in: disk.folder.path)
        #expect(small.status == 0, "\(small.stderr)")
        #expect(small.stdout.contains("appended 10 events"))
        if small.stderr.isEmpty {
            #expect(try disk.listing() == ["log.jsonl", "log.jsonl.ledger-state"])
        } else {
            #expect(small.stderr.contains("warning: cannot save the state file") && small.stderr.contains("No space left on device"), "\(small.stderr)")
            #expect(try disk.listing() == ["log.jsonl"])
        }
        let verify = try LedgerCLI.run(["verify", "disk/log.jsonl"], in: disk.folder.path)
        #expect(verify.status == 0 && verify.stdout.hasPrefix("210 events,"), "\(verify.stdout)")
    }

    /// `import` of an export whose events do not fit: refused, the log as it was.
    @Test func importRefusesWhatDoesNotFit() throws {
        let disk = try SmallDisk()
        defer { disk.remove() }
        let base = Array(#"{"id":"X1","ticket":"TX","type":"accepted","at":"2023-09-01T08:00:00+08:00"}"#.utf8) + [0x0A]
        try disk.folder.write("disk/log.jsonl", base)
        let exports = LedgerCLI.packageRoot.appendingPathComponent("samples/exports").path
        let result = try LedgerCLI.run(["import", exports + "/quyuan-2023-09-actions.csv", "--map", exports + "/actions-map.json",
                                        "disk/log.jsonl"], in: disk.folder.path)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("disk/log.jsonl: cannot write the file: No space left on device; nothing was imported"), "\(result.stderr)")
        #expect(try disk.folder.read("disk/log.jsonl") == base)
        #expect(try disk.listing() == ["log.jsonl"])
        // Into a new log: refused the same way, and the log it created is gone again.
        let fresh = try LedgerCLI.run(["import", exports + "/quyuan-2023-09-actions.csv", "--map", exports + "/actions-map.json",
                                       "disk/new.jsonl"], in: disk.folder.path)
        #expect(fresh.status == 1 && fresh.stderr.contains("No space left on device; nothing was imported"), "\(fresh.stderr)")
        #expect(try disk.listing() == ["log.jsonl"])
    }

    /// `repair` moving a torn tail aside onto a full disk: refused, the log as it was and no side
    /// file (not even a partial one) left; with room again, the side file is whole.
    @Test func repairRefusesASideFileThatDoesNotFitAndLeavesNoPartOfIt() throws {
        let disk = try SmallDisk()
        defer { disk.remove() }
        let good = Array(#"{"id":"X1","ticket":"TX","type":"accepted","at":"2023-09-01T08:00:00+08:00"}"#.utf8) + [0x0A]
        let torn = Array(#"{"id":"X2","ticket":"TX","type":"assigned","note":""#.utf8) + [UInt8](repeating: 0x61, count: 24 << 10)
        try disk.folder.write("disk/log.jsonl", good + torn)
        try disk.folder.write("disk/filler", [UInt8](repeating: 0x20, count: 56 << 10))
        let refused = try LedgerCLI.run(["repair", "disk/log.jsonl"], in: disk.folder.path)
        #expect(refused.status == 1 && refused.stderr.contains("No space left on device"), "\(refused)")
        #expect(try disk.folder.read("disk/log.jsonl") == good + torn)
        #expect(try disk.listing() == ["filler", "log.jsonl"])
        try FileManager.default.removeItem(atPath: disk.folder.file("disk/filler"))
        let repaired = try LedgerCLI.run(["repair", "disk/log.jsonl"], in: disk.folder.path)
        #expect(repaired.status == 0, "\(repaired)")
        #expect(try disk.folder.read("disk/log.jsonl") == good)
        let listing = try disk.listing()
        #expect(listing.count == 2 && listing[1].hasPrefix("log.jsonl.torn-") && !listing[1].hasSuffix(".partial"), "\(listing)")
        #expect(try disk.folder.read("disk/" + listing[1]) == torn)
    }

    /// `bulletin --output` onto a full disk: refused, the old file as it was.
    @Test func bulletinOutputRefusesWhatDoesNotFit() throws {
        let disk = try SmallDisk()
        defer { disk.remove() }
        let old = Array("<p>the old bulletin</p>\n".utf8)
        try disk.folder.write("disk/bulletin.html", old)
        // Fill the disk but for a few KiB: the bulletin is larger.
        try disk.folder.write("disk/filler", [UInt8](repeating: 0x20, count: 88 << 10))
        let result = try LedgerCLI.run(["bulletin", Self.quyuan, "-p", "2023-09", "--format", "html", "--output", "disk/bulletin.html"],
                                       in: disk.folder.path)
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr.contains("disk/bulletin.html: cannot write: No space left on device"), "\(result.stderr)")
        #expect(try disk.folder.read("disk/bulletin.html") == old)
        #expect(try disk.listing() == ["bulletin.html", "filler"])
    }
}

/// A 96 KiB tmpfs mounted at `disk` in a temporary folder, unmounted by ``remove()``.
struct SmallDisk {
    let folder: TemporaryFolder

    /// Whether this process may mount one (root, and mounts allowed): tried once.
    static let available: Bool = {
        guard getuid() == 0, let disk = try? SmallDisk() else { return false }
        disk.remove()
        return true
    }()

    init() throws {
        folder = try TemporaryFolder(prefix: "ledger-small-disk")
        try FileManager.default.createDirectory(atPath: folder.file("disk"), withIntermediateDirectories: false)
        guard Self.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", folder.file("disk")]) else {
            folder.remove()
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    /// The files on the disk, sorted.
    func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.file("disk")).sorted()
    }

    func remove() {
        _ = Self.run(["umount", folder.file("disk")])
        folder.remove()
    }

    private static func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
