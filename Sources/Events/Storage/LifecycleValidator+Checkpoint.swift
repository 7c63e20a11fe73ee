#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The range check of a name table's slots: the largest id, the slots used, and whether a used
/// slot names id 0.
private struct SlotCheck: CheckpointCheck {
    var largest: UInt64 = 0, used = 0, unnamed = 0

    mutating func visit(_ slots: UnsafeBufferPointer<UInt64>) {
        var (largest, used, unnamed) = (self.largest, UInt64(self.used), UInt64(self.unnamed))
        for entry in slots {
            let id = entry & 0xFFFF_FFFF
            largest = max(largest, id)
            // Without branches (half the slots are empty, at random): the top bit of x | -x
            // is set exactly when x is not 0.
            let isUsed = (entry | (0 &- entry)) >> 63
            used &+= isUsed
            unnamed |= isUsed & ~((id | (0 &- id)) >> 63)
        }
        (self.largest, self.used, self.unnamed) = (largest, Int(used), Int(unnamed & 1))
    }

    mutating func merge(_ other: SlotCheck) {
        largest = max(largest, other.largest)
        used += other.used
        unnamed |= other.unnamed
    }
}

extension ByteInterner {
    /// Writes the table (keys, offsets and hash slots, so loading does no rehashing).
    package func write(to writer: inout CheckpointWriter) throws {
        try writer.write(plain: arena)
        try writer.write(plain: starts)
        try writer.write(plain: slots)
    }

    /// Reads a table written by ``write(to:)``, checking that its parts fit together: offsets
    /// ascend from 0 to the arena's end, and the slots hold each id once, so a probe always
    /// ends (at an empty slot) and never reaches outside the offsets.
    package init(from reader: inout CheckpointReader) throws {
        self.init(capacity: 1)
        arena = try reader.readPlainArray(UInt8.self)
        starts = try reader.readPlainArray(UInt32.self)
        var slotCheck = SlotCheck()
        slots = try reader.readPlainArray(checking: &slotCheck, mappable: false)
        let slotCount = slots.count
        guard starts.count >= 1, starts[0] == 0, Int(starts[starts.count - 1]) == arena.count, slotCount >= 16,
              slotCount & (slotCount - 1) == 0, count * 4 <= slotCount * 3
        else { throw CheckpointError("damaged (name table)") }
        // One pass, without branches (these tables are megabytes).
        let ordered = starts.withUnsafeBufferPointer { starts in
            var descents = 0
            for i in 1..<starts.count { descents &+= starts[i] < starts[i - 1] ? 1 : 0 }
            return descents == 0
        }
        // Every used slot names an id 1...count, and there are as many as keys: with the load
        // factor above, some slot is empty.
        let inRange = slotCheck.largest <= UInt64(count) && slotCheck.used == count && slotCheck.unnamed == 0
        guard ordered, inRange else { throw CheckpointError("damaged (name table)") }
        mask = slotCount - 1
    }
}

/// The range check of the validator's ticket states: unit ids name units (or are -1), flags
/// are 0 or 1, times are times a line can hold (or `.min`, "none"), the accepted line is 0, -1
/// or a line of the covered part. Without branches.
private struct StateCheck: CheckpointCheck {
    /// -1 ... count - 1 is 0 ... count once shifted by one, as unsigned: one comparison each.
    let limit: UInt32
    let lastLine: Int32
    var largest: UInt32 = 0
    var bad: UInt8 = 0
    /// The states with ``TicketLifecycle/hasSameTime``.
    var sameTime = 0

    init(units: Int, lines: Int) {
        limit = UInt32(units)
        lastLine = Int32(clamping: lines)
    }

    var passed: Bool { largest <= limit && bad == 0 }

    /// The bits of ``TicketLifecycle/flags`` that name no flag.
    private static let unusedFlags = ~(TicketLifecycle.closedFlag | TicketLifecycle.moreClosersFlag
                                       | TicketLifecycle.adjustmentFlag | TicketLifecycle.sameTimeFlag)

    mutating func visit(_ states: UnsafeBufferPointer<TicketLifecycle>) {
        guard states.baseAddress != nil else { return }
        let earliest = checkpointEarliestTime &+ 1
        let span = UInt64(bitPattern: checkpointLatestTime &- earliest)
        var (largest, bad, sameTime) = (self.largest, self.bad, self.sameTime)
        for i in 0..<states.count {
            let flags = states[i].flags
            sameTime &+= Int((flags & TicketLifecycle.sameTimeFlag) >> 3)
            largest = max(largest, UInt32(bitPattern: states[i].holder &+ 1), UInt32(bitPattern: states[i].closer0 &+ 1),
                          UInt32(bitPattern: states[i].closer1 &+ 1))
            bad |= flags & Self.unusedFlags
            let (due, lastAt, acceptedLine) = (states[i].due, states[i].lastAt, states[i].acceptedLine)
            bad |= due == .min || UInt64(bitPattern: due &- earliest) < span ? 0 : 1
            bad |= lastAt == .min || UInt64(bitPattern: lastAt &- earliest) < span ? 0 : 1
            bad |= acceptedLine < -1 || acceptedLine > lastLine ? 1 : 0
        }
        (self.largest, self.bad, self.sameTime) = (largest, bad, sameTime)
    }

    mutating func merge(_ other: StateCheck) {
        largest = max(largest, other.largest)
        bad |= other.bad
        sameTime += other.sameTime
    }
}

