extension RuleSet {
    /// The deductions and bonuses (考核加扣分) a bulletin computes from a unit's row: points per
    /// grade and per overdue ticket.
    ///
    /// Manual entries (a praise letter, a fake closure quoting its ticket number) are not rules;
    /// they come from `adjusted` events in the log.
    public struct Adjustments: Sendable, Equatable {
        /// Points per grade, in the rule set's grade order (negative: a deduction). Grades not
        /// listed cost nothing. A unit with nothing due (scored by ``RuleSet/emptyUnit``) is
        /// never docked for its grade.
        public var grades: [GradePoints]
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
        public init(grades: [GradePoints], overdueTicket: Rational, label: String? = nil, overdueExcuses: [OverdueExcuse] = []) {
            self.grades = grades
            self.overdueTicket = overdueTicket
            self.label = label
            self.overdueExcuses = overdueExcuses
        }

        /// Grade B −2, C −4, D −6, E −4 and −0.5 per overdue ticket without cause (the figures the
        /// Yueyang and Pingjiang bulletins use; a ticket the centre returned for rework is excused).
        public static let standard = Adjustments(
            grades: [GradePoints(grade: "B", points: Rational(-2)), GradePoints(grade: "C", points: Rational(-4)),
                     GradePoints(grade: "D", points: Rational(-6)), GradePoints(grade: "E", points: Rational(-4))],
            overdueTicket: Rational(-1, 2), overdueExcuses: [.centreReturn])

        /// No computed entries at all.
        public static let none = Adjustments(grades: [], overdueTicket: .zero)

        /// The points a grade costs or earns (`nil` when the grade is not listed).
        public func points(forGrade grade: String) -> Rational? {
            grades.first { $0.grade == grade }?.points
        }
    }

    /// A grade and its points.
    public struct GradePoints: Sendable, Equatable {
        public var grade: String
        public var points: Rational

        public init(grade: String, points: Rational) {
            self.grade = grade
            self.points = points
        }
    }
}
