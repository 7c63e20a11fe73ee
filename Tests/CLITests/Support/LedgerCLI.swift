import Foundation

/// What one run of the `ledger-cli` binary produced.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output split into lines (without the final empty one).
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// Runs the built `ledger-cli` binary as a separate process.
enum LedgerCLI {
    /// The binary next to the test bundle (`.build/<triple>/debug/ledger-cli`), or `$LEDGER_CLI`.
    static let executable: URL = {
        if let path = ProcessInfo.processInfo.environment["LEDGER_CLI"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        candidates.append(argument0.deletingLastPathComponent())
        // On Darwin the bundle is `…/debug/X.xctest/Contents/MacOS/X`.
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for directory in candidates {
            let binary = directory.appendingPathComponent("ledger-cli")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        fatalError("ledger-cli not found next to the test bundle (looked in \(candidates.map(\.path))); set LEDGER_CLI")
    }()

    /// The package's root directory (for the shipped samples).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `ledger-cli arguments…` in `directory`, feeding it `input` on standard input.
    static func run(_ arguments: [String], in directory: String? = nil, input: [UInt8] = []) throws -> CLIResult {
        let scratch = try TemporaryFolder()
        defer { scratch.remove() }
        let inPath = try scratch.write("stdin", input)
        let outPath = try scratch.write("stdout", [])
        let errPath = try scratch.write("stderr", [])
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? packageRoot.path)
        process.standardInput = FileHandle(forReadingAtPath: inPath)
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: try scratch.read("stdout"), as: UTF8.self),
                         stderr: String(decoding: try scratch.read("stderr"), as: UTF8.self))
    }

    /// Runs `arguments` with text on standard input.
    static func run(_ arguments: [String], in directory: String? = nil, input: String) throws -> CLIResult {
        try run(arguments, in: directory, input: Array(input.utf8))
    }
}

/// One event line in February 2024 (`at` as `"DD HH:MM"`), with extra JSON members.
func eventLine(_ id: String, _ ticket: String, _ type: String, _ at: String, _ fields: String = "") -> String {
    let parts = at.split(separator: " ")
    var text = #"{"id":"\#(id)","ticket":"\#(ticket)","type":"\#(type)","at":"2024-02-\#(parts[0])T\#(parts[1]):00+08:00""#
    if !fields.isEmpty { text += "," + fields }
    return text + "}"
}

/// Ticket T1 accepted on the hotline on 1 February 2024 at 09:00 (`a1`) and assigned to 市城管局 at
/// 09:10, due 6 February 18:00 (`a2`).
let assignedTicket = [eventLine("a1", "T1", "accepted", "01 09:00", #""channel":"hotline""#),
                      eventLine("a2", "T1", "assigned", "01 09:10", #""unit":"市城管局","due":"2024-02-06T18:00:00+08:00""#)]

/// Lines joined, each with its newline.
func jsonl(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }
