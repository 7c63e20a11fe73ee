/// Writes a ``BulletinDocument`` as one self-contained, printable HTML file: inline CSS, charts
/// as inline SVG, no scripts, no fonts or images from elsewhere.
enum HTMLBulletinWriter {
    static func write(_ document: BulletinDocument) -> String {
        var body = "<header>\n<h1>\(escape(document.title))</h1>\n"
        for line in document.subtitle { body += "<p class=\"meta\">\(escape(line))</p>\n" }
        body += "</header>\n"
        var charts: [BulletinChart] = []
        func flushCharts() {
            guard !charts.isEmpty else { return }
            body += "<div class=\"charts\">\n" + charts.map(SVGChartWriter.figure).joined() + "</div>\n"
            charts.removeAll()
        }
        for block in document.blocks {
            if case .chart(let chart) = block {
                charts.append(chart)
                continue
            }
            flushCharts()
            body += render(block)
        }
        flushCharts()
        return """
        <!DOCTYPE html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(document.title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body)</main>
        </body>
        </html>

        """
    }

    static let style = """
    @page { size: A4 landscape; margin: 12mm 10mm; }
    :root { --ink: #1c1c1c; --muted: #5f6368; --rule: #c9cdd2; --head: #edf0f3; --accent: #b3261e; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #fff; color: var(--ink); font-size: 14px; line-height: 1.7;
      font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
    main { max-width: 1120px; margin: 0 auto; padding: 28px 36px 48px; }
    header { border-bottom: 3px double var(--accent); margin-bottom: 18px; padding-bottom: 8px; }
    h1 { color: var(--accent); font-size: 24px; text-align: center; margin: 0 0 8px; letter-spacing: 1px; }
    .meta { color: var(--muted); font-size: 12px; text-align: center; text-indent: 0; margin: 0; }
    h2 { font-size: 18px; margin: 26px 0 8px; padding-left: 8px; border-left: 4px solid var(--accent); }
    h3 { font-size: 15px; margin: 16px 0 6px; }
    p { margin: 6px 0; text-indent: 2em; text-align: justify; }
    p.note { color: var(--muted); font-size: 12px; text-indent: 0; }
    figure { margin: 10px 0 14px; }
    figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
    table { border-collapse: collapse; width: auto; max-width: 100%; font-size: 12px; line-height: 1.4; }
    th, td { border: 1px solid var(--rule); padding: 3px 6px; vertical-align: top; }
    th { background: var(--head); font-weight: 600; text-align: center; }
    th.short, td.unit { white-space: nowrap; }
    figure.wide table { width: 100%; }
    figure.list td.tickets { width: 100%; }
    td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
    td.grade { text-align: center; font-weight: 700; }
    td.tickets { font-size: 11px; color: #333; word-break: break-all; }
    tfoot td { background: #f6f6f6; font-weight: 600; }
    tbody tr:nth-child(even) td { background: #fafbfc; }
    .grade-A { color: #1b5e20; } .grade-B { color: #558b2f; } .grade-C { color: #e68a00; }
    .grade-D { color: #d84315; } .grade-E { color: #b71c1c; }
    .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 28px; margin: 8px 0 12px; }
    .chart svg { width: 100%; max-width: 560px; height: auto; display: block; }
    .side { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; align-items: start; }
    @media print {
      main { max-width: none; padding: 0; }
      h2, h3, figcaption { break-after: avoid; }
      figure.chart, tr { break-inside: avoid; }
      thead { display: table-header-group; }
    }
    """

    private static func render(_ block: BulletinDocument.Block) -> String {
        switch block {
        case .heading(let text, let level):
            return "<h\(level)>\(escape(text))</h\(level)>\n"
        case .paragraph(let text):
            return "<p>\(escape(text))</p>\n"
        case .note(let text):
            return "<p class=\"note\">注：\(escape(text))</p>\n"
        case .table(let table):
            return render(table)
        case .sideBySide(let blocks):
            return "<div class=\"side\">\n" + blocks.map { "<div>\n" + render($0) + "</div>\n" }.joined() + "</div>\n"
        case .chart(let chart):
            return SVGChartWriter.figure(chart)
        }
    }

    private static func render(_ table: BulletinDocument.Table) -> String {
        let columns = table.table.columns
        let gradeColumns = Set(columns.indices.filter { columns[$0].header.hasPrefix("等级") })
        let ticketColumns = Set(columns.indices.filter { columns[$0].header == "工单编号" })
        func cell(_ text: String, _ index: Int, tag: String = "td") -> String {
            var classes: [String] = []
            if gradeColumns.contains(index) {
                classes.append("grade")
                if text.count == 1 { classes.append("grade-\(text)") }
            } else if ticketColumns.contains(index) {
                classes.append("tickets")
            } else if index < columns.count && columns[index].alignment == .right {
                classes.append("num")
            } else if index == 0 {
                classes.append("unit")
            }
            let attribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
            return "<\(tag)\(attribute)>\(escape(text))</\(tag)>"
        }
        func row(_ cells: [String]) -> String {
            let padded = cells + Array(repeating: "", count: max(0, columns.count - cells.count))
            return "<tr>" + padded.enumerated().map { cell($0.element, $0.offset) }.joined() + "</tr>\n"
        }
        let wide = columns.count >= 8 || !ticketColumns.isEmpty
        let kind = ticketColumns.isEmpty ? (wide ? " wide" : "") : " wide list"
        var out = "<figure class=\"table\(kind)\">\n"
        if let caption = table.caption { out += "<figcaption>\(escape(caption))</figcaption>\n" }
        out += "<table>\n<thead><tr>"
            + columns.map { "<th\($0.header.count <= 6 ? " class=\"short\"" : "")>\(escape($0.header))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        out += table.table.rows.map(row).joined()
        out += "</tbody>\n"
        if let footer = table.table.footer { out += "<tfoot>\n" + row(footer) + "</tfoot>\n" }
        return out + "</table>\n</figure>\n"
    }

    /// Text as HTML: `&`, `<`, `>` and `"` escaped.
    static func escape(_ text: String) -> String {
        text.escaping { (c: Character) -> String? in
            switch c {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            default: nil
            }
        }
    }
}
