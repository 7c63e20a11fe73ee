import Events

/// One event to be, kept compact (the rows must all be held to sort each ticket's actions).
struct PendingEvent {
    var at: Int64
    var due: Int64 = .min
    var recorded: Int64 = .min
    var ticket: Int32
    var row: Int32
    var unit: Int32 = -1
    /// accepted: channel; returned, extended: reason; closed: reply.
    var text1: Int32 = -1
    /// accepted: category.
    var text2: Int32 = -1
    /// accepted: topic.
    var text3: Int32 = -1
    var ratingText: Int32 = -1
    var action: ImportMapping.Action
    var rating: Rating = .satisfied
    /// Order among events of one ticket row made at the same time.
    var seq: UInt8 = 0

    /// A ticket row's reworks and declines, kept in its `accepted` event's `due` (which an
    /// `accepted` event has not), so that the summary can take a copied row's back out.
    static func rowCounts(reworks: Int, declines: Int) -> Int64 {
        Int64(min(reworks, Int(Int32.max))) << 32 | Int64(min(declines, Int(Int32.max)))
    }

    static func rowCounts(_ due: Int64) -> (reworks: Int, declines: Int) {
        (Int(due >> 32), Int(due & 0xFFFF_FFFF))
    }

    /// What the event says: every field but the row it came from and its order in the row.
    struct Content: Hashable {
        var at, due, recorded: Int64
        var ticket, unit, text1, text2, text3, ratingText: Int32
        var action: ImportMapping.Action
        var rating: Rating
    }

    var content: Content {
        Content(at: at, due: due, recorded: recorded, ticket: ticket, unit: unit, text1: text1, text2: text2, text3: text3,
                ratingText: ratingText, action: action, rating: rating)
    }
}

/// The work of one import.
struct ImportState {
    let mapping: ImportMapping
    let problemLimit: Int
    /// The longest log line an event may make (see ``Importer/maxLineBytes``).
    var maxLineBytes = LogInput.defaultMaxLineBytes
    var summary: ImportSummary
    var tickets = ByteInterner(capacity: 1 << 14)
    var texts = ByteInterner(capacity: 1 << 12)
    var events: [PendingEvent] = []
    /// How many events are kept in memory before they go to ``spill`` (~56 bytes each).
    var spillThreshold = Importer.defaultSpillThreshold
    /// The events written to disk, once there were more than ``spillThreshold``.
    var spill: EventSpill?
    var spillTicketsPerPartition = EventSpill.defaultTicketsPerPartition
    var problems: [RowProblem] = []
    var problemCount = 0
    /// Tickets with a bad row (indexes into `tickets`).
    var badTickets: [Bool] = []
    /// Every bad row (with or without a ticket).
    var problemRows: [Int32] = []
    /// Rows of rejected tickets (filled by makeEvents).
    var rejectedRows: [Int32] = []
    var header: [String] = []
    var column: [String: Int] = [:]
    /// The mapping's words by bytes: actions; ratings with the interned word (for `ratingText`);
    /// channels with the interned channel.
    var actionWords = WordTable<ImportMapping.Action>()
    var ratingWords = WordTable<(Rating, Int32)>()
    var channelWords = WordTable<Int32>()

    init(mapping: ImportMapping, problemLimit: Int) {
        self.mapping = mapping
        self.problemLimit = problemLimit
        summary = ImportSummary(shape: mapping.shape)
        // The mapping's words first, then the wire names (as `mapping.actions[word] ?? Action(rawValue: word)`).
        for (word, action) in mapping.actions { actionWords.add(word, action) }
        for action in ImportMapping.Action.allCases { actionWords.add(action.rawValue, action) }
        for (word, rating) in mapping.ratings { ratingWords.add(word, (rating, texts.intern(word))) }
        for rating in Rating.allCases { ratingWords.add(rating.rawValue, (rating, texts.intern(rating.rawValue))) }
        for (word, channel) in mapping.channels { channelWords.add(word, texts.intern(channel)) }
        for channel in mapping.channels.values { channelWords.add(channel, texts.intern(channel)) }
    }

    mutating func record(_ problem: RowProblem, ticket: Int32?) {
        problemCount += 1
        summary.problemsByKind[problem.kind, default: 0] += 1
        if problems.count < problemLimit { problems.append(problem) }
        problemRows.append(Int32(problem.row))
        if let ticket {
            if Int(ticket) >= badTickets.count { badTickets += repeatElement(false, count: Int(ticket) + 1 - badTickets.count) }
            badTickets[Int(ticket)] = true
        }
    }

