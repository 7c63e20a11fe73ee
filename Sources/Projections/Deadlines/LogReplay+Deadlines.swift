import Events

/// A deadline that could not be computed for an event of the log: the line, the ticket and why.
public struct DeadlineError: Error, Sendable, CustomStringConvertible {
    /// The log's path.
    public var source: String
    public var line: Int
    public var ticket: String
    public var error: CalendarError

    public var description: String { "\(source):\(line): ticket \(ticket): \(error)" }
}

extension LogReplay {
    /// Replays the log into projections whose events carry the deadlines a policy sets: every
    /// event passes through its projection's ``DeadlineSubstitution`` (when it has one) and is
    /// then folded as usual. A projection without a substitution gets the log's deadlines.
    ///
    /// One pass on the calling thread; the projections count through the same core as
    /// ``run(into:progress:)``.
    /// - Parameters:
    ///   - projections: The projections to fold into.
    ///   - substitutions: One per projection, or `nil` to keep the log's deadlines.
    /// - Throws: `LogFileError` if the file cannot be read; ``DeadlineError`` for the first
    ///   event whose policy deadline falls outside the calendar.
    public func run(into projections: inout [Projection], substituting substitutions: [DeadlineSubstitution?]) throws -> Summary {
        precondition(projections.count == substitutions.count, "one substitution (or nil) per projection")
        var substitutions = substitutions
        var failure: DeadlineError? = nil
        let summary = try forEachValidEvent { event, line, number in
            guard failure == nil else { return }
            for i in projections.indices {
                var event = event
                if substitutions[i] != nil {
                    if let asOf = projections[i].options.asOf, event.knownAt > asOf { continue }
                    do throws(CalendarError) {
                        event.due = try substitutions[i]!.due(for: event, in: line)
                    } catch {
                        failure = DeadlineError(source: path, line: number, ticket: event.ticket.string(in: line), error: error)
                        return
                    }
                }
                projections[i].apply(event, in: line)
            }
        }
        if let failure { throw failure }
        return summary
    }
}
