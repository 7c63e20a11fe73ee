/// Decodes JSON Lines log lines into events, reusing its buffers from line to line.
///
/// The decoder validates the line's JSON, the presence and types of the fields each event
/// type requires, timestamps and enumerations. It does not know about other lines: duplicate
/// ids and life-cycle rules are checked by ``LogVerifier``.
public struct EventDecoder: Sendable {
    /// The members of the last line decoded.
    package private(set) var members: [JSONMember] = []
    /// Indices into ``members`` of the fields the wire format does not define.
    package private(set) var extraMembers: [Int] = []
    /// For each known field, the index of its member in the current line, or -1.
    private var fields = [Int](repeating: -1, count: Field.allCases.count)

    public init() {
        members.reserveCapacity(16)
    }

    /// Decodes one line (without its newline) into a ``RawEvent``.
    /// - Throws: ``EventProblem`` describing the first problem found.
    public mutating func decode(_ line: UnsafeRawBufferPointer) throws(EventProblem) -> RawEvent {
        do {
            try JSONScanner.scanObject(line, into: &members)
        } catch {
            throw .malformedJSON(offset: error.offset, message: error.message)
        }
        extraMembers.removeAll(keepingCapacity: true)
        for i in fields.indices { fields[i] = -1 }
        var presentFields = 0
        for index in members.indices {
            let member = members[index]
            let field: Field?
            if member.keyEscaped {
                let key = JSONString.decode(UnsafeRawBufferPointer(rebasing: line[member.key]), escaped: true)
                field = Field(rawValue: key)
            } else {
                field = Field.match(UnsafeRawBufferPointer(rebasing: line[member.key]))
            }
            guard let field else {
                extraMembers.append(index)
                continue
            }
            guard fields[field.index] < 0 else { throw .duplicateField(field.rawValue) }
            fields[field.index] = index
            presentFields |= 1 << field.index
        }

        func string(_ field: Field, required: Bool, type: EventKind? = nil) throws(EventProblem) -> FieldRef? {
            let index = fields[field.index]
            guard index >= 0 else {
                if required { throw .missingField(field.rawValue, type: type) }
                return nil
            }
            let member = members[index]
            if member.kind == .null && !required { return nil }
            guard member.kind == .string else { throw .wrongFieldType(field.rawValue, expected: "a string") }
            if required && member.value.isEmpty { throw .emptyField(field.rawValue) }
            return FieldRef(range: member.value, escaped: member.valueEscaped)
        }
        func timestamp(_ field: Field, required: Bool, type: EventKind? = nil) throws(EventProblem) -> Timestamp? {
            guard let ref = try string(field, required: required, type: type) else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: line[ref.range])
            guard !ref.escaped, let value = Timestamp.parseRFC3339(bytes) else {
                throw .invalidTimestamp(field: field.rawValue, text: ref.string(in: line))
            }
            return value
        }
        func enumeration<E: RawRepresentable & CaseIterable>(_ field: Field, _: E.Type, type: EventKind) throws(EventProblem) -> E
        where E.RawValue == String {
            let ref = try string(field, required: true, type: type)!
            let text = ref.string(in: line)
            guard let value = E(rawValue: text) else {
                throw .invalidValue(field: field.rawValue, value: text, allowed: E.allCases.map(\.rawValue))
            }
            return value
        }

        /// The bytes of a plain (unescaped) string field, for matching enumerations without a String.
        func plain(_ field: Field) -> UnsafeRawBufferPointer? {
            let index = fields[field.index]
            guard index >= 0, members[index].kind == .string, !members[index].valueEscaped else { return nil }
            return UnsafeRawBufferPointer(rebasing: line[members[index].value])
        }
        func boolean(_ field: Field) throws(EventProblem) -> Bool? {
            let index = fields[field.index]
            guard index >= 0, members[index].kind != .null else { return nil }
            guard members[index].kind == .bool else { throw .wrongFieldType(field.rawValue, expected: "true or false") }
            return line[members[index].value.lowerBound] == UInt8(ascii: "t")
        }
        func decimal(_ field: Field, type: EventKind) throws(EventProblem) -> FieldRef {
            let index = fields[field.index]
            guard index >= 0, members[index].kind != .null else { throw .missingField(field.rawValue, type: type) }
            let member = members[index]
            let expected = "a decimal number such as -1 or \"+0.5\""
            guard member.kind == .number || member.kind == .string, !member.valueEscaped,
                  DecimalText.isPlainDecimal(UnsafeRawBufferPointer(rebasing: line[member.value]))
            else { throw .wrongFieldType(field.rawValue, expected: expected) }
            return FieldRef(range: member.value, escaped: false)
        }

