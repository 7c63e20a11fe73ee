@_spi(Replay) import Events

extension Projection {
    /// Writes the fold state (not the name tables: a replay's projections share its validator's).
    func write(to writer: inout CheckpointWriter) throws {
        writer.write(Int64(eventCount))
        try writer.write(plain: ticketState)
        writer.write(Int64(unitDays.count))
        for unit in unitDays {
            writer.write(unit.firstDay)
            try writer.write(array: unit.days)
        }
    }

    /// Reads the state written by ``write(to:)`` into a projection with `options` whose ids are
    /// those of the validator holding `tickets` and `units` (it gets their names at the end of
    /// the replay, see ``ReplayFold/finish()``; sharing them now would copy them on every append).
    init(options: ProjectionOptions, from reader: inout CheckpointReader, tickets: ByteInterner, units: ByteInterner) throws {
        self.init(options: options)
        eventCount = Int(try reader.read(Int64.self))
        ticketState = try reader.readPlainArray(TicketFold.self)
        let unitCount = try reader.read(Int64.self)
        guard ticketState.count <= tickets.count, unitCount >= 0, unitCount <= Int64(units.count) else {
            throw CheckpointError("damaged (projection)")
        }
        for _ in 0..<unitCount {
            var days = UnitDays()
            days.firstDay = try reader.read(Int32.self)
            days.days = try reader.readArray(DayCounters.self)
            unitDays.append(days)
        }
        // Unit ids index the day counters (which cover every unit a ticket was assigned to): each
        // must be one of them, or -1.
        let valid = ticketState.withUnsafeBufferPointer { states in
            var largest: UInt32 = 0
            for state in states {
                largest = max(largest, UInt32(bitPattern: state.unit &+ 1), UInt32(bitPattern: state.countedUnit &+ 1))
            }
            return largest <= UInt32(unitCount)
        }
        guard valid else { throw CheckpointError("damaged (projection)") }
    }

    /// Sizes of the plain values a checkpoint stores, for its layout check.
    static var checkpointLayout: [Int] { [MemoryLayout<TicketFold>.stride, MemoryLayout<DayCounters>.stride] }
}
