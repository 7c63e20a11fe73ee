import Events

/// Replays a log file into one or more projections in a single streaming pass.
///
/// Every line is decoded and checked against the ticket life cycle; an invalid line is not
/// folded and is reported. Memory holds the per-ticket state and a read buffer, never the log.
public struct LogReplay {
    /// What a replay saw.
    public struct Summary: Sendable {
        /// Lines read.
        public var lines = 0
        /// Valid events.
        public var events = 0
        /// Bytes read.
        public var bytes: Int64 = 0
        /// Problems found (all of them; the log must be clean for a trustworthy report).
        public var problems: [LogProblem] = []
    }

    /// The log file.
    public var path: String
    /// Stop collecting problems after this many (counting continues).
    public var problemLimit = 100

    public init(path: String) {
        self.path = path
    }

    /// Reads the whole log once, folding every valid event into each projection.
    /// - Parameter progress: Called now and then with the bytes read so far.
    /// - Throws: ``LogFileError`` if the file cannot be read.
    public func run(into projections: inout [Projection], progress: ((Int64) -> Void)? = nil) throws -> Summary {
        var summary = Summary()
        var decoder = EventDecoder()
        var lifecycle = LifecycleValidator()
        var problemCount = 0
        var nextProgress: Int64 = 64 << 20
        let reader = LogReader(path: path)
        summary.bytes = try reader.forEachLine { line in
            summary.lines = line.number
            if let progress, line.offset >= nextProgress {
                progress(line.offset)
                nextProgress = line.offset + (64 << 20)
            }
            func report(_ problem: EventProblem) {
                problemCount += 1
                if summary.problems.count < problemLimit { summary.problems.append(LogProblem(line: line.number, problem: problem)) }
            }
            guard line.terminated else { return report(.tornTail(byteCount: line.bytes.count)) }
            let event: RawEvent
            do throws(EventProblem) {
                event = try decoder.decode(line.bytes)
            } catch {
                return report(error)
            }
            if let problem = lifecycle.apply(event, in: line.bytes, lineNumber: line.number) {
                return report(problem)
            }
            summary.events += 1
            for i in projections.indices { projections[i].apply(event, in: line.bytes) }
        }
        return summary
    }
}
