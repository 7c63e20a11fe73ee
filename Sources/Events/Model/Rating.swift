/// The citizen's answer to a callback.
public enum Rating: String, Sendable, CaseIterable, Codable {
    case satisfied
    case unsatisfied
    /// The citizen could not be reached or would not rate (未应答); not a rated callback.
    case unreachable
}
