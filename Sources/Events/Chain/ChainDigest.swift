/// A log's hash-chain head at a point in time: the value to quote in a published report.
///
/// Quoting the head (with its line number) pins every byte of lines `1 … line`; checking
/// later recomputes it from the log and compares. See ``HashChain``.
public struct ChainDigest: Sendable, Equatable {
    /// The `chain` value of ``line``.
    public var head: SHA256.Digest
    /// The last line recorded (`recorded`, else `at`) at or before ``asOf``, or the last line.
    public var line: Int
    /// The events recorded at or before ``asOf`` (all of them without it): the events an
    /// as-of replay reads. They all lie in lines `1 … line`.
    public var eventCount: Int
    /// The time the digest is taken at; `nil` for the whole log.
    public var asOf: Timestamp?

    /// Creates a digest.
    public init(head: SHA256.Digest, line: Int, eventCount: Int, asOf: Timestamp?) {
        self.head = head
        self.line = line
        self.eventCount = eventCount
        self.asOf = asOf
    }

    /// Verifies a whole log and finds its chain head as of `asOf`.
    ///
    /// The head is that of the last line recorded at or before `asOf`: every event that
    /// `replay --as-of` reads lies at or before that line, so the head fixes them all. A
    /// line added later with an earlier `recorded` time moves it, as it changes what an
    /// as-of replay reads.
    /// - Parameters:
    ///   - path: The log (`-` reads standard input).
    ///   - asOf: The time; `nil` gives the head of the whole log.
    ///   - maxLineBytes: The longest line accepted (see ``LogInput/defaultMaxLineBytes``).
    ///   - report: Called with each problem of the log, in line order.
    /// - Throws: ``ChainDigestFailure/noDigest(_:)`` when the log has problems anywhere (a digest
    ///   of a log that fails verification would vouch for nothing), is not chained, or was not
    ///   chained yet; ``ChainDigestFailure/file(_:)`` when it cannot be read;
    ///   ``ChainDigestFailure/stopped(_:)`` with what `report` throws.
    /// - Complexity: O(n) in the log's length: the whole log is verified.
    public static func of<Failure: Error>(
        logAt path: String, asOf: Timestamp? = nil, maxLineBytes: Int = LogInput.defaultMaxLineBytes,
        report: (LogProblem) throws(Failure) -> Void
    ) throws(ChainDigestFailure<Failure>) -> ChainDigest {
        try catching(path: path, report) { report in
            try of(name: path, asOf: asOf) { visit in
                // Verified as `verify` does it: a file on the decoding threads, standard input line by line.
                try withoutActuallyEscaping(visit) { visit in
                    try LogVerifier.verifyWholeFile(at: path, requireChain: false, maxLineBytes: maxLineBytes, visit: visit,
                                                    report: report)
                }
            }
        }
    }

    /// Runs `body`, which works out a digest of the log named `path` and calls `report` (handed
    /// to it wrapped) with each problem, and sorts what stops it into ``ChainDigestFailure``'s
    /// cases: no digest, the log unreadable, or what `report` threw.
    package static func catching<Failure: Error>(
        path: String, _ report: (LogProblem) throws(Failure) -> Void,
        _ body: (_ report: (LogProblem) throws -> Void) throws -> ChainDigest
    ) throws(ChainDigestFailure<Failure>) -> ChainDigest {
        var noDigest: ChainDigestError?
        let digest: ChainDigest?
        do {
            digest = try LogReadError.catching(path: path, report) { report in
                do {
                    // `report` is only called during `body` (the exclusivity rule needs this said).
                    return try withoutActuallyEscaping(report) { report in try body(report) }
                } catch let error as ChainDigestError {
                    noDigest = error
                    return nil
                }
            }
        } catch {
            switch error {
            case .file(let error): throw .file(error)
            case .stopped(let error): throw .stopped(error)
            }
        }
        guard let digest else { throw .noDigest(noDigest!) }
        return digest
    }

    /// The digest as of `asOf` of the log that `verify` verifies, calling its argument with every valid line.
    static func of(name path: String, asOf: Timestamp?,
                   verify: (LogVerifier.ScannedVisit) throws -> LogVerifier.Summary) throws -> ChainDigest {
        var last: (line: Int, value: SHA256.Digest?)?
        var eventCount = 0
        let asOfNanoseconds = asOf?.nanoseconds
        let summary = try verify { line, knownAt, value in
            if let asOfNanoseconds, asOfNanoseconds < knownAt { return }
            last = (line, value)
            eventCount += 1
        }
        guard summary.isClean else { throw ChainDigestError.invalidLog(path: path, problemCount: summary.problemCount) }
        guard let chainStart = summary.chain.firstLine else { throw ChainDigestError.notChained(path: path) }
        guard let last else { throw ChainDigestError.nothingRecorded(path: path, asOf: asOf) }
        guard let head = last.value else {
            throw ChainDigestError.notChainedYet(path: path, line: last.line, chainStart: chainStart, asOf: asOf)
        }
        return ChainDigest(head: head, line: last.line, eventCount: eventCount, asOf: asOf)
    }
}

/// Why ``ChainDigest/of(logAt:asOf:maxLineBytes:report:)`` gave no digest: the log has none,
/// the file could not be read, or the caller's `report` threw. Its description is the
/// underlying error's.
public enum ChainDigestFailure<Failure: Error>: WrappingError {
    /// The log has no digest (it has problems, is not chained, or was not chained yet).
    case noDigest(ChainDigestError)
    /// The file cannot be read, is not a regular file, or has a line longer than the limit.
    case file(LogFileError)
    /// What the caller's `report` threw; verifying stopped there.
    case stopped(Failure)

    /// The error that stopped the digest.
    public var underlying: any Error {
        switch self {
        case .noDigest(let error): error
        case .file(let error): error
        case .stopped(let error): error
        }
    }
}

extension ChainDigestFailure: Equatable where Failure: Equatable {}

/// Why a log has no digest.
public enum ChainDigestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The log has problems (`verify` lists them).
    case invalidLog(path: String, problemCount: Int)
    /// No line carries a chain.
    case notChained(path: String)
    /// No line was recorded at or before the time (or the log is empty).
    case nothingRecorded(path: String, asOf: Timestamp?)
    /// At the time, the log ended at `line`, before its chain starts.
    case notChainedYet(path: String, line: Int, chainStart: Int, asOf: Timestamp?)

    /// One sentence saying why, for `Error: …`.
    public var description: String {
        func time(_ t: Timestamp?) -> String { t.map { " at or before \($0.rfc3339())" } ?? "" }
        switch self {
        case .invalidLog(let path, let count):
            return "\(path) has \(count) \(count == 1 ? "problem" : "problems"); a digest is only given for a log that verifies"
        case .notChained(let path):
            return "\(path) has no hash chain, so it has no digest"
        case .nothingRecorded(let path, let asOf):
            return "no line of \(path) was recorded\(time(asOf))"
        case .notChainedYet(let path, let line, let start, let asOf):
            return "\(path) was not chained yet\(asOf.map { " at \($0.rfc3339())" } ?? ""): the last line recorded by then is line \(line), and the chain starts at line \(start)"
        }
    }
}
