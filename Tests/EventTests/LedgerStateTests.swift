import Foundation
import Testing
@testable import Events

private let fixedNow = Timestamp.parseRFC3339("2024-03-01T10:00:05+08:00")!

private func options(state: String?) -> Ledger.Options {
    var options = Ledger.Options()
    options.clock = { fixedNow }
    options.statePath = state
    return options
}

private func batch(_ lines: [String]) -> [UInt8] { Array(log(lines).utf8) }

/// A chained log of `tickets` tickets (three lines each), written by a ledger that saves its state.
private func makeLog(_ dir: TemporaryFolder, tickets: Int) async throws -> (log: String, state: String) {
    let (path, state) = (dir.file("events.jsonl"), dir.file("events.jsonl.ledger-state"))
    let ledger = try await Ledger.open(path: path, options: options(state: state))
    var lines: [String] = []
    for t in 0..<tickets { lines += acceptedAssignedClosed("T\(t)", prefix: "t\(t)-") }
    try await ledger.append(batch: batch(lines))
    #expect(try await ledger.saveState())
    return (path, state)
}

/// Opens the log with `state` and checks that it knows what a full read knows: the count, the
/// chain head, the ids (a used one is refused) and the tickets (a closed one cannot be accepted again).
private func expectSameAsFullRead(log: String, state: String, refused: Bool) async throws {
    let full = try await Ledger.open(path: log, options: options(state: nil))
    let resumed = try await Ledger.open(path: log, options: options(state: state))
    #expect((await resumed.stateNote != nil) == refused)
    #expect(await resumed.count == (await full.count))
    #expect(await resumed.chainHead == (await full.chainHead))
    await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("t1-1", "N1", "accepted", "03 09:00")])) }
    await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("n1", "T1", "accepted", "03 09:00")])) }
    let first = try await resumed.records(from: 1, limit: 1)
    #expect(first.first?.event.id == "t0-1")
    let count = await resumed.count
    let last = try await resumed.records(from: count, limit: 1)
    #expect(last.first?.position == count)
}

