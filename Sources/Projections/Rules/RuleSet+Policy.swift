import Events

/// The extension and return policy a centre applies around the table (延期与退单): tickets that
/// break it are named in the bulletin (``Bulletin/policyViolations``); the table's counts do
/// not change.
extension RuleSet {
    public struct Policy: Sendable, Equatable {
        /// At most this many extensions per assignment (a reassignment starts again); `nil`: any.
        public var maxExtensions: Int?
        /// An extension whose time (`at`) is after the deadline it extends is a violation.
        public var extendBeforeDeadline: Bool
        /// At most this many declines by units (`returned by=unit`) per ticket, across all
        /// units; `nil`: any.
        public var maxUnitReturns: Int?

        public init(maxExtensions: Int? = nil, extendBeforeDeadline: Bool = false, maxUnitReturns: Int? = nil) {
            self.maxExtensions = maxExtensions
            self.extendBeforeDeadline = extendBeforeDeadline
            self.maxUnitReturns = maxUnitReturns
        }

        /// One extension, asked for before the deadline, and one decline.
        public static let common = Policy(maxExtensions: 1, extendBeforeDeadline: true, maxUnitReturns: 1)
    }

    /// Why an overdue ticket is not docked (``Adjustments/overdueExcuses``).
    public enum OverdueExcuse: String, Sendable, Equatable, CaseIterable {
        /// The centre returned the ticket for rework (`returned by=center`) at some time up to
        /// the end of the period, when it stood closed on time: it went overdue because of the
        /// return (无故超期 does not apply). A ticket already closed late when it was returned
        /// went overdue before, and is docked.
        case centreReturn = "centre-return"
    }

    static func decodePolicy(_ value: JSONValue, fail: (String, String) -> RuleSetError) throws(RuleSetError) -> Policy {
        guard case .object(let members) = value else { throw fail("policy", "must be an object") }
        let known = ["extendBeforeDeadline", "maxExtensions", "maxUnitReturns"]
        for (key, _) in members where !known.contains(key) {
            throw fail("policy.\(key)", "unknown field (known: \(known.joined(separator: ", ")))")
        }
        func count(_ key: String) throws(RuleSetError) -> Int? {
            switch value[key] {
            case nil, .null?: return nil
            case .number(let text)?:
                guard let n = Int(text), n >= 0, n <= 1_000 else {
                    throw fail("policy.\(key)", "must be a whole number from 0 to 1000, or null, not \(text)")
                }
                return n
            default: throw fail("policy.\(key)", "must be a whole number, or null")
            }
        }
        var policy = Policy(maxExtensions: try count("maxExtensions"), maxUnitReturns: try count("maxUnitReturns"))
        switch value["extendBeforeDeadline"] {
        case nil, .null?: break
        case .bool(let flag)?: policy.extendBeforeDeadline = flag
        default: throw fail("policy.extendBeforeDeadline", "must be true or false")
        }
        return policy
    }

    static func decodeExcuses(_ value: JSONValue, fail: (String, String) -> RuleSetError) throws(RuleSetError) -> [OverdueExcuse] {
        guard case .array(let items) = value else { throw fail("adjustments.overdueExcuses", "must be an array of strings") }
        var excuses: [OverdueExcuse] = []
        let names = OverdueExcuse.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        for (i, item) in items.enumerated() {
            guard case .string(let text) = item, let excuse = OverdueExcuse(rawValue: text) else {
                throw fail("adjustments.overdueExcuses[\(i)]", "must be one of \(names)")
            }
            if !excuses.contains(excuse) { excuses.append(excuse) }
        }
        return excuses
    }

    func policyJSON() -> String? {
        guard let policy else { return nil }
        return "{\"maxExtensions\": \(policy.maxExtensions.map(String.init) ?? "null"), "
            + "\"extendBeforeDeadline\": \(policy.extendBeforeDeadline), \"maxUnitReturns\": \(policy.maxUnitReturns.map(String.init) ?? "null")}"
    }
}
