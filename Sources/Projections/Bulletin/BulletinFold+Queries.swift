import Events

extension BulletinFold {
    /// The bulletin counts of every unit with any in the period.
    public func counts(period: Period) -> [String: BulletinCounts] {
        var byUnit: [Int32: BulletinCounts] = [:]
        let asOf = options.placementRule.asOf
        for record in records where record.fold.included && record.fold.unit >= 0 {
            guard period.contains(day: day(record.assignedAt)) else { continue }
            byUnit[record.fold.unit, default: BulletinCounts()].assigned += 1
            if record.fold.isDoneOnTime { byUnit[record.fold.unit, default: BulletinCounts()].onTimeDone += 1 }
            if record.fold.isPending(asOf: asOf) { byUnit[record.fold.unit, default: BulletinCounts()].pending += 1 }
        }
        for mark in marks where period.contains(day: mark.day) {
            switch mark.kind {
            case .notContacted: byUnit[mark.unit, default: BulletinCounts()].notContacted += 1
            case .phoneSupervised: byUnit[mark.unit, default: BulletinCounts()].phoneSupervised += 1
            case .phoneAnswered: byUnit[mark.unit, default: BulletinCounts()].phoneAnswered += 1
            case .writtenSupervised: byUnit[mark.unit, default: BulletinCounts()].writtenSupervised += 1
            case .writtenAnswered: byUnit[mark.unit, default: BulletinCounts()].writtenAnswered += 1
            case .assigned, .rework, .unitReturn, .extended, .lateExtension: break
            }
        }
        return Dictionary(uniqueKeysWithValues: byUnit.map { (units.string($0.key), $0.value) })
    }

    /// Per unit, the tickets due in the period (by the options' attribution, as ``Projection``
    /// counts `due`) that were not closed on time: closed late, or still open past the deadline
    /// (an open ticket whose deadline is after the as-of instant is not due yet). Each list is
    /// sorted by deadline; the lists add up to the units' `overdue`.
    /// - Parameters:
    ///   - period: The period the tickets are due (or assigned) in.
    ///   - byAssignment: Take the tickets assigned in the period instead (the Xiangtan
    ///     逾期数); the lists then add up to ``BulletinCounts/overdue``.
    public func overdueTickets(period: Period, byAssignment: Bool = false) -> [String: [TicketStatus]] {
        var byUnit: [String: [TicketStatus]] = [:]
        let rule = options.placementRule
        for (index, record) in records.enumerated() where record.fold.included && record.fold.unit >= 0 {
            let placement = record.fold.placement(rule)
            guard placement.unit >= 0 else { continue }
            let day = byAssignment ? day(record.assignedAt) : placement.day
            guard period.contains(day: day), !placement.onTime else { continue }
            var ticket = status(index, record, times: 1)
            ticket.centreReturned = record.firstExcusingReturnDay < period.endDay
            byUnit[units.string(placement.unit), default: []].append(ticket)
        }
        return byUnit.mapValues { $0.sorted { ($0.deadline, $0.ticket) < ($1.deadline, $1.ticket) } }
    }

    /// Per unit, the tickets sent back for rework (返工) in the period, with how many times;
    /// the times add up to the units' `rework`. Sorted by ticket id.
    public func reworkedTickets(period: Period) -> [String: [TicketStatus]] {
        var times: [Int32: [Int32: Int]] = [:]
        for mark in marks where mark.kind == .rework && period.contains(day: mark.day) {
            times[mark.unit, default: [:]][mark.ticket, default: 0] += 1
        }
        var byUnit: [String: [TicketStatus]] = [:]
        for (unit, tickets) in times {
            byUnit[units.string(unit)] = tickets.map { status(Int($0.key), records[Int($0.key)], times: $0.value) }
                .sorted { $0.ticket < $1.ticket }
        }
        return byUnit
    }

    /// The tickets returned by a unit (退单) in the period, by their number of returns to date.
    public func returnsHistogram(period: Period) -> ReturnsHistogram {
        var toDate: [Int32: Int] = [:]
        var inPeriod = Set<Int32>()
        var histogram = ReturnsHistogram()
        for mark in marks where mark.kind == .unitReturn && mark.day < period.endDay {
            toDate[mark.ticket, default: 0] += 1
            if mark.day >= period.startDay {
                inPeriod.insert(mark.ticket)
                histogram.returns += 1
            }
        }
        for ticket in inPeriod { histogram.tickets[min(toDate[ticket]!, 5) - 1] += 1 }
        return histogram
    }

    /// The categories of the tickets assigned (交办) in the period, each ticket once, most
    /// frequent first; tickets without one count as `未分类`.
    public func categories(period: Period) -> [LabelCount] { labelCounts(period: period, \.category) }

    /// The topics of the tickets assigned in the period, as ``categories(period:)``.
    public func topics(period: Period) -> [LabelCount] { labelCounts(period: period, \.topic) }

    /// The tickets assigned in the period (each once, however often reassigned).
    public func assignedTicketCount(period: Period) -> Int { assignedTickets(period: period).count }

    /// The manual `adjusted` entries that happened in the period, in log order.
    public func adjustments(period: Period) -> [Adjustment] {
        adjustments.filter { period.contains(day: $0.at?.day(atOffset: options.utcOffsetSeconds) ?? .min) }
    }

    // MARK: Helpers

    func assignedTicketSet(period: Period) -> Set<Int32> { assignedTickets(period: period) }

    private func assignedTickets(period: Period) -> Set<Int32> {
        var result = Set<Int32>()
        for mark in marks where mark.kind == .assigned && period.contains(day: mark.day) { result.insert(mark.ticket) }
        return result
    }

    private func labelCounts(period: Period, _ key: KeyPath<TicketRecord, Int32>) -> [LabelCount] {
        var counts: [Int32: Int] = [:]
        for ticket in assignedTickets(period: period) { counts[records[Int(ticket)][keyPath: key], default: 0] += 1 }
        return counts.map { LabelCount(label: $0.key >= 0 ? labels.string($0.key) : "未分类", count: $0.value) }
            .sorted { ($1.count, $0.label) < ($0.count, $1.label) }
    }

    private func status(_ index: Int, _ record: TicketRecord, times: Int) -> TicketStatus {
        TicketStatus(ticket: tickets.string(Int32(index)), deadline: Timestamp(nanoseconds: record.fold.due),
                     closedAt: record.fold.isClosed ? Timestamp(nanoseconds: record.fold.closedAt) : nil, times: times)
    }

    private func day(_ nanoseconds: Int64) -> Int32 {
        Timestamp(nanoseconds: nanoseconds).day(atOffset: options.utcOffsetSeconds)
    }
}