extension LifecycleValidator {
    /// Writes every ticket's life-cycle state and the name tables (their slots at the size their
    /// keys need: a table sized in advance, see ``reserve(for:)``, is not saved larger).
    package func write(to writer: inout CheckpointWriter) throws {
        try tickets.compacted().write(to: &writer)
        try units.compacted().write(to: &writer)
        try writer.write(plain: states)
        try writer.write(array: [keySeed])
        let keys = moreClosers.keys.sorted()
        try writer.write(array: keys)
        try writer.write(array: keys.map { Int32(moreClosers[$0]!.count) })
        try writer.write(array: keys.flatMap { moreClosers[$0]! })
        // The events at one time: for each ticket, the first's key and the latest's line; then
        // the events between, by key, so that the same state makes the same bytes.
        let tickets = sameTime.keys.sorted()
        try writer.write(array: tickets)
        try writer.write(array: tickets.map { sameTime[$0]!.firstKey })
        try writer.write(array: tickets.map { sameTime[$0]!.latestLine })
        let between = tickets.map { (sameTime[$0]!.between ?? [:]).sorted { $0.key < $1.key } }
        try writer.write(array: between.map { Int32($0.count) })
        try writer.write(array: between.flatMap { $0.map(\.key) })
        try writer.write(array: between.flatMap { $0.map(\.value) })
    }

    /// Reads a validator written by ``write(to:)``, range-checking every value it holds.
    /// - Parameter lines: The lines the checkpoint covers (a ticket's accepted line is one of them).
    package init(from reader: inout CheckpointReader, lines: Int) throws {
        self.init()
        tickets = try ByteInterner(from: &reader)
        units = try ByteInterner(from: &reader)
        var stateCheck = StateCheck(units: units.count, lines: lines)
        states = try reader.readPlainArray(checking: &stateCheck)
        guard states.count == tickets.count else { throw CheckpointError("damaged (ticket states)") }
        // The seed the keys in the states were made with: any value is one.
        let seed = try reader.readArray(UInt64.self)
        guard seed.count == 1 else { throw CheckpointError("damaged (key seed)") }
        keySeed = seed[0]
        let keys = try reader.readArray(Int32.self)
        let counts = try reader.readArray(Int32.self)
        let values = try reader.readArray(Int32.self)
        let (ticketCount, unitCount) = (Int32(tickets.count), Int32(units.count))
        guard keys.count == counts.count, counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, { $0 + Int($1) }) == values.count,
              keys.allSatisfy({ $0 >= 0 && $0 < ticketCount }), values.allSatisfy({ $0 >= 0 && $0 < unitCount })
        else {
            throw CheckpointError("damaged (closers)")
        }
        var start = 0
        for (key, n) in zip(keys, counts) {
            moreClosers[key] = Array(values[start..<(start + Int(n))])
            start += Int(n)
        }
        guard stateCheck.passed else { throw CheckpointError("damaged (ticket states)") }
        // The events at a ticket's latest time: for exactly the tickets whose state says so, keys
        // of 48 bits, distinct within a ticket (the latest's in its state), lines of the covered part.
        let runTickets = try reader.readArray(Int32.self)
        let firstKeys = try reader.readArray(UInt64.self)
        let latestLines = try reader.readArray(Int32.self)
        let betweenCounts = try reader.readArray(Int32.self)
        let betweenKeys = try reader.readArray(UInt64.self)
        let betweenLines = try reader.readArray(Int32.self)
        func isLine(_ line: Int32) -> Bool { line >= 0 && Int(line) <= lines }
        guard runTickets.count == stateCheck.sameTime, firstKeys.count == runTickets.count, latestLines.count == runTickets.count,
              betweenCounts.count == runTickets.count, betweenCounts.allSatisfy({ $0 >= 0 }),
              betweenCounts.reduce(0, { $0 + Int($1) }) == betweenKeys.count, betweenLines.count == betweenKeys.count,
              firstKeys.allSatisfy({ $0 >> 48 == 0 }), betweenKeys.allSatisfy({ $0 >> 48 == 0 }),
              latestLines.allSatisfy(isLine), betweenLines.allSatisfy(isLine),
              runTickets.allSatisfy({ $0 >= 0 && $0 < ticketCount && states[Int($0)].hasSameTime })
        else {
            throw CheckpointError("damaged (events at one time)")
        }
        sameTime.reserveCapacity(runTickets.count)
        start = 0
        for (i, ticket) in runTickets.enumerated() {
            let range = start..<(start + Int(betweenCounts[i]))
            // Most tickets have two events at their latest time: none between.
            let between = range.isEmpty ? nil : Dictionary(zip(betweenKeys[range], betweenLines[range]), uniquingKeysWith: { first, _ in first })
            let latestKey = states[Int(ticket)].lastKey
            guard (between?.count ?? 0) == range.count, firstKeys[i] != latestKey, between?[firstKeys[i]] == nil, between?[latestKey] == nil,
                  sameTime.updateValue(SameTimeEvents(firstKey: firstKeys[i], latestLine: latestLines[i], between: between),
                                       forKey: ticket) == nil
            else {
                throw CheckpointError("damaged (events at one time)")
            }
            start = range.upperBound
        }
    }

    /// Sizes of the plain values a checkpoint stores, for its layout check.
    package static var checkpointLayout: [Int] { [MemoryLayout<TicketLifecycle>.stride, MemoryLayout<UInt64>.size] }
}
