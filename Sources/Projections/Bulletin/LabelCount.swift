/// A category or topic and how many tickets carry it.
public struct LabelCount: Sendable, Equatable {
    public var label: String
    public var count: Int
}
