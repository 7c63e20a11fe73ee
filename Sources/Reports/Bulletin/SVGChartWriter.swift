/// Draws a ``BulletinChart`` as inline SVG inside a `<figure>`. Coordinates are whole pixels
/// of a fixed view box, so the output is the same on every machine.
enum SVGChartWriter {
    static let width = 560
    static let gradeColours = ["A": "#2e7d32", "B": "#7cb342", "C": "#f9a825", "D": "#ef6c00", "E": "#c62828"]
    static let barColour = "#1f5f99"
    static let labelWidth = 170
    static let rowHeight = 24

    static func figure(_ chart: BulletinChart) -> String {
        let (title, svg) = draw(chart)
        return "<figure class=\"chart\">\n<figcaption>\(HTMLBulletinWriter.escape(title))</figcaption>\n\(svg)</figure>\n"
    }

    static func draw(_ chart: BulletinChart) -> (String, String) {
        switch chart {
        case .bars(let title, let items, let maximum):
            return (title, bars(title: title, items: items, maximum: maximum))
        case .stacked(let title, let rows, let series):
            return (title, stacked(title: title, rows: rows, series: series))
        }
    }

    private static func bars(title: String, items: [(label: String, value: Double, text: String, grade: String?)],
                             maximum: Double) -> String {
        let textRoom = 96
        let area = width - labelWidth - textRoom
        let height = items.count * rowHeight + 8
        var out = open(title: title, height: height)
        for (i, item) in items.enumerated() {
            let y = 4 + i * rowHeight
            let length = maximum > 0 ? max(1, Int((Double(area) * min(item.value, maximum) / maximum).rounded())) : 0
            let colour = item.grade.flatMap { gradeColours[$0] } ?? barColour
            out += text(label(item.label), x: labelWidth - 8, y: y + 16, anchor: "end")
            out += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(length)\" height=\"\(rowHeight - 8)\" rx=\"2\" fill=\"\(colour)\"/>\n"
            out += text(item.text, x: labelWidth + length + 6, y: y + 16, anchor: "start", fill: "#333")
        }
        out += "<line x1=\"\(labelWidth)\" y1=\"2\" x2=\"\(labelWidth)\" y2=\"\(height - 2)\" stroke=\"#999\" stroke-width=\"1\"/>\n"
        return out + "</svg>\n"
    }

    private static func stacked(title: String, rows: [String], series: [(name: String, values: [Int])]) -> String {
        let totals = rows.indices.map { i in series.reduce(0) { $0 + $1.values[i] } }
        let most = max(totals.max() ?? 0, 1)
        let area = width - labelWidth - 56
        let legendHeight = 26
        let height = rows.count * (rowHeight + 6) + legendHeight + 6
        var out = open(title: title, height: height)
        for (i, row) in rows.enumerated() {
            let y = 4 + i * (rowHeight + 6)
            out += text(label(row), x: labelWidth - 8, y: y + 17, anchor: "end")
            var x = labelWidth
            for s in series where s.values[i] > 0 {
                let w = max(1, Int((Double(area) * Double(s.values[i]) / Double(most)).rounded()))
                out += "<rect x=\"\(x)\" y=\"\(y + 2)\" width=\"\(w)\" height=\"\(rowHeight - 2)\" fill=\"\(gradeColours[s.name] ?? barColour)\">"
                    + "<title>\(HTMLBulletinWriter.escape(row)) \(HTMLBulletinWriter.escape(s.name))：\(s.values[i])</title></rect>\n"
                if w >= 18 { out += text(String(s.values[i]), x: x + w / 2, y: y + 17, anchor: "middle", fill: "#fff", bold: true) }
                x += w
            }
            out += text("\(totals[i])个", x: x + 6, y: y + 17, anchor: "start", fill: "#333")
        }
        var lx = labelWidth
        let ly = height - legendHeight + 8
        for s in series {
            out += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"12\" height=\"12\" fill=\"\(gradeColours[s.name] ?? barColour)\"/>\n"
            out += text("\(s.name)类 \(s.values.reduce(0, +))", x: lx + 16, y: ly + 11, anchor: "start", fill: "#333")
            lx += 72
        }
        return out + "</svg>\n"
    }

    private static func open(title: String, height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" "
            + "role=\"img\" aria-label=\"\(HTMLBulletinWriter.escape(title))\" font-size=\"13\">\n"
    }

    private static func text(_ content: String, x: Int, y: Int, anchor: String, fill: String = "#1c1c1c", bold: Bool = false) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" fill=\"\(fill)\"\(bold ? " font-weight=\"700\"" : "")>"
            + HTMLBulletinWriter.escape(content) + "</text>\n"
    }

    /// A label that fits the label column (about 12 CJK characters).
    private static func label(_ text: String) -> String {
        displayWidth(text) <= 24 ? text : String(text.prefix(11)) + "…"
    }
}
