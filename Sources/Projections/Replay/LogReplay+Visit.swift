import Events

extension LogReplay {
    /// Streams the log through the decoder and the life-cycle validator and calls `body` with
    /// every valid event, its line and its line number. Invalid lines are collected in the
    /// summary, not passed on.
    /// - Throws: ``LogFileError`` if the file cannot be read.
    public func forEachValidEvent(_ body: (RawEvent, UnsafeRawBufferPointer, Int) -> Void) throws -> Summary {
        var lifecycle = LifecycleValidator()
        return try forEachDecodedLine { event, bytes, number in
            if let problem = lifecycle.apply(event, in: bytes, lineNumber: number) { return problem }
            body(event, bytes, number)
            return nil
        }
    }
}
