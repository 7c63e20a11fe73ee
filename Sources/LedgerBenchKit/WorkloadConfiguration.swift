import Events

/// What a generated workload looks like: how many tickets, which seed, which window of time.
public struct WorkloadConfiguration: Sendable, Equatable {
    /// Tickets accepted in the first 366 days (the year 2024 by default); the same rate goes on
    /// after that if the window reaches further.
    public var tickets: Int
    /// The seed: the same seed, tickets and units give the same events byte for byte.
    public var seed: UInt64
    /// The number of units (about 300 in a prefecture-level city).
    public var units: Int
    /// The first instant tickets are accepted at (seconds since the epoch).
    public var start: Int64
    /// Only events recorded at or after this instant are written.
    public var from: Int64
    /// Only events recorded before this instant are written.
    public var to: Int64

    /// 2024-01-01T00:00:00+08:00.
    public static let year2024 = Int64(CivilDate(year: 2024, month: 1, day: 1).daysSinceEpoch) * 86_400 - 28_800

    /// A year of 2024 by default.
    public init(tickets: Int = 500_000, seed: UInt64 = 1, units: Int = 300, from: Int64? = nil, to: Int64? = nil) {
        self.tickets = tickets
        self.seed = seed
        self.units = units
        self.start = Self.year2024
        self.from = from ?? Self.year2024
        self.to = to ?? Self.year2024 + 366 * 86_400
    }

    /// Seconds in the span the `tickets` are spread over (366 days).
    var span: Int64 { 366 * 86_400 }
}
