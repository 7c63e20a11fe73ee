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
    private var channels: [String: String] = [:]

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
    public func channelCensus(period: Period, options: ProjectionOptions, unit: String? = nil) throws(LogFileError) -> ChannelCensus {
        var census = ChannelCensus(period: period, options: options, unit: unit)
        _ = try forEachValidEvent { event, line, _ in census.apply(event, in: line) }
        return census
    }
}
