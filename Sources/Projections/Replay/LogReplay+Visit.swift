import Events

extension LogReplay {
    /// Streams the log through the decoder and the life-cycle validator and calls `body` with
    /// every valid event, its line and its line number. Invalid lines are collected in the
    /// summary, not passed on.
    /// - Throws: ``LogFileError`` if the file cannot be read.
    public func forEachValidEvent(_ body: (RawEvent, UnsafeRawBufferPointer, Int) -> Void) throws -> Summary {
        var summary = Summary()
        var decoder = EventDecoder()
        var lifecycle = LifecycleValidator()
        summary.bytes = try LogReader(path: path).forEachLine { line in
            summary.lines = line.number
            func report(_ problem: EventProblem) {
                if summary.problems.count < problemLimit { summary.problems.append(LogProblem(line: line.number, problem: problem)) }
            }
            guard line.terminated else { return report(.tornTail(byteCount: line.bytes.count)) }
            let event: RawEvent
            do throws(EventProblem) {
                event = try decoder.decode(line.bytes)
            } catch {
                return report(error)
            }
            if let problem = lifecycle.apply(event, in: line.bytes, lineNumber: line.number) { return report(problem) }
            summary.events += 1
            body(event, line.bytes, line.number)
        }
        return summary
    }
}
