/// The type of a ticket event, as written in the `type` field.
public enum EventKind: String, Sendable, CaseIterable, Codable {
    /// The centre registers a citizen request (受理).
    case accepted
    /// The centre hands the ticket to a unit with a deadline (交办).
    case assigned
    /// The ticket goes back: rework demanded by the centre (返工) or declined by the unit (退单).
    case returned
    /// The deadline moves later (延期).
    case extended
    /// The unit closes the ticket with a reply (办结).
    case closed
    /// The centre's callback to the citizen was rated (回访).
    case callbackRated = "callback-rated"
    /// The centre chased the unit holding the ticket, by phone or in writing (督办).
    case supervised
    /// The unit answered its earliest unanswered supervision of the ticket (督办回复).
    case supervisionAnswered = "supervision-answered"
    /// A manual deduction or bonus for a unit (考核加扣分); its `ticket` names the adjustment,
    /// a stream of its own outside any ticket's life cycle.
    case adjusted

    /// The wire spelling of the type.
    public var wireName: String { rawValue }

    /// The type's place in the list above, which stays the same across builds (keys written to
    /// checkpoints are made with it).
    var ordinal: UInt8 {
        switch self {
        case .accepted: 0
        case .assigned: 1
        case .returned: 2
        case .extended: 3
        case .closed: 4
        case .callbackRated: 5
        case .supervised: 6
        case .supervisionAnswered: 7
        case .adjusted: 8
        }
    }
}
