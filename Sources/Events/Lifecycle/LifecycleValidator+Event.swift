extension LifecycleValidator {
    /// Checks an ``Event`` value (rather than a log line) and applies it when it is allowed.
    ///
    /// For services that build events in memory: the same rules as `verify` and `append`, on the
    /// event's fields directly (no JSON round trip). A required string field that is empty is
    /// refused as the decoder would; an `adjusted` event, whose points are text with rules of
    /// their own, is written as a line and decoded again.
    /// - Parameters:
    ///   - event: The event to check.
    ///   - lineNumber: A position to remember for later messages (e.g. a sequence number).
    /// - Returns: `nil` when the event is valid, else the problem (the state is unchanged).
    public mutating func apply(_ event: Event, lineNumber: Int = 0) -> EventProblem? {
        if let problem = Self.emptyFieldProblem(event) { return problem }
        if event.kind == .adjusted { return applyDecoded(event, lineNumber: lineNumber) }
        let ticket = tickets.intern(event.ticket)
        lastTicket = ticket
        if Int(ticket) == states.count { states.append(TicketLifecycle()) }
        var unit: Int32 = -1
        if let name = event.unit { unit = units.intern(name) }
        lastUnit = unit
        var due: Int64 = .min
        var by: ReturnParty?
        switch event.body {
        case .assigned(_, let d), .extended(_, let d, _): due = d.nanoseconds
        case .returned(_, let b, _, let d): by = b; due = d?.nanoseconds ?? .min
        default: break
        }
        return apply(kind: event.kind, at: event.at.nanoseconds, due: due, by: by, ticket: ticket, unit: unit,
                     key: repeatKey(of: event.id, kind: event.kind), ticketName: event.ticket, id: event.id,
                     lineNumber: lineNumber)
    }

    /// The problem the decoder reports for an empty required string, if any.
    static func emptyFieldProblem(_ event: Event) -> EventProblem? {
        if event.id.isEmpty { return .emptyField("id") }
        if event.ticket.isEmpty { return .emptyField("ticket") }
        if let unit = event.unit, unit.isEmpty { return .emptyField("unit") }
        return nil
    }

    /// The event written as a line and decoded again, then applied.
    private mutating func applyDecoded(_ event: Event, lineNumber: Int) -> EventProblem? {
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
