import Events

/// The fold a bulletin needs beside ``Projection``: ticket-level facts the unit counters do not
/// keep.
///
/// It remembers, per ticket, its category and topic, its live assignment (unit, deadline,
/// closure: the `TicketFold` the table counts with, updated by the same rules; and the
/// assignment time) and its pending supervisions; and, as a list of marks, every event a
/// bulletin counts or lists by ticket: assignments, reworks, declines, callbacks with
/// `contacted: false`, supervisions and their answers. It also collects the manual `adjusted`
/// entries. The queries in `BulletinFold+Queries.swift` read any period from that state.
///
/// Like ``Projection`` it follows the options' channel filter and as-of instant, and it trusts
/// the life cycle (feed it events that passed `LifecycleValidator`). It is not on the replay
/// hot path: `ledger-cli bulletin` feeds it once per event beside the projections.
public struct BulletinFold: Sendable {
    /// What is counted: time zone, attribution, channel, as-of.
    public let options: ProjectionOptions
    var tickets = ByteInterner(capacity: 4096)
    /// Unit names; ids are used by ``marks`` and the ticket records.
    var units = ByteInterner(capacity: 256)
    /// Categories and topics.
    var labels = ByteInterner(capacity: 64)
    var records: [TicketRecord] = []
    var marks: [Mark] = []
    /// The manual deductions and bonuses seen, in log order.
    public private(set) var adjustments: [Adjustment] = []
    /// Rated callbacks with the ticket's source and the platform's own rating word.
    var ratings: [RatingMark] = []
    /// The earliest `at` of any event the fold was given (any channel; as-of applied), in
    /// nanoseconds; `.max` before the first. How far back the log goes (``logStart``).
    var firstAt: Int64 = .max
    private let channelFilter: ChannelFilter
    private var members: [JSONMember] = []

    /// What the fold remembers about one ticket.
    struct TicketRecord: Sendable {
        /// The counting core's state: included, live unit, deadline, closure (the `counted…`
        /// fields are unused here).
        var fold = TicketFold()
        var category: Int32 = -1
        var topic: Int32 = -1
        /// When the live assignment was made.
        var assignedAt: Int64 = 0
        /// Methods of the holder's unanswered supervisions, oldest first.
        var pending: [SupervisionMethod] = []
        /// The `source` of the `accepted` event (a label id), or -1.
        var source: Int32 = -1
        /// Extensions of the live assignment (a new assignment starts again at 0).
        var extensions: Int32 = 0
        /// Declines by units (`returned by=unit`) to date, across all units.
        var unitReturns: Int32 = 0
        /// The local day of the first return by the centre (rework) of the ticket as it stood
        /// closed on time, or `Int32.max`: from then on a late closure is the return's doing
        /// (the `centre-return` excuse); a return of a ticket already closed late is not.
        var firstExcusingReturnDay: Int32 = .max
    }

    /// A rated callback: the ticket, its unit and day, the normalised rating and the
    /// platform's own word (`ratingText`, a label id or -1).
    struct RatingMark: Sendable {
        var ticket: Int32
        var unit: Int32
        var day: Int32
        var rating: Rating
        var text: Int32
    }

    /// One counted event: which ticket, which unit, which local day, what.
    struct Mark: Sendable {
        enum Kind: UInt8, Sendable {
            case assigned, rework, unitReturn, notContacted, phoneSupervised, phoneAnswered, writtenSupervised, writtenAnswered
            /// An extension (`ordinal`: its number within the assignment); `lateExtension`: one
            /// whose time is after the deadline it extends.
            case extended, lateExtension
        }
        var ticket: Int32
        var unit: Int32
        var day: Int32
        var kind: Kind
        /// `unitReturn`: the ticket's declines to date; `extended`, `lateExtension`: the
        /// extension's number within the assignment; else 0.
        var ordinal: Int32 = 0
    }

    /// Creates an empty fold.
    public init(options: ProjectionOptions = ProjectionOptions()) {
        self.options = options
        self.channelFilter = options.channelFilter
    }

