import Projections

/// The words a report puts where the libraries below return data: the total row's name, the
/// marker of ungrouped units, the rest of the categories, and the wording of the deductions
/// and bonuses a rule set computes.
enum ReportLabels {
    /// The total row's name in JSON and CSV, and in Chinese tables.
    static let total = "合计"

    /// The total row of a table with `units` rows: `合计（31）`, `Total (31)`.
    static func total(_ language: Language, units: Int) -> String {
        language == .zh ? "合计（\(units)）" : "Total (\(units))"
    }

    /// The marker of units the roster does not group.
    static func ungrouped(_ language: Language) -> String {
        language == .zh ? "未分组" : "ungrouped"
    }

    /// The categories outside a fixed list, added up.
    static let otherCategories = "其他"

    /// The channel's name in adjustment wording: the rule set's own label, else 热线 / 信箱 / 工单.
    static func adjustmentLabel(_ basis: Adjustment.Basis) -> String {
        if let label = basis.label { return label }
        switch basis.channel {
        case "hotline": return "热线"
        case "mailbox": return "信箱"
        default: return "工单"
        }
    }

    /// The assessment item (指标名称) of an entry: a manual entry's own, else 热线办理综合考评 or
    /// 热线办理时效.
    static func indicator(_ entry: Adjustment) -> String {
        switch entry.source {
        case .manual: entry.indicator
        case .grade(_, let basis): "\(adjustmentLabel(basis))办理综合考评"
        case .overdue(_, _, let basis): "\(adjustmentLabel(basis))办理时效"
        }
    }

    /// The detail (扣分明细 / 加分明细) of an entry: a manual entry's own, else 热线月度考评B类 or
    /// 超期办结或未办结工单2件，每件扣0.5分.
    static func reason(_ entry: Adjustment) -> String {
        switch entry.source {
        case .manual: return entry.reason
        case .grade(let grade, let basis): return "\(adjustmentLabel(basis))月度考评\(grade)类"
        case .overdue(let n, let each, _):
            let verb = each < .zero ? "扣" : "加"
            let amount = (each < .zero ? .zero - each : each).rounded(decimals: 2).trimmed
            return "超期办结或未办结工单\(n)件，每件\(verb)\(amount)分"
        }
    }
}
