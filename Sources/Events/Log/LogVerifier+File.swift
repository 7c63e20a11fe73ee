extension LogVerifier {
    /// The totals of a verified log.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        /// Lines read, including bad ones.
        public var lineCount: Int
        /// Valid events.
        public var eventCount: Int
        /// Tickets with a valid `accepted` event.
        public var ticketCount: Int
        /// Problems found (one per bad line).
        public var problemCount: Int
        /// The hash chain: whether there is one, its head, where it first breaks.
        public var chain = ChainSummary()

        /// Whether the log has no problem.
        public var isClean: Bool { problemCount == 0 }

        /// `1,204 events, 311 tickets, 3 errors`.
        public var description: String {
            "\(counted(eventCount, "event")), \(counted(ticketCount, "ticket")), \(counted(problemCount, "error"))"
        }
    }

    /// Verifies a whole log file, streaming it through a fixed-size buffer.
    ///
    /// Besides the checks of ``check(_:report:)``, the hash chain is recomputed (see
    /// ``HashChain``): a line whose chain does not hold is reported as such (see
    /// ``check(_:despite:report:)``).
    /// - Parameters:
    ///   - path: The log (`-` reads standard input).
    ///   - requireChain: Report a log that is not chained from its first line, as a problem
    ///     at line 1 after all the others.
    ///   - maxLineBytes: The longest line read (see ``LogReader/maxLineBytes``).
    ///   - report: Called with each problem, in line order.
    /// - Returns: The totals, and what was found about the chain.
    /// - Throws: ``LogReadError/file(_:)`` if the file cannot be read, is not a regular file, or
    ///   has a line longer than `maxLineBytes`; ``LogReadError/stopped(_:)`` with what `report`
    ///   throws.
    /// - Complexity: O(n) time in the log's length; memory grows with the number of ids and
    ///   tickets, not with the length of the lines.
    public static func verifyFile<Failure: Error>(
        at path: String, requireChain: Bool = false, maxLineBytes: Int = LogInput.defaultMaxLineBytes,
        report: (LogProblem) throws(Failure) -> Void
    ) throws(LogReadError<Failure>) -> Summary {
        try LogReadError.catching(path: path, report) { report in
            try verifyWholeFile(at: path, requireChain: requireChain, maxLineBytes: maxLineBytes, report: report)
        }
    }

    /// ``verifyFile(at:requireChain:maxLineBytes:report:)`` with untyped errors: the file's
    /// (`LogFileError`) and what `report` throws; `visit`, when given, gets every valid line
    /// (see ``ScannedVisit``).
    static func verifyWholeFile(at path: String, requireChain: Bool, maxLineBytes: Int, visit: ScannedVisit? = nil,
                                report: (LogProblem) throws -> Void) throws -> Summary {
        // A file is read and decoded by worker threads (see ``verifyScanned(at:requireChain:report:)``);
        // standard input line by line. An interrupted append's bytes are left out and reported.
        if path == "-" {
            return try verifyFile(at: path, requireChain: requireChain, maxLineBytes: maxLineBytes, report: report) { line, event, value in
                try visit?(line.number, event.knownAt.nanoseconds, value)
            }
        }
        return try verifySettled(at: path, report: report) { end throws in
            try verifyScanned(at: path, end: end, requireChain: requireChain, maxLineBytes: maxLineBytes, visit: visit, report: report)
        }
    }

    /// Runs `verify` on the settled bytes of the log (see ``LogSnapshot``) and reports an
    /// interrupted append's bytes after them as a problem.
    static func verifySettled(at path: String, report: (LogProblem) throws -> Void,
                              _ verify: (Int64) throws -> Summary) throws -> Summary {
        let snapshot = try LogSnapshot.take(path: path)
        var summary = try verify(snapshot.length)
        if let pending = snapshot.interrupted {
            try report(LogProblem(line: summary.lineCount + 1,
                                  problem: .interruptedAppend(lineCount: pending.lineCount, byteCount: snapshot.interruptedByteCount)))
            summary.problemCount += 1
        }
        return summary
    }

    /// Verifies a log file, calling `visit` with each valid event and its line's chain value.
    static func verifyFile(at path: String, requireChain: Bool, maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                           report: (LogProblem) throws -> Void,
                           visit: (LogLine, RawEvent, SHA256.Digest?) throws -> Void) throws -> Summary {
        try verifySettled(at: path, report: report) { end throws in
            try verifyLines(at: path, end: end, requireChain: requireChain, maxLineBytes: maxLineBytes, report: report, visit: visit)
        }
    }

    /// Verifies the log's lines up to the offset `end`, one by one on the calling thread.
    private static func verifyLines(at path: String, end: Int64, requireChain: Bool, maxLineBytes: Int,
                                    report: (LogProblem) throws -> Void,
                                    visit: (LogLine, RawEvent, SHA256.Digest?) throws -> Void) throws -> Summary {
        var verifier = LogVerifier()
        var chain = ChainVerifier(reading: path)
        var lineCount = 0
        var reader = LogReader(path: path, chunkSize: 1 << 20)
        reader.maxLineBytes = maxLineBytes
        do {
            try reader.forEachLine(end: end) { line in
                lineCount = line.number
                try verifier.check(line, chain: &chain, report: report, visit: visit)
            }
        } catch {
            throw error.underlying
        }
        return try verifier.summary(lineCount: lineCount, chain: chain, requireChain: requireChain, report: report)
    }

    /// The totals so far, given how many lines were checked.
    public func summary(lineCount: Int) -> Summary {
        Summary(lineCount: lineCount, eventCount: eventCount, ticketCount: ticketCount, problemCount: problemCount)
    }
}

