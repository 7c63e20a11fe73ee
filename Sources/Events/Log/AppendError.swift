/// Why ``LogAppender`` wrote nothing.
public enum AppendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Some lines of the batch are invalid against the log; problems carry batch line numbers.
    case batchRejected(problems: [LogProblem], lineCount: Int)
    /// The log's last line has no newline (a torn write); `line` is its line number.
    case tornTail(path: String, line: Int, byteCount: Int)
    /// The log itself has problems (the first few are kept, `problemCount` counts all).
    case invalidLog(path: String, problems: [LogProblem], problemCount: Int)
    /// The log could not be read or written; a partial write was rolled back.
    case file(LogFileError)
    /// Lines without a chain cannot follow the chained lines of this log (from `firstChainedLine` on).
    case chainedLog(path: String, firstChainedLine: Int)

    /// One sentence saying what was refused (a tool adds what to run about it, e.g. a repair).
    public var description: String {
        switch self {
        case .batchRejected(let problems, let lineCount):
            return "batch rejected: \(problems.count) \(problems.count == 1 ? "error" : "errors") in \(lineCount) \(lineCount == 1 ? "line" : "lines"); the log is unchanged"
        case .tornTail(let path, let line, let byteCount):
            return "\(path):\(line): the log ends with a torn line (\(byteCount) bytes without a final newline); nothing was appended"
        case .invalidLog(let path, _, let count):
            return "\(path) has \(count) \(count == 1 ? "problem" : "problems"); nothing was appended"
        case .file(let error):
            return error.description + "; nothing was appended"
        case .chainedLog(let path, let first):
            return "\(path) is chained (from line \(first)): new lines must carry the chain too, so they cannot be appended without it (--no-chain); nothing was appended"
        }
    }
}

/// What ``LogAppender`` wrote.
public struct AppendReport: Sendable, Equatable {
    /// Events appended (all lines of the batch).
    public var eventCount: Int
    /// Line number in the log of the first appended line.
    public var firstLine: Int
    /// Bytes appended.
    public var byteCount: Int
    /// Valid events in the log after the append.
    public var logEventCount: Int
    /// The log's hash-chain head after the append; `nil` when the log is not chained.
    public var chainHead: SHA256.Digest? = nil
    /// An append interrupted earlier that this one finished or rolled back first.
    public var interruptedAppend: PendingAppend.Outcome? = nil
}

extension LogProblem {
    /// Turns a problem found at log-wide line `line` (the log's `logLineCount` lines, then the
    /// batch) into one numbered within the batch, re-pointing references to earlier lines.
    func rebased(afterLogLines logLineCount: Int) -> LogProblem {
        var problem = self.problem
        switch problem {
        case .duplicateID(let id, let first):
            problem = first > logLineCount ? .duplicateID(id, firstLine: first - logLineCount)
                                           : .idAlreadyInLog(id, line: first)
        case .lifecycle(let ticket, let type, .acceptedTwice(let first)):
            problem = .lifecycle(ticket: ticket, type: type,
                                 violation: first > logLineCount ? .acceptedTwice(firstLine: first - logLineCount)
                                                                 : .acceptedInLog(line: first))
        default:
            break
        }
        return LogProblem(line: line - logLineCount, problem: problem)
    }
}
