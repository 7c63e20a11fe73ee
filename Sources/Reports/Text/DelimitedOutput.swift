/// Machine-readable renderings of tabular data: CSV (RFC 4180) and GitHub
/// Flavored Markdown tables.
///
/// Both work from the same ``TextTable`` a subcommand builds for terminal
/// output, so one table serves every format.
enum DelimitedOutput {
    // MARK: - CSV

    /// Quotes `field` as RFC 4180 requires: fields containing a comma, a
    /// double quote, CR or LF are wrapped in double quotes, and embedded
    /// double quotes are doubled. Other fields are returned unchanged
    /// (leading and trailing spaces are data and are kept).
    static func csvField(_ field: String) -> String {
        let needsQuoting = field.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
        }
        guard needsQuoting else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }

    /// One CSV record: quoted fields joined by commas, followed by
    /// `lineTerminator`.
    static func csvRecord(_ fields: [String], lineTerminator: String = "\r\n") -> String {
        fields.map(csvField).joined(separator: ",") + lineTerminator
    }

    /// The table as CSV: a header record (column headers), one record per
    /// row, then the footer record if there is one. Short rows are padded
    /// with empty fields so every record has the same field count.
    ///
    /// RFC 4180 specifies CRLF line breaks, which is the default; pass `"\n"`
    /// for Unix tools. Set `includesByteOrderMark` when the file is meant to
    /// be opened by spreadsheet programs that otherwise misread UTF-8
    /// Chinese text.
    static func csv(
        _ table: TextTable,
        lineTerminator: String = "\r\n",
        includesByteOrderMark: Bool = false
    ) -> String {
        var output = includesByteOrderMark ? "\u{FEFF}" : ""
        for record in records(of: table) {
            output += csvRecord(record, lineTerminator: lineTerminator)
        }
        return output
    }

    // MARK: - Markdown

    /// Escapes `text` for use inside a Markdown table cell: backslashes and
    /// pipes are backslash-escaped, line breaks become `<br>`, and `&`, `<`
    /// and `>` become entities (see ``markdownText(_:)``).
    static func markdownCell(_ text: String) -> String {
        text.escaping { (character: Character) -> String? in
            switch character {
            case "\\": "\\\\"
            case "|": "\\|"
            case "\r\n", "\r", "\n": "<br>"
            case "\t": " "
            default: htmlEntity(character)
            }
        }
    }

    /// `text` for Markdown's running text: `&`, `<` and `>` as entities, so that a unit's or a
    /// category's name holding markup (`<img src=x onerror=…>`) shows as written instead of
    /// being taken as HTML by a Markdown viewer; line breaks and tabs as spaces, so that a name
    /// cannot end a heading or a paragraph and start a block of its own (`# 本通报作废`).
    static func markdownText(_ text: String) -> String {
        text.escaping { (character: Character) -> String? in
            switch character {
            case "\r\n", "\r", "\n", "\t": " "
            default: htmlEntity(character)
            }
        }
    }

    private static func htmlEntity(_ character: Character) -> String? {
        switch character {
        case "&": "&amp;"
        case "<": "&lt;"
        case ">": "&gt;"
        default: nil
        }
    }

    /// The table as a GitHub Flavored Markdown table, padded by display width
    /// so that the source also reads well in a terminal. Column alignment is
    /// carried into the delimiter row (`---:` for right, `:---:` for center).
    /// The footer, if any, becomes the last row.
    static func markdown(_ table: TextTable) -> String {
        let columnCount = table.columns.count
        guard columnCount > 0 else { return "" }
        let escapedRecords = records(of: table).map { $0.map(markdownCell) }

        var widths = [Int](repeating: 3, count: columnCount)  // "---" is the shortest delimiter
        for record in escapedRecords {
            for (index, cell) in record.enumerated() {
                widths[index] = max(widths[index], displayWidth(cell))
            }
        }

        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { index, cell in
                cell.padded(toDisplayWidth: widths[index], alignment: table.columns[index].alignment)
            }
            return "| " + padded.joined(separator: " | ") + " |\n"
        }

        let delimiters = table.columns.enumerated().map { index, column in
            let width = widths[index]
            switch column.alignment {
            case .left: return String(repeating: "-", count: width)
            case .right: return String(repeating: "-", count: width - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: width - 2) + ":"
            }
        }

        var output = line(escapedRecords[0])
        output += line(delimiters)
        for record in escapedRecords.dropFirst() {
            output += line(record)
        }
        return output
    }

    // MARK: - Shared

    /// Header, rows and footer, each padded to the column count.
    private static func records(of table: TextTable) -> [[String]] {
        let columnCount = table.columns.count
        func padded(_ row: [String]) -> [String] {
            precondition(row.count <= columnCount, "row has \(row.count) cells but only \(columnCount) columns")
            return row + [String](repeating: "", count: columnCount - row.count)
        }
        var records = [table.columns.map(\.header)]
        records += table.rows.map(padded)
        if let footer = table.footer { records.append(padded(footer)) }
        return records
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement` (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
