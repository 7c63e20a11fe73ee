/// A string field located in a line, not yet decoded.
public struct FieldRef: Sendable, Equatable {
    /// Byte range of the string's contents (between the quotes) in the line.
    public var range: Range<Int>
    /// Whether the contents hold backslash escapes that must be resolved.
    public var escaped: Bool

    /// Decodes the field from the line it was found in.
    public func string(in line: UnsafeRawBufferPointer) -> String {
        JSONString.decode(UnsafeRawBufferPointer(rebasing: line[range]), escaped: escaped)
    }
}

/// An event decoded from a line without copying its strings.
///
/// This is the replay loop's view of an event: scalar fields are parsed, string fields are
/// byte ranges into the line (valid only while that line's buffer is). Call
/// ``EventDecoder/decodeEvent(_:)`` to get a self-contained ``Event`` instead.
public struct RawEvent: Sendable {
    public var kind: EventKind
    public var at: Timestamp
    public var recorded: Timestamp?
    public var id: FieldRef
    public var ticket: FieldRef
    /// Present for every type but `accepted`.
    public var unit: FieldRef?
    /// `assigned`, `extended`, and optionally `returned`.
    public var due: Timestamp?
    public var by: ReturnParty?
    public var rating: Rating?
    public var channel: FieldRef?
    public var category: FieldRef?
    public var topic: FieldRef?
    public var reason: FieldRef?
    public var reply: FieldRef?
    /// `supervised`: phone or written.
    public var method: SupervisionMethod?
    /// `callback-rated`: `false` when the citizen says the unit never contacted them; `nil` when
    /// not stated.
    public var contacted: Bool?
    /// `adjusted`: the points as written (the digits of a JSON number, or a string's contents).
    public var points: FieldRef?
    /// `adjusted`: the assessment item (指标名称).
    public var indicator: FieldRef?
    /// `adjusted`: the ticket or letter number it concerns.
    public var ref: FieldRef?
    public var chain: FieldRef?
    /// Offset of the `"chain"` key's opening quote, when the line has one.
    public var chainMemberStart: Int?

    /// When the event became known: ``recorded`` if present, else ``at``.
    public var knownAt: Timestamp { recorded ?? at }

    /// Builds the self-contained event; `members` must be the scanner output for the same line.
    package func event(in line: UnsafeRawBufferPointer, members: [JSONMember], extra: [Int]) -> Event {
        func s(_ f: FieldRef?) -> String? { f.map { $0.string(in: line) } }
        let unitName = s(unit) ?? ""
        let body: Event.Body
        switch kind {
        case .accepted: body = .accepted(channel: s(channel), category: s(category), topic: s(topic))
        case .assigned: body = .assigned(unit: unitName, due: due!)
        case .returned: body = .returned(unit: unitName, by: by!, reason: s(reason), due: due)
        case .extended: body = .extended(unit: unitName, due: due!, reason: s(reason))
        case .closed: body = .closed(unit: unitName, reply: s(reply))
        case .callbackRated: body = .callbackRated(unit: unitName, rating: rating!, contacted: contacted)
        case .supervised: body = .supervised(unit: unitName, method: method!, reason: s(reason))
        case .supervisionAnswered: body = .supervisionAnswered(unit: unitName, reply: s(reply))
        case .adjusted:
            body = .adjusted(unit: unitName, points: s(points) ?? "0", indicator: s(indicator) ?? "", reason: s(reason) ?? "",
                             ref: s(ref))
        }
        let extraFields = extra.map { index -> Event.ExtraField in
            let m = members[index]
            let key = JSONString.decode(UnsafeRawBufferPointer(rebasing: line[m.key]), escaped: m.keyEscaped)
            let valueRange = m.kind == .string ? (m.value.lowerBound - 1)..<(m.value.upperBound + 1) : m.value
            return Event.ExtraField(key: key, verbatim: String(decoding: UnsafeRawBufferPointer(rebasing: line[valueRange]), as: UTF8.self))
        }
        return Event(id: id.string(in: line), ticket: ticket.string(in: line), at: at, recorded: recorded,
                     body: body, extraFields: extraFields, chain: s(chain))
    }
}
