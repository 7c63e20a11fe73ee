/// The members the version 1 wire format defines.
enum Field: String, CaseIterable {
    case id, ticket, type, at, recorded, channel, category, topic, unit, due, by, reason, rating, reply, chain
    case method, contacted, points, indicator, ref

    var index: Int {
        switch self {
        case .id: 0
        case .ticket: 1
        case .type: 2
        case .at: 3
        case .recorded: 4
        case .channel: 5
        case .category: 6
        case .topic: 7
        case .unit: 8
        case .due: 9
        case .by: 10
        case .reason: 11
        case .rating: 12
        case .reply: 13
        case .chain: 14
        case .method: 15
        case .contacted: 16
        case .points: 17
        case .indicator: 18
        case .ref: 19
        }
    }

    /// The wire name, as a static string (comparing against `rawValue.utf8` costs a String per call).
    @inline(__always)
    var name: StaticString {
        switch self {
        case .id: "id"
        case .ticket: "ticket"
        case .type: "type"
        case .at: "at"
        case .recorded: "recorded"
        case .channel: "channel"
        case .category: "category"
        case .topic: "topic"
        case .unit: "unit"
        case .due: "due"
        case .by: "by"
        case .reason: "reason"
        case .rating: "rating"
        case .reply: "reply"
        case .chain: "chain"
        case .method: "method"
        case .contacted: "contacted"
        case .points: "points"
        case .indicator: "indicator"
        case .ref: "ref"
        }
    }

    /// Whether the field belongs to an event of `kind`.
    func applies(to kind: EventKind) -> Bool {
        switch self {
        case .id, .ticket, .type, .at, .recorded, .chain: true
        case .channel, .category, .topic: kind == .accepted
        case .unit: kind != .accepted
        case .due: kind == .assigned || kind == .extended || kind == .returned
        case .by: kind == .returned
        case .reason: kind == .returned || kind == .extended || kind == .supervised || kind == .adjusted
        case .rating, .contacted: kind == .callbackRated
        case .reply: kind == .closed || kind == .supervisionAnswered
        case .method: kind == .supervised
        case .points, .indicator, .ref: kind == .adjusted
        }
    }

    /// The fields that belong to an event of `kind`, as a bit mask by ``index``.
    static func mask(for kind: EventKind) -> Int {
        switch kind {
        case .accepted: masks.accepted
        case .assigned: masks.assigned
        case .returned: masks.returned
        case .extended: masks.extended
        case .closed: masks.closed
        case .callbackRated: masks.callbackRated
        case .supervised: masks.supervised
        case .supervisionAnswered: masks.supervisionAnswered
        case .adjusted: masks.adjusted
        }
    }

    private static let masks = (
        accepted: mask { $0.applies(to: .accepted) }, assigned: mask { $0.applies(to: .assigned) },
        returned: mask { $0.applies(to: .returned) }, extended: mask { $0.applies(to: .extended) },
        closed: mask { $0.applies(to: .closed) }, callbackRated: mask { $0.applies(to: .callbackRated) },
        supervised: mask { $0.applies(to: .supervised) }, supervisionAnswered: mask { $0.applies(to: .supervisionAnswered) },
        adjusted: mask { $0.applies(to: .adjusted) })

    private static func mask(_ include: (Field) -> Bool) -> Int {
        allCases.reduce(0) { include($1) ? $0 | 1 << $1.index : $0 }
    }

    /// Matches unescaped key bytes against the known names.
    @inline(__always)
    static func match(_ bytes: UnsafeRawBufferPointer) -> Field? {
        guard let first = bytes.first else { return nil }
        let candidate: Field?
        switch (bytes.count, first) {
        case (2, UInt8(ascii: "i")): candidate = .id
        case (2, UInt8(ascii: "a")): candidate = .at
        case (2, UInt8(ascii: "b")): candidate = .by
        case (3, UInt8(ascii: "d")): candidate = .due
        case (3, UInt8(ascii: "r")): candidate = .ref
        case (6, UInt8(ascii: "m")): candidate = .method
        case (6, UInt8(ascii: "p")): candidate = .points
        case (9, UInt8(ascii: "c")): candidate = .contacted
        case (9, UInt8(ascii: "i")): candidate = .indicator
        case (4, UInt8(ascii: "t")): candidate = .type
        case (4, UInt8(ascii: "u")): candidate = .unit
        case (5, UInt8(ascii: "t")): candidate = .topic
        case (5, UInt8(ascii: "r")): candidate = .reply
        case (5, UInt8(ascii: "c")): candidate = .chain
        case (6, UInt8(ascii: "t")): candidate = .ticket
        case (6, UInt8(ascii: "r")):
            candidate = bytes[1] == UInt8(ascii: "e") ? .reason : .rating
        case (7, UInt8(ascii: "c")): candidate = .channel
        case (8, UInt8(ascii: "r")): candidate = .recorded
        case (8, UInt8(ascii: "c")): candidate = .category
        default: candidate = nil
        }
        guard let candidate, equal(bytes, candidate.name) else { return nil }
        return candidate
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let p = text.utf8Start
        for i in 0..<bytes.count where bytes[i] != p[i] { return false }
        return true
    }

}