    /// Folds one event decoded in place from a log line.
    /// - Complexity: O(1) amortised.
    package mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        firstAt = min(firstAt, event.at.nanoseconds)
        if event.kind == .adjusted {
            adjustments.append(Adjustment(event, in: line))
            return
        }
        let t = Int(tickets.intern(event.ticket, in: line))
        if t == records.count { records.append(TicketRecord()) }
        if event.kind == .accepted {
            records[t].fold.included = channelFilter.includes(event.channel, in: line)
            records[t].category = event.category.map { labels.intern($0, in: line) } ?? -1
            records[t].topic = event.topic.map { labels.intern($0, in: line) } ?? -1
            if records[t].fold.included, let source = extraString("source", in: line) { records[t].source = labels.intern(source) }
            return
        }
        guard records[t].fold.included, let unitRef = event.unit else { return }
        let unit = units.intern(unitRef, in: line)
        let day = event.at.day(atOffset: options.utcOffsetSeconds)
        func mark(_ kind: Mark.Kind, _ ordinal: Int32 = 0) {
            marks.append(Mark(ticket: Int32(t), unit: unit, day: day, kind: kind, ordinal: ordinal))
        }
        // The deadline an extension extends, and the closure a return reopens (the core's state before the event).
        let (dueBefore, closedBefore) = (records[t].fold.due, records[t].fold.closedAt)
        // The counting core's rules; the bulletin lists assignments, reworks and declines by ticket.
        let (count, _) = records[t].fold.apply(event.kind, unit: unit, at: event.at.nanoseconds,
                                               due: event.due?.nanoseconds ?? .min, by: event.by, rating: event.rating)
        switch count {
        case .accepted:
            records[t].assignedAt = event.at.nanoseconds
            records[t].pending = []
            records[t].extensions = 0
            mark(.assigned)
        case .rework:
            if closedBefore != .min && closedBefore <= dueBefore {
                records[t].firstExcusingReturnDay = min(records[t].firstExcusingReturnDay, day)
            }
            mark(.rework)
        case .returns:
            records[t].pending = []
            records[t].unitReturns += 1
            mark(.unitReturn, records[t].unitReturns)
        case .none, .satisfied, .unsatisfied, .unreachable:
            break
        }
        // What only the bulletin counts.
        switch event.kind {
        case .extended:
            records[t].extensions += 1
            mark(event.at.nanoseconds > dueBefore ? .lateExtension : .extended, records[t].extensions)
        case .callbackRated:
            // Only a rated callback can tell: an unreachable citizen said nothing.
            if event.contacted == false && event.rating != .unreachable { mark(.notContacted) }
            if let rating = event.rating, rating != .unreachable {
                let text = extraString("ratingText", in: line).map { labels.intern($0) } ?? -1
                ratings.append(RatingMark(ticket: Int32(t), unit: unit, day: day, rating: rating, text: text))
            }
        case .supervised:
            let method = event.method ?? .phone
            records[t].pending.append(method)
            mark(method == .phone ? .phoneSupervised : .writtenSupervised)
        case .supervisionAnswered:
            guard !records[t].pending.isEmpty else { return }
            let method = records[t].pending.removeFirst()
            mark(method == .phone ? .phoneAnswered : .writtenAnswered)
        case .accepted, .assigned, .closed, .returned, .adjusted:
            break
        }
    }

    /// A string member the decoder does not know (`source` on `accepted`, `ratingText` on
    /// `callback-rated`: the log keeps unknown fields byte for byte), or `nil`.
    private mutating func extraString(_ key: String, in line: UnsafeRawBufferPointer) -> String? {
        do { try JSONScanner.scanObject(line, into: &members) } catch { return nil }
        let wanted = Array(key.utf8)
        for member in members where member.kind == .string {
            let matches = member.keyEscaped
                ? JSONString.decode(UnsafeRawBufferPointer(rebasing: line[member.key]), escaped: true) == key
                : UnsafeRawBufferPointer(rebasing: line[member.key]).elementsEqual(wanted)
            if matches {
                let value = JSONString.decode(UnsafeRawBufferPointer(rebasing: line[member.value]), escaped: member.valueEscaped)
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// Folds an `Event` value (for services; the same rules as for log lines).
    public mutating func apply(_ event: Event) {
        var text = event.jsonLine()
        var decoder = EventDecoder()
        text.withUTF8 { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            if let raw = try? decoder.decode(bytes) { apply(raw, in: bytes) }
        }
    }
}
