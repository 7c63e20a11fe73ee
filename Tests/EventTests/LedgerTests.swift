import Foundation
import Testing
@testable import Events

private let fixedNow = Timestamp.parseRFC3339("2024-03-01T10:00:05+08:00")!

private func options() -> Ledger.Options {
    var options = Ledger.Options()
    options.clock = { fixedNow }
    return options
}

private func batch(_ lines: [String]) -> [UInt8] { Array(log(lines).utf8) }

@Suite struct LedgerTests {
    @Test func aBatchLineTooLongForTheLogsReadersIsRefused() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var limited = options()
        limited.maxLineBytes = 300
        let ledger = try await Ledger.open(path: dir.file("events.jsonl"), options: limited)
        let short = line("a1", "T1", "accepted", "01 09:00")
        let long = line("a2", "T2", "accepted", "01 09:00", #""topic":"\#(String(repeating: "话", count: 100))""#)
        let refused: [LogProblem]
        do {
            _ = try await ledger.append(batch: batch([short, long]))
            refused = []
        } catch {
            guard case .batchRejected(let problems, _) = error else { throw error }
            refused = problems
        }
        #expect(refused.map(\.line) == [2])
        guard case .lineTooLong(let bytes, 300)? = refused.first?.problem else { Issue.record("\(refused)"); return }
        #expect(bytes > 300)
        await #expect(ledger.count == 0)
        let written = try await ledger.append(batch: batch([short]))
        #expect(written.count == 1 && written[0].line.count <= 300)
    }

