extension LogAppender {
    /// Whether appended lines carry the hash chain (see ``HashChain``).
    public enum Chaining: Sendable, Equatable {
        /// Chain new lines when the log is chained or empty; add to an unchained (imported)
        /// log without a chain. The default.
        case automatic
        /// Chain new lines, starting a chain on an unchained log: its existing lines are
        /// sealed into the chain's first value.
        case start
        /// Write new lines without a chain, as for an import; refused on a chained log.
        case off
    }
}
