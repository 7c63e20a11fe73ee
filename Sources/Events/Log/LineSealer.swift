/// The hook through which the hash chain completes the lines ``LogAppender`` writes.
///
/// The appender shows the sealer every complete line already in the log, in order, then tells
/// it how long the log is, then hands it each new line (already stamped with `recorded`) just
/// before writing. The chain's sealer (``ChainSealer``) keeps the running hash in
/// ``observe(line:event:)`` and adds a `chain` member as the last member in
/// ``seal(line:chainMemberStart:)``. The appender checks every sealed line again before anything reaches
/// the file.
protocol LineSealer {
    /// Sees a complete line already in the log; `event` is `nil` when the line is invalid (the
    /// append is then refused anyway).
    /// - Returns: What else is wrong with a valid line (say, a broken chain); the append is then refused.
    /// - Throws: ``LogFileError`` if the sealer has to read the log and cannot.
    mutating func observe(line: LogLine, event: RawEvent?) throws(LogFileError) -> EventProblem?

    /// Called once the whole log (`lineCount` lines, `byteCount` bytes) has been observed
    /// and found valid, before the first ``seal(line:chainMemberStart:)``.
    /// - Throws: Why no line can be appended to this log; nothing is then written.
    mutating func prepare(lineCount: Int, byteCount: Int64) throws(AppendError)

    /// Completes a new line; `chainMemberStart` is where a `chain` member the line already has
    /// starts (as the decoder found it in `line` as it is on entry), `nil` when it has none.
    mutating func seal(line: inout [UInt8], chainMemberStart: Int?)
}