        let id = try string(.id, required: true)!
        let ticket = try string(.ticket, required: true)!
        let typeRef = try string(.type, required: true)!
        let typeBytes = UnsafeRawBufferPointer(rebasing: line[typeRef.range])
        guard let kind = typeRef.escaped ? EventKind(rawValue: typeRef.string(in: line)) : EventDecoder.kind(typeBytes) else {
            throw .unknownType(typeRef.string(in: line))
        }
        let at = try timestamp(.at, required: true)!
        let recorded = try timestamp(.recorded, required: false)
        var event = RawEvent(kind: kind, at: at, recorded: recorded, id: id, ticket: ticket)

        switch kind {
        case .accepted:
            event.channel = try string(.channel, required: false)
            event.category = try string(.category, required: false)
            event.topic = try string(.topic, required: false)
        case .assigned:
            event.unit = try string(.unit, required: true, type: kind)
            event.due = try timestamp(.due, required: true, type: kind)
        case .returned:
            event.unit = try string(.unit, required: true, type: kind)
            if let bytes = plain(.by), Field.equal(bytes, "center") {
                event.by = .center
            } else if let bytes = plain(.by), Field.equal(bytes, "unit") {
                event.by = .unit
            } else {
                event.by = try enumeration(.by, ReturnParty.self, type: kind)
            }
            event.reason = try string(.reason, required: false)
            event.due = try timestamp(.due, required: false)
        case .extended:
            event.unit = try string(.unit, required: true, type: kind)
            event.due = try timestamp(.due, required: true, type: kind)
            event.reason = try string(.reason, required: false)
        case .closed:
            event.unit = try string(.unit, required: true, type: kind)
            event.reply = try string(.reply, required: false)
        case .callbackRated:
            event.unit = try string(.unit, required: true, type: kind)
            if let bytes = plain(.rating), Field.equal(bytes, "satisfied") {
                event.rating = .satisfied
            } else if let bytes = plain(.rating), Field.equal(bytes, "unsatisfied") {
                event.rating = .unsatisfied
            } else if let bytes = plain(.rating), Field.equal(bytes, "unreachable") {
                event.rating = .unreachable
            } else {
                event.rating = try enumeration(.rating, Rating.self, type: kind)
            }
            event.contacted = try boolean(.contacted)
        case .supervised:
            event.unit = try string(.unit, required: true, type: kind)
            event.method = try enumeration(.method, SupervisionMethod.self, type: kind)
            event.reason = try string(.reason, required: false)
        case .supervisionAnswered:
            event.unit = try string(.unit, required: true, type: kind)
            event.reply = try string(.reply, required: false)
        case .adjusted:
            event.unit = try string(.unit, required: true, type: kind)
            event.points = try decimal(.points, type: kind)
            event.indicator = try string(.indicator, required: true, type: kind)
            event.reason = try string(.reason, required: true, type: kind)
            event.ref = try string(.ref, required: false)
        }
        // Known fields that do not belong to this type are kept like unknown ones.
        if presentFields & ~Field.mask(for: kind) != 0 {
            for field in Field.allCases where fields[field.index] >= 0 && !field.applies(to: kind) {
                extraMembers.append(fields[field.index])
            }
        }
        if extraMembers.count > 1 { extraMembers.sort() }
        let chainIndex = fields[Field.chain.index]
        if chainIndex >= 0 {
            event.chain = try string(.chain, required: false)
            event.chainMemberStart = members[chainIndex].start
        }
        return event
    }

    /// Decodes one line into a self-contained ``Event``.
    public mutating func decodeEvent(_ line: UnsafeRawBufferPointer) throws(EventProblem) -> Event {
        let raw = try decode(line)
        return raw.event(in: line, members: members, extra: extraMembers)
    }

    static func kind(_ bytes: UnsafeRawBufferPointer) -> EventKind? {
        guard bytes.count >= 6 else { return nil }
        let kind: EventKind
        let name: StaticString
        switch (bytes.count, bytes[0], bytes[2]) {
        case (8, UInt8(ascii: "a"), UInt8(ascii: "c")): (kind, name) = (.accepted, "accepted")
        case (8, UInt8(ascii: "a"), UInt8(ascii: "s")): (kind, name) = (.assigned, "assigned")
        case (8, UInt8(ascii: "r"), _): (kind, name) = (.returned, "returned")
        case (8, UInt8(ascii: "e"), _): (kind, name) = (.extended, "extended")
        case (6, UInt8(ascii: "c"), _): (kind, name) = (.closed, "closed")
        case (14, UInt8(ascii: "c"), _): (kind, name) = (.callbackRated, "callback-rated")
        case (10, UInt8(ascii: "s"), _): (kind, name) = (.supervised, "supervised")
        case (20, UInt8(ascii: "s"), _): (kind, name) = (.supervisionAnswered, "supervision-answered")
        case (8, UInt8(ascii: "a"), UInt8(ascii: "j")): (kind, name) = (.adjusted, "adjusted")
        default: return nil
        }
        return Field.equal(bytes, name) ? kind : nil
    }
}
