/// The units a report must list, with their groups, read from a `unit,group` CSV.
public struct Roster: Sendable, Equatable {
    /// One unit of the roster.
    public struct Entry: Sendable, Equatable {
        public var unit: String
        /// The group (县市区, 行政事业单位, …); `nil` when empty.
        public var group: String?

        public init(unit: String, group: String? = nil) {
            self.unit = unit
            self.group = group
        }
    }

    /// The units in file order.
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The roster's entry for a unit (its group is ``Entry/group``), or `nil` when the roster
    /// does not list it.
    public func entry(for unit: String) -> Entry? {
        entries.first { $0.unit == unit }
    }

    /// Parses a roster CSV: a header `unit,group` (or just `unit`), then one unit per line.
    /// Fields may be quoted (a quoted field ends on its line); blank lines are skipped; lines
    /// may end in LF or CRLF; a leading byte-order mark is ignored.
    /// - Throws: ``RosterError`` naming the line.
    public static func parse(csv text: String, source: String) throws(RosterError) -> Roster {
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard let header = lines.first, !header.isEmpty else { throw RosterError(source: source, line: 1, message: "empty file, expected a header 'unit,group'") }
        guard let headerFields = CSV.split(String(header)) else {
            throw RosterError(source: source, line: 1, message: CSV.unterminatedQuote)
        }
        let columns = headerFields.map { $0.strippingSpaces() }
        guard columns.first == "unit", columns.count <= 2, columns.count == 1 || columns[1] == "group" else {
            throw RosterError(source: source, line: 1, message: "header must be 'unit,group', found '\(header)'")
        }
        for (index, line) in lines.enumerated().dropFirst() where !String(line).strippingSpaces().isEmpty {
            guard let fields = CSV.split(String(line)) else {
                throw RosterError(source: source, line: index + 1, message: CSV.unterminatedQuote)
            }
            guard fields.count <= 2 else {
                throw RosterError(source: source, line: index + 1, message: "expected 2 fields (unit,group), found \(fields.count)")
            }
            let unit = fields[0].strippingSpaces()
            guard !unit.isEmpty else { throw RosterError(source: source, line: index + 1, message: "empty unit name") }
            if let first = seen[unit] {
                throw RosterError(source: source, line: index + 1, message: "unit \(unit) is listed twice (first on line \(first))")
            }
            seen[unit] = index + 1
            let group = fields.count > 1 ? fields[1].strippingSpaces() : ""
            entries.append(Entry(unit: unit, group: group.isEmpty ? nil : group))
        }
        return Roster(entries: entries)
    }
}

/// A roster file that cannot be used.
public struct RosterError: Error, Sendable, CustomStringConvertible {
    public var source: String
    /// The line the problem is on; 0 for the file as a whole (then the description names no line).
    public var line: Int
    public var message: String
    public var description: String { line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)" }
}

/// Minimal RFC 4180 field splitting for one line.
enum CSV {
    static let unterminatedQuote = "unterminated quote: a quoted field must end with '\"' on the same line"

    /// The fields of `line`; `nil` when a quoted field is not closed.
    static func split(_ line: String) -> [String]? {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        if quoted { return nil }
        fields.append(field)
        return fields
    }
}