    func sortedProblems() -> [RowProblem] {
        problems.sorted { ($0.row, $0.kind) < ($1.row, $1.kind) }
    }

    func rejectedRowNumbers() -> [Int32] {
        Array(Set(problemRows + rejectedRows)).sorted()
    }

    // MARK: - Reading

    mutating func readAll(_ csv: CSVReader, export: String, progress: (@Sendable (Int) -> Void)?) throws(ImportError) {
        guard try csv.next() else { throw .noRows(path: export, headerOnly: false) }
        header = (0..<csv.fields.count).map { csv.string($0) }
        for (i, name) in header.enumerated() where !name.isEmpty {
            if column[name] == nil { column[name] = i }
        }
        let roles = mapping.shape == .actions ? ImportMapping.actionRoles : ImportMapping.ticketRoles
        var index: [String: Int] = [:]
        for role in roles {
            guard let name = mapping.columns[role], !name.isEmpty else { continue }
            guard let i = column[name] else {
                throw .unreadable(RowProblem(row: 1, column: name, kind: .missingColumn,
                                             message: "the header has no such column (the mapping's '\(role)'); the header has: \(header.joined(separator: ", "))"))
            }
            if header.filter({ $0 == name }).count > 1 {
                throw .unreadable(RowProblem(row: 1, column: name, kind: .missingColumn, message: "the header has this column twice (the mapping's '\(role)')"))
            }
            index[role] = i
        }
        let columns = Columns(index: index)
        var rows = 0
        while try csv.next() {
            rows += 1
            if rows & 0xFFFF == 0 { progress?(rows) }
            summary.rowsRead += 1
            if csv.isBlank { summary.blankRows += 1; continue }
            let row = Int32(csv.recordNumber)
            let ticket: Int32? = columns.ticket < csv.fields.count && !csv.isEmpty(columns.ticket)
                ? csv.withCell(columns.ticket) { tickets.intern($0) } : nil
            if csv.fields.count != header.count {
                record(RowProblem(row: Int(row), column: nil, kind: .cellCount,
                                  message: "the row has \(csv.fields.count) cells, the header \(header.count)"), ticket: ticket)
                continue
            }
            guard let ticket else {
                record(RowProblem(row: Int(row), column: header[columns.ticket], kind: .emptyCell, message: "the ticket number is empty"), ticket: nil)
                continue
            }
            do {
                if mapping.shape == .actions {
                    try readActionRow(csv, row: row, ticket: ticket, columns)
                } else {
                    try readTicketRow(csv, row: row, ticket: ticket, columns)
                }
            } catch {
                record(error, ticket: ticket)
            }
            if events.count >= spillThreshold {
                if spill == nil { spill = try EventSpill(ticketsPerPartition: spillTicketsPerPartition) }
                try spill!.write(&events)
            }
        }
        if summary.rowsRead == 0 { throw .noRows(path: export, headerOnly: true) }
        if rows >= 0x10000 { progress?(rows) }
        summary.tickets = tickets.count
    }

    /// Column indexes by role (-1: not mapped).
    struct Columns {
        var ticket, time, action, unit, due, rating, channel, category, topic, reason, reply, recorded: Int
        var accepted, assigned, extendedDue, closed, callback, reworks, declines: Int
        init(index: [String: Int]) {
            func c(_ role: String) -> Int { index[role] ?? -1 }
            ticket = c("ticket"); time = c("time"); action = c("action"); unit = c("unit"); due = c("due")
            rating = c("rating"); channel = c("channel"); category = c("category"); topic = c("topic")
            reason = c("reason"); reply = c("reply"); recorded = c("recorded")
            accepted = c("accepted"); assigned = c("assigned"); extendedDue = c("extendedDue"); closed = c("closed")
            callback = c("callback"); reworks = c("reworks"); declines = c("declines")
        }
    }

    private func present(_ csv: CSVReader, _ index: Int) -> Bool { index >= 0 && !csv.isEmpty(index) }

    private func time(_ csv: CSVReader, _ index: Int, row: Int32, dateOnly: ExportTime.DateOnly = .refuse) throws(RowProblem) -> Int64 {
        let offset = mapping.offsetSeconds
        if let t = csv.withField(index, { ExportTime.parse(bytes: $0, offsetSeconds: offset, dateOnly: dateOnly) }) { return t.nanoseconds }
        let text = csv.string(index)
        throw RowProblem(row: Int(row), column: header[index], kind: .badTime,
                         message: ExportTime.unsupportedReason(text).map { "cannot read \"\(text)\" as a date-time: \($0)" }
                            ?? "cannot read \"\(text)\" as a date-time (forms: 2024/2/3 9:15, 2024-02-03 09:15:00)")
    }

