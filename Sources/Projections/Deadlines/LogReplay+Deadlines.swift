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

/// Why a replay that computes deadlines (``LogReplay/run(into:substituting:)``,
/// ``LogReplay/deadlineAudit(period:rules:channel:)``) stopped. Its description is the
/// underlying error's.
public enum DeadlineReplayError: WrappingError, Sendable {
    /// The log cannot be read, is not a regular file, or has a line longer than the limit.
    case file(LogFileError)
    /// The rule set cannot be audited (it has no deadlines).
    case audit(DeadlineAuditError)
    /// The first event whose deadline falls outside the calendar.
    case deadline(DeadlineError)

    /// The error that stopped the replay.
    public var underlying: any Error {
        switch self {
        case .file(let error): error
        case .audit(let error): error
        case .deadline(let error): error
        }
    }
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
    /// - Throws: ``DeadlineReplayError/file(_:)`` if the file cannot be read;
    ///   ``DeadlineReplayError/deadline(_:)`` for the first event whose policy deadline falls
    ///   outside the calendar.
    public func run(into projections: inout [Projection], substituting substitutions: [DeadlineSubstitution?])
        throws(DeadlineReplayError) -> Summary {
        precondition(projections.count == substitutions.count, "one substitution (or nil) per projection")
        var substitutions = substitutions
        var failure: DeadlineError? = nil
        let summary: Summary
        do throws(LogFileError) {
            summary = try forEachValidEvent { event, line, number in
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
        } catch {
            throw .file(error)
        }
        if let failure { throw .deadline(failure) }
        return summary
    }
}