@Suite struct LedgerStateTests {
    @Test func aLedgerResumesFromItsStateAndCatchesUpWithOtherAppends() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeLog(dir, tickets: 800)
        do {
            let resumed = try await Ledger.open(path: path, options: options(state: state))
            #expect(await resumed.stateNote == nil)
            #expect(await resumed.linesBeyondState == 0)
        }
        try await expectSameAsFullRead(log: path, state: state, refused: false)
        // Another process appends: the state is behind, the ledger reads only the new lines.
        var appender = LogAppender(path: path)
        appender.clock = { fixedNow }
        _ = try appender.append(batch: batch(acceptedAssignedClosed("U1", prefix: "u")))
        let resumed = try await Ledger.open(path: path, options: options(state: state))
        #expect(await resumed.stateNote == nil)
        #expect(await resumed.linesBeyondState == 3)
        #expect(await resumed.count == 2403)
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("u1", "N1", "accepted", "03 09:00")])) }
        let written = try await resumed.append(batch: batch([line("v1", "V1", "accepted", "03 09:00")]))
        #expect(written.map(\.position) == [2404])
        let summary = try LogVerifier.verifyFile(at: path) { Issue.record("unexpected \($0)") }
        #expect(summary.eventCount == 2404)
        #expect(summary.chain.head == (await resumed.chainHead))
        try await expectSameAsFullRead(log: path, state: state, refused: false)
        // Saving only when far enough behind.
        #expect(try await !resumed.saveState(ifBehindBy: 10))
        #expect(try await resumed.saveState(ifBehindBy: 4))
    }

    @Test func aSmallLogHasASmallState() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeLog(dir, tickets: 3)
        // The tables a new ledger makes large in advance are saved at the size 9 ids and 3 tickets need.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: state)[.size] as? Int)
        #expect(size < 2048, "\(size) bytes")
        try await expectSameAsFullRead(log: path, state: state, refused: false)
    }

    /// A log of acceptances only names no unit yet: the state's unit table is empty. The reader
    /// left an empty table's digest out of the checksum (the writer did not), so such a state was
    /// refused as damaged, and every append read the whole log.
    @Test func aStateWithAnEmptyUnitTableIsUsed() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = (dir.file("events.jsonl"), dir.file("events.jsonl.ledger-state"))
        let accepted = [line("a1", "T1", "accepted", "01 09:00"), line("a2", "T2", "accepted", "01 09:05")]
        do {
            let ledger = try await Ledger.open(path: path, options: options(state: state))
            try await ledger.append(batch: batch(accepted))
            #expect(try await ledger.saveState())
        }
        let loaded = try #require(try LedgerState.load(from: state, stride: 1024))
        #expect(loaded.lifecycle.units.count == 0 && loaded.lifecycle.tickets.count == 2 && loaded.lineCount == 2)
        let resumed = try await Ledger.open(path: path, options: options(state: state))
        #expect(await resumed.stateNote == nil)
        let (beyond, count) = (await resumed.linesBeyondState, await resumed.count)
        #expect(beyond == 0 && count == 2)
        // What the state knows: the ids, the accepted tickets; then a unit comes.
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("a1", "T3", "accepted", "01 09:10")])) }
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("a3", "T2", "accepted", "01 09:10")])) }
        try await resumed.append(batch: batch([line("a3", "T2", "assigned", "01 09:10", #""unit":"市城管局","due":"\#(feb("08 18:00"))""#)]))
        #expect(await resumed.count == 3)
    }

    @Test func everyFlippedByteAndEveryCutOfTheStateIsRefused() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeLog(dir, tickets: 3)
        let good = try Data(contentsOf: URL(fileURLWithPath: state))
        let trace = ProcessInfo.processInfo.environment["LEDGER_STATE_TRACE"] != nil
        /// The damaged state must be refused by the loader, and (every `sample`th time) a ledger
        /// opened with it must read the whole log instead.
        func expectRefused(_ bad: Data, _ what: String, sample: Bool) async throws {
            if trace { FileHandle.standardError.write(Data("\(what)\n".utf8)) }
            try bad.write(to: URL(fileURLWithPath: state))
            #expect(throws: CheckpointError.self, "\(what)") { try LedgerState.load(from: state, stride: 1024) }
            guard sample else { return }
            let ledger = try await Ledger.open(path: path, options: options(state: state))
            #expect(await ledger.stateNote != nil, "\(what)")
            #expect(await ledger.count == 9)
            #expect(await ledger.chainHead == expectedHead)
        }
        let expectedHead = try await Ledger.open(path: path, options: options(state: nil)).chainHead
        // Every byte (a count, a table entry, the end marker or the checksum): in the first 256
        // (the header, the scalars and the first counts) its lowest and its highest bit, after
        // that one of the two, in turn.
        for offset in 0..<good.count {
            let masks: [UInt8] = offset < 256 ? [0x01, 0x80] : [offset % 2 == 0 ? 0x01 : 0x80]
            for mask in masks {
                var bad = good
                bad[offset] ^= mask
                try await expectRefused(bad, "flip at \(offset) ^ \(mask)", sample: offset % 32 == 0)
            }
        }
        // Every cut in the first 256 bytes and the last 16, every 8th between.
        for length in 0..<good.count where length < 256 || length % 8 == 0 || length >= good.count - 16 {
            try await expectRefused(good.prefix(length), "cut at \(length)", sample: length % 128 == 0 || length == good.count - 1)
        }
        try (good + Data([0])).write(to: URL(fileURLWithPath: state))
        try await expectSameAsFullRead(log: path, state: state, refused: true)
        // A refused state is replaced by a sound one.
        let ledger = try await Ledger.open(path: path, options: options(state: state))
        #expect(try await ledger.saveState())
        try await expectSameAsFullRead(log: path, state: state, refused: false)
    }

    @Test func aSaveCutShortLeavesTheOlderStateWhichIsCaughtUpFrom() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeLog(dir, tickets: 3)
        let older = try Data(contentsOf: URL(fileURLWithPath: state))
        let ledger = try await Ledger.open(path: path, options: options(state: state))
        try await ledger.append(batch: batch(acceptedAssignedClosed("U1", prefix: "u")))
        #expect(try await ledger.saveState())
        let newer = try Data(contentsOf: URL(fileURLWithPath: state))
        // A process killed while saving leaves its temporary file, never a part of it under the state's name.
        try older.write(to: URL(fileURLWithPath: state))
        try newer.prefix(newer.count / 2).write(to: URL(fileURLWithPath: state + ".tmp-99999"))
        let resumed = try await Ledger.open(path: path, options: options(state: state))
        #expect(await resumed.stateNote == nil)
        #expect(await resumed.linesBeyondState == 3)
        #expect(await resumed.count == 12)
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("u2", "N1", "accepted", "03 09:00")])) }
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("n1", "U1", "accepted", "03 09:00")])) }
        try await expectSameAsFullRead(log: path, state: state, refused: false)
    }

    @Test func extremeValuesWithAGoodChecksumAreRefused() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeLog(dir, tickets: 3)
        let good = try #require(try LedgerState.load(from: state, stride: 1024))
        var cases: [(String, (inout LedgerState) -> Void)] = [
            ("byteCount max", { $0.byteCount = .max }),
            ("byteCount negative", { $0.byteCount = -1 }),
            ("lineCount max", { $0.lineCount = .max; $0.eventCount = .max }),
            ("lineCount negative", { $0.lineCount = -5 }),
            ("eventCount", { $0.eventCount += 1 }),
            ("ticketCount", { $0.ticketCount = 1_000 }),
            ("tail", { $0.tail = Array($0.tail.dropFirst()) }),
            ("tail end", { $0.tail[$0.tail.count - 1] = 0x41 }),
            ("fingerprint", { $0.fingerprint = [] }),
            ("chain first", { $0.chain.firstLine = 0 }),
            ("chain last", { $0.chain.lastLine = 99 }),
            ("chain head", { $0.chain.head = nil }),
            ("offsets", { $0.lineOffsets = [0, 5] }),
            ("offset", { $0.lineOffsets = [Int64.max] }),
            ("more lines than the log", { $0.lineCount = 12; $0.eventCount = 12 }),
            ("longer than the log", { $0.byteCount += 1 << 20 }),
            ("another tail", { $0.tail[0] ^= 1 }),
            ("another fingerprint", { $0.fingerprint[0] ^= 1 }),
            ("another chain head", { $0.chain.head = SHA256.hash([1, 2, 3]) }),
        ]
        cases.append(("fewer ids", { $0.ids = EventIDIndex() }))
        for (name, change) in cases {
            var bad = good
            change(&bad)
            try bad.save(to: state)
            try await expectSameAsFullRead(log: path, state: state, refused: true)
            _ = name
        }
    }

    @Test func aLogEditedOrCutSinceTheStateIsReadInFull() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeLog(dir, tickets: 3)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // The last line's time changed, same length, chain not resealed: a full read refuses the log.
        try text.replacingOccurrences(of: "2024-02-03", with: "2024-02-04").write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: AppendError.self) { try await Ledger.open(path: path, options: options(state: state)) }
        // Cut back to two tickets: the state is longer than the log.
        let lines = text.split(separator: "\n").prefix(6).map { $0 + "\n" }.joined()
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
        let ledger = try await Ledger.open(path: path, options: options(state: state))
        #expect(await ledger.stateNote != nil)
        #expect(await ledger.count == 6)
    }
}

