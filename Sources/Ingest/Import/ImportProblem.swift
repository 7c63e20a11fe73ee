import Events

/// What is wrong with one row of an export.
public struct RowProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of bad rows, as the summary counts them (and orders them: by the stage that
    /// finds them), the raw value being the summary's label.
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        // Reading the export as CSV: nothing is imported past such a row.
        case malformedCSV = "malformed CSV", encoding = "bad encoding", rowTooLong = "row too long"
        // The header's columns (a missing one stops the import) and the row's cells.
        case missingColumn = "missing column", cellCount = "wrong number of cells", emptyCell = "empty required cell"
        // A cell's value.
        case badTime = "unreadable date-time", unknownAction = "unknown action", unknownRating = "unknown rating"
        case unknownChannel = "unknown channel", badNumber = "unreadable number"
        // The ticket's life cycle, checked as the log checks it.
        case lifecycle = "life-cycle violation"
        // The event's line would be longer than a log's readers accept.
        case lineTooLong = "line too long"

        public static func < (a: Kind, b: Kind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// The spreadsheet row: the header is 1, and a record with line breaks in quotes is one row.
    public var row: Int
    /// The column's header text, when one column is at fault.
    public var column: String?
    public var kind: Kind
    /// What is wrong, for people.
    public var message: String

    /// `column '操作时间': cannot read …`, or the bare message; control characters from the
    /// export (in a cell quoted by the message, in a header) written as escapes (`\u001B`), so
    /// that the line cannot drive a terminal or forge another.
    public var description: String {
        (column.map { "column '\($0)': \(message)" } ?? message).escapingControlCharacters()
    }

    /// `EXPORT.csv:ROW: column '…': message`.
    public func formatted(file: String) -> String { "\(file):\(row): \(description)" }
}

/// Why an import wrote nothing.
public enum ImportError: Error, Sendable, CustomStringConvertible {
    /// The export, the mapping or an output file could not be opened, read or written.
    case file(path: String, message: String)
    /// The mapping file is not valid.
    case mapping(path: String, message: String)
    /// The export cannot be read past this row (bad quoting, bad bytes, a runaway row); nothing is imported.
    case unreadable(RowProblem)
    /// The export has no rows (empty, or a header only).
    case noRows(path: String, headerOnly: Bool)
    /// Some rows are bad; nothing was written. `problems` are in row order (at most ``Importer/problemLimit``), `count` counts all.
    case rejected(problems: [RowProblem], count: Int, summary: ImportSummary)
    /// The log ends with a torn line (a write cut short: `repair` settles it); nothing was imported.
    case tornLog(path: String)
    /// The log has problems (`problems`: the first few, `count`: all of them); nothing was imported.
    case invalidLog(path: String, problems: [LogProblem], count: Int)
    /// The log could not be read or written, or refused the events; the log is as it was.
    case log(path: String, message: String)

    static func structural(_ row: Int, _ kind: RowProblem.Kind, _ message: String) -> ImportError {
        .unreadable(RowProblem(row: row, column: nil, kind: kind, message: message))
    }

    public var description: String {
        switch self {
        case .file(let path, let message): return "\(path): \(message)"
        case .mapping(let path, let message): return "\(path): \(message)"
        case .unreadable(let problem): return "row \(problem.row): \(problem.description); nothing was imported"
        case .noRows(let path, let headerOnly):
            return headerOnly ? "\(path):1: the export has a header but no rows; nothing to import"
                              : "\(path): the export is empty (not even a header row); nothing to import"
        case .rejected(_, let count, _): return "\(count) bad \(count == 1 ? "row" : "rows"); nothing was written"
        case .tornLog(let path): return "\(path): the log ends with a torn line; nothing was imported"
        case .invalidLog(let path, let problems, let count):
            let first = problems.map { $0.formatted(file: path) }.joined(separator: "; ")
            return "\(path): the log has \(count) problems (\(first)); nothing was imported"
        case .log(let path, let message): return "\(path): \(message)"
        }
    }
}

