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
    /// The grade's assessment is named by the period: 月度 for a month, 季度 for a quarter,
    /// 年度 for a year, nothing for a free range (a quarterly bulletin never says 月度).
    static func reason(_ entry: Adjustment, period: Period.Kind = .month) -> String {
        switch entry.source {
        case .manual: return entry.reason
        case .grade(let grade, let basis): return "\(adjustmentLabel(basis))\(assessmentWord(period))考评\(grade)类"
        case .overdue(let n, let each, _):
            let verb = each < .zero ? "扣" : "加"
            let amount = (each < .zero ? .zero - each : each).rounded(decimals: 2).trimmed
            var text = "超期办结或未办结工单\(n)件，每件\(verb)\(amount)分"
            if !entry.excusedTickets.isEmpty { text += "（另有\(entry.excusedTickets.count)件因退回重办超期，不计）" }
            return text
        }
    }

    /// 月度, 季度, 年度, or nothing.
    static func assessmentWord(_ kind: Period.Kind) -> String {
        switch kind {
        case .month: "月度"
        case .quarter: "季度"
        case .year: "年度"
        case .range: ""
        }
    }

    /// A channel's name in a bulletin: 12345热线, 市长信箱, 政协微建议, … (the channel itself
    /// when it is not one of the common ones).
    static func channelName(_ channel: String?) -> String {
        switch channel {
        case nil: "全部渠道"
        case "hotline": "12345热线"
        case "mailbox": "市长信箱"
        case "county-mailbox": "县长信箱"
        case "province-mailbox": "省长信箱"
        case "gov-website", "national-website": "中国政府网留言"
        case "proposal": "政协微建议"
        case "special-line": "专线"
        case let other?: other
        }
    }

    /// What a policy violation is called, and what happened.
    static func violationKind(_ kind: PolicyViolation.Kind) -> String {
        switch kind {
        case .repeatedExtension: "多次延期"
        case .lateExtension: "超期申请延期"
        case .repeatedReturn: "多次退单"
        }
    }

    static func violationDetail(_ v: PolicyViolation, policy: RuleSet.Policy?) -> String {
        switch v.kind {
        case .repeatedExtension:
            return "同一交办延期\(v.count)次（至多\(policy?.maxExtensions ?? 0)次）"
        case .lateExtension:
            return v.count > 1 ? "\(v.count)次在办理期限届满后申请延期" : "在办理期限届满后申请延期"
        case .repeatedReturn:
            return "先后被\(v.units.joined(separator: "、"))退单，共\(v.count)次（至多\(policy?.maxUnitReturns ?? 0)次）"
        }
    }
}
