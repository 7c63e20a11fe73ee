import Events
import Foundation
import Testing

/// A `Ledger` in this process and `ledger-cli append` in others, on one log.
@Suite(.serialized) struct LedgerProcessTests {
    static func accepted(_ id: String) -> [UInt8] {
        Array((#"{"id":"\#(id)","ticket":"\#(id)","type":"accepted","at":"2024-02-01T09:00:00+08:00","channel":"hotline"}"# + "\n").utf8)
    }

    @Test func tasksAndOtherProcessesAllLandOnceAndASubscriberSeesEachInOrder() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let ledger = try await Ledger.open(path: path)
        let tasks = 8, appendsPerTask = 500, processes = 2, appendsPerProcess = 20
        let total = tasks * appendsPerTask + processes * appendsPerProcess
        let subscriber = Task { () -> [Ledger.Record] in
            var seen: [Ledger.Record] = []
            for try await record in ledger.events(from: 1) {
                seen.append(record)
                if seen.count == total { break }
            }
            return seen
        }
        // Two shells, each running ledger-cli append one batch after another.
        var shells: [Process] = []
        for p in 0..<processes {
            var script = ""
            for n in 0..<appendsPerProcess {
                try dir.write("p\(p)-\(n).jsonl", Self.accepted("p\(p)-\(n)"))
                script += "\"$0\" append events.jsonl p\(p)-\(n).jsonl >/dev/null 2>>p\(p).err || exit 1\n"
            }
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", script, LedgerCLI.executable.path]
            shell.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            try shell.run()
            shells.append(shell)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for n in 0..<appendsPerTask { try await ledger.append(batch: Self.accepted("t\(t)-\(n)")) }
                }
            }
            try await group.waitForAll()
        }
        for shell in shells { shell.waitUntilExit() }
        let errors = try (0..<processes).map { try dir.text("p\($0).err") }.joined()
        #expect(shells.map(\.terminationStatus) == Array(repeating: 0, count: processes), "\(errors)")
        let seen = try await subscriber.value
        #expect(seen.map(\.position) == Array(1...total))
        #expect(Set(seen.map(\.event.id)).count == total)
        let verify = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
        #expect(verify.status == 0)
        #expect(verify.stdout.hasPrefix("\(total.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) events,"))
    }

    @Test func aLedgerReopenedAfterAKilledAppendRecovers() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let first = try await Ledger.open(path: path)
        for n in 0..<3 { try await first.append(batch: Self.accepted("a\(n)")) }
        let batch = (0..<200).flatMap { Self.accepted("b\($0)") }
        try dir.write("batch.jsonl", batch)
        for point in [0, 1, 5_000, 20_000, Int.max] {
            let before = try dir.read("events.jsonl")
            let process = Process()
            process.executableURL = LedgerCLI.executable
            process.arguments = ["append", "events.jsonl", "batch.jsonl"]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            process.environment = ProcessInfo.processInfo.environment.merging(["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\(point)"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            // A ledger opened now sees the log as it was, or with the whole batch.
            let reopened = try await Ledger.open(path: path)
            let count = await reopened.count
            #expect(count == 3 || count == 203, "point \(point): \(count) lines")
            // Its first append settles the interrupted one and goes on.
            let records = try await reopened.append(batch: Self.accepted("c\(point)"))
            #expect(records.map(\.position) == [count + 1])
            let verify = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
            #expect(verify.status == 0, "\(verify.stdout)")
            // Roll the log back to 3 lines for the next point (the whole batch went in at Int.max).
            if count == 3 {
                #expect(Array(try dir.read("events.jsonl").prefix(before.count)) == before)
            }
            try dir.write("events.jsonl", before)
            for side in try dir.listing() where side.hasPrefix("events.jsonl.") { try FileManager.default.removeItem(atPath: dir.file(side)) }
        }
    }
}
