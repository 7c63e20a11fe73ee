#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LogVerifier {
    /// ``verifyFile(at:requireChain:report:)`` with the log read and decoded by ``LogScan``'s
    /// worker threads, which also hash the event ids. The checks themselves — the hash chain,
    /// duplicate ids, the life cycle — run on the calling thread in file order, exactly as line
    /// by line, so the problems, their order, the totals and the chain summary are the same.
    /// - Parameters:
    ///   - blockSize: Bytes per block (tests make it small).
    ///   - source: Where the bytes come from when the log is not a file (`path` then names it):
    ///     the lines of a streamed log, read once (a chain that starts after line 1 builds on the
    ///     hash of the lines before it as they were read).
    ///   - estimate: How long the log is, when `source` is given and its store can tell.
    ///   - visit: Called with each valid line, in order (see ``ScannedVisit``).
    static func verifyScanned(at path: String, end: Int64 = .max, requireChain: Bool, blockSize: Int = 1 << 20,
                              maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                              source: (any LogByteSource)? = nil, estimate streamEstimate: LogSizeEstimate? = nil,
                              visit: ScannedVisit? = nil,
                              report: (LogProblem) throws -> Void) throws -> Summary {
        var verifier = LogVerifier()
        // Room for the ids from the start, rather than rehashing as it grows (see ``LogSizeEstimate``).
        // The table holds up to two ids per three slots and one doubling too big costs 12 bytes
        // a slot (800 MB for 19 M events), so it is sized for the ids, not for twice as many.
        // The ticket tables are sized once too.
        var estimate = streamEstimate
        var st = stat()
        if source == nil, stat(path, &st) == 0 { estimate = LogSizeEstimate(path: path) }
        if let estimate {
            verifier.ids = EventIDIndex(capacity: min(estimate.lines * 3 / 4, 1 << 26))
            verifier.lifecycle.reserve(for: estimate)
        }
        let warmer = PageWarmer.start(verifier.lifecycle.ticketTableRooms, minimumBytes: PageWarmer.worthwhileBytes)
        defer { warmer?.stop() }
        var chain = source == nil ? ChainVerifier(reading: path) : ChainVerifier(prefix: .hashedAsRead)
        var lineCount = 0
        var scan = LogScan(path: path, workers: LogScan.defaultWorkers)
        scan.source = source
        scan.hashIDs = true
        scan.chainLinks = true
        scan.blockSize = blockSize
        scan.maxLineBytes = maxLineBytes
        scan.end = end
        try scan.run { block in
            try verifier.check(block, firstLine: lineCount + 1, chain: &chain, report: report, visit: visit)
            verifier.lifecycle.advance(warmer)
            lineCount += block.events.count
        }
        return try verifier.summary(lineCount: lineCount, chain: chain, requireChain: requireChain, report: report)
    }

    /// A valid line, as a scanned verify hands it to a visitor: its number, when the ledger
    /// learned of its event (`recorded`, else `at`; nanoseconds), and its chain value (`nil`
    /// before the chain starts): what ``verifyFile(at:requireChain:maxLineBytes:report:visit:)``
    /// hands over of each line, read without building the event.
    package typealias ScannedVisit = (_ line: Int, _ knownAt: Int64, _ chainValue: SHA256.Digest?) throws -> Void

    /// Checks a block's lines in order: the chain first, then the line itself (see
    /// ``check(_:report:)`` and ``check(_:despite:report:)``); `visit` gets every valid line
    /// that keeps the chain.
    ///
    /// The id and ticket table look-ups of the lines ahead are prefetched (see
    /// ``LifecycleValidator/check(_:firstLine:report:)``), so that their cache misses overlap the
    /// checks of the lines before them.
    mutating func check(_ block: ScannedBlock, firstLine: Int, chain: inout ChainVerifier,
                        report: (LogProblem) throws -> Void, visit: ScannedVisit? = nil) throws {
        let bytes = block.bytes
        let links = block.chainLinks
        // The worker's link of line `j` is built on the value stored on line `j - 1`.
        func chainCheck(_ j: Int, _ line: LogLine) throws(LogFileError) -> EventProblem? {
            guard j < links.count else { return try chain.check(line) }
            return try chain.check(line, scanned: links[j], basis: j > 0 ? links[j - 1].storedValue : nil)
        }
        // The last line of a run of lines flagged ``ScannedEvent/Flags/chainLinked`` not yet
        // given to the chain verifier, or -1.
        var linkedRun = -1
        func endLinkedRun() {
            guard linkedRun >= 0 else { return }
            chain.acceptLinked(value: links[linkedRun].storedValue!, lineNumber: firstLine + linkedRun)
            linkedRun = -1
        }
        try block.events.withUnsafeBufferPointer { events in
            lifecycle.prefetchFirst(of: events)
            for j in 0..<min(Self.prefetchDistance, events.count) { ids.prefetchSlot(hash: events[j].idHash) }
            for j in 0..<events.count {
                if j + Self.prefetchDistance < events.count { ids.prefetchSlot(hash: events[j + Self.prefetchDistance].idHash) }
                lifecycle.prefetch(aheadOf: j, in: events, bytes: bytes, states: lifecycle.stateBase)
                let event = events[j]
                // A line whose link a worker computed from the line before it and found stored
                // (the verifier's value is that line's: it was checked just before) needs no
                // chain check; the verifier moves on to the last line of such a run at its end.
                if event.flags.contains(.chainLinked), chain.summary.isChained {
                    linkedRun = j
                    let line = LogLine(number: firstLine + j, offset: block.fileOffset + Int64(event.lineStart),
                                       bytes: event.line(in: bytes), terminated: true)
                    if try check(event, in: block, line: line, report: report), let visit {
                        try visit(line.number, event.knownAt, links[j].storedValue)
                    }
                    continue
                }
                endLinkedRun()
                var torn = false
                if event.problem >= 0, case .tornTail = block.problems[Int(event.problem)] { torn = true }
                let line = LogLine(number: firstLine + j, offset: block.fileOffset + Int64(event.lineStart),
                                   bytes: event.line(in: bytes), terminated: !torn)
                // Before a chain starts, a line that cannot be a chained one needs no chain check
                // when the file's bytes before the chain are read again when it starts (not
                // a stream's, which are hashed as they go by).
                if !chain.summary.isChained, !chain.hashesPrefixAsRead, ChainMember.cannotEnd(line.bytes) {
                    if try check(event, in: block, line: line, report: report), let visit {
                        try visit(line.number, event.knownAt, nil)
                    }
                } else if let problem = try chainCheck(j, line) {
                    let counts = (eventCount, ticketCount, problemCount)
                    check(event, in: block, line: line) { _ in }
                    (eventCount, ticketCount, problemCount) = (counts.0, counts.1, counts.2 + 1)
                    try report(LogProblem(line: line.number, problem: problem))
                } else if try check(event, in: block, line: line, report: report), let visit {
                    try visit(line.number, event.knownAt, chain.lineValue)
                }
            }
            endLinkedRun()
        }
    }

    /// How many lines ahead ``check(_:firstLine:chain:report:)`` prefetches a line's id table slot.
    static let prefetchDistance = 16

    /// ``check(_:report:)`` for a line decoded by ``LogScan`` (with ``LogScan/hashIDs``).
    /// - Returns: Whether the line is a valid event.
    @discardableResult
    private mutating func check(_ event: ScannedEvent, in block: ScannedBlock, line: LogLine,
                                report: (LogProblem) throws -> Void) rethrows -> Bool {
        if event.problem >= 0 {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: block.problems[Int(event.problem)]))
            return false
        }
        let (first, slot) = ids.find(hash: event.idHash)
        if let first {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: .duplicateID(event.idRef.string(in: line.bytes), firstLine: first)))
            return false
        }
        if let problem = lifecycle.apply(event, in: block.bytes, lineNumber: line.number) {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: problem))
            return false
        }
        ids.insert(hash: event.idHash, line: line.number, at: slot)
        eventCount += 1
        if event.kind == .accepted { ticketCount += 1 }
        return true
    }
}

extension ChainMember {
    /// Whether a line certainly has no chain ending, intact or damaged (before a final `\r`): two of the four bytes
    /// where the member's `,"ch` would start differ from it (``ending(of:)`` takes a line
    /// with one differing byte for a damaged member), or the line is too short to hold one.
    @inline(__always)
    static func cannotEnd(_ line: UnsafeRawBufferPointer) -> Bool {
        // A `\r` before the newline (a CRLF log) is looked past, as ``ChainVerifier`` does.
        let end = line.count > 0 && line[line.count - 1] == 0x0D ? line.count - 1 : line.count
        let start = end - length
        guard start >= 1 else { return true }
        let differing = (line[start] != UInt8(ascii: ",") ? 1 : 0) + (line[start + 1] != UInt8(ascii: "\"") ? 1 : 0)
            + (line[start + 2] != UInt8(ascii: "c") ? 1 : 0) + (line[start + 3] != UInt8(ascii: "h") ? 1 : 0)
        return differing >= 2
    }
}
