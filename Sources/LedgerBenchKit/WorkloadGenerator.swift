/// Generates a realistic hotline log: tickets over a year, in recording order, deterministic.
///
/// Each ticket's history is drawn from its own generator seeded by (seed, ticket number), so a
/// ticket looks the same whatever window of time is written, and `from`/`to` windows that meet
/// concatenate to the log of the union: the year log plus the next day's events is exactly the
/// log of the longer window. Events wait in a min-heap keyed by recorded time until no later
/// ticket can precede them, so memory holds only the tickets still in flight.
///
/// The mix (per ticket): 2% declined by their first unit and reassigned, 5% extended, 1.5%
/// never closed, 3% reworked once, 70% called back (80% satisfied, 15% unsatisfied, 5%
/// unreachable), 6% of callbacks recorded 5–30 days late. Units are drawn from a Zipf law over
/// a seeded ranking, so a few units get most tickets and many get a few hundred a year.
/// Every history passes the ledger's life cycle; deadlines come only from `assigned` and
/// `extended` (rework returns carry none), and no two events of a ticket share an `at`.
public struct WorkloadGenerator {
    /// What to generate.
    public let configuration: WorkloadConfiguration
    let unitNames: [[UInt8]]
    let topics: [[UInt8]]
    /// Cumulative Zipf weights by unit index.
    let unitCumulative: [UInt64]
    let replies = WorkloadVocabulary.replies.map { Array($0.utf8) }
    let declineReasons = WorkloadVocabulary.declineReasons.map { Array($0.utf8) }
    let extensionReasons = WorkloadVocabulary.extensionReasons.map { Array($0.utf8) }
    let reworkReasons = WorkloadVocabulary.reworkReasons.map { Array($0.utf8) }

    /// Totals of a generated window.
    public struct Summary: Sendable, Equatable {
        public var events = 0
        public var tickets = 0
        public var bytes = 0
    }

    public init(_ configuration: WorkloadConfiguration) {
        self.configuration = configuration
        let names = WorkloadVocabulary.unitNames(max(configuration.units, 2))
        unitNames = names.map { Array($0.utf8) }
        topics = WorkloadVocabulary.topics.flatMap(\.topics).map { Array($0.utf8) }
        // Zipf over a seeded ranking: rank r weighs 1/(r + 2).
        var ranking = Array(names.indices)
        var rng = Xoshiro256(seed: configuration.seed ^ 0x5EED_0F_0A17)
        for i in stride(from: ranking.count - 1, to: 0, by: -1) { ranking.swapAt(i, rng.below(i + 1)) }
        var weights = [UInt64](repeating: 0, count: names.count)
        for (rank, unit) in ranking.enumerated() { weights[unit] = 1_000_000_000 / UInt64(rank + 2) }
        var total: UInt64 = 0
        unitCumulative = weights.map { total += $0; return total }
    }

    /// Writes the window's events as JSON Lines, handing out chunks of about 1 MiB.
    /// - Parameter sink: Receives consecutive pieces of the log; the bytes are valid only during the call.
    /// - Returns: What was written.
    @discardableResult
    public func write(to sink: (UnsafeRawBufferPointer) -> Void) -> Summary {
        var out = LineWriter()
        defer { out.close() }
        var heap = EventHeap()
        var summary = Summary()
        let c = configuration
        var ticket = 0
        var history: [GeneratedEvent] = []
        while true {
            let accepted = acceptTime(ticket)
            // Everything recorded before this ticket's acceptance can be written now.
            while let first = heap.first, first.recorded < accepted {
                emit(heap.pop(), into: &out, summary: &summary)
                if out.isFull { out.flush(to: sink) }
            }
            guard accepted < c.to else { break }
            history.removeAll(keepingCapacity: true)
            makeHistory(ticket, accepted: accepted, into: &history)
            for event in history where event.recorded >= c.from && event.recorded < c.to { heap.push(event) }
            ticket += 1
        }
        while !heap.isEmpty {
            emit(heap.pop(), into: &out, summary: &summary)
            if out.isFull { out.flush(to: sink) }
        }
        out.flush(to: sink)
        summary.bytes = out.written
        return summary
    }

    /// The whole window in memory (for tests and small logs).
    public func bytes() -> [UInt8] {
        var all: [UInt8] = []
        write { all.append(contentsOf: $0) }
        return all
    }

    private func emit(_ event: GeneratedEvent, into out: inout LineWriter, summary: inout Summary) {
        summary.events += 1
        if event.kind == .accepted { summary.tickets += 1 }
        out.line(event, generator: self)
    }

    // MARK: - Ticket histories