    private mutating func text(_ csv: CSVReader, _ index: Int) -> Int32 {
        guard present(csv, index) else { return -1 }
        return csv.withCell(index) { texts.intern($0) }
    }

    private mutating func required(_ csv: CSVReader, _ index: Int, role: String, row: Int32, for what: @autoclosure () -> String) throws(RowProblem) -> Int32 {
        guard index >= 0 else {
            throw RowProblem(row: Int(row), column: nil, kind: .emptyCell, message: "\(what()) needs the '\(role)' column, which the mapping does not name")
        }
        guard present(csv, index) else {
            throw RowProblem(row: Int(row), column: header[index], kind: .emptyCell, message: "empty, but \(what()) needs it")
        }
        return csv.withCell(index) { texts.intern($0) }
    }

    private mutating func channel(_ csv: CSVReader, _ index: Int, row: Int32) throws(RowProblem) -> Int32 {
        guard present(csv, index) else { return -1 }
        if let i = csv.withCell(index, { channelWords.index(of: $0) }) { return channelWords.value(at: i) }
        let word = csv.string(index)
        throw RowProblem(row: Int(row), column: header[index], kind: .unknownChannel,
                         message: "unknown channel \"\(word)\" (the mapping's channels: \(mapping.channels.keys.sorted().joined(separator: ", ")))")
    }

    private mutating func rating(_ csv: CSVReader, _ index: Int, row: Int32, event: inout PendingEvent) throws(RowProblem) {
        guard index >= 0, present(csv, index) else {
            throw RowProblem(row: Int(row), column: index >= 0 ? header[index] : nil, kind: .emptyCell, message: "empty, but a callback needs a rating")
        }
        guard let i = csv.withCell(index, { ratingWords.index(of: $0) }) else {
            let word = csv.string(index)
            throw RowProblem(row: Int(row), column: header[index], kind: .unknownRating,
                             message: "unknown rating \"\(word)\" (the mapping's ratings: \(mapping.ratings.keys.sorted().joined(separator: ", ")))")
        }
        let (rating, word) = ratingWords.value(at: i)
        event.rating = rating
        if mapping.ratingTextField != nil { event.ratingText = word }
    }

    private mutating func readActionRow(_ csv: CSVReader, row: Int32, ticket: Int32, _ c: Columns) throws(RowProblem) {
        guard present(csv, c.time) else {
            throw RowProblem(row: Int(row), column: header[c.time], kind: .emptyCell, message: "empty; every action needs its time")
        }
        guard present(csv, c.action) else {
            throw RowProblem(row: Int(row), column: header[c.action], kind: .emptyCell, message: "empty; the row needs an action")
        }
        guard let actionIndex = csv.withCell(c.action, { actionWords.index(of: $0) }) else {
            let word = csv.string(c.action)
            throw RowProblem(row: Int(row), column: header[c.action], kind: .unknownAction,
                             message: "unknown action \"\(word)\" (the mapping's actions: \(mapping.actions.keys.sorted().joined(separator: ", ")); map it, or to \"skip\")")
        }
        let action = actionWords.value(at: actionIndex)
        if action == .skip { summary.skippedRows += 1; return }
        var event = PendingEvent(at: try time(csv, c.time, row: row), ticket: ticket, row: row, action: action)
        // With a recorded column, an empty cell means "known when it happened" (the wire format's
        // absent `recorded`), written out so that append does not stamp the import's time.
        if c.recorded >= 0 { event.recorded = present(csv, c.recorded) ? try time(csv, c.recorded, row: row) : event.at }
        // Made only for a message.
        func what() -> String { "a '\(csv.string(c.action))' row (\(action.rawValue))" }
        switch action {
        case .accepted:
            event.text1 = try channel(csv, c.channel, row: row)
            event.text2 = text(csv, c.category)
            event.text3 = text(csv, c.topic)
        case .assigned, .extended:
            event.unit = try required(csv, c.unit, role: "unit", row: row, for: what())
            guard c.due >= 0, present(csv, c.due) else {
                throw RowProblem(row: Int(row), column: c.due >= 0 ? header[c.due] : nil, kind: .emptyCell, message: "empty, but \(what()) needs a deadline")
            }
            event.due = try time(csv, c.due, row: row, dateOnly: mapping.dueDateOnly)
            if action == .extended { event.text1 = text(csv, c.reason) }
        case .returnedByCenter, .returnedByUnit:
            event.unit = try required(csv, c.unit, role: "unit", row: row, for: what())
            event.text1 = text(csv, c.reason)
        case .closed:
            event.unit = try required(csv, c.unit, role: "unit", row: row, for: what())
            event.text1 = text(csv, c.reply)
        case .callbackRated:
            event.unit = try required(csv, c.unit, role: "unit", row: row, for: what())
            try rating(csv, c.rating, row: row, event: &event)
        case .skip:
            break
        }
        events.append(event)
    }

