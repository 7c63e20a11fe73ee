import Events
import Foundation

// Bridges between the ledger's `Timestamp` and Foundation's `Date`, for services that hold
// dates. They live here because the Events module does not import Foundation.
extension Timestamp {
    /// The same instant as a `Date`, to Foundation's precision (a `Double` of seconds; about a
    /// microsecond for dates of this century).
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let nanos = ((seconds - whole) * 1_000_000_000).rounded()
        self.init(nanoseconds: Int64(whole) * 1_000_000_000 + Int64(nanos))
    }

    /// The instant as a `Date`.
    public var date: Date {
        let whole = seconds
        let nanos = nanoseconds - whole * 1_000_000_000
        return Date(timeIntervalSince1970: Double(whole) + Double(nanos) / 1_000_000_000)
    }
}
