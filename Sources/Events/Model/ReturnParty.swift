/// Who sends a ticket back in a `returned` event.
public enum ReturnParty: String, Sendable, CaseIterable, Codable {
    /// The centre rejects the unit's closure: rework (返工), the ticket reopens with the same unit.
    case center
    /// The unit declines the ticket (退单): it goes back to the centre unassigned.
    case unit
}
