/// Checks a whole log line by line: JSON and fields, duplicate ids, the life cycle.
///
/// The verifier keeps going after a bad line so every problem is reported. A line with a
/// problem does not change the ticket state, so later lines are judged against the state
/// the valid lines built.
public struct LogVerifier: Sendable {
    /// The event decoder (its buffers are reused).
    package var decoder = EventDecoder()
    /// The life-cycle state of every ticket so far.
    package var lifecycle = LifecycleValidator()
    /// Which line first used each id.
    package var ids = EventIDIndex(capacity: 1 << 16)
    /// Whether the duplicate check of the ids is deferred (see ``DeferredIDs``): ``ids`` is then
    /// empty and ``deferredIDs`` has the ids of the lines accepted so far.
    var deferringIDs = false
    var deferredIDs = DeferredIDs(capacity: 0)
    /// The ids the index is to have room for when it is made.
    var idCapacity = 1 << 16
    /// Number of valid events.
    public internal(set) var eventCount = 0
    /// Number of problems found.
    public internal(set) var problemCount = 0
    /// The number of distinct tickets with a valid `accepted` event.
    ///
    /// Tickets named only by rejected lines are not counted.
    public internal(set) var ticketCount = 0

    public init() {}

    /// While journaling, the ids inserted (by hash) and the counters before, to undo a batch.
    var journal: (ids: [UInt64], eventCount: Int, ticketCount: Int, problemCount: Int)?

    /// Starts recording what ``check(_:report:)`` changes, so that ``rollBackJournal()`` can
    /// restore the state as it was (a batch rejected after some of its lines were accepted).
    package mutating func beginJournal() {
        journal = ([], eventCount, ticketCount, problemCount)
        lifecycle.beginJournal()
    }

    /// Keeps the changes made since ``beginJournal()``.
    package mutating func commitJournal() {
        journal = nil
        lifecycle.commitJournal()
    }

    /// Undoes every change made since ``beginJournal()``.
    package mutating func rollBackJournal() {
        guard let saved = journal else { return }
        for hash in saved.ids.reversed() { ids.remove(hash: hash) }
        (eventCount, ticketCount, problemCount) = (saved.eventCount, saved.ticketCount, saved.problemCount)
        lifecycle.rollBackJournal()
        journal = nil
    }

    /// Checks one line.
    /// - Returns: The decoded event when the line is valid, else `nil` after calling `report`.
    @discardableResult
    public mutating func check(_ line: LogLine, report: (LogProblem) throws -> Void) rethrows -> RawEvent? {
        guard line.terminated else {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: .tornTail(byteCount: line.bytes.count)))
            return nil
        }
        let event: RawEvent
        do {
            event = try decoder.decode(line.bytes)
        } catch {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: error))
            return nil
        }
        // Ids are compared by their decoded value (an escaped spelling is the same id).
        if let first = ids.firstLine(of: event.id, in: line.bytes) {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: .duplicateID(event.id.string(in: line.bytes), firstLine: first)))
            return nil
        }
        if let problem = lifecycle.apply(event, in: line.bytes, lineNumber: line.number) {
            problemCount += 1
            try report(LogProblem(line: line.number, problem: problem))
            return nil
        }
        _ = ids.insert(event.id, in: line.bytes, lineNumber: line.number)
        if journal != nil { journal!.ids.append(EventIDIndex.hash(event.id, in: line.bytes)) }
        eventCount += 1
        if event.kind == .accepted { ticketCount += 1 }
        return event
    }

    /// Checks a line that has a problem found outside the verifier, such as a broken hash chain.
    ///
    /// `problem` is reported in place of any the line has of its own, and the line counts as
    /// bad; but a line that is otherwise valid still updates the tickets' state, so that one
    /// changed line does not make the later events of its ticket look wrong too.
    public mutating func check(_ line: LogLine, despite problem: EventProblem,
                               report: (LogProblem) throws -> Void) rethrows {
        let counts = (eventCount, ticketCount, problemCount)
        check(line) { _ in }
        (eventCount, ticketCount, problemCount) = (counts.0, counts.1, counts.2 + 1)
        try report(LogProblem(line: line.number, problem: problem))
    }
}