/// `1 event`, `1,800 events`: a count and its noun, singular for one.
package func counted(_ n: Int, _ noun: String) -> String {
    "\(groupedThousands(n)) \(noun)\(n == 1 ? "" : "s")"
}

/// `1234567` as `1,234,567`.
package func groupedThousands(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = n < 0 ? "-" : ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}

extension LogVerifier {
    /// The state of the log at `path` — every ticket's life cycle and every id — read under a
    /// moment's shared lock (see ``LogSnapshot``), to check new events against it as `append`
    /// would (``check(_:lineNumber:)``).
    /// - Throws: ``AppendError`` when the log cannot be read, is torn or has problems.
    public static func state(ofLogAt path: String, maxLineBytes: Int = LogInput.defaultMaxLineBytes) throws(AppendError) -> LogVerifier {
        var verifier = LogVerifier()
        var problems: [LogProblem] = []
        var problemCount = 0
        var torn: LogLine?
        let snapshot: LogSnapshot
        do { snapshot = try LogSnapshot.take(path: path) } catch { throw .file(error) }
        var reader = LogReader(path: path, chunkSize: 1 << 20)
        reader.maxLineBytes = maxLineBytes
        do {
            try reader.forEachLine(end: snapshot.length) { line in
                guard line.terminated else { torn = line; return }
                verifier.check(line) { problem in
                    problemCount += 1
                    if problems.count < 20 { problems.append(problem) }
                }
            }
        } catch {
            throw .file(.reading(path, failedWith: error))
        }
        if let torn { throw .tornTail(path: path, line: torn.number, byteCount: torn.bytes.count) }
        if problemCount > 0 { throw .invalidLog(path: path, problems: problems, problemCount: problemCount) }
        return verifier
    }

    /// Checks an ``Event`` value against the events so far — its id must be new, and its ticket's
    /// life cycle must allow it — and applies it when it is allowed. No JSON round trip (but an
    /// `adjusted` event's points, see ``LifecycleValidator/apply(_:lineNumber:)``).
    /// - Parameters:
    ///   - event: The event to check.
    ///   - lineNumber: A position to remember for later messages (e.g. a sequence number).
    /// - Returns: `nil` when the event is valid, else the problem (the state is unchanged).
    public mutating func check(_ event: Event, lineNumber: Int = 0) -> EventProblem? {
        if let problem = LifecycleValidator.emptyFieldProblem(event) {
            problemCount += 1
            return problem
        }
        var id = event.id
        let hash = id.withUTF8 { EventIDIndex.hash(UnsafeRawBufferPointer($0)) }
        let (first, slot) = ids.find(hash: hash)
        if let first {
            problemCount += 1
            return .duplicateID(event.id, firstLine: first)
        }
        if let problem = lifecycle.apply(event, lineNumber: lineNumber) {
            problemCount += 1
            return problem
        }
        ids.insert(hash: hash, line: lineNumber, at: slot)
        if journal != nil { journal!.ids.append(hash) }
        eventCount += 1
        if event.kind == .accepted { ticketCount += 1 }
        return nil
    }
}

extension LogVerifier {
    /// Checks one line: the chain first, then the line itself (a line that breaks the chain is
    /// still checked, but not visited); calls `visit` with a valid event and its chain value.
    mutating func check(_ line: LogLine, chain: inout ChainVerifier, report: (LogProblem) throws -> Void,
                        visit: (LogLine, RawEvent, SHA256.Digest?) throws -> Void) throws {
        if let problem = try chain.check(line) {
            try check(line, despite: problem, report: report)
        } else if let event = try check(line, report: report) {
            try visit(line, event, chain.lineValue)
        }
    }

    /// The summary of a verified log of `lineCount` lines, with the chain's; a log that must be
    /// chained and is not gets one more problem, reported here.
    func summary(lineCount: Int, chain: ChainVerifier, requireChain: Bool,
                 report: (LogProblem) throws -> Void) throws -> Summary {
        var summary = summary(lineCount: lineCount)
        summary.chain = chain.summary
        if requireChain, let problem = chain.requirementProblem(lineCount: lineCount) {
            try report(problem)
            summary.problemCount += 1
        }
        return summary
    }
}
