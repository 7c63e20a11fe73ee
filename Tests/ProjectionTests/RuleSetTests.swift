import Foundation
import Testing
@testable import Projections

@Suite struct RuleSetTests {
    @Test func shippedRuleFilesEqualTheBuiltInRuleSets() throws {
        for rules in RuleSet.builtIn {
            let loaded = try RuleSet.load(PackageFiles.path("samples/rules/\(rules.name).json"))
            #expect(loaded == rules)
        }
    }

    @Test func everyFieldOfARuleFileIsHonoured() throws {
        let json = """
        {"name": "custom", "attribution": "closure", "satisfaction": "satisfied",
         "weights": {"done": 25.5, "onTime": 34.5, "rework": 10, "satisfaction": 30},
         "rateDecimals": null, "scoreDecimals": 3, "timeZone": "-05:30", "channel": null,
         "emptyUnit": {"score": 0, "grade": "N"},
         "grades": [{"grade": "甲", "min": 95.5}, {"grade": "乙", "min": null}]}
        """
        let rules = try RuleSet.decode(json: Data(json.utf8), source: "custom.json")
        #expect(rules.attribution == .closure)
        #expect(rules.satisfaction == .satisfied)
        #expect(rules.weights.done == Rational(decimal: "25.5"))
        #expect(rules.rateDecimals == nil)
        #expect(rules.scoreDecimals == 3)
        #expect(rules.utcOffsetSeconds == -19_800)
        #expect(rules.channel == nil)
        #expect(rules.emptyUnit == .init(score: .zero, grade: "N"))
        #expect(rules.grade(for: Rational(decimal: "95.5")!) == "甲")
        #expect(rules.grade(for: Rational(decimal: "95.49")!) == "乙")
        let roundTrip = try RuleSet.decode(json: Data(rules.jsonText().utf8), source: "again")
        #expect(roundTrip == rules)
    }

    @Test(arguments: [
        (#"{"weights": {"done": 30}}"#, "field 'name'"),
        (#"{"name": "x", "weights": {"rework": "heavy"}}"#, "field 'weights.rework': must be a number"),
        (#"{"name": "x", "attribution": "month"}"#, "field 'attribution'"),
        (#"{"name": "x", "satisfaction": "happy"}"#, "field 'satisfaction'"),
        (#"{"name": "x", "rateDecimals": 9}"#, "field 'rateDecimals'"),
        (#"{"name": "x", "timeZone": "Asia/Shanghai"}"#, "field 'timeZone'"),
        (#"{"name": "x", "grades": [{"grade": "A", "min": 80}, {"grade": "B", "min": 90}, {"grade": "C", "min": null}]}"#, "field 'grades[1].min'"),
        (#"{"name": "x", "grades": [{"grade": "A", "min": null}, {"grade": "B", "min": 10}]}"#, "field 'grades[0].min'"),
        (#"{"name": "x", "emptyUnit": {"score": 40}}"#, "field 'emptyUnit.grade'"),
        (#"{"name": "x", "wieghts": {}}"#, "field 'wieghts': unknown field"),
        (#"{"name": "x", "#, "not valid JSON"),
    ])
    func badRuleFilesNameTheField(json: String, expected: String) {
        do {
            _ = try RuleSet.decode(json: Data(json.utf8), source: "bad.json")
            Issue.record("accepted a bad rule file: \(json)")
        } catch {
            #expect(error.description.hasPrefix("bad.json: "))
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func unknownRuleSetNameIsAnError() {
        #expect(throws: RuleSetError.self) { try RuleSet.load("no-such-rules") }
    }

    @Test func rosterParsesGroupsAndRejectsDuplicates() throws {
        let roster = try Roster.parse(csv: "unit,group\n市城管局,行政事业单位\n\"岳阳楼区\",县市区\n屈原残联\n", source: "r.csv")
        #expect(roster.entries.map(\.unit) == ["市城管局", "岳阳楼区", "屈原残联"])
        #expect(roster.entries.map(\.group) == ["行政事业单位", "县市区", nil])
        #expect(throws: RosterError.self) { try Roster.parse(csv: "unit,group\nA,\nA,\n", source: "r.csv") }
        #expect(throws: RosterError.self) { try Roster.parse(csv: "name\nA\n", source: "r.csv") }
    }
}