    /// When ticket `n` is accepted: spread evenly over the span with jitter, most calls in the daytime.
    func acceptTime(_ n: Int) -> Int64 {
        var rng = ticketRNG(n)
        let c = configuration
        let position = (Int64(n) * 1024 + Int64(rng.below(1024))) * c.span / (Int64(max(c.tickets, 1)) * 1024)
        let day = position / 86_400
        let f = position % 86_400
        // Monotone warp of the day: 10% of calls 0–8h, 75% 8–20h, 15% 20–24h.
        let secondOfDay: Int64
        if f < 8_640 { secondOfDay = f * 28_800 / 8_640 }
        else if f < 73_440 { secondOfDay = 28_800 + (f - 8_640) * 43_200 / 64_800 }
        else { secondOfDay = 72_000 + (f - 73_440) * 14_400 / 12_960 }
        return c.start + day * 86_400 + secondOfDay
    }

    func ticketRNG(_ n: Int) -> Xoshiro256 {
        Xoshiro256(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(n) &* 0xD1B5_4A32_D192_ED03)
    }

    func pickUnit(_ rng: inout Xoshiro256, not excluded: Int = -1) -> Int {
        while true {
            let target = UInt64(rng.below(Int(unitCumulative[unitCumulative.count - 1])))
            var lo = 0, hi = unitCumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if unitCumulative[mid] > target { hi = mid } else { lo = mid + 1 }
            }
            if lo != excluded { return lo }
        }
    }

    static let deadlineDays = [1, 3, 3, 5, 5, 5, 7, 7, 10, 15]

    func makeHistory(_ n: Int, accepted: Int64, into events: inout [GeneratedEvent]) {
        var rng = ticketRNG(n)
        _ = rng.below(1024) // the jitter acceptTime drew
        let ticket = Int32(truncatingIfNeeded: n)
        var seq: UInt8 = 0
        var last = accepted
        func add(_ kind: GeneratedEvent.Kind, at: Int64, unit: Int, due: Int64 = 0, detail: Int = 0, recorded: Int64? = nil) {
            seq += 1
            events.append(GeneratedEvent(recorded: recorded ?? at, at: at, due: due, ticket: ticket, seq: seq, kind: kind,
                                         unit: Int16(unit), detail: Int16(detail)))
            last = at
        }
        func after(_ lo: Int, _ hi: Int, from base: Int64? = nil) -> Int64 {
            max((base ?? last) + Int64(rng.within(lo...hi)), last + 60)
        }
        add(.accepted, at: accepted, unit: -1, detail: rng.below(topics.count))
        let days = Int64(Self.deadlineDays[rng.below(Self.deadlineDays.count)])
        var unit = pickUnit(&rng)
        var assignedAt = after(300, 10_800)
        var due = assignedAt + days * 86_400
        add(.assigned, at: assignedAt, unit: unit, due: due)
        if rng.chance(perMille: 20) {
            add(.declined, at: after(1_800, 86_400), unit: unit, detail: rng.below(WorkloadVocabulary.declineReasons.count))
            unit = pickUnit(&rng, not: unit)
            assignedAt = after(600, 28_800)
            due = assignedAt + days * 86_400
            add(.assigned, at: assignedAt, unit: unit, due: due)
        }
        if rng.chance(perMille: 50) {
            let extendedAt = max(assignedAt + (due - assignedAt) * Int64(rng.within(20...70)) / 100, last + 60)
            due += Int64(rng.within(2...10)) * 86_400
            add(.extended, at: extendedAt, unit: unit, due: due, detail: rng.below(WorkloadVocabulary.extensionReasons.count))
        }
        guard !rng.chance(perMille: 15) else { return } // never closed
        let closedAt: Int64
        if rng.chance(perMille: 900) {
            closedAt = last + max((due - last) * Int64(rng.within(5...95)) / 100, 60)
        } else {
            closedAt = max(due + Int64(rng.within(600...Int(days) * 50_000 + 3_600)), last + 60)
        }
        add(.closed, at: closedAt, unit: unit, detail: rng.below(WorkloadVocabulary.replies.count * 4))
        if rng.chance(perMille: 31) {
            add(.rework, at: after(3_600, 259_200), unit: unit, detail: rng.below(WorkloadVocabulary.reworkReasons.count))
            add(.closed, at: after(7_200, 345_600), unit: unit, detail: rng.below(WorkloadVocabulary.replies.count * 4))
        }
        if rng.chance(perMille: 714) {
            let roll = rng.below(1000)
            let rating = roll < 800 ? 0 : roll < 950 ? 1 : 2
            let at = after(7_200, 259_200)
            let late = rng.chance(perMille: 60)
            let recorded = late ? at + Int64(rng.within(5...30)) * 86_400 + Int64(rng.below(86_400)) : at
            add(.callback, at: at, unit: unit, detail: rating, recorded: recorded)
        }
    }
}
