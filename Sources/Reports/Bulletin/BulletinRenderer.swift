import Projections

/// How ``BulletinRenderer`` writes a bulletin.
public enum BulletinFormat: String, CaseIterable, Sendable {
    /// GitHub Flavored Markdown; the charts are left out.
    case markdown
    /// One self-contained, printable HTML file: inline CSS, charts as inline SVG, no scripts,
    /// fonts or images from elsewhere.
    case html
    /// The whole bulletin model as JSON: sections, `rankings`, `deductions`, `bonuses`,
    /// `policyViolations` (see docs/bulletins.md).
    case json
}

/// Writes a `Bulletin` as the whole 通报 in Chinese — summary, categories, rankings, overdue
/// and rework lists, deductions and bonuses, tables — exactly as `ledger-cli bulletin` does.
///
/// ```swift
/// let (bulletin, summary) = try LogReplay(path: "events.jsonl").bulletin(request)
/// let html = BulletinRenderer(bulletin: bulletin).render(.html)
/// ```
public struct BulletinRenderer: Sendable {
    /// The bulletin to write.
    public var bulletin: Bulletin
    /// Ticket numbers shown per unit in the overdue and rework lists (0: all).
    public var listLimit: Int
    /// A title to use instead of the default one (the period and the channels).
    public var title: String?

    /// A renderer of `bulletin` listing at most `listLimit` ticket numbers per unit (0: all),
    /// under `title` or the default title.
    public init(bulletin: Bulletin, listLimit: Int = 20, title: String? = nil) {
        self.bulletin = bulletin
        self.listLimit = listLimit
        self.title = title
    }

    /// The whole bulletin in `format`; control characters in names written as escapes in
    /// Markdown and HTML (see ``ReportRenderer/render(_:)``).
    public func render(_ format: BulletinFormat) -> String {
        let document = BulletinComposer(bulletin: bulletin, listLimit: listLimit, title: title).document()
        switch format {
        case .markdown: return MarkdownBulletinWriter.write(document).escapingControlCharacters(keepingLayout: true)
        case .html: return HTMLBulletinWriter.write(document).escapingControlCharacters(keepingLayout: true)
        case .json: return BulletinJSONWriter.write(bulletin, title: document.title)
        }
    }
}
