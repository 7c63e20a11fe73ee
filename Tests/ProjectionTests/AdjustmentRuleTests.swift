import Foundation
import Testing
@testable import Projections

/// The `adjustments` block of a rule file: computed deductions and bonuses.
@Suite struct AdjustmentRuleTests {
    @Test func ruleSetsDockGradesBToEAndOverdueTicketsByDefault() throws {
        let rules = try RuleSet.decode(json: Data(#"{"name": "plain"}"#.utf8), source: "plain.json")
        #expect(rules.adjustments == .standard)
        #expect(rules.adjustments.points(forGrade: "B") == Rational(-2))
        #expect(rules.adjustments.points(forGrade: "C") == Rational(-4))
        #expect(rules.adjustments.points(forGrade: "D") == Rational(-6))
        #expect(rules.adjustments.points(forGrade: "E") == Rational(-4))
        #expect(rules.adjustments.points(forGrade: "A") == nil)
        #expect(rules.adjustments.overdueTicket == Rational(decimal: "-0.5"))
    }

    @Test func adjustmentFieldsAreHonouredAndRoundTrip() throws {
        let json = """
        {"name": "strict", "adjustments": {"grades": {"E": -10, "C": -3.5, "A": 1}, "overdueTicket": 0, "label": "信件"}}
        """
        let rules = try RuleSet.decode(json: Data(json.utf8), source: "strict.json")
        // Kept in the rule set's grade order, whatever the file's order.
        #expect(rules.gradeAdjustments.map(\.grade) == ["A", "C", "E"])
        #expect(rules.adjustments.points(forGrade: "C") == Rational(decimal: "-3.5"))
        #expect(rules.adjustments.points(forGrade: "A") == Rational(1))
        #expect(rules.adjustments.points(forGrade: "B") == nil)
        #expect(rules.adjustments.overdueTicket == .zero)
        #expect(rules.adjustments.label == "信件")
        let again = try RuleSet.decode(json: Data(rules.jsonText().utf8), source: "again")
        #expect(again == rules)
    }

    @Test(arguments: [
        (#"{"name": "x", "adjustments": {"grades": {"B": "two"}}}"#, "field 'adjustments.grades.B': must be a number"),
        (#"{"name": "x", "adjustments": {"grades": {"F": -1}}}"#, "field 'adjustments.grades.F': no such grade"),
        (#"{"name": "x", "adjustments": {"overdueTicket": "half"}}"#, "field 'adjustments.overdueTicket': must be a number"),
        (#"{"name": "x", "adjustments": {"overdue": -1}}"#, "field 'adjustments.overdue': unknown field"),
        (#"{"name": "x", "adjustments": {"label": ""}}"#, "field 'adjustments.label'"),
        (#"{"name": "x", "adjustments": [1]}"#, "field 'adjustments': must be an object"),
    ])
    func badAdjustmentsNameTheField(json: String, expected: String) {
        do {
            _ = try RuleSet.decode(json: Data(json.utf8), source: "bad.json")
            Issue.record("accepted a bad rule file: \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
