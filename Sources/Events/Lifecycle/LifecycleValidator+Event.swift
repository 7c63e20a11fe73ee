extension LifecycleValidator {
    /// Checks an ``Event`` value (rather than a log line) and applies it when it is allowed.
    ///
    /// For services that build events in memory: the event is written as a line and decoded
    /// again, so it is held to exactly the rules `verify` and `append` apply to the log.
    /// - Parameters:
    ///   - event: The event to check.
    ///   - lineNumber: A position to remember for later messages (e.g. a sequence number).
    /// - Returns: `nil` when the event is valid, else the problem (the state is unchanged).
    public mutating func apply(_ event: Event, lineNumber: Int = 0) -> EventProblem? {
        var line = event.jsonLine()
        var decoder = EventDecoder()
        return line.withUTF8 { buffer -> EventProblem? in
            let bytes = UnsafeRawBufferPointer(buffer)
            do throws(EventProblem) {
                let raw = try decoder.decode(bytes)
                return apply(raw, in: bytes, lineNumber: lineNumber)
            } catch {
                return error
            }
        }
    }
}
