/// What verification found out about a log's hash chain (see ``HashChain``).
public struct ChainSummary: Sendable, Equatable, CustomStringConvertible {
    /// The first chained line; `nil` when no line carries a chain.
    public var firstLine: Int?
    /// The last chained line.
    public var lastLine: Int?
    /// The `chain` value of the last chained line: the head to quote.
    public var head: SHA256.Digest?
    /// The first line where the chain does not hold (a wrong, damaged or missing value).
    public var firstBreak: Int?
    /// How many lines break the chain.
    public var breakCount = 0

    /// Creates a summary; the defaults describe a log without a chain.
    public init(firstLine: Int? = nil, lastLine: Int? = nil, head: SHA256.Digest? = nil,
                firstBreak: Int? = nil, breakCount: Int = 0) {
        self.firstLine = firstLine
        self.lastLine = lastLine
        self.head = head
        self.firstBreak = firstBreak
        self.breakCount = breakCount
    }

    /// Whether some line carries a chain.
    public var isChained: Bool { firstLine != nil }

    /// Whether the chain is there and holds on every line from its first.
    public var isIntact: Bool { isChained && firstBreak == nil }

    /// `not chained`, `chain head 3f2a…` (64 digits), `chain head 3f2a… (chained from line 41)`
    /// or `chain broken (first at line 17)`.
    public var description: String {
        guard let firstLine, let head else { return "not chained" }
        if let firstBreak { return "chain broken (first at line \(groupedThousands(firstBreak)))" }
        return "chain head \(head.hex)" + (firstLine > 1 ? " (chained from line \(groupedThousands(firstLine)))" : "")
    }
}
