/// A bulletin laid out as blocks: composed once (``BulletinComposer``), then written as
/// Markdown (``MarkdownBulletinWriter``) or HTML (``HTMLBulletinWriter``).
struct BulletinDocument {
    /// The bulletin's title, e.g. 2024年2月12345热线和市长信箱运行办理情况通报.
    var title: String
    /// Lines under the title: the period, the rule sets, the as-of time.
    var subtitle: [String]
    var blocks: [Block]

    enum Block {
        /// A section heading; level 2 for 一、二、…, 3 for （一）（二）…
        case heading(String, level: Int)
        case paragraph(String)
        case table(Table)
        /// Blocks meant to sit side by side (HTML, two columns); one after the other in Markdown.
        indirect case sideBySide([Block])
        /// A chart; HTML draws it as inline SVG, Markdown leaves it out.
        case chart(BulletinChart)
        /// Small print under a table or list.
        case note(String)
    }

    /// A table with an optional caption above it.
    struct Table {
        var caption: String?
        var table: TextTable
    }
}

/// A chart of the HTML bulletin.
enum BulletinChart {
    /// Horizontal stacked bars: one bar per row (a group), one segment per series (a grade).
    case stacked(title: String, rows: [String], series: [(name: String, values: [Int])])
    /// Horizontal bars, one per item, with the value's text printed at the bar's end; a bar
    /// with a grade takes the grade's colour.
    case bars(title: String, items: [(label: String, value: Double, text: String, grade: String?)], maximum: Double)
}
