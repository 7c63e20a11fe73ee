/// Writes a ``BulletinDocument`` as GitHub Flavored Markdown (charts are left out). Text is
/// written with `&`, `<` and `>` as entities (``DelimitedOutput/markdownText(_:)``): names come
/// from the log and the roster.
enum MarkdownBulletinWriter {
    static func write(_ document: BulletinDocument) -> String {
        let text = DelimitedOutput.markdownText
        var out = "# \(text(document.title))\n\n"
        out += document.subtitle.map { "> \(text($0))" }.joined(separator: "  \n") + "\n"
        out += document.blocks.map(write).joined()
        return out
    }

    private static func write(_ block: BulletinDocument.Block) -> String {
        let escaped = DelimitedOutput.markdownText
        var out = ""
        switch block {
        case .heading(let text, let level):
            out += "\n" + String(repeating: "#", count: level) + " " + escaped(text) + "\n"
        case .paragraph(let text):
            out += "\n" + escaped(text) + "\n"
        case .note(let text):
            out += "\n注：" + escaped(text) + "\n"
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
        if let caption = table.caption { out += "**\(DelimitedOutput.markdownText(caption))**\n\n" }
        return out + DelimitedOutput.markdown(table.table)
    }
}
