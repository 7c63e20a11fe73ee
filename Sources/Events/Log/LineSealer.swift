/// The hook through which the hash chain completes the lines ``LogAppender`` writes.
///
/// The appender shows the sealer every valid line already in the log, in order, then hands
/// it each new line (already stamped with `recorded`) just before writing. A chain sealer
/// keeps the running hash in ``observe(line:event:)`` and adds a `chain` member as the last
/// member in ``seal(line:event:)`` (``JSONLineEdit/appendingMember(key:rawValue:to:)``).
/// The appender checks every sealed line again before anything reaches the file.
protocol LineSealer {
    /// Sees a valid line already in the log.
    /// - Returns: What is wrong with the line (say, a broken chain); the append is then refused.
    mutating func observe(line: UnsafeRawBufferPointer, event: RawEvent) -> EventProblem?

    /// Completes a new line; `event` was decoded from `line` as it is on entry.
    mutating func seal(line: inout [UInt8], event: RawEvent)
}

/// Lines go out as validated and stamped, with nothing added.
struct NoSealing: LineSealer {
    func observe(line: UnsafeRawBufferPointer, event: RawEvent) -> EventProblem? { nil }
    func seal(line: inout [UInt8], event: RawEvent) {}
}
