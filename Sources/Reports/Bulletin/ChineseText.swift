import Events
import Projections

/// How numbers, periods and changes read in a Chinese bulletin.
enum ChineseText {
    /// `2024年2月`, `2022年第二季度`, `2024年`, or the days of a free range.
    static func period(_ period: Period) -> String {
        switch period.kind {
        case .month: return "\(period.start.year)年\(period.start.month)月"
        case .quarter: return "\(period.start.year)年第\(numeral((period.start.month - 1) / 3 + 1))季度"
        case .year: return "\(period.start.year)年"
        case .range:
            let last = CivilDate(daysSinceEpoch: period.end.daysSinceEpoch - 1)
            return "\(period.start.year)年\(period.start.month)月\(period.start.day)日至\(last.year)年\(last.month)月\(last.day)日"
        }
    }

    /// `2024-02-01`.
    static func day(_ date: CivilDate) -> String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }

    /// `上月`, `上季度`, `上年`, `上期`.
    static func previous(_ period: Period) -> String {
        switch period.kind {
        case .month: return "上月"
        case .quarter: return "上季度"
        case .year: return "上年"
        case .range: return "上期"
        }
    }

    /// 一 … 十.
    static func numeral(_ n: Int) -> String {
        let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        return n >= 0 && n <= 10 ? digits[n] : String(n)
    }

    /// A section number: 一、 二、 …
    static func section(_ n: Int) -> String { numeral(n) + "、" }

    /// A subsection number: （一） （二） …
    static func subsection(_ n: Int) -> String { "（" + numeral(n) + "）" }

    /// `98.58%`.
    static func percent(_ value: FixedDecimal) -> String { value.description + "%" }

    /// A rate as the report prints it (rounded by the rules' decimals), with `%`.
    static func rate(_ rate: Rational, rules: RuleSet) -> String { percent(Scorecard.display(rate, rules: rules)) }

    /// A share `part ÷ whole` in percent with 2 decimals, `-` when `whole` is 0.
    static func share(_ part: Int, of whole: Int) -> String {
        whole > 0 ? percent(Rational(Int128(part) * 100, Int128(whole)).rounded(decimals: 2)) : "-"
    }

    /// A score as the narrative writes it: `95.4分`, `95分`.
    static func score(_ score: FixedDecimal) -> String { score.trimmed + "分" }

    /// `上升0.46个百分点`, `下降1.1分`, `持平`.
    static func change(_ delta: Rational, unit: String) -> String {
        if delta == .zero { return "持平" }
        let magnitude = (delta < .zero ? .zero - delta : delta).rounded(decimals: 2).trimmed
        return (delta > .zero ? "上升" : "下降") + magnitude + unit
    }

    /// Points as the bulletins print them: `-2`, `+1.5`, `-0.5`, `0`.
    static func points(_ value: Rational) -> String {
        let text = value.rounded(decimals: 2).trimmed
        return value > .zero ? "+" + text : text
    }

    /// `A、B和C`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: "、") + "和" + items.last!
    }
}
