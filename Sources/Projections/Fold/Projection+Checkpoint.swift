import Events

extension Projection {
    /// Writes the fold state (not the name tables: a replay's projections share its validator's).
    func write(to writer: inout CheckpointWriter) throws {
        writer.write(Int64(eventCount))
        // The day counters first: the tickets' states are checked against them as they are read.
        writer.write(Int64(unitDays.count))
        for unit in unitDays {
            writer.write(unit.firstDay)
            try writer.write(array: unit.days)
        }
        try writer.write(plain: ticketState)
    }

    /// Reads the state written by ``write(to:)`` into a projection with `options` whose ids are
    /// those of a validator's name tables (it gets their names at the end of the replay, see
    /// ``ReplayFold/finish()``; sharing them now would copy them on every append). Whether its
    /// ids fit that validator's tables is ``fits(tickets:units:)``, asked once both are read.
    ///
    /// Every value is range-checked before the projection is used, so that no stored number
    /// can trap, allocate without bound or be read as a count it cannot be: ids name tickets
    /// and units, days lie in the span a timestamp can reach, counters are between 0 and the
    /// events folded with onTime ≤ done ≤ due on every day, and the tickets' recorded
    /// contributions add up to the day counters' totals.
    /// - Parameter events: The events the checkpoint covers (a bound for every counter).
    init(options: ProjectionOptions, from reader: inout CheckpointReader, events: Int) throws {
        self.init(options: options)
        let storedCount = try reader.read(Int64.self)
        guard storedCount >= 0, storedCount <= Int64(events) else { throw CheckpointError("damaged (projection event count)") }
        eventCount = Int(storedCount)
        let unitCount = try reader.read(Int64.self)
        // The validator's units bound them (`fits(tickets:units:)`); until then, the file's bytes
        // do (each unit takes at least 12).
        guard unitCount >= 0 else { throw CheckpointError("damaged (projection)") }
        // The first day and day count of each unit, shifted by one: entry 0 stands for unit -1
        // ("not counted"), whose only day is 0.
        var firstDays: [Int32] = [0], dayCounts: [UInt32] = [1]
        var totals = (due: 0, done: 0, onTime: 0)
        for _ in 0..<unitCount {
            var days = UnitDays()
            days.firstDay = try reader.read(Int32.self)
            days.days = try reader.readArray(DayCounters.self)
            guard days.days.isEmpty || (Int(days.firstDay) >= -UnitDays.dayLimit && Int(days.firstDay) + days.days.count <= UnitDays.dayLimit),
                  let counts = Self.checkedTotals(days.days, limit: eventCount)
            else { throw CheckpointError("damaged (day counters)") }
            totals.due += counts.due
            totals.done += counts.done
            totals.onTime += counts.onTime
            firstDays.append(days.firstDay)
            dayCounts.append(UInt32(days.days.count))
            unitDays.append(days)
        }
        var check = TicketFoldCheck(units: Int(unitCount), firstDays: firstDays, dayCounts: dayCounts)
        ticketState = try reader.readPlainArray(checking: &check)
        guard check.largest <= check.limit, check.bad == 0,
              (check.due, check.done, check.onTime) == totals
        else { throw CheckpointError("damaged (projection)") }
    }

    /// Whether the ids of a projection read by ``init(options:from:events:)`` name tickets and
    /// units of a validator holding `tickets` tickets and `units` units.
    func fits(tickets: Int, units: Int) -> Bool {
        unitDays.count <= units && ticketState.count <= tickets
    }

    /// The totals of due, done and onTime over `days`, or `nil` when a counter is negative or
    /// above `limit`, or a day has more done than due or more on time than done.
    private static func checkedTotals(_ days: [DayCounters], limit: Int) -> (due: Int, done: Int, onTime: Int)? {
        // (At most 2³⁰, so that a counter can never overflow while the tail is folded.)
        let top = UInt32(min(limit, 1 << 30))
        var largest: UInt32 = 0, disorder = 0
        var totals = (due: 0, done: 0, onTime: 0)
        for d in days {
            // A negative counter is a huge one as unsigned.
            largest = max(largest, UInt32(bitPattern: d.accepted), UInt32(bitPattern: d.due), UInt32(bitPattern: d.done),
                          UInt32(bitPattern: d.onTime), UInt32(bitPattern: d.rework), UInt32(bitPattern: d.returns),
                          UInt32(bitPattern: d.satisfied), UInt32(bitPattern: d.unsatisfied), UInt32(bitPattern: d.unreachable))
            disorder |= d.done > d.due || d.onTime > d.done ? 1 : 0
            totals.due &+= Int(d.due)
            totals.done &+= Int(d.done)
            totals.onTime &+= Int(d.onTime)
        }
        return largest <= top && disorder == 0 ? totals : nil
    }

