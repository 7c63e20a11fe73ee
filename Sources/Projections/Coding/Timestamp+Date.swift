import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Bridges between the ledger's `Timestamp` and Foundation's `Date`, for services that hold
// dates. They live here because the Events module does not import Foundation.
extension Timestamp {
    /// The same instant as a `Date`, rounded to the microsecond: a `Date` is a `Double` of
    /// seconds, which holds no finer digits for dates of this century, so a timestamp with whole
    /// microseconds survives `Timestamp(t.date) == t`.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let micros = ((seconds - whole) * 1_000_000).rounded()
        self.init(nanoseconds: Int64(whole) * 1_000_000_000 + Int64(micros) * 1_000)
    }

    /// The instant as a `Date` (nanoseconds below a `Double`'s precision are lost).
    public var date: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanosecondsIntoSecond) / 1_000_000_000)
    }
}
