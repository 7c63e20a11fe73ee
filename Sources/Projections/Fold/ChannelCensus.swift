import Events

/// How many assignments a period has on each channel, whatever a projection's channel filter:
/// what a report says when its table comes out empty because the tickets are on other channels.
///
/// It is not part of the fold: it runs (as a second pass) only when a filtered table is empty.
public struct ChannelCensus: Sendable {
    /// The period whose assignments are counted (by the `assigned` event's own time).
    public let period: Period
    /// The time zone and as-of instant used (the channel filter is ignored).
    public let options: ProjectionOptions
    /// Only assignments to this unit, if given.
    public let unit: String?
    /// `assigned` events in the period by the channel their ticket was accepted on (a missing
    /// `channel` is ``ProjectionOptions/defaultChannel``).
    public private(set) var assignments: [String: Int] = [:]
    /// The channel each ticket was accepted on, by ticket id: an id of `channels`, or -1. The
    /// ticket ids are `tickets`' (``apply(_:)-(Event)``), or a replay validator's (``fold(_:)``).
    private var channelOfTicket = PlainArray<Int32>()
    /// The channels' names.
    private var channels = ByteInterner()
    /// The ticket names folded by ``apply(_:)-(Event)``.
    private var tickets = ByteInterner()
    /// Whether ``fold(_:)`` folded blocks, whose ids are not `tickets`': then `apply` may not.
    private var foldsValidatorIDs = false

    public init(period: Period, options: ProjectionOptions, unit: String? = nil) {
        self.period = period
        self.options = options
        self.unit = unit
    }

    /// Folds one valid event.
    public mutating func apply(_ event: Event) {
        precondition(!foldsValidatorIDs, "a census that folds a replay's blocks takes no events")
        var channel: String?
        if case .accepted(let accepted, _, _) = event.body { channel = accepted }
        apply(event.kind, knownAt: event.knownAt, at: event.at, ticket: { $0.intern(event.ticket) }, channel: channel, unit: event.unit)
    }

    /// Folds one valid event decoded in place from `line`.
    package mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        precondition(!foldsValidatorIDs, "a census that folds a replay's blocks takes no events")
        apply(event.kind, knownAt: event.knownAt, at: event.at, ticket: { $0.intern(event.ticket, in: line) },
              channel: event.channel?.string(in: line), unit: event.unit?.string(in: line))
    }

    /// Folds the lines of a block the replay's validator accepted (those with a ticket id), in
    /// order, with the validator's ticket ids (a census fed so takes no ``apply(_:)-(Event)``).
    package mutating func fold(_ block: ScannedBlock) {
        precondition(tickets.count == 0, "a census that takes events folds no replay's blocks")
        foldsValidatorIDs = true
        let bytes = block.bytes
        block.events.withUnsafeBufferPointer { events in
            for event in events where event.ticketID >= 0 {
                let line = event.line(in: bytes)
                apply(event.kind, knownAt: Timestamp(nanoseconds: event.knownAt), at: Timestamp(nanoseconds: event.at),
                      ticket: { _ in event.ticketID },
                      channel: event.flags.contains(.hasChannel) ? event.channelRef.string(in: line) : nil,
                      unit: event.flags.contains(.hasUnit) ? event.unitRef.string(in: line) : nil)
            }
        }
    }

    /// The census's rule for one event, whatever it was decoded into; the ticket's id (`ticket`,
    /// given `tickets`) and the strings are read only when the rule needs them.
    private mutating func apply(_ kind: EventKind, knownAt: Timestamp, at: Timestamp, ticket: (inout ByteInterner) -> Int32,
                                channel: @autoclosure () -> String?, unit eventUnit: @autoclosure () -> String?) {
        if let asOf = options.asOf, knownAt > asOf { return }
        switch kind {
        case .accepted:
            let id = Int(ticket(&tickets))
            if id >= channelOfTicket.count { channelOfTicket.append(repeating: -1, count: id + 1 - channelOfTicket.count) }
            channelOfTicket[id] = channels.intern(channel() ?? ProjectionOptions.defaultChannel)
        case .assigned:
            guard period.contains(day: at.day(atOffset: options.utcOffsetSeconds)) else { return }
            if let unit, eventUnit() != unit { return }
            let id = Int(ticket(&tickets))
            guard id < channelOfTicket.count, channelOfTicket[id] >= 0 else { return }
            assignments[channels.string(channelOfTicket[id]), default: 0] += 1
        default:
            return
        }
    }

    /// The channels other than `channel` that have assignments, most first.
    public func others(than channel: String) -> [(channel: String, count: Int)] {
        assignments.filter { $0.key != channel && $0.value > 0 }
            .map { (channel: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.channel < $1.channel }
    }
}

extension LogReplay {
    /// Counts the period's assignments by channel in one pass over the log (see ``ChannelCensus``).
    /// - Throws: `LogFileError` if the file cannot be read.
    ///
    /// A file is read as a replay reads it, by the decoding threads, the census folding each
    /// block the validator has checked; with ``parallelism`` 1, or a streamed log, line by line.
    public func channelCensus(period: Period, options: ProjectionOptions, unit: String? = nil) throws(LogFileError) -> ChannelCensus {
        var census = ChannelCensus(period: period, options: options, unit: unit)
        guard parallelism > 1, stream == nil else {
            _ = try forEachValidEvent { event, line, _ in census.apply(event, in: line) }
            return census
        }
        var fold = ReplayFold(projections: [])
        fold.census = census
        do { _ = try run(&fold, from: 0, firstLine: 1, progress: nil) } catch { throw .reading(path, failedWith: error) }
        return fold.census!
    }
}
