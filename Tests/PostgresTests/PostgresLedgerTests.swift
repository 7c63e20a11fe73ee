#if Postgres
import Foundation
import Testing
import Events
@testable import PostgresLedger
import TestSupport

/// A batch of two lines: a ticket accepted and assigned; `valid: false` gives both the same id,
/// so that the batch is rejected on its second line.
func pair(_ tag: String, valid: Bool = true) -> [UInt8] {
    Array((accepted("a-\(tag)", ticket: "T\(tag)") + assigned(valid ? "s-\(tag)" : "a-\(tag)", ticket: "T\(tag)")).utf8)
}

@Suite(.enabled(if: Server.available, "TICKET_LEDGER_POSTGRES_URI is not set (run .ci/run, which starts a PostgreSQL server)"))
struct PostgresLedgerTests {
    /// The scenario EventTests runs on a file, on PostgreSQL and on a file here: both stores
    /// behave the same and hold the same events; the first lines, written before any
    /// concurrency, are the same bytes.
    @Test func theSameLedgerScenarioOnPostgreSQLAndOnAFile() async throws {
        let uri = try Server.freshDatabase("scenario")
        let stored = try await LedgerScenario.run { try await Ledger.open(postgres: uri, options: LedgerScenario.options) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pg-scenario-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let filed = try await LedgerScenario.run { try await Ledger.open(path: dir, options: LedgerScenario.options) }
        #expect(stored.count == 22 && filed.count == 22)
        #expect(Array(stored.prefix(2)) == Array(filed.prefix(2)))
        /// A line without its chain value, which depends on the order the groups committed in.
        func unchained(_ line: String) -> String { line.range(of: #","chain":"#).map { String(line[..<$0.lowerBound]) } ?? line }
        #expect(stored.map(unchained).sorted() == filed.map(unchained).sorted())
        // What the table holds verifies with the chain from line 1.
        let log = try PostgresLog(uri: uri, create: false)
        let summary = try log.verify(requireChain: true) { Issue.record("unexpected \($0)") }
        #expect(summary.lineCount == 22 && summary.chain.firstLine == 1)
    }

    /// 4 ledgers (4 connections) × 500 appends, all in flight at once: each ledger groups what
    /// waits into one transaction; every 25th batch is invalid and is rejected alone, without
    /// aborting its group; the others land once each, their lines adjacent, at the positions
    /// the appends returned, the chain whole.
    @Test func concurrentAppendsAreGroupedAndEachIsAllOrNothing() async throws {
        let uri = try Server.freshDatabase("group")
        let writers = 4, appendsEach = 500
        var ledgers: [Ledger] = []
        for _ in 0..<writers { ledgers.append(try await Ledger.open(postgres: uri)) }
        let started = Date()
        let results = await withTaskGroup(of: (String, Bool, Result<[Ledger.Record], AppendError>).self) { group in
            for w in 0..<writers {
                for i in 0..<appendsEach {
                    let tag = "\(w)-\(i)", valid = i % 25 != 7
                    let ledger = ledgers[w]
                    group.addTask {
                        do throws(AppendError) {
                            return (tag, valid, .success(try await ledger.append(batch: pair(tag, valid: valid))))
                        } catch {
                            return (tag, valid, .failure(error))
                        }
                    }
                }
            }
            var all: [(String, Bool, Result<[Ledger.Record], AppendError>)] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = Date().timeIntervalSince(started)
        var positions: [Int: String] = [:]
        for (tag, valid, result) in results {
            switch result {
            case .success(let records):
                #expect(valid, "\(tag) was accepted")
                #expect(records.count == 2 && records[1].position == records[0].position + 1)
                #expect(records.first?.event.id == "a-\(tag)")
                for record in records { positions[record.position] = String(decoding: record.line, as: UTF8.self) }
            case .failure(let error):
                #expect(!valid, "\(tag): \(error)")
                guard case .batchRejected = error else { Issue.record("\(tag): \(error)"); continue }
            }
        }
        let accepted = writers * (appendsEach - appendsEach / 25)
        #expect(positions.count == accepted * 2 && positions.keys.sorted() == Array(1...(accepted * 2)))
        var commits = 0
        for ledger in ledgers { commits += await ledger.commitCount }
        print("note: \(writers) ledgers x \(appendsEach) appends: \(accepted) accepted in \(commits) transactions, \(String(format: "%.2f", elapsed)) s")
        #expect(commits < accepted)
        // What the table holds is what the appends returned, and it verifies with the chain from line 1.
        let log = try PostgresLog(uri: uri, create: false)
        var problems: [LogProblem] = []
        try log.forEachLine { line in
            #expect(positions[line.number] == String(decoding: line.bytes, as: UTF8.self))
        }
        let summary = try log.verify(requireChain: true) { problems.append($0) }
        #expect(problems.isEmpty && summary.lineCount == accepted * 2 && summary.chain.firstLine == 1)
        for ledger in ledgers {
            try await ledger.refresh()
            #expect(await ledger.count == accepted * 2)
        }
    }

    /// A ledger validates against what other writers committed since its last append: another
    /// ledger's, and another process's.
    @Test func ledgersCatchUpOnOtherWritersBeforeTheyValidate() async throws {
        let uri = try Server.freshDatabase("catchup")
        let a = try await Ledger.open(postgres: uri)
        let b = try await Ledger.open(postgres: uri)
        let seen = Collected()
        try await a.addObserver { records in seen.add(records.map(\.position)) }
        try await a.append(batch: Array(accepted("C1", ticket: "TC1").utf8))
        try await b.append(batch: Array(assigned("C2", ticket: "TC1").utf8))   // b read C1 first
        await #expect(throws: AppendError.self) { try await a.append(batch: Array(accepted("C2", ticket: "TC9").utf8)) }
        let batch = FileManager.default.temporaryDirectory.appendingPathComponent("pg-catchup-\(UUID().uuidString).jsonl")
        try accepted("C3", ticket: "TC3").write(to: batch, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: batch) }
        #expect(try CLI.run(["append", uri, batch.path]).status == 0)
        let records = try await a.append(batch: Array(assigned("C4", ticket: "TC3").utf8))
        #expect(records.map(\.position) == [4])
        #expect(await a.count == 4)
        try await b.refresh()
        #expect(await b.count == 4)
        let headA = await a.chainHead, headB = await b.chainHead
        #expect(headA != nil && headA == headB)
        // The observer saw its own commits and, on the next append, the others'.
        #expect(seen.values == [1, 2, 3, 4])
    }

    /// Rows deleted or replaced by hand after a ledger read them: its next append says so and
    /// writes nothing, where it would have written after a gap (or counted what is gone).
    @Test func aLedgerRefusesRowsChangedUnderIt() async throws {
        let uri = try Server.freshDatabase("ledgerchanged")
        let ledger = try await Ledger.open(postgres: uri)
        for i in 1...3 { try await ledger.append(batch: Array(accepted("L\(i)", ticket: "TL\(i)").utf8)) }
        let admin = try PGConnection(uri: uri)
        try admin.exec("DELETE FROM \(PostgresLog.eventsTable) WHERE position = 3")
        await #expect { try await ledger.append(batch: Array(accepted("L4", ticket: "TL4").utf8)) } throws: { error in
            "\(error)".contains("position 3, read before, is gone")
        }
        #expect(try PostgresLog(uri: uri, create: false).count() == 2)
        // Reopened, it reads the table as it is and goes on.
        let reopened = try await Ledger.open(postgres: uri)
        let records = try await reopened.append(batch: Array(accepted("L4", ticket: "TL4").utf8))
        #expect(records.map(\.position) == [3])
    }

    /// `events(from:)` hands out every event from a position, committed by this ledger or by any
    /// other writer, once each and in order, across connections the server ends.
    @Test func eventsFromAPositionSeeEveryCommitOnceAcrossLostConnections() async throws {
        let uri = try Server.freshDatabase("events")
        let ledger = try await Ledger.open(postgres: uri)
        for i in 1...3 { try await ledger.append(batch: Array(accepted("E\(i)", ticket: "TE\(i)").utf8)) }
        let stream = ledger.events(from: 2)
        let reader = Task {
            var seen: [(Int, String)] = []
            for try await record in stream {
                seen.append((record.position, record.event.id))
                if seen.count == 10 { break }
            }
            return seen
        }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            await ledger.close()
        }
        try await Task.sleep(for: .milliseconds(300))
        var other = try PostgresLog(uri: uri)
        for i in 4...5 { try await ledger.append(batch: Array(accepted("E\(i)", ticket: "TE\(i)").utf8)) }
        for i in 6...7 { _ = try other.append(batch: Array(accepted("E\(i)", ticket: "TE\(i)").utf8)) }
        // The server ends every other connection: the subscriber's, the ledger's, the other writer's.
        let admin = try PGConnection(uri: uri)
        try admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        other = try PostgresLog(uri: uri)
        for i in 8...9 { try await ledger.append(batch: Array(accepted("E\(i)", ticket: "TE\(i)").utf8)) }
        for i in 10...11 { _ = try other.append(batch: Array(accepted("E\(i)", ticket: "TE\(i)").utf8)) }
        let seen = try await reader.value
        watchdog.cancel()
        #expect(seen.map(\.0) == Array(2...11))
        #expect(seen.map(\.1) == (2...11).map { "E\($0)" })
        await ledger.close()
    }
}

/// Values gathered from an observer's thread.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    func add(_ values: [Int]) { lock.lock(); stored += values; lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return stored }
}
#endif
