extension RuleSet {
    /// The deductions and bonuses (考核加扣分) a bulletin computes from a unit's row: points per
    /// grade and per overdue ticket.
    ///
    /// Manual entries (a praise letter, a fake closure quoting its ticket number) are not rules;
    /// they come from `adjusted` events in the log.
    public struct Adjustments: Sendable, Equatable {
        /// Points per grade, by the grade's name (negative: a deduction). Grades not listed
        /// cost nothing. A unit with nothing due (scored by ``RuleSet/emptyUnit``) is never
        /// docked for its grade.
        public var grades: [String: Rational]
        /// Points per overdue ticket (due in the period and not closed on time); `0` turns the
        /// rule off.
        public var overdueTicket: Rational
        /// The channel's name in the entries' wording (`热线` → 热线办理综合考评, 热线月度考评B类);
        /// `nil`: the report's name for the channel (the Reports module: 热线 for the hotline,
        /// 信箱 for the mailbox, else 工单).
        public var label: String?
        /// Overdue tickets that are not docked (无故超期: only overdue without cause costs points).
        public var overdueExcuses: [OverdueExcuse] = []

        /// Creates the rules.
        public init(grades: [String: Rational], overdueTicket: Rational, label: String? = nil, overdueExcuses: [OverdueExcuse] = []) {
            self.grades = grades
            self.overdueTicket = overdueTicket
            self.label = label
            self.overdueExcuses = overdueExcuses
        }

        /// Grade B −2, C −4, D −6, E −4 and −0.5 per overdue ticket without cause (the figures the
        /// Yueyang and Pingjiang bulletins use; a ticket the centre returned for rework is excused).
        public static let standard = Adjustments(
            grades: ["B": Rational(-2), "C": Rational(-4), "D": Rational(-6), "E": Rational(-4)],
            overdueTicket: Rational(-1, 2), overdueExcuses: [.centreReturn])

        /// No computed entries at all.
        public static let none = Adjustments(grades: [:], overdueTicket: .zero)

        /// The points a grade costs or earns (`nil` when the grade is not listed).
        public func points(forGrade grade: String) -> Rational? {
            grades[grade]
        }
    }

    /// The points per grade of ``adjustments``, in the order of ``grades`` (best first); a
    /// grade without points, or points for a grade the rule set does not have, is left out.
    package var gradeAdjustments: [(grade: String, points: Rational)] {
        grades.compactMap { bound in adjustments.grades[bound.grade].map { (bound.grade, $0) } }
    }
}
