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
    /// The channel each ticket was accepted on, by name (events folded one at a time).
    private var channels: [String: String] = [:]
    /// The same by the validator's ticket id, an index into `channelNames` or -1 (blocks of a
    /// replay's scan, see ``fold(_:)``).
    private var channelOfTicket = PlainArray<Int32>()
    private var channelNames: [String] = []
    private var channelNumbers: [String: Int32] = [:]

    public init(period: Period, options: ProjectionOptions, unit: String? = nil) {
        self.period = period
        self.options = options
        self.unit = unit
    }

    /// Folds one valid event.
    public mutating func apply(_ event: Event) {
        var channel: String?
        if case .accepted(let accepted, _, _) = event.body { channel = accepted }
        apply(event.kind, knownAt: event.knownAt, at: event.at, ticket: event.ticket, channel: channel, unit: event.unit)
    }

    /// Folds one valid event decoded in place from `line`.
    package mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        apply(event.kind, knownAt: event.knownAt, at: event.at, ticket: event.ticket.string(in: line),
              channel: event.channel?.string(in: line), unit: event.unit?.string(in: line))
    }

    /// Folds the lines of a block the replay's validator accepted (those with a ticket id), in
    /// order: the rule of ``apply(_:)-(Event)`` with the validator's ticket ids for names.
    package mutating func fold(_ block: ScannedBlock) {
        let bytes = block.bytes
        let asOf = options.asOf?.nanoseconds ?? .max
        block.events.withUnsafeBufferPointer { events in
            for event in events where event.ticketID >= 0 && event.knownAt <= asOf {
                let ticket = Int(event.ticketID)
                switch event.kind {
                case .accepted:
                    let name = event.flags.contains(.hasChannel) ? event.channelRef.string(in: event.line(in: bytes)) : ProjectionOptions.defaultChannel
                    if ticket >= channelOfTicket.count { channelOfTicket.append(repeating: -1, count: ticket + 1 - channelOfTicket.count) }
                    channelOfTicket[ticket] = number(of: name)
                case .assigned:
                    guard period.contains(day: Timestamp(nanoseconds: event.at).day(atOffset: options.utcOffsetSeconds)) else { continue }
                    if let unit, !event.flags.contains(.hasUnit) || event.unitRef.string(in: event.line(in: bytes)) != unit { continue }
                    guard ticket < channelOfTicket.count, channelOfTicket[ticket] >= 0 else { continue }
                    assignments[channelNames[Int(channelOfTicket[ticket])], default: 0] += 1
                default:
                    continue
                }
            }
        }
    }

    /// The index of a channel's name in `channelNames`, added if new.
    private mutating func number(of name: String) -> Int32 {
        if let number = channelNumbers[name] { return number }
        let number = Int32(channelNames.count)
        channelNames.append(name)
        channelNumbers[name] = number
        return number
    }

    /// The census's rule for one event, whatever it was decoded into; the strings are read only
    /// when the rule needs them.
    private mutating func apply(_ kind: EventKind, knownAt: Timestamp, at: Timestamp, ticket: @autoclosure () -> String,
                                channel: @autoclosure () -> String?, unit eventUnit: @autoclosure () -> String?) {
        if let asOf = options.asOf, knownAt > asOf { return }
        switch kind {
        case .accepted:
            channels[ticket()] = channel() ?? ProjectionOptions.defaultChannel
        case .assigned:
            guard period.contains(day: at.day(atOffset: options.utcOffsetSeconds)) else { return }
            if let unit, eventUnit() != unit { return }
            guard let channel = channels[ticket()] else { return }
            assignments[channel, default: 0] += 1
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
