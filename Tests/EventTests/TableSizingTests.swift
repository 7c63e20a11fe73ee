import Testing
@testable import Events

/// A replay or verify from the start sizes the ticket tables once from the log's length
/// (``LogSizeEstimate``) instead of doubling them; what is saved of them is no larger for it.
@Suite struct TableSizingTests {
    @Test func theEstimateFollowsTheLinesOfTheFile() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let lines = (1...3_000).flatMap { n in acceptedAssignedClosed("T\(n)", prefix: "E\(n)-") }
        let path = try dir.write("log.jsonl", log(lines))
        let estimate = LogSizeEstimate(path: path)
        #expect(abs(estimate.lines - lines.count) < lines.count / 10, "\(estimate.lines) for \(lines.count)")
        // Three lines a ticket here: the arrays have room for every ticket, the slots for three quarters.
        #expect(abs(estimate.tickets - 3_000) < 300, "\(estimate.tickets)")
        #expect(estimate.slottedTickets == estimate.lines / 4)
        // From an offset, only the bytes after it; nothing for a file that is not there.
        #expect(LogSizeEstimate(path: path, from: Int64(log(Array(lines.prefix(4_500))).utf8.count)).lines < estimate.lines / 2 + 300)
        #expect(LogSizeEstimate(path: dir.file("missing.jsonl")).lines == 0)
        #expect(LogSizeEstimate(lines: 30_000_000 * 4).tickets == 1 << 24)
    }

    /// `verify` gives a log whose lines carry chain links a decoder more than one without
    /// (``LogScan/workersBesideCallingThread``); the estimate tells them apart by the file's
    /// first and last 64 KiB.
    @Test func theEstimateTellsAChainedLogByItsEnds() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let lines = (1...3_000).flatMap { n in acceptedAssignedClosed("T\(n)", prefix: "E\(n)-") }
        let member = #","chain":""# + String(repeating: "0", count: 64) + "\"}"
        func sealed(_ line: String) -> String { String(line.dropLast()) + member }
        #expect(!LogSizeEstimate(path: try dir.write("plain.jsonl", log(lines))).chained)
        #expect(LogSizeEstimate(path: try dir.write("head.jsonl", log([sealed(lines[0])] + lines.dropFirst()))).chained)
        #expect(LogSizeEstimate(path: try dir.write("tail.jsonl", log(lines.dropLast() + [sealed(lines.last!)]))).chained)
        // Judged by the ends only: a member in the middle alone is not seen.
        var middle = lines
        middle[lines.count / 2] = sealed(middle[lines.count / 2])
        #expect(!LogSizeEstimate(path: try dir.write("middle.jsonl", log(middle))).chained)
        #expect(!LogSizeEstimate(path: dir.file("missing.jsonl")).chained)
        #expect(!LogSizeEstimate(path: try dir.write("empty.jsonl", "")).chained)
    }

    @Test func aReservedValidatorChecksAlikeAndSavesItsTablesAtTheSizeTheyNeed() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let lines = (1...40).flatMap { n in acceptedAssignedClosed("T\(n)", prefix: "E\(n)-") }
        var plain = LifecycleValidator(), reserved = LifecycleValidator()
        reserved.reserve(for: LogSizeEstimate(lines: 3_000_000))
        #expect(reserved.states.capacity >= 1_000_000)
        #expect(reserved.tickets.slots.count == 1 << 20)
        for (i, line) in lines.enumerated() {
            var text = line
            text.withUTF8 { bytes in
                var decoder = EventDecoder()
                let raw = try! decoder.decode(UnsafeRawBufferPointer(bytes))
                #expect(plain.apply(raw, in: UnsafeRawBufferPointer(bytes), lineNumber: i + 1) == nil)
                #expect(reserved.apply(raw, in: UnsafeRawBufferPointer(bytes), lineNumber: i + 1) == nil)
            }
        }
        #expect(reserved.states.capacity >= 1_000_000)
        #expect(reserved.tickets.slots.count == 1 << 20)
        // Once tickets came, reserving again changes nothing.
        reserved.reserve(for: LogSizeEstimate(lines: 30_000_000))
        #expect(reserved.tickets.slots.count == 1 << 20)
        let format = CheckpointFormat(magic: 0x5453_4554_5A49_5331, version: 1, end: 0x444E_4553_5A49_5331, name: "a test file")
        func saved(_ validator: LifecycleValidator) throws -> (LifecycleValidator, [UInt8]) {
            let path = dir.file("validator")
            try format.write(to: path, key: "k") { writer in try validator.write(to: &writer) }
            let bytes = try dir.read("validator")
            let read = try #require(try format.read(from: path, key: "k", otherKey: { _ in "other" }) { reader in
                try LifecycleValidator(from: &reader, lines: lines.count)
            })
            return (read, bytes)
        }
        let (fromPlain, plainBytes) = try saved(plain)
        let (fromReserved, reservedBytes) = try saved(reserved)
        // 40 tickets: the saved slots are those the table would have had without the reservation.
        #expect(reservedBytes.count == plainBytes.count)
        #expect(fromReserved.tickets.slots.count == fromPlain.tickets.slots.count)
        #expect(fromReserved.tickets.count == 40 && fromPlain.tickets.count == 40)
        for n in 1...40 { #expect(fromReserved.tickets.lookup("T\(n)") == plain.tickets.lookup("T\(n)")) }
        func fields(_ v: LifecycleValidator) -> [String] {
            (0..<v.states.count).map { i in
                let s = v.states[i]
                return "\(s.due) \(s.lastAt) \(s.acceptedLine) \(s.holder) \(s.closer0) \(s.closer1) \(s.closed) \(s.pendingSupervisions)"
            }
        }
        #expect(fields(fromReserved) == fields(plain) && fields(reserved) == fields(plain) && plain.states.count == 40)
    }
}
