/// How a centre turns a unit's counts into a score and a grade: the rule set as data.
///
/// Rule sets come from JSON files (see ``RuleSet/decode(json:source:)``) or by name from
/// ``RuleSet/builtIn``. Every number is exact.
public struct RuleSet: Sendable, Equatable {
    /// A short identifier, e.g. `yueyang-hotline`.
    public var name: String
    /// Which period an assignment's due/done/onTime counts in.
    public var attribution: Attribution
    /// Whether the callback term rewards satisfaction or penalises dissatisfaction.
    public var satisfaction: SatisfactionBasis
    /// The four weights of the composite score.
    public var weights: Weights
    /// Rates are rounded half-up to this many decimals of a percent before weighting; `nil`
    /// keeps them exact.
    public var rateDecimals: Int?
    /// The score is rounded half-up to this many decimals.
    public var scoreDecimals: Int
    /// The UTC offset of the centre's calendar, in seconds (`+08:00` is 28,800).
    public var utcOffsetSeconds: Int32
    /// Score and grade of a unit with nothing due.
    public var emptyUnit: EmptyUnit
    /// Grade bounds, best first; the first bound the score reaches gives the grade. The last
    /// should have no minimum (the catch-all): rule files must end with one.
    public var grades: [GradeBound]
    /// Only tickets accepted on this channel count (`nil`: all channels).
    public var channel: String?
    /// Decimals shown for rates that are kept exact (``rateDecimals`` is `nil`).
    public var displayRateDecimals: Int
    /// Deductions and bonuses computed from the table (grade, overdue tickets).
    public var adjustments: Adjustments
    /// The time limits on assignments, in working days of an official calendar or in hours
    /// (`nil`: none; see ``DeadlinePolicy``).
    public var deadlines: DeadlinePolicy? = nil
    /// The extension and return policy whose violations a bulletin names (`nil`: none).
    public var policy: Policy? = nil

    /// Which period due, done and onTime count in.
    public enum Attribution: String, Sendable, Equatable, CaseIterable {
        /// The period containing the deadline as last extended or reset by rework.
        case deadline
        /// The period of the closure for a closed assignment, of the deadline for an open one.
        case closure
    }

    /// The callback term of the score.
    public enum SatisfactionBasis: String, Sendable, Equatable, CaseIterable {
        /// `weight × (1 − unsatisfiedRate)`.
        case dissatisfied
        /// `weight × satisfiedRate`.
        case satisfied
    }

    /// The weights of the score's four terms.
    public struct Weights: Sendable, Equatable {
        public var done: Rational
        public var onTime: Rational
        public var rework: Rational
        public var satisfaction: Rational

        public init(done: Rational, onTime: Rational, rework: Rational, satisfaction: Rational) {
            self.done = done
            self.onTime = onTime
            self.rework = rework
            self.satisfaction = satisfaction
        }
    }

    /// What a unit with nothing due gets.
    public struct EmptyUnit: Sendable, Equatable {
        public var score: Rational
        public var grade: String

        public init(score: Rational, grade: String) {
            self.score = score
            self.grade = grade
        }
    }

    /// A grade and the lowest score that earns it (`nil`: any score).
    public struct GradeBound: Sendable, Equatable {
        public var grade: String
        public var minimum: Rational?

        public init(grade: String, minimum: Rational?) {
            self.grade = grade
            self.minimum = minimum
        }
    }

    /// Creates a rule set.
    public init(name: String, attribution: Attribution = .deadline, satisfaction: SatisfactionBasis = .dissatisfied,
                weights: Weights, rateDecimals: Int? = 2, scoreDecimals: Int = 1, utcOffsetSeconds: Int32 = 28_800,
                emptyUnit: EmptyUnit = EmptyUnit(score: Rational(40), grade: "E"), grades: [GradeBound],
                channel: String? = nil, displayRateDecimals: Int = 2, adjustments: Adjustments = .standard) {
        self.name = name
        self.attribution = attribution
        self.satisfaction = satisfaction
        self.weights = weights
        self.rateDecimals = rateDecimals
        self.scoreDecimals = scoreDecimals
        self.utcOffsetSeconds = utcOffsetSeconds
        self.emptyUnit = emptyUnit
        self.grades = grades
        self.channel = channel
        self.displayRateDecimals = displayRateDecimals
        self.adjustments = adjustments
    }

    /// The grade a score earns; ``ungraded`` when it reaches no bound (only possible for a
    /// rule set built in code without a catch-all: rule files must end with one).
    public func grade(for score: Rational) -> String {
        for bound in grades {
            guard let minimum = bound.minimum else { return bound.grade }
            if score >= minimum { return bound.grade }
        }
        return RuleSet.ungraded
    }

    /// The grade shown for a score that reaches no bound of a rule set without a catch-all.
    public static let ungraded = "-"

    /// The UTC offset as text, `+08:00`.
    public var timeZoneText: String {
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        let minutes = Int(abs(utcOffsetSeconds)) / 60
        return sign + Period.pad(minutes / 60, 2) + ":" + Period.pad(minutes % 60, 2)
    }
}

extension RuleSet {
    /// The Yueyang hotline rule set (the default): 30/30/20/20, rates rounded to 2 decimals
    /// of a percent, score to 1 decimal, A ≥ 90, B ≥ 85, C ≥ 80, D ≥ 60, hotline tickets.
    public static let yueyangHotline = RuleSet(
        name: "yueyang-hotline",
        weights: Weights(done: Rational(30), onTime: Rational(30), rework: Rational(20), satisfaction: Rational(20)),
        grades: [GradeBound(grade: "A", minimum: Rational(90)), GradeBound(grade: "B", minimum: Rational(85)),
                 GradeBound(grade: "C", minimum: Rational(80)), GradeBound(grade: "D", minimum: Rational(60)),
                 GradeBound(grade: "E", minimum: nil)],
        channel: "hotline")

    /// The Yueyang mayor's-mailbox rule set: satisfied basis, exact rates, 2 score decimals,
    /// A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, mailbox tickets.
    public static let yueyangMailbox = RuleSet(
        name: "yueyang-mailbox", satisfaction: .satisfied,
        weights: Weights(done: Rational(30), onTime: Rational(30), rework: Rational(20), satisfaction: Rational(20)),
        rateDecimals: nil, scoreDecimals: 2,
        grades: [GradeBound(grade: "A", minimum: Rational(90)), GradeBound(grade: "B", minimum: Rational(80)),
                 GradeBound(grade: "C", minimum: Rational(70)), GradeBound(grade: "D", minimum: Rational(60)),
                 GradeBound(grade: "E", minimum: nil)],
        channel: "mailbox")

    /// The rule sets available by name.
    public static let builtIn: [RuleSet] = [.yueyangHotline, .yueyangMailbox]

    /// A built-in rule set by name.
    public static func named(_ name: String) -> RuleSet? {
        builtIn.first { $0.name == name }
    }
}
