/// What is wrong with one line of a log.
///
/// Every problem the ledger reports is one of these, attached to a line number by
/// ``LogProblem``. Their descriptions say what is wrong; a tool adds what to run about it.
public enum EventProblem: Error, Sendable, Equatable {
    /// The line is not a JSON object (`offset` is the zero-based byte column).
    case malformedJSON(offset: Int, message: String)
    /// The last line of the log has no terminating newline: a write cut short.
    case tornTail(byteCount: Int)
    /// A required field is absent.
    case missingField(String, type: EventKind?)
    /// A field holds the wrong JSON type.
    case wrongFieldType(String, expected: String)
    /// A required string field is empty.
    case emptyField(String)
    /// A field appears twice in the same object.
    case duplicateField(String)
    /// A timestamp field does not hold a valid RFC 3339 date-time with an offset, or holds one
    /// a ``Timestamp`` cannot (the message then says why: ``Timestamp/unsupportedReason(_:)``).
    case invalidTimestamp(field: String, text: String)
    /// The `type` field names no known event type.
    case unknownType(String)
    /// A field holds a value outside its allowed set.
    case invalidValue(field: String, value: String, allowed: [String])
    /// The event id was already used by an earlier line.
    case duplicateID(String, firstLine: Int)
    /// A batch being appended reuses an event id that the log already holds (at `line` of the log).
    case idAlreadyInLog(String, line: Int)
    /// The event breaks its ticket's life cycle.
    case lifecycle(ticket: String, type: EventKind, violation: LifecycleViolation)
    /// The line's hash-chain value is not the one the previous lines imply.
    case chainMismatch(expected: String, found: String)
    /// A line after the first chained line carries no chain value.
    case chainMissing
    /// The line ends one byte away from a `chain` member: a chained line whose member was damaged.
    case chainDamaged
    /// A chained line ends with a carriage return before its newline (a CRLF line ending): the
    /// bytes are not the ones the chain sealed, though the chain value, checked without the
    /// `\r`, holds (else the line is reported as broken).
    case chainLineEnding
    /// The log must be chained from its first line, but its chain starts at `chainStart`
    /// (`nil`: the log has no chain).
    case chainRequired(chainStart: Int?)
    /// An append was interrupted: its batch of `lineCount` lines was not written in full, and
    /// the `byteCount` bytes it left from this line on are not part of the log (see ``PendingAppend``).
    /// `lineCount` is 0 for a streamed batch interrupted while its marker was open (its size was not yet known).
    case interruptedAppend(lineCount: Int, byteCount: Int64)
    /// A line to be appended would be `byteCount` bytes in the log (with its `recorded` stamp
    /// and chain member), more than the `limit` a log's readers accept (``LogInput/defaultMaxLineBytes``
    /// unless raised): appended, it would make the log unreadable, so the batch is refused.
    case lineTooLong(byteCount: Int, limit: Int)
    /// A field holds what the store being written cannot keep (PostgreSQL: a U+0000 in a text
    /// column, an id longer than its index takes); `reason` says what and why.
    case notStorable(field: String, reason: String)

    /// A one-line, human-readable explanation (without the `file:line:` prefix). Control
    /// characters from the log (in a ticket's or unit's name, a type, a value) are written as
    /// escapes (`\u001B`, `\n`), so that a message is one line and cannot drive a terminal.
    public var message: String { rawMessage.escapingControlCharacters() }

    private var rawMessage: String {
        switch self {
        case .malformedJSON(let offset, let message):
            return "malformed JSON at column \(offset + 1): \(message)"
        case .tornTail(let count):
            return "the last line is cut short (\(count) bytes without a final newline): a torn write"
        case .missingField(let field, let type):
            if let type {
                let article = type.rawValue.first.map { "aeiou".contains($0) } == true ? "an" : "a"
                return "missing required field '\(field)' for \(article) '\(type.rawValue)' event"
            }
            return "missing required field '\(field)'"
        case .wrongFieldType(let field, let expected):
            return "field '\(field)' must be \(expected)"
        case .emptyField(let field):
            return "field '\(field)' must not be empty"
        case .duplicateField(let field):
            return "field '\(field)' appears more than once"
        case .invalidTimestamp(let field, let text):
            if let reason = Timestamp.unsupportedReason(text) {
                return "field '\(field)' holds \"\(text)\", a valid RFC 3339 date-time the ledger cannot hold: \(reason)"
            }
            return "field '\(field)' is not a valid RFC 3339 date-time with offset: \"\(text)\""
        case .unknownType(let type):
            return "unknown event type \"\(type)\" (expected one of: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .invalidValue(let field, let value, let allowed):
            return "field '\(field)' has invalid value \"\(value)\" (expected one of: \(allowed.joined(separator: ", ")))"
        case .duplicateID(let id, let firstLine):
            return "duplicate event id \"\(id)\" (first used on line \(firstLine))"
        case .idAlreadyInLog(let id, let line):
            return "event id \"\(id)\" is already in the log (line \(line))"
        case .lifecycle(let ticket, let type, let violation):
            return "ticket \(ticket) \(violation.message(for: type))"
        case .chainMismatch(let expected, let found):
            return "hash chain broken: expected \(expected.prefix(16))…, found \(found.prefix(16))… (the log was changed at or before this line)"
        case .chainMissing:
            return "line has no 'chain' value, but the lines before it are chained (a line was added or its chain member removed)"
        case .chainDamaged:
            return "the 'chain' member is damaged: a chained line must end with ,\"chain\":\"<64 lowercase hex digits>\"}"
        case .chainLineEnding:
            return "the line ends with \\r\\n (a CRLF line ending) but a chained line ends with '}' and a bare \\n; "
                + "its chain value holds without the \\r, so the line endings were converted (e.g. by an editor or "
                + "git's autocrlf): convert them back to \\n (e.g. dos2unix) and verify again"
        case .chainRequired(let start?):
            let unchained = start == 2 ? "line 1 carries" : "lines 1–\(start - 1) carry"
            return "a hash chain is required from the first line, but \(unchained) none (the chain starts at line \(start))"
        case .chainRequired(nil):
            return "a hash chain is required, but no line of the log carries one"
        case .interruptedAppend(0, let bytes):
            return "a streamed append (an import) was interrupted here before it finished: the \(groupedThousands(Int(bytes))) bytes it wrote from this line on are an unfinished batch, not part of the log"
        case .interruptedAppend(let lines, let bytes):
            return "an append of \(groupedThousands(lines)) \(lines == 1 ? "line" : "lines") was interrupted here: the \(groupedThousands(Int(bytes))) bytes it wrote from this line on are an unfinished batch, not part of the log"
        case .lineTooLong(let bytes, let limit):
            return "the line would be \(groupedThousands(bytes)) bytes in the log (with its 'recorded' stamp and chain member), "
                + "more than the \(groupedThousands(limit)) bytes a log line may have: the log could not be read back "
                + "(shorten its texts, or raise --max-line-bytes here and for every command that reads the log)"
        case .notStorable(let field, let reason):
            return "field '\(field)' \(reason)"
        }
    }
}

/// A problem at a line of a log file.
public struct LogProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// One-based line number.
    public var line: Int
    /// What is wrong.
    public var problem: EventProblem

    package init(line: Int, problem: EventProblem) {
        self.line = line
        self.problem = problem
    }

    /// `line N: message`.
    public var description: String { "line \(line): \(problem.message)" }

    /// The compiler-style form `FILE:LINE: message`.
    public func formatted(file: String) -> String { "\(file.escapingControlCharacters()):\(line): \(problem.message)" }
}