    @Test func aReopenedLedgerKnowsTheLogAndAppendsInOrder() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        do {
            let ledger = try await Ledger.open(path: path, options: options())
            let written = try await ledger.append(batch: batch([line("a1", "T1", "accepted", "01 09:00"),
                                                                  line("a2", "T1", "assigned", "01 09:10", #""unit":"市城管局","due":"2024-02-06T18:00:00+08:00""#)]))
            #expect(written.map(\.position) == [1, 2])
            #expect(written[1].event.id == "a2")
            #expect(try dir.read("events.jsonl") == written.flatMap { $0.line + [0x0A] })
            #expect(String(decoding: written[0].line, as: UTF8.self).contains(#""recorded":"2024-03-01T10:00:05+08:00""#))
            await #expect(ledger.count == 2)
        }
        // A new ledger on the same file: the ticket is known, its id too.
        let reopened = try await Ledger.open(path: path, options: options())
        await #expect(reopened.count == 2)
        let closed = try await reopened.append(batch: batch([line("a3", "T1", "closed", "02 10:00", #""unit":"市城管局""#)]))
        #expect(closed.map(\.position) == [3])
        await #expect(throws: AppendError.self) {
            try await reopened.append(batch: batch([line("a1", "T2", "accepted", "02 11:00")]))
        }
        await #expect(throws: AppendError.self) {
            try await reopened.append(batch: batch([line("b1", "T9", "closed", "02 11:00", #""unit":"市城管局""#)]))
        }
        let summary = try LogVerifier.verifyFile(at: path) { Issue.record("unexpected \($0)") }
        #expect(summary.eventCount == 3)
        #expect(summary.chain.head == (await reopened.chainHead))
    }

    @Test func aRejectedBatchInAGroupLeavesNoTrace() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let ledger = try await Ledger.open(path: path, options: options())
        // The bad batch accepts T9 and uses id x1 before its own bad line: both must be undone.
        let bad = batch([line("x1", "T9", "accepted", "01 09:00"), line("x2", "T9", "closed", "01 10:00", #""unit":"甲""#)])
        async let first = ledger.append(batch: batch(acceptedAssignedClosed("T1", prefix: "a")))
        async let rejected: [Ledger.Record]? = try? ledger.append(batch: bad)
        async let third = ledger.append(batch: batch(acceptedAssignedClosed("T2", prefix: "b")))
        let results = try await (first, rejected, third)
        #expect(results.0.count == 3 && results.1 == nil && results.2.count == 3)
        // T9 was never accepted, x1 never used.
        await #expect(throws: AppendError.self) {
            try await ledger.append(batch: batch([line("y1", "T9", "assigned", "01 11:00", #""unit":"甲","due":"2024-02-06T18:00:00+08:00""#)]))
        }
        let again = try await ledger.append(batch: batch([line("x1", "T9", "accepted", "01 09:00")]))
        #expect(again.map(\.position) == [7])
        let summary = try LogVerifier.verifyFile(at: path) { Issue.record("unexpected \($0)") }
        #expect(summary.eventCount == 7)
    }

    @Test func linesAppendedByAnotherWriterAreReadBeforeTheNextAppend() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let ledger = try await Ledger.open(path: path, options: options())
        try await ledger.append(batch: batch([line("a1", "T1", "accepted", "01 09:00")]))
        // Another writer (another process would do the same through the lock) appends.
        var other = LogAppender(path: path)
        other.clock = { fixedNow }
        _ = try other.append(batch: batch([line("b1", "T2", "accepted", "01 09:05")]))
        // The ledger sees T2 and the chain the other writer extended.
        let written = try await ledger.append(batch: batch([line("a2", "T2", "assigned", "01 09:10", #""unit":"乙","due":"2024-02-06T18:00:00+08:00""#)]))
        #expect(written.map(\.position) == [3])
        let summary = try LogVerifier.verifyFile(at: path) { Issue.record("unexpected \($0)") }
        #expect(summary.eventCount == 3 && summary.chain.firstLine == 1)
        // A log whose end was rewritten under the ledger (same length, other bytes) is read again,
        // and here its chain no longer holds.
        var bytes = try dir.read("events.jsonl")
        bytes[bytes.count - 4] = bytes[bytes.count - 4] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try dir.write("events.jsonl", bytes)
        await #expect(throws: AppendError.self) { try await ledger.append(batch: batch([line("a3", "T3", "accepted", "01 09:20")])) }
    }

    @Test func manyTasksAndASubscriberSeeEveryEventOnceInOrder() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let ledger = try await Ledger.open(path: path, options: options())
        let tasks = 8, appendsPerTask = 60
        let total = tasks * appendsPerTask
        let subscriber = Task {
            var seen: [Int] = []
            for try await record in ledger.events(from: 1) {
                seen.append(record.position)
                if seen.count == total + 1 { break }
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for n in 0..<appendsPerTask {
                        try await ledger.append(batch: batch([line("t\(task)-\(n)", "T\(task)-\(n)", "accepted", "01 09:00")]))
                    }
                }
            }
            try await group.waitForAll()
        }
        // One more from another writer: the subscriber follows the file.
        var other = LogAppender(path: path)
        other.clock = { fixedNow }
        _ = try other.append(batch: batch([line("other", "TX", "accepted", "01 09:00")]))
        let seen = try await subscriber.value
        #expect(seen == Array(1...total + 1))
        let summary = try LogVerifier.verifyFile(at: path) { Issue.record("unexpected \($0)") }
        #expect(summary.eventCount == total + 1)
    }

    /// A line another process wrote around the ledger's appends that cannot be read (damaged):
    /// a subscription ends with the error instead of waiting for ever, and the ledger says why
    /// it stopped following (``Ledger/followFailure``).
    @Test func aSubscriptionEndsWithTheErrorOfALineItCannotRead() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let ledger = try await Ledger.open(path: path, options: options())
        try await ledger.append(batch: batch([line("a1", "T1", "accepted", "01 09:00")]))
        let subscriber = Task {
            var seen: [Int] = []
            do {
                for try await record in ledger.events(from: 1) { seen.append(record.position) }
            } catch {
                return (seen, "\(error)")
            }
            return (seen, "ended without an error")
        }
        try await Task.sleep(for: .milliseconds(200))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"id\":\"x\n".utf8))
        handle.closeFile()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            await ledger.close()
        }
        let (seen, ending) = await subscriber.value
        watchdog.cancel()
        #expect(seen == [1])
        #expect(ending.contains("events.jsonl has 1 problem"), "\(ending)")
        #expect(await ledger.followFailure != nil)
    }

    @Test func observersSeeTheLogThenEachCommitBeforeTheAppendReturns() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")))
        let ledger = try await Ledger.open(path: path, options: options())
        let seen = Locked<[String]>([])
        try await ledger.addObserver { records in seen.withLock { $0 += records.map(\.event.id) } }
        #expect(seen.withLock { $0 } == ["a1", "a2", "a3"])
        try await ledger.append(batch: batch([line("b1", "T2", "accepted", "02 09:00")]))
        #expect(seen.withLock { $0 } == ["a1", "a2", "a3", "b1"])
    }

    /// The scenario PostgresTests also runs on PostgreSQL, here on a file; the file holds
    /// exactly the lines the ledger returned.
    @Test func theLedgerScenarioOnAFile() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let lines = try await LedgerScenario.run { try await Ledger.open(path: path, options: LedgerScenario.options) }
        #expect(lines.count == 22)
        #expect(try dir.read("events.jsonl") == Array(lines.map { $0 + "\n" }.joined().utf8))
        let summary = try LogVerifier.verifyFile(at: path, requireChain: true) { Issue.record("unexpected \($0)") }
        #expect(summary.eventCount == 22 && summary.chain.firstLine == 1)
    }

    /// Another process's first lines in a log that was empty when the ledger opened reach an
    /// observer (on `refresh`, or the follow loop's next look).
    @Test func anObserverOfAnEmptyLogSeesAnotherWritersFirstLines() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("events.jsonl")
        let ledger = try await Ledger.open(path: path, options: options())
        let seen = Locked<[String]>([])
        try await ledger.addObserver { records in seen.withLock { $0 += records.map(\.event.id) } }
        var other = LogAppender(path: path)
        other.clock = { fixedNow }
        _ = try other.append(batch: batch(acceptedAssignedClosed("T1", prefix: "o")))
        try await ledger.refresh()
        #expect(seen.withLock { $0 } == ["o1", "o2", "o3"])
        try await ledger.append(batch: batch([line("a1", "T2", "accepted", "02 09:00")]))
        #expect(seen.withLock { $0 } == ["o1", "o2", "o3", "a1"])
    }

    @Test func theIDIndexForgetsAnIDWithoutLosingItsNeighbours() {
        // Colliding home slots: every removal keeps the others reachable.
        var index = EventIDIndex(capacity: 8)
        let hashes: [UInt64] = (0..<12).map { UInt64($0) << 32 | 5 }
        for (n, hash) in hashes.enumerated() {
            let (line, slot) = index.find(hash: hash)
            #expect(line == nil)
            index.insert(hash: hash, line: n + 1, at: slot)
        }
        var rng = SplitMix64(seed: 3)
        var remaining = Array(hashes.enumerated())
        while !remaining.isEmpty {
            let (n, hash) = remaining.remove(at: Int.random(in: 0..<remaining.count, using: &rng))
            #expect(index.find(hash: hash).line == n + 1)
            index.remove(hash: hash)
            #expect(index.find(hash: hash).line == nil)
            for (m, other) in remaining { #expect(index.find(hash: other).line == m + 1) }
        }
        #expect(index.count == 0)
    }
}

/// A value behind a lock, for tests that collect from another thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

@Suite struct EventValueValidationTests {
    /// Events checked as values give exactly the verdicts their lines give, on a log with
    /// every kind of mistake.
    @Test func valuesAndLinesGetTheSameVerdicts() throws {
        var lines = acceptedAssignedClosed("T1", prefix: "a") + acceptedAssignedClosed("T2", prefix: "b")
        lines += [
            line("a1", "T3", "accepted", "02 09:00"),                                              // duplicate id
            line("c1", "T9", "closed", "02 09:00", #""unit":"甲""#),                               // never accepted
            line("c2", "T1", "accepted", "02 09:00"),                                              // accepted twice
            line("c3", "T2", "callback-rated", "03 09:00", #""unit":"乙","rating":"satisfied""#),  // never closed by 乙
            line("c4", "T1", "returned", "03 10:00", #""unit":"市城管局","by":"center""#),         // rework: fine
            line("c5", "T1", "assigned", "01 08:00", #""unit":"甲","due":"2024-02-06T18:00:00+08:00""#), // time went back
        ]
        var byLine = LogVerifier(), byValue = LogVerifier()
        var decoder = EventDecoder()
        for (index, text) in lines.enumerated() {
            var bytes = Array(text.utf8)
            let event = try bytes.withUnsafeBytes { try decoder.decodeEvent($0) }
            var lineProblem: EventProblem?
            _ = bytes.withUnsafeBytes { buffer in
                byLine.check(LogLine(number: index + 1, offset: 0, bytes: buffer, terminated: true)) { lineProblem = $0.problem }
            }
            let valueProblem = byValue.check(event, lineNumber: index + 1)
            #expect(valueProblem == lineProblem, "line \(index + 1): \(text)")
            bytes.removeAll()
        }
        #expect(byValue.eventCount == byLine.eventCount && byValue.ticketCount == byLine.ticketCount)
        #expect(byValue.check(Event(id: "", ticket: "T5", at: Timestamp(seconds: 0), body: .accepted(channel: nil, category: nil, topic: nil)))
                == .emptyField("id"))
    }

    @Test func aVerifierBuiltFromALogChecksNewEventsAsAppendWould() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")))
        var verifier = try LogVerifier.state(ofLogAt: path)
        let t = Timestamp.parseRFC3339("2024-02-10T09:00:00+08:00")!
        #expect(verifier.check(Event(id: "a1", ticket: "T7", at: t, body: .accepted(channel: nil, category: nil, topic: nil)))
                == .duplicateID("a1", firstLine: 1))
        #expect(verifier.check(Event(id: "r1", ticket: "T1", at: t, body: .callbackRated(unit: "市城管局", rating: .satisfied))) == nil)
        #expect(verifier.check(Event(id: "r2", ticket: "T1", at: t, body: .callbackRated(unit: "别的单位", rating: .satisfied)))
                == .lifecycle(ticket: "T1", type: .callbackRated, violation: .neverClosedBy(unit: "别的单位")))
        try dir.write("torn.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")) + "{\"id\"")
        #expect(throws: AppendError.self) { try LogVerifier.state(ofLogAt: dir.file("torn.jsonl")) }
    }
}
