import Events

/// The fold a bulletin needs beside ``Projection``: ticket-level facts the unit counters do not
/// keep.
///
/// It remembers, per ticket, its category and topic, its live assignment (unit, assignment
/// time, deadline, closure) and its pending supervisions; and, as a list of marks, every event
/// a bulletin counts or lists by ticket: assignments, reworks, declines, callbacks with
/// `contacted: false`, supervisions and their answers. It also collects the manual `adjusted`
/// entries. The queries in `BulletinFold+Queries.swift` read any period from that state.
///
/// Like ``Projection`` it follows the options' channel filter and as-of instant, and it trusts
/// the life cycle (feed it events that passed ``LifecycleValidator``). It is not on the replay
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
    private var channelBytes: [UInt8]?

    /// What the fold remembers about one ticket.
    struct TicketRecord: Sendable {
        var included = false
        var category: Int32 = -1
        var topic: Int32 = -1
        /// The unit holding the live assignment, or -1.
        var unit: Int32 = -1
        var assignedAt: Int64 = 0
        var due: Int64 = 0
        /// The last closure not followed by rework; `.min` while open.
        var closedAt: Int64 = .min
        /// Methods of the holder's unanswered supervisions, oldest first.
        var pending: [SupervisionMethod] = []

        var isClosed: Bool { closedAt != .min }
    }

    /// One counted event: which ticket, which unit, which local day, what.
    struct Mark: Sendable {
        enum Kind: UInt8, Sendable {
            case assigned, rework, unitReturn, notContacted, phoneSupervised, phoneAnswered, writtenSupervised, writtenAnswered
        }
        var ticket: Int32
        var unit: Int32
        var day: Int32
        var kind: Kind
    }

    /// Creates an empty fold.
    public init(options: ProjectionOptions = ProjectionOptions()) {
        self.options = options
        self.channelBytes = options.channel.map { Array($0.utf8) }
    }

    /// Folds one event decoded in place from a log line.
    /// - Complexity: O(1) amortised.
    public mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        if event.kind == .adjusted {
            adjustments.append(Adjustment(event, in: line))
            return
        }
        let t = Int(tickets.intern(event.ticket, in: line))
        if t == records.count { records.append(TicketRecord()) }
        if event.kind == .accepted {
            var included = true
            if let wanted = channelBytes {
                if let ref = event.channel {
                    included = ref.escaped ? Array(ref.string(in: line).utf8) == wanted
                        : UnsafeRawBufferPointer(rebasing: line[ref.range]).elementsEqual(wanted)
                } else {
                    included = options.includesMissingChannel
                }
            }
            records[t].included = included
            records[t].category = event.category.map { labels.intern($0, in: line) } ?? -1
            records[t].topic = event.topic.map { labels.intern($0, in: line) } ?? -1
            return
        }
        guard records[t].included, let unitRef = event.unit else { return }
        let unit = units.intern(unitRef, in: line)
        let at = event.at.nanoseconds
        let day = event.at.day(atOffset: options.utcOffsetSeconds)
        func mark(_ kind: Mark.Kind) { marks.append(Mark(ticket: Int32(t), unit: unit, day: day, kind: kind)) }
        switch event.kind {
        case .accepted, .adjusted:
            return
        case .assigned:
            records[t].unit = unit
            records[t].assignedAt = at
            records[t].due = event.due?.nanoseconds ?? at
            records[t].closedAt = .min
            records[t].pending = []
            mark(.assigned)
        case .extended:
            if let due = event.due { records[t].due = due.nanoseconds }
        case .closed:
            records[t].closedAt = at
        case .returned:
            if event.by == .center {
                records[t].closedAt = .min
                if let due = event.due { records[t].due = due.nanoseconds }
                mark(.rework)
            } else {
                records[t].unit = -1
                records[t].pending = []
                mark(.unitReturn)
            }
        case .callbackRated:
            // Only a rated callback can tell: an unreachable citizen said nothing.
            if event.contacted == false && event.rating != .unreachable { mark(.notContacted) }
        case .supervised:
            let method = event.method ?? .phone
            records[t].pending.append(method)
            mark(method == .phone ? .phoneSupervised : .writtenSupervised)
        case .supervisionAnswered:
            guard !records[t].pending.isEmpty else { return }
            let method = records[t].pending.removeFirst()
            mark(method == .phone ? .phoneAnswered : .writtenAnswered)
        }
    }

    /// Folds an ``Event`` value (for services; the same rules as for log lines).
    public mutating func apply(_ event: Event) {
        var text = event.jsonLine()
        var decoder = EventDecoder()
        text.withUTF8 { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            if let raw = try? decoder.decode(bytes) { apply(raw, in: bytes) }
        }
    }
}