    /// Sizes of the plain values a checkpoint stores, for its layout check.
    static var checkpointLayout: [Int] { [MemoryLayout<TicketFold>.stride, MemoryLayout<DayCounters>.stride] }
}

/// The range check of a projection's ticket states, run as they are read: unit ids name units
/// of the day table (or are -1), flags are 0 or 1, times are times a line can hold (`closedAt`
/// may be `.min`, "open"), a ticket counted somewhere is counted on a day its unit's counters
/// cover (one not counted has day 0 and no flags), and the tickets counted are summed, to be
/// compared with the totals of due, done and onTime. Without branches.
private struct TicketFoldCheck: CheckpointCheck {
    let limit: UInt32
    let firstDays: [Int32]
    let dayCounts: [UInt32]
    var largest: UInt32 = 0
    var bad: UInt8 = 0
    var due = 0, done = 0, onTime = 0

    init(units: Int, firstDays: [Int32], dayCounts: [UInt32]) {
        limit = UInt32(units)
        self.firstDays = firstDays
        self.dayCounts = dayCounts
    }

    private static let flags = [\TicketFold.countedDone, \TicketFold.countedOnTime, \TicketFold.included]
        .map { MemoryLayout<TicketFold>.offset(of: $0)! }

    mutating func visit(_ states: UnsafeBufferPointer<TicketFold>) {
        guard let base = states.baseAddress else { return }
        let (f0, f1, f2) = (Self.flags[0], Self.flags[1], Self.flags[2])
        let stride = MemoryLayout<TicketFold>.stride
        let raw = UnsafeRawPointer(base)
        let limit = self.limit
        // A time t is in range when earliest < t < latest, that is when t - (earliest + 1),
        // wrapped and read unsigned, is below the span: one comparison.
        let earliest = checkpointEarliestTime &+ 1
        let span = UInt64(bitPattern: checkpointLatestTime &- earliest)
        var (largest, bad, due, done, onTime) = (self.largest, self.bad, self.due, self.done, self.onTime)
        firstDays.withUnsafeBufferPointer { firstDays in
            dayCounts.withUnsafeBufferPointer { dayCounts in
                for i in 0..<states.count {
                    let p = raw + i * stride
                    let (doneFlag, onTimeFlag) = (p.load(fromByteOffset: f0, as: UInt8.self), p.load(fromByteOffset: f1, as: UInt8.self))
                    bad |= (doneFlag | onTimeFlag | p.load(fromByteOffset: f2, as: UInt8.self)) & 0xFE
                    let (unit, countedUnit, countedDay) = (states[i].unit, states[i].countedUnit, states[i].countedDay)
                    let (stateDue, closedAt) = (states[i].due, states[i].closedAt)
                    let shifted = UInt32(bitPattern: countedUnit &+ 1)
                    largest = max(largest, UInt32(bitPattern: unit &+ 1), shifted)
                    let k = Int(min(shifted, limit))
                    bad |= UInt32(bitPattern: countedDay &- firstDays[k]) >= dayCounts[k] ? 1 : 0
                    bad |= UInt64(bitPattern: stateDue &- earliest) < span ? 0 : 1
                    bad |= closedAt == .min || UInt64(bitPattern: closedAt &- earliest) < span ? 0 : 1
                    bad |= onTimeFlag > doneFlag ? 1 : 0
                    let counted = countedUnit >= 0 ? 1 : 0
                    bad |= counted == 0 && (doneFlag | onTimeFlag) != 0 ? 1 : 0
                    due &+= counted
                    done &+= counted & Int(doneFlag & 1)
                    onTime &+= counted & Int(onTimeFlag & 1)
                }
            }
        }
        (self.largest, self.bad, self.due, self.done, self.onTime) = (largest, bad, due, done, onTime)
    }

    mutating func merge(_ other: TicketFoldCheck) {
        largest = max(largest, other.largest)
        bad |= other.bad
        due += other.due
        done += other.done
        onTime += other.onTime
    }
}
