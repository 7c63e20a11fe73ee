import Projections

/// The columns of an assessment table, in the bulletin's order, with Chinese and English headers.
enum ReportColumn: CaseIterable {
    /// The column's alignment in text and Markdown tables: names and grades left, figures right.
    var alignment: TextTable.Alignment { self == .unit || self == .grade ? .left : .right }

    case unit, accepted, due, done, doneRate, onTime, onTimeRate, rework, reworkRate, callbackCount, callbackRate, score, grade

    func header(_ language: Language, rules: RuleSet) -> String {
        let satisfied = rules.satisfaction == .satisfied
        switch (self, language) {
        case (.unit, .zh): return "部门名称"
        case (.accepted, .zh): return "受理案件数"
        case (.due, .zh): return "应办理数"
        case (.done, .zh): return "办理数"
        case (.doneRate, .zh): return "办结率"
        case (.onTime, .zh): return "按期办理数"
        case (.onTimeRate, .zh): return "按期办结率"
        case (.rework, .zh): return "返工数"
        case (.reworkRate, .zh): return "返工率"
        case (.callbackCount, .zh): return satisfied ? "回访满意数" : "回访不满意数"
        case (.callbackRate, .zh): return satisfied ? "群众满意率" : "回访不满意率"
        case (.score, .zh): return "综合指标值"
        case (.grade, .zh): return "等级评价"
        case (.unit, .en): return "Unit"
        case (.accepted, .en): return "Accepted"
        case (.due, .en): return "Due"
        case (.done, .en): return "Done"
        case (.doneRate, .en): return "Done %"
        case (.onTime, .en): return "On time"
        case (.onTimeRate, .en): return "On-time %"
        case (.rework, .en): return "Rework"
        case (.reworkRate, .en): return "Rework %"
        case (.callbackCount, .en): return satisfied ? "Satisfied" : "Unsatisfied"
        case (.callbackRate, .en): return satisfied ? "Satisfied %" : "Unsatisfied %"
        case (.score, .en): return "Score"
        case (.grade, .en): return "Grade"
        }
    }

    func cell(_ row: PeriodReport.Row, rules: RuleSet) -> String {
        let c = row.counts, s = row.scorecard
        func pct(_ r: Rational) -> String { Scorecard.display(r, rules: rules).description + "%" }
        switch self {
        case .unit: return row.unit
        case .accepted: return String(c.accepted)
        case .due: return String(c.due)
        case .done: return String(c.done)
        case .doneRate: return pct(s.doneRate)
        case .onTime: return String(c.onTime)
        case .onTimeRate: return pct(s.onTimeRate)
        case .rework: return String(c.rework)
        case .reworkRate: return pct(s.reworkRate)
        case .callbackCount: return String(rules.satisfaction == .satisfied ? c.satisfied : c.unsatisfied)
        case .callbackRate: return pct(rules.satisfaction == .satisfied ? s.satisfiedRate : s.unsatisfiedRate)
        case .score: return s.score.description
        case .grade: return s.grade
        }
    }
}

/// The language of an assessment table's headers and labels (the 合计 row, the ungrouped marker).
public enum Language: String, CaseIterable, Sendable {
    /// Chinese, as the bulletins print them: 部门名称, 受理案件数, … 合计.
    case zh
    /// English: Unit, Accepted, … Total.
    case en
}
