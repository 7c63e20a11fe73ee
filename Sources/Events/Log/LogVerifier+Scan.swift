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
        // A file is checked first as if no id repeated (see ``DeferredIDs``), which nothing
        // outside sees until a problem is found or the log ends; if an id did repeat, the log is
        // checked again with the index. A stream is read once, and a visitor sees every line as
        // it is checked, so they are checked with the index from the start.
        if source == nil, visit == nil,
           let summary = try verifyScanned(at: path, end: end, requireChain: requireChain, blockSize: blockSize,
                                           maxLineBytes: maxLineBytes, source: nil, estimate: nil,
                                           deferringIDs: true, visit: nil, report: report) {
            return summary
        }
        return try verifyScanned(at: path, end: end, requireChain: requireChain, blockSize: blockSize,
                                 maxLineBytes: maxLineBytes, source: source, estimate: streamEstimate,
                                 deferringIDs: false, visit: visit, report: report)!
    }

    /// ``verifyScanned(at:end:requireChain:blockSize:maxLineBytes:source:estimate:visit:report:)``,
    /// with the ids' duplicate check deferred when `deferringIDs` (then `nil` when an id repeats
    /// before any problem is reported).
    private static func verifyScanned(at path: String, end: Int64, requireChain: Bool, blockSize: Int, maxLineBytes: Int,
                                      source: (any LogByteSource)?, estimate streamEstimate: LogSizeEstimate?,
                                      deferringIDs: Bool, visit: ScannedVisit?,
                                      report: (LogProblem) throws -> Void) throws -> Summary? {
        var verifier = LogVerifier()
        // Room for the ids from the start, rather than rehashing as it grows (see ``LogSizeEstimate``).
        // The table holds up to two ids per three slots and one doubling too big costs 12 bytes
        // a slot (800 MB for 19 M events), so it is sized for the ids, not for twice as many.
        // The ticket tables are sized once too.
        var estimate = streamEstimate
        var st = stat()
        if source == nil, stat(path, &st) == 0 { estimate = LogSizeEstimate(path: path) }
        if let estimate {
            verifier.idCapacity = min(estimate.lines * 3 / 4, 1 << 26)
            verifier.lifecycle.reserve(for: estimate)
        }
        if deferringIDs {
            verifier.deferringIDs = true
            let lines = estimate?.lines ?? 0
            verifier.deferredIDs = DeferredIDs(capacity: lines + lines / 8)
            verifier.ids = EventIDIndex(capacity: 0)
        } else {
            verifier.ids = EventIDIndex(capacity: verifier.idCapacity)
        }
        let warmer = PageWarmer.start(verifier.lifecycle.ticketTableRooms, minimumBytes: PageWarmer.worthwhileBytes)
        defer { warmer?.stop() }
        var chain = source == nil ? ChainVerifier(reading: path) : ChainVerifier(prefix: .hashedAsRead)
        var lineCount = 0
        // A file whose lines carry no chain links keeps a processor for the checks (a stream
        // is read on a thread of its own: the default).
        let decodingIsHeavier = source != nil || estimate?.chained ?? true
        var scan = LogScan(path: path, workers: decodingIsHeavier ? LogScan.defaultWorkers : LogScan.workersBesideCallingThread)
        scan.source = source
        scan.hashIDs = true
        scan.chainLinks = true
        scan.blockSize = blockSize
        scan.maxLineBytes = maxLineBytes
        scan.end = end
        do {
            try scan.run { block in
                try verifier.check(block, firstLine: lineCount + 1, chain: &chain, report: report, visit: visit)
                verifier.lifecycle.advance(warmer)
                lineCount += block.events.count
                // Far more ids than the log's length foretold: the index from here on.
                if verifier.deferringIDs, verifier.deferredIDs.isCrowded { try verifier.stopDeferringIDs(before: lineCount + 1) }
            }
        } catch is RepeatedDeferredID {
            return nil
        }
        if verifier.deferringIDs, verifier.deferredIDs.containsRepeat() { return nil }
        return try verifier.summary(lineCount: lineCount, chain: chain, requireChain: requireChain, report: report)
    }

    /// Thrown when the ids whose duplicate check was deferred turn out to repeat.
    private struct RepeatedDeferredID: Error {}

    /// Ends the deferral of the ids' duplicate check (see ``DeferredIDs``) before line `line`,
    /// the first problem or the first line of a block: every line before it was accepted, and
    /// they make up the index.
    /// The problem line itself is checked next as line by line (a line whose life cycle was
    /// checked already is checked again: a refused line changes no ticket's state).
    /// - Throws: ``RepeatedDeferredID`` when an id repeats.
    private mutating func stopDeferringIDs(before line: Int) throws {
        guard deferringIDs else { return }
        deferringIDs = false
        let deferred = deferredIDs
        deferredIDs = DeferredIDs(capacity: 0)
        guard let index = deferred.index(firstLine: line - deferred.count, capacity: idCapacity)
        else { throw RepeatedDeferredID() }
        ids = index
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
        let values = block.chainValues
        // The last line of a run of lines flagged ``ScannedEvent/Flags/chainLinked`` not yet
        // given to the chain verifier, or -1.
        var linkedRun = -1
        func endLinkedRun() {
            guard linkedRun >= 0 else { return }
            chain.acceptLinked(value: values[linkedRun], lineNumber: firstLine + linkedRun)
            linkedRun = -1
        }
        try block.events.withUnsafeBufferPointer { events in
            let states = lifecycle.reserveStates(forMore: events.count)
            lifecycle.prefetchFirst(of: events)
            for j in 0..<min(Self.prefetchDistance, events.count) { prefetchID(hash: events[j].idHash) }
            for j in 0..<events.count {
                if j + Self.prefetchDistance < events.count { prefetchID(hash: events[j + Self.prefetchDistance].idHash) }
                lifecycle.prefetch(aheadOf: j, in: events, bytes: bytes, states: states)
                let event = events[j]
                // A line whose link a worker computed from the line before it and found stored
                // (the verifier's value is that line's: it was checked just before) needs no
                // chain check; the verifier moves on to the last line of such a run at its end.
                if event.flags.contains(.chainLinked), chain.summary.isChained {
                    linkedRun = j
                    let line = LogLine(number: firstLine + j, offset: block.fileOffset + Int64(event.lineStart),
                                       bytes: event.line(in: bytes), terminated: true)
                    if try check(event, in: block, line: line, states: states, report: report), let visit {
                        try visit(line.number, event.knownAt, values[j])
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
                    if try check(event, in: block, line: line, states: states, report: report), let visit {
                        try visit(line.number, event.knownAt, nil)
                    }
                } else if let problem = try chain.check(line) {
                    try stopDeferringIDs(before: line.number)
                    let counts = (eventCount, ticketCount, problemCount)
                    try check(event, in: block, line: line, states: states) { _ in }
                    (eventCount, ticketCount, problemCount) = (counts.0, counts.1, counts.2 + 1)
                    try report(LogProblem(line: line.number, problem: problem))
                } else if try check(event, in: block, line: line, states: states, report: report), let visit {
                    try visit(line.number, event.knownAt, chain.lineValue)
                }
            }
            endLinkedRun()
        }
    }

    /// Prefetches what checking an id with this hash will touch: its slot in the index, or its
    /// bit while the check is deferred.
    @inline(__always)
    private func prefetchID(hash: UInt64) {
        if deferringIDs { deferredIDs.prefetch(hash: hash) } else { ids.prefetchSlot(hash: hash) }
    }

    /// How many lines ahead ``check(_:firstLine:chain:report:)`` prefetches a line's id table slot.
    static let prefetchDistance = 16

    /// ``check(_:report:)`` for a line decoded by ``LogScan`` (with ``LogScan/hashIDs``).
    /// - Returns: Whether the line is a valid event.
    @discardableResult
    private mutating func check(_ event: ScannedEvent, in block: ScannedBlock, line: LogLine,
                                states: UnsafeMutablePointer<TicketLifecycle>, report: (LogProblem) throws -> Void) throws -> Bool {
        if deferringIDs {
            if event.problem < 0, lifecycle.apply(event, in: block.bytes, lineNumber: line.number, states: states) == nil {
                deferredIDs.append(event.idHash)
                eventCount += 1
                if event.kind == .accepted { ticketCount += 1 }
                return true
            }
            try stopDeferringIDs(before: line.number)
        }
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
        if let problem = lifecycle.apply(event, in: block.bytes, lineNumber: line.number, states: states) {
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
