/// Writes a ``BulletinDocument`` as GitHub Flavored Markdown (charts are left out).
enum MarkdownBulletinWriter {
    static func write(_ document: BulletinDocument) -> String {
        var out = "# \(document.title)\n\n"
        out += document.subtitle.map { "> \($0)" }.joined(separator: "  \n") + "\n"
        out += document.blocks.map(write).joined()
        return out
    }

    private static func write(_ block: BulletinDocument.Block) -> String {
        var out = ""
        switch block {
        case .heading(let text, let level):
            out += "\n" + String(repeating: "#", count: level) + " " + text + "\n"
        case .paragraph(let text):
            out += "\n" + text + "\n"
        case .note(let text):
            out += "\n注：" + text + "\n"
        case .table(let table):
            out += render(table)
        case .sideBySide(let blocks):
            out += blocks.map(write).joined()
        case .chart:
            break
        }
        return out
    }

    private static func render(_ table: BulletinDocument.Table) -> String {
        var out = "\n"
        if let caption = table.caption { out += "**\(caption)**\n\n" }
        return out + DelimitedOutput.markdown(table.table)
    }
}
