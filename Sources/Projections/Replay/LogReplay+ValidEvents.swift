import Events

extension LogReplay {
    /// Streams the log through the decoder and the life-cycle validator and calls `body` with
    /// every valid event and its line number. Invalid lines are collected in the summary, not
    /// passed on.
    /// - Throws: `LogFileError` if the file cannot be read, is not a regular file, or has a line
    ///   longer than ``maxLineBytes``.
    public func forEachValidEvent(_ body: (Event, Int) -> Void) throws(LogFileError) -> Summary {
        var decoder = EventDecoder()
        return try forEachValidEvent { (_: RawEvent, line: UnsafeRawBufferPointer, number: Int) in
            // The line was decoded once already, so this cannot fail.
            if let event = try? decoder.decodeEvent(line) { body(event, number) }
        }
    }

    /// The zero-copy form of the public `forEachValidEvent(_:)`: `body` gets each valid event as
    /// decoded in place, with the line its fields point into (valid only during the call).
    package func forEachValidEvent(_ body: (RawEvent, UnsafeRawBufferPointer, Int) -> Void) throws(LogFileError) -> Summary {
        var lifecycle = LifecycleValidator()
        do {
            return try forEachDecodedLine { event, bytes, number in
                if let problem = lifecycle.apply(event, in: bytes, lineNumber: number) { return problem }
                body(event, bytes, number)
                return nil
            }
        } catch {
            throw .reading(path, failedWith: error)
        }
    }
}
