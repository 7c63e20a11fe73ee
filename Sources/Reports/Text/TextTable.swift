import Events

/// A plain-text table for terminal output, aligned by display width so
/// that Chinese, Japanese and Korean text (two columns per character) lines
/// up with ASCII.
///
/// ```swift
/// var table = TextTable(columns: [
///     .init("单位"),
///     .init("张数", alignment: .right),
///     .init("金额", alignment: .right),
/// ])
/// table.append(["市城管局", "3", "45.00"])
/// table.footer = ["合计", "3", "45.00"]
/// Terminal.write(table.render())
/// ```
///
/// renders as
///
/// ```text
/// 单位      张数   金额
/// --------  ----  -----
/// 市城管局     3  45.00
/// --------  ----  -----
/// 合计         3  45.00
/// ```
///
/// Newlines and tabs inside cells are shown as spaces, other control characters as escapes
/// (`\u001B`), before the columns are measured. The last column is not
/// padded on the right, so lines carry no trailing whitespace.
package struct TextTable: Sendable {
    /// Horizontal placement of text within a column.
    package enum Alignment: Sendable, Hashable {
        case left
        case right
        case center
    }

    /// A column heading and how the column's cells are aligned.
    struct Column: Sendable, Hashable {
        /// The heading shown in the header row.
        var header: String
        /// Alignment of the header and every cell in the column.
        var alignment: Alignment

        /// Creates a column; cells are left-aligned unless stated otherwise.
        init(_ header: String, alignment: Alignment = .left) {
            self.header = header
            self.alignment = alignment
        }
    }

    /// The columns, left to right.
    var columns: [Column]
    /// The body rows. A row with fewer cells than columns is padded with
    /// empty cells; a row must not have more cells than there are columns.
    var rows: [[String]]
    /// An optional summary row (for example a 合计 total), set off from the
    /// body by a second separator line.
    var footer: [String]?
    /// Whether to print the header row and the separator under it.
    var showsHeader = true
    /// The character repeated to draw separator lines.
    var separatorCharacter: Character = "-"
    /// Spaces between adjacent columns.
    var columnSpacing = 2

    /// Creates a table with the given columns and, optionally, rows.
    init(columns: [Column], rows: [[String]] = [], footer: [String]? = nil) {
        self.columns = columns
        self.rows = rows
        self.footer = footer
    }

    /// Appends one body row.
    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The display width of each column: the widest of its header, cells and
    /// footer cell.
    func columnWidths() -> [Int] {
        var widths = columns.map { showsHeader ? displayWidth(Self.flatten($0.header)) : 0 }
        for row in rows + (footer.map { [$0] } ?? []) {
            precondition(row.count <= columns.count, "TextTable row has \(row.count) cells but only \(columns.count) columns")
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], displayWidth(Self.flatten(cell)))
            }
        }
        return widths
    }

    /// The rendered lines, without line terminators.
    func renderLines() -> [String] {
        guard !columns.isEmpty else { return [] }
        let widths = columnWidths()
        let separator = renderSeparator(widths: widths)

        var lines: [String] = []
        lines.reserveCapacity(rows.count + 4)
        if showsHeader {
            lines.append(renderRow(columns.map(\.header), widths: widths))
            lines.append(separator)
        }
        for row in rows {
            lines.append(renderRow(row, widths: widths))
        }
        if let footer {
            lines.append(separator)
            lines.append(renderRow(footer, widths: widths))
        }
        return lines
    }

    /// The whole table, each line terminated by `"\n"`.
    /// An empty string when the table has no columns.
    func render() -> String {
        renderLines().map { $0 + "\n" }.joined()
    }

    // MARK: - Private

    private func renderRow(_ cells: [String], widths: [Int]) -> String {
        let gap = String(repeating: " ", count: columnSpacing)
        var line = ""
        for index in columns.indices {
            let cell = index < cells.count ? Self.flatten(cells[index]) : ""
            let isLast = index == columns.count - 1
            let alignment = columns[index].alignment
            if index > 0 { line += gap }
            if isLast && alignment == .left {
                line += cell
            } else {
                line += cell.padded(toDisplayWidth: widths[index], alignment: alignment)
            }
        }
        return trimmingTrailingSpaces(line)
    }

    private func renderSeparator(widths: [Int]) -> String {
        let gap = String(repeating: " ", count: columnSpacing)
        return widths
            .map { String(repeating: separatorCharacter, count: max($0, 1)) }
            .joined(separator: gap)
    }

    /// Cells are single-line: line breaks and tabs become spaces.
    private static func flatten(_ cell: String) -> String {
        let spaced = cell.contains(where: { $0.isNewline || $0 == "\t" }) ? String(cell.map { $0.isNewline || $0 == "\t" ? " " : $0 }) : cell
        return spaced.escapingControlCharacters()
    }

    private func trimmingTrailingSpaces(_ line: String) -> String {
        var end = line.endIndex
        while end > line.startIndex, line[line.index(before: end)] == " " {
            end = line.index(before: end)
        }
        return String(line[..<end])
    }
}
