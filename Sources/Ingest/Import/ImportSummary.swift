import Events

/// What an import read, made and wrote.
public struct ImportSummary: Sendable, Equatable {
    /// The export's shape.
    public var shape: ImportMapping.Shape
    /// The encoding the export was read in.
    public var encoding: ExportEncoding = .utf8
    /// Rows after the header (blank rows included).
    public var rowsRead = 0
    /// Blank rows (ignored).
    public var blankRows = 0
    /// Rows whose action the mapping says to skip.
    public var skippedRows = 0
    /// Events the rows make (before looking at the log).
    public var eventsMade = 0
    /// Distinct tickets in the export.
    public var tickets = 0
    /// Events the same in every field, time included, as an earlier one of their ticket: a row
    /// exported twice, imported once.
    public var repeatedRows = 0
    /// Events of the type and unit of an earlier event of their ticket at the same time, from
    /// another row, with no change of the ticket between, that differ in another field (a rating,
    /// the time entered): events of their own, but what a row exported twice with an edit looks like.
    public var nearCopies = 0
    /// The first few near copies: the row and the row of the earlier event.
    public var nearCopyRows: [NearCopy] = []
    /// Events whose id the log already holds (not written again).
    public var alreadyPresent = 0
    /// New events: appended, written to the output, or (dry run) that would be.
    public var newEvents = 0
    /// Tickets with at least one new event.
    public var ticketsWithNewEvents = 0
    /// Rows rejected (every row of a ticket that has a bad row, and rows without a ticket).
    public var rejectedRows = 0
    /// Tickets rejected.
    public var rejectedTickets = 0
    /// Bad rows by kind.
    public var problemsByKind: [RowProblem.Kind: Int] = [:]
    /// Ticket rows: reworks counted by the reworks column, which carries no times (not imported).
    public var reworksNotImported = 0
    /// Ticket rows: tickets with a non-zero reworks count.
    public var ticketsWithReworks = 0
    /// Ticket rows: declines (退单) counted by the declines column (not imported).
    public var declinesNotImported = 0
    /// Ticket rows: extensions imported at the assignment's time (a ticket row has no time for them).
    public var extensionsAtAssignmentTime = 0
    /// Events written (appended or written to the output file); 0 for a dry run or a rejected import.
    public var written = 0

    public init(shape: ImportMapping.Shape) { self.shape = shape }

    /// A near copy (see ``nearCopies``): its row, and the row of the event it resembles.
    public struct NearCopy: Sendable, Equatable {
        public var row: Int
        public var earlierRow: Int
    }

    /// How many near copies ``nearCopyRows`` keeps.
    static let nearCopyRowLimit = 3

    mutating func noteNearCopy(row: Int, of earlierRow: Int) {
        nearCopies += 1
        if nearCopyRows.count < Self.nearCopyRowLimit { nearCopyRows.append(NearCopy(row: row, earlierRow: earlierRow)) }
    }

    /// The lines of the summary the CLI prints.
    public func lines() -> [String] {
        var out: [String] = []
        let (g, n) = (groupedThousands, counted)
        var read = "\(n(rowsRead, "row")) read (\(shape == .actions ? "action rows" : "ticket rows"), \(encoding.rawValue))"
        var notes: [String] = []
        if blankRows > 0 { notes.append("\(g(blankRows)) blank") }
        if skippedRows > 0 { notes.append("\(g(skippedRows)) with actions mapped to skip") }
        if !notes.isEmpty { read += ": " + notes.joined(separator: ", ") }
        out.append(read)
        // Made = copies + already in the log + new + those of rejected tickets.
        let copies = repeatedRows > 0 ? "\(g(repeatedRows)) \(repeatedRows == 1 ? "copy" : "copies") of an earlier event of the ticket "
            + "(every field the same, time included: a row exported twice, taken once), " : ""
        out.append("\(n(eventsMade, "event")) made for \(n(tickets, "ticket")); \(copies)\(g(alreadyPresent)) already in the log, "
                   + "\(g(newEvents)) new on \(n(ticketsWithNewEvents, "ticket"))")
        if nearCopies > 0 {
            let rows = nearCopyRows.map { "row \(g($0.row)), like row \(g($0.earlierRow))" }.joined(separator: "; ")
            let more = nearCopies > nearCopyRows.count ? "; …" : ""
            let one = nearCopies == 1
            out.append("warning: \(n(nearCopies, "event")) \(one ? "has" : "have") the type, unit and time of an earlier event of "
                       + "\(one ? "its" : "their") ticket but other values (\(rows)\(more)): imported as \(one ? "an event" : "events") "
                       + "of \(one ? "its" : "their") own; a row exported twice and edited in between would count twice")
        }
        if rejectedRows > 0 || !problemsByKind.isEmpty {
            let kinds = problemsByKind.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(g($0.value))" }.joined(separator: ", ")
            out.append("rejected: \(n(rejectedRows, "row")), \(n(rejectedTickets, "ticket")) (\(kinds))")
        } else {
            out.append("rejected: none")
        }
        if shape == .tickets {
            out.append("not in a ticket row: \(n(reworksNotImported, "rework")) on \(n(ticketsWithReworks, "ticket")) (no times; not imported), "
                       + "\(n(declinesNotImported, "decline")) (not imported), earlier closures and callbacks (only the last is exported); "
                       + "\(n(extensionsAtAssignmentTime, "extension")) dated at their assignment")
        }
        return out
    }
}