    private func count(_ csv: CSVReader, _ index: Int, row: Int32) throws(RowProblem) -> Int {
        guard present(csv, index) else { return 0 }
        let text = csv.string(index)
        guard let n = Int(text), n >= 0 else {
            throw RowProblem(row: Int(row), column: header[index], kind: .badNumber, message: "\"\(text)\" is not a count")
        }
        return n
    }

    private mutating func readTicketRow(_ csv: CSVReader, row: Int32, ticket: Int32, _ c: Columns) throws(RowProblem) {
        var made: [PendingEvent] = []
        var accepted = PendingEvent(at: try time(csv, c.accepted, row: row), ticket: ticket, row: row, action: .accepted)
        accepted.text1 = try channel(csv, c.channel, row: row)
        accepted.text2 = text(csv, c.category)
        accepted.text3 = text(csv, c.topic)
        let reworks = try count(csv, c.reworks, row: row)
        let declines = try count(csv, c.declines, row: row)
        accepted.due = PendingEvent.rowCounts(reworks: reworks, declines: declines)
        made.append(accepted)
        let hasUnit = present(csv, c.unit)
        if hasUnit || present(csv, c.assigned) {
            let what = "an assigned ticket"
            let unit = try required(csv, c.unit, role: "unit", row: row, for: what)
            guard c.assigned >= 0, present(csv, c.assigned) else {
                throw RowProblem(row: Int(row), column: c.assigned >= 0 ? header[c.assigned] : nil, kind: .emptyCell, message: "empty, but \(what) needs its assignment time")
            }
            var assigned = PendingEvent(at: try time(csv, c.assigned, row: row), ticket: ticket, row: row, unit: unit, action: .assigned, seq: 1)
            guard c.due >= 0, present(csv, c.due) else {
                throw RowProblem(row: Int(row), column: c.due >= 0 ? header[c.due] : nil, kind: .emptyCell, message: "empty, but \(what) needs a deadline")
            }
            assigned.due = try time(csv, c.due, row: row, dateOnly: mapping.dueDateOnly)
            made.append(assigned)
            if present(csv, c.extendedDue) {
                var extended = PendingEvent(at: assigned.at, ticket: ticket, row: row, unit: unit, action: .extended, seq: 2)
                extended.due = try time(csv, c.extendedDue, row: row, dateOnly: mapping.dueDateOnly)
                if extended.due != assigned.due {
                    made.append(extended)
                    summary.extensionsAtAssignmentTime += 1
                }
            }
            if present(csv, c.closed) {
                var closed = PendingEvent(at: try time(csv, c.closed, row: row), ticket: ticket, row: row, unit: unit, action: .closed, seq: 3)
                closed.text1 = text(csv, c.reply)
                made.append(closed)
            }
            if present(csv, c.callback) || present(csv, c.rating) {
                guard present(csv, c.callback) else {
                    throw RowProblem(row: Int(row), column: c.callback >= 0 ? header[c.callback] : nil, kind: .emptyCell,
                                     message: "empty, but the row has a callback rating")
                }
                var callback = PendingEvent(at: try time(csv, c.callback, row: row), ticket: ticket, row: row, unit: unit, action: .callbackRated, seq: 4)
                try rating(csv, c.rating, row: row, event: &callback)
                made.append(callback)
            }
        } else if present(csv, c.closed) || present(csv, c.callback) {
            throw RowProblem(row: Int(row), column: c.unit >= 0 ? header[c.unit] : nil, kind: .emptyCell,
                             message: "empty, but the ticket was closed or called back")
        }
        summary.reworksNotImported += reworks
        if reworks > 0 { summary.ticketsWithReworks += 1 }
        summary.declinesNotImported += declines
        events.append(contentsOf: made)
    }
}
