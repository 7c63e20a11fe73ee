/// One immutable action on a ticket: a line of the JSON Lines log.
///
/// Events are plain values. The log's reader produces them from bytes without Foundation's
/// JSON decoder, and ``jsonLine(offsetSeconds:)`` writes them back; members the ledger does
/// not know are carried along verbatim in ``extraFields``.
public struct Event: Sendable, Equatable {
    /// Unique in the log; the idempotency key.
    public var id: String
    /// The ticket this event belongs to (the stream).
    public var ticket: String
    /// When it happened.
    public var at: Timestamp
    /// When the ledger learned of it; `nil` means the same as ``at``.
    public var recorded: Timestamp?
    /// What happened, with the fields of that type.
    public var body: Body
    /// Members the wire format does not define, as `(key, raw JSON value)` in line order.
    public var extraFields: [ExtraField]
    /// The hash-chain value carried by the line, if any.
    public var chain: String?

    /// Creates an event.
    public init(id: String, ticket: String, at: Timestamp, recorded: Timestamp? = nil, body: Body,
                extraFields: [ExtraField] = [], chain: String? = nil) {
        self.id = id
        self.ticket = ticket
        self.at = at
        self.recorded = recorded
        self.body = body
        self.extraFields = extraFields
        self.chain = chain
    }

    /// The event's type.
    public var kind: EventKind { body.kind }

    /// The unit the event concerns, for every type but `accepted` (for `adjusted`, the unit
    /// the points go to).
    public var unit: String? { body.unit }

    /// When the event became known: ``recorded`` if present, else ``at``.
    public var knownAt: Timestamp { recorded ?? at }

    /// A member of a line that the wire format does not define, kept byte for byte.
    public struct ExtraField: Sendable, Equatable {
        /// The key, decoded.
        public private(set) var key: String
        /// The value exactly as it appeared in the line (valid JSON, on one line).
        public private(set) var rawValue: String

        /// A member to write verbatim after the event's own fields.
        ///
        /// The value is written into the line as it is, so it is checked here: a value that
        /// is not JSON, or that spans lines, would make a line no reader accepts.
        /// - Throws: `EventProblem.duplicateField` when `key` is a member the wire format
        ///   defines (`id`, `unit`, `chain`, …); `.wrongFieldType` when `rawValue` is not one
        ///   JSON value without line breaks.
        public init(key: String, rawValue: String) throws(EventProblem) {
            guard Field(rawValue: key) == nil else { throw .duplicateField(key) }
            let lineBreak = rawValue.utf8.contains { $0 == 0x0A || $0 == 0x0D }
            do throws(JSONValue.ParseError) {
                _ = try JSONValue.parse(rawValue)
                if lineBreak { throw JSONValue.ParseError(field: "", message: "it spans lines") }
            } catch {
                throw .wrongFieldType(key, expected: "one JSON value without line breaks (\(error.message))")
            }
            self.init(key: key, verbatim: rawValue)
        }

        /// A member as the decoder read it from a line (already known to be valid).
        package init(key: String, verbatim rawValue: String) {
            self.key = key
            self.rawValue = rawValue
        }
    }

    /// The type-specific content of an event.
    public enum Body: Sendable, Equatable {
        /// The centre registered the request.
        case accepted(channel: String?, category: String?, topic: String?)
        /// The centre handed the ticket to `unit` with deadline `due`.
        case assigned(unit: String, due: Timestamp)
        /// The ticket went back; `by: .center` is rework, `by: .unit` a decline.
        case returned(unit: String, by: ReturnParty, reason: String?, due: Timestamp?)
        /// `unit` moved the deadline to `due`.
        case extended(unit: String, due: Timestamp, reason: String?)
        /// `unit` closed the ticket.
        case closed(unit: String, reply: String?)
        /// A callback about `unit`'s handling was rated; `contacted: false` records the citizen
        /// saying the unit never contacted them (成员单位未答复当事人), `nil` that nobody asked.
        case callbackRated(unit: String, rating: Rating, contacted: Bool? = nil)
        /// The centre chased `unit`, which holds the ticket (督办).
        case supervised(unit: String, method: SupervisionMethod, reason: String?)
        /// `unit` answered its earliest unanswered supervision of the ticket.
        case supervisionAnswered(unit: String, reply: String?)
        /// A manual deduction or bonus: `points` is the decimal as written (`-1`, `+0.5`),
        /// `indicator` the assessment item (指标名称), `reason` the detail, `ref` a ticket number
        /// or letter number it concerns.
        case adjusted(unit: String, points: String, indicator: String, reason: String, ref: String?)

        /// The event type of this body.
        public var kind: EventKind {
            switch self {
            case .accepted: .accepted
            case .assigned: .assigned
            case .returned: .returned
            case .extended: .extended
            case .closed: .closed
            case .callbackRated: .callbackRated
            case .supervised: .supervised
            case .supervisionAnswered: .supervisionAnswered
            case .adjusted: .adjusted
            }
        }

        /// The unit named by the body, if any.
        public var unit: String? {
            switch self {
            case .accepted: nil
            case .assigned(let unit, _), .returned(let unit, _, _, _), .extended(let unit, _, _),
                 .closed(let unit, _), .callbackRated(let unit, _, _), .supervised(let unit, _, _),
                 .supervisionAnswered(let unit, _), .adjusted(let unit, _, _, _, _):
                unit
            }
        }
    }
}