@Suite struct LedgerStateUnchainedTests {
    /// An unchained log of 300 tickets and its state.
    private func makeUnchained(_ dir: TemporaryFolder) async throws -> (log: String, state: String) {
        let (path, state) = (dir.file("import.jsonl"), dir.file("import.jsonl.ledger-state"))
        var opts = options(state: state)
        opts.chaining = .off
        let ledger = try await Ledger.open(path: path, options: opts)
        var lines: [String] = []
        for t in 0..<300 { lines += acceptedAssignedClosed("T\(t)", prefix: "t\(t)-") }
        try await ledger.append(batch: batch(lines))
        #expect(await ledger.chainHead == nil)
        #expect(try await ledger.saveState())
        return (path, state)
    }

    @Test func anEditThatKeepsTheLengthOfAnUnchainedLogIsSeenByTheFingerprint() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeUnchained(dir)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        // Ticket T0 (first lines, in the fingerprint's first window) goes to another unit of the
        // same byte length: still a valid log, same length, same last bytes.
        let original = text
        let assigned = try #require(text.range(of: "市城管局"))
        text.replaceSubrange(assigned, with: "市水务局")
        let closed = try #require(text.range(of: "市城管局", range: assigned.upperBound..<text.endIndex))
        text.replaceSubrange(closed, with: "市水务局")
        #expect(text.utf8.count == original.utf8.count && text.suffix(200) == original.suffix(200))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let ledger = try await Ledger.open(path: path, options: options(state: state))
        let note = try #require(await ledger.stateNote)
        #expect(note.contains("changed since the state was saved"), "\(note)")
        #expect(await ledger.count == 900)
        // What the ledger knows is the edited log's: T0 was closed by 市水务局.
        let first = try await ledger.records(from: 2, limit: 1)
        #expect(first.first?.event.unit == "市水务局")
    }

    @Test func anUnchainedLogAppendedToByAPlainAppenderIsCaughtUpFrom() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (path, state) = try await makeUnchained(dir)
        var appender = LogAppender(path: path)
        appender.clock = { fixedNow }
        appender.chaining = .off
        _ = try appender.append(batch: batch(acceptedAssignedClosed("U1", prefix: "u")))
        let resumed = try await Ledger.open(path: path, options: options(state: state))
        #expect(await resumed.stateNote == nil)
        #expect(await resumed.linesBeyondState == 3)
        #expect(await resumed.count == 903)
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("u3", "N1", "accepted", "03 09:00")])) }
        await #expect(throws: AppendError.self) { try await resumed.append(batch: batch([line("n1", "T299", "accepted", "03 09:00")])) }
        let written = try await resumed.append(batch: batch([line("v1", "V1", "accepted", "03 09:00")]))
        #expect(written.map(\.position) == [904])
        #expect(await resumed.chainHead == nil)
    }
}
