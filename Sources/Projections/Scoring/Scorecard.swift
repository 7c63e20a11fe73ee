/// A unit's rates, score and grade for a period under a rule set.
public struct Scorecard: Sendable, Equatable {
    /// done ÷ due, in percent, as used in the score.
    public var doneRate: Rational
    /// onTime ÷ due, in percent.
    public var onTimeRate: Rational
    /// rework ÷ due, in percent (can exceed 100).
    public var reworkRate: Rational
    /// unsatisfied ÷ rated callbacks, in percent.
    public var unsatisfiedRate: Rational
    /// satisfied ÷ rated callbacks, in percent.
    public var satisfiedRate: Rational
    /// The composite score, rounded as the rules say.
    public var score: FixedDecimal
    /// The grade.
    public var grade: String
    /// Whether the unit had nothing due (score and grade come from the rules' `emptyUnit`).
    public var isEmpty: Bool

    /// Scores one unit's counts.
    ///
    /// Each rate is rounded half-up to `rateDecimals` decimals of a percent (or kept exact),
    /// then `score = w₁·doneRate + w₂·onTimeRate + w₃·(1 − reworkRate) + w₄·S` where `S` is
    /// `1 − unsatisfiedRate` or `satisfiedRate` by the satisfaction basis (the full weight
    /// when no callback was rated); the sum is rounded half-up to `scoreDecimals`.
    public init(counts: UnitCounts, rules: RuleSet) {
        func rate(_ part: Int, _ whole: Int) -> Rational {
            guard whole > 0 else { return .zero }
            let exact = Rational(Int128(part) * 100, Int128(whole))
            guard let decimals = rules.rateDecimals else { return exact }
            return exact.rounded(decimals: decimals).rational
        }
        doneRate = rate(counts.done, counts.due)
        onTimeRate = rate(counts.onTime, counts.due)
        reworkRate = rate(counts.rework, counts.due)
        unsatisfiedRate = rate(counts.unsatisfied, counts.callbacks)
        satisfiedRate = rate(counts.satisfied, counts.callbacks)
        isEmpty = counts.due == 0
        if isEmpty {
            score = rules.emptyUnit.score.rounded(decimals: rules.scoreDecimals)
            grade = rules.emptyUnit.grade
            return
        }
        let w = rules.weights
        var total = w.done * doneRate / .hundred + w.onTime * onTimeRate / .hundred
        total = total + w.rework * (.one - reworkRate / .hundred)
        if counts.callbacks == 0 {
            total = total + w.satisfaction
        } else if rules.satisfaction == .dissatisfied {
            total = total + w.satisfaction * (.one - unsatisfiedRate / .hundred)
        } else {
            total = total + w.satisfaction * satisfiedRate / .hundred
        }
        score = total.rounded(decimals: rules.scoreDecimals)
        grade = rules.grade(for: score.rational)
    }

    /// A rate as the report shows it: rounded to `rateDecimals`, or to `displayRateDecimals`
    /// when the rules keep rates exact.
    public static func display(_ rate: Rational, rules: RuleSet) -> FixedDecimal {
        rate.rounded(decimals: rules.rateDecimals ?? rules.displayRateDecimals)
    }
}
