import Events

/// What the fold remembers about one ticket: its live assignment and the counts it adds.
///
/// This is the one per-ticket counting core. ``apply(_:unit:at:due:by:rating:)`` holds the
/// rules for what an event does to a ticket and what it counts on its own unit and day;
/// ``placement(_:)`` says where the ticket's due/done/onTime count. The table
/// (``Projection``, both its event-at-a-time and block folds), the bulletin
/// (``BulletinFold``) and explain (``Explainer``) all keep one `TicketFold` per ticket and
/// read it through these two functions; only the `counted…` fields are the table's own (where
/// its day counters have the ticket now, so that it can move it).
struct TicketFold: Sendable {
    // Fields ordered widest first: 32 bytes a ticket (the checkpoint stores this layout).
    /// The live deadline, nanoseconds.
    var due: Int64 = 0
    /// The last closure not followed by rework, nanoseconds; `.min` while open.
    var closedAt: Int64 = .min
    /// The unit holding the live assignment, or -1 (unassigned or declined).
    var unit: Int32 = -1
    /// Where this ticket's due/done/onTime currently count in a ``Projection``'s day counters:
    /// unit (-1 none), day and flags (the last ``placement(_:)`` counted).
    var countedUnit: Int32 = -1
    var countedDay: Int32 = 0
    var countedDone = false
    var countedOnTime = false
    /// The ticket's accepted event was seen and its channel passes the filter.
    var included = false

    var isClosed: Bool { closedAt != .min }
    /// Closed at or before the live deadline.
    var isDoneOnTime: Bool { closedAt != .min && closedAt <= due }

    /// What one event counts on the event's own unit and local day (the event counters of
    /// ``UnitCounts``: accepted, rework, returns and the callbacks).
    enum EventCount: UInt8, Sendable {
        case none, accepted, rework, returns, satisfied, unsatisfied, unreachable
    }

    /// The counting rules for one event (not `accepted`) of an included ticket.
    ///
    /// - `assigned`: the unit holds the ticket, with the event's deadline, open; counts
    ///   `accepted`.
    /// - `extended`: a new deadline.
    /// - `closed`: closed at the event's time.
    /// - `returned` by the centre (rework): reopened, with the event's deadline if it has one;
    ///   counts `rework`. By the unit (a decline): no unit holds it; counts `returns`.
    /// - `callback-rated`: counts its rating (`unreachable` without one); no state change.
    /// - `supervised`, `supervision-answered`, `adjusted`: nothing here (the bulletin's fold
    ///   keeps supervisions itself).
    /// - Parameters:
    ///   - unit: The event's unit id (the caller's ids; any `Int32` ≥ 0).
    ///   - due: The event's deadline, or `.min`.
    /// - Returns: What the event counts, and whether the state changed (then the ticket's
    ///   ``placement(_:)`` may have moved).
    @inline(__always)
    mutating func apply(_ kind: EventKind, unit: Int32, at: Int64, due: Int64, by: ReturnParty?,
                        rating: Rating?) -> (count: EventCount, changed: Bool) {
        switch kind {
        case .accepted, .supervised, .supervisionAnswered, .adjusted:
            return (.none, false)
        case .assigned:
            self.unit = unit
            self.due = due == .min ? 0 : due
            closedAt = .min
            return (.accepted, true)
        case .extended:
            if due != .min { self.due = due }
            return (.none, true)
        case .closed:
            closedAt = at
            return (.none, true)
        case .returned:
            if by == .center {
                closedAt = .min
                if due != .min { self.due = due }
                return (.rework, true)
            }
            self.unit = -1
            return (.returns, true)
        case .callbackRated:
            switch rating {
            case .satisfied: return (.satisfied, false)
            case .unsatisfied: return (.unsatisfied, false)
            case .unreachable, nil: return (.unreachable, false)
            }
        }
    }

    /// Where the ticket counts as due: the unit holding it, the local day of its deadline (or
    /// of its closure, under closure attribution, once closed), whether it is done and done on
    /// time. `unit` is -1 (and the rest zero) when no unit holds it.
    struct Placement: Sendable, Equatable {
        var unit: Int32 = -1
        var day: Int32 = 0
        var done = false
        var onTime = false
    }

    /// How a fold places tickets (``placement(_:)``): the local days, the attribution, and the
    /// instant a table is as of.
    struct PlacementRule: Sendable {
        /// The UTC offset of the local days.
        var offset: Int32
        /// Whether a closed ticket counts on the day of its closure (else its deadline's).
        var byClosure: Bool
        /// The as-of instant in nanoseconds (`.max`: none). An open ticket whose deadline is
        /// later has not come due by then: it is not due, done or overdue in a table as of it.
        var asOf: Int64
    }

    /// Where the ticket's due/done/onTime count now (see ``Placement``): nowhere while no unit
    /// holds it, or while it is open and its deadline is after the rule's as-of instant.
    @inline(__always)
    func placement(_ rule: PlacementRule) -> Placement {
        guard unit >= 0 else { return Placement() }
        let done = isClosed
        guard done || due <= rule.asOf else { return Placement() }
        let anchor = rule.byClosure && done ? closedAt : due
        return Placement(unit: unit, day: Timestamp(nanoseconds: anchor).day(atOffset: rule.offset), done: done,
                         onTime: done && closedAt <= due)
    }

    /// Whether a unit holds the ticket, open, with a deadline after `asOf` (nanoseconds): not due
    /// yet at that instant, so ``placement(_:)`` leaves it out.
    func isPending(asOf: Int64) -> Bool { unit >= 0 && !isClosed && due > asOf }

    /// The placement a ``Projection``'s day counters hold the ticket at.
    var counted: Placement {
        get { Placement(unit: countedUnit, day: countedDay, done: countedDone, onTime: countedOnTime) }
        set {
            countedUnit = newValue.unit
            countedDay = newValue.day
            countedDone = newValue.done
            countedOnTime = newValue.onTime
        }
    }
}
