import Events

extension LogReplay {
    /// The life-cycle problems of the view as of `asOf`: the log's valid events known by then
    /// (their `recorded` time, else their `at`), checked in the log's order as a log of their own.
    ///
    /// When the lines were recorded in the log's order, that view is a prefix of the log and has
    /// none. An event recorded out of order (an import, a backfill) can leave a view in which an
    /// event known by then depends on one recorded later: a callback on a closure, a second
    /// closure after a rework return. A report as of then counts such events as they are; this
    /// says which they are.
    /// - Returns: How many events of the view break the life cycle, and the first `limit` of them
    ///   (line numbers are the log's).
    /// - Throws: `LogFileError` if the log cannot be read.
    public func asOfViewProblems(_ asOf: Timestamp, limit: Int = 20) throws(LogFileError) -> (count: Int, first: [LogProblem]) {
        var full = LifecycleValidator(), view = LifecycleValidator()
        var count = 0
        var first: [LogProblem] = []
        let knownBy = asOf.nanoseconds
        do {
            var scan = LogScan(path: path, workers: parallelism > 1 ? parallelism : 0)
            scan.maxLineBytes = maxLineBytes
            if let stream {
                scan.source = try stream.bytes(after: 0)
            } else {
                scan.end = try LogSnapshot.take(path: path).length
            }
            var lines = 0
            try scan.run { block in
                _ = full.check(block, firstLine: lines + 1) { _, _ in }
                let bytes = block.bytes
                for (j, event) in block.events.enumerated() where event.ticketID >= 0 && event.knownAt <= knownBy {
                    guard let problem = view.apply(event, in: bytes, lineNumber: lines + 1 + j) else { continue }
                    count += 1
                    if first.count < limit { first.append(LogProblem(line: lines + 1 + j, problem: problem)) }
                }
                lines += block.events.count
            }
        } catch {
            throw .reading(path, failedWith: error)
        }
        return (count, first)
    }
}
