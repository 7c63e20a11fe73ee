/// Seals the lines ``LogAppender`` writes with the hash chain (see ``HashChain``).
///
/// It verifies the chain of the log as the appender reads it, so a log whose chain is broken
/// is refused rather than extended, then decides from ``LogAppender/Chaining`` whether the new
/// lines are chained. A `chain` member that a batch line brings along (say, copied from another
/// log) is always removed: chain values belong to the log they are written in.
struct ChainSealer: LineSealer {
    private let path: String
    private let chaining: LogAppender.Chaining
    private var verifier: ChainVerifier
    /// Whether new lines get a chain member.
    private var sealing = false
    /// The value the next new line builds on.
    private var previous = HashChain.genesis
    /// The log's chain head: the existing one, then that of the last line sealed; `nil` while
    /// the log has no chained line.
    private(set) var head: SHA256.Digest?
    /// The chain head of the lines observed so far (`nil` while none is chained).
    var observedHead: SHA256.Digest? { verifier.summary.head }

    /// A sealer reading the log at `path`; `name` (the path by default) names it in errors.
    init(path: String, chaining: LogAppender.Chaining, name: String? = nil) {
        self.path = name ?? path
        self.chaining = chaining
        verifier = ChainVerifier(reading: path)
    }

    /// A sealer that goes on after lines already read, whose chain `summary` describes.
    init(path: String, chaining: LogAppender.Chaining, resuming summary: ChainSummary) {
        self.path = path
        self.chaining = chaining
        verifier = ChainVerifier(reading: path, resuming: summary)
    }

    /// What the lines observed so far hold of the chain.
    var observedSummary: ChainSummary { verifier.summary }

    mutating func observe(line: LogLine, event: RawEvent?) throws(LogFileError) -> EventProblem? {
        let problem = try verifier.check(line)
        // A line that is invalid anyway is reported once, for that.
        return event == nil ? nil : problem
    }

    mutating func prepare(lineCount: Int, byteCount: Int64) throws(AppendError) {
        head = verifier.summary.head
        if let first = verifier.summary.firstLine {
            guard chaining != .off else { throw .chainedLog(path: path, firstChainedLine: first) }
            sealing = true
        } else {
            sealing = lineCount == 0 ? chaining != .off : chaining == .start
        }
        guard sealing else { return }
        do {
            previous = try verifier.nextPrevious(startingAfter: byteCount)
        } catch {
            throw .file(error)
        }
    }

    /// Whether new lines get a chain member (known after ``prepare(lineCount:byteCount:)``).
    var isSealing: Bool { sealing }

    /// The chain value of a new line whose bytes before its closing brace are `body` (it carries
    /// no `chain` member), when new lines are chained; moves the chain on to it.
    mutating func seal(body: UnsafeRawBufferPointer) -> SHA256.Digest? {
        guard sealing else { return nil }
        previous = HashChain.link(previous: previous, body: body)
        head = previous
        return previous
    }

    mutating func seal(line: inout [UInt8], chainMemberStart: Int?) {
        if let start = chainMemberStart, let stripped = ChainMember.removing(memberAt: start, from: line) {
            line = stripped
        }
        guard sealing else { return }
        previous = ChainMember.append(to: &line, previous: previous)
        head = previous
    }
}
