import Foundation
import Testing
import Events
@testable import Projections

@Suite struct RuleSetTests {
    @Test func ruleFileStringsResolveEveryEscapeAndRefuseAnUnknownOne() throws {
        let parsed = try JSONValue.parse(#"["a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"]"#)
        #expect(parsed == .array([.string("a\"b\\c/d\u{08}\u{0C}\n\r\té😀")]))
        for bad in [#"["\x"]"#, #"["\é"]"#, #"["\U0041"]"#] {
            #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bad) }
            do { _ = try JSONValue.parse(bad) } catch { #expect(error.message == "not valid JSON (line 1, column 4: invalid escape sequence)", "\(bad)") }
        }
    }

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

    /// Issue 9: refusals of rule files that used to be accepted (or crashed, or named no field).
    @Test(arguments: [
        // No catch-all: a unit scoring 80.0 was graded B.
        (#"{"name": "x", "grades": [{"grade": "A", "min": 99}, {"grade": "B", "min": 98}]}"#,
         #"bad.json: field 'grades[1].min': the last grade must have "min": null, so that every score gets a grade (a score below 98 would have none)"#),
        // Weights the exact arithmetic cannot hold (exit 132 in Rational.+).
        (#"{"name": "x", "weights": {"done": 0.0000000000000001}}"#,
         "bad.json: field 'weights.done': 0.0000000000000001 cannot be computed exactly: a rule number may have at most 6 decimals and lie between -1000000 and 1000000"),
        (#"{"name": "x", "weights": {"rework": 1234567890123456789012345678}}"#,
         "bad.json: field 'weights.rework': 1234567890123456789012345678 cannot be computed exactly: a rule number may have at most 6 decimals and lie between -1000000 and 1000000"),
        (#"{"name": "x", "grades": [{"grade": "A", "min": 1e300}, {"grade": "E", "min": null}]}"#,
         "bad.json: field 'grades[0].min': 1e300 cannot be computed exactly: a rule number may have at most 6 decimals and lie between -1000000 and 1000000"),
        (#"{"name": "x", "adjustments": {"overdueTicket": -0.0000005}}"#,
         "bad.json: field 'adjustments.overdueTicket': -0.0000005 cannot be computed exactly: a rule number may have at most 6 decimals and lie between -1000000 and 1000000"),
        // "The given data was not valid JSON." with no field.
        (#"{"name": "x", "rateDecimals": 2.5}"#, "bad.json: field 'rateDecimals': must be a whole number from 0 to 6, or null, not 2.5"),
        (#"{"name": "x", "scoreDecimals": "1"}"#, #"bad.json: field 'scoreDecimals': must be a whole number from 0 to 6, not the string "1""#),
        // Duplicate keys (Foundation keeps one silently) and duplicate grade names.
        (#"{"name": "x", "weights": {"done": 30, "done": 40}}"#,
         "bad.json: field 'weights.done': duplicate key (each key may appear only once in an object)"),
        (#"{"name": "x", "channel": "hotline", "name": "y"}"#, "bad.json: field 'name': duplicate key (each key may appear only once in an object)"),
        (#"{"name": "x", "adjustments": {"grades": {"B": -2, "B": -3}}}"#,
         "bad.json: field 'adjustments.grades.B': duplicate key (each key may appear only once in an object)"),
        (#"{"name": "x", "grades": [{"grade": "A", "min": 90}, {"grade": "A", "min": null}]}"#,
         #"bad.json: field 'grades[1].grade': grade "A" is listed twice (first as grades[0])"#),
        ("{\"name\": \"x\",\n \"weights\": {\"done\": 30,}}", "bad.json: not valid JSON (line 2, column 25: a quoted key expected)"),
    ])
    func hostileRuleFilesAreRefusedNamingTheField(json: String, expected: String) {
        do {
            _ = try RuleSet.decode(json: Data(json.utf8), source: "bad.json")
            Issue.record("accepted a bad rule file: \(json)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func ruleNumbersAtTheBoundsScoreWithoutOverflow() throws {
        let json = """
        {"name": "extreme", "weights": {"done": 1000000, "onTime": -999999.999999, "rework": 0.000001, "satisfaction": 1000000},
         "rateDecimals": null, "scoreDecimals": 6,
         "grades": [{"grade": "A", "min": 999999.999999}, {"grade": "B", "min": -1000000}, {"grade": "C", "min": null}]}
        """
        var rules = try RuleSet.decode(json: Data(json.utf8), source: "extreme.json")
        var counts = UnitCounts()
        // Counts near 2^40 with coprime denominators: the largest exact score the bounds allow.
        counts.due = (1 << 40) - 1
        counts.done = (1 << 40) - 3
        counts.onTime = (1 << 39) + 7
        counts.rework = 1 << 40
        counts.satisfied = (1 << 40) - 5
        counts.unsatisfied = 3
        let exact = Scorecard(counts: counts, rules: rules)
        #expect(exact.grade == "A")
        rules.rateDecimals = 6
        rules.satisfaction = .satisfied
        let rounded = Scorecard(counts: counts, rules: rules)
        #expect(rounded.score.scale == 6)
    }

    @Test func aRuleSetBuiltWithoutACatchAllLeavesLowScoresUngraded() {
        var rules = RuleSet.yueyangHotline
        rules.grades = [.init(grade: "A", minimum: Rational(99)), .init(grade: "B", minimum: Rational(98))]
        #expect(rules.grade(for: Rational(80)) == RuleSet.ungraded)
        #expect(rules.grade(for: Rational(98)) == "B")
    }

    @Test func unknownRuleSetNameIsAnError() {
        let error = #expect(throws: RuleSetError.self) { try RuleSet.load("no-such-rules") }
        #expect(error?.source == "no-such-rules")
        #expect(error?.field == "")
        #expect(error?.description == "no-such-rules: no such rule file, and not a built-in rule set (built in: yueyang-hotline, yueyang-mailbox)")
    }

    @Test func rosterParsesGroupsAndRejectsDuplicates() throws {
        let roster = try Roster.parse(csv: "unit,group\n市城管局,行政事业单位\n\"岳阳楼区\",县市区\n屈原残联\n", source: "r.csv")
        #expect(roster.entries.map(\.unit) == ["市城管局", "岳阳楼区", "屈原残联"])
        #expect(roster.entries.map(\.group) == ["行政事业单位", "县市区", nil])
        let duplicate = #expect(throws: RosterError.self) { try Roster.parse(csv: "unit,group\nA,\nA,\n", source: "r.csv") }
        #expect(duplicate?.line == 3)
        #expect(duplicate?.description == "r.csv:3: unit A is listed twice (first on line 2)")
        let header = #expect(throws: RosterError.self) { try Roster.parse(csv: "name\nA\n", source: "r.csv") }
        #expect(header?.line == 1)
        #expect(header?.description == "r.csv:1: header must be 'unit,group', found 'name'")
    }

    /// Issue 9: an unterminated quote listed a phantom unit.
    @Test func rosterRefusesAnUnterminatedQuoteWithItsLine() {
        do {
            _ = try Roster.parse(csv: "unit,group\n市城管局,行政事业单位\n\"屈原人社局,A\n岳阳楼区,县市区\n", source: "r.csv")
            Issue.record("accepted an unterminated quote")
        } catch {
            #expect(error.description == "r.csv:3: unterminated quote: a quoted field must end with '\"' on the same line")
        }
    }

    /// Issue 9: CRLF gave "header must be 'unit,group', found 'unit,group\r…'"; a BOM is accepted too.
    @Test func rosterAcceptsCRLFAndAByteOrderMark() throws {
        let expected = [Roster.Entry(unit: "市城管局", group: "行政事业单位"), Roster.Entry(unit: "岳阳楼区", group: "县市区"),
                        Roster.Entry(unit: "屈原残联", group: nil)]
        let crlf = "unit,group\r\n市城管局,行政事业单位\r\n\"岳阳楼区\",县市区\r\n屈原残联\r\n"
        #expect(try Roster.parse(csv: crlf, source: "r.csv").entries == expected)
        #expect(try Roster.parse(csvData: Data(("\u{FEFF}" + crlf).utf8), source: "r.csv").entries == expected)
        #expect(try Roster.parse(csvData: Data(("\u{FEFF}" + crlf.replacingOccurrences(of: "\r\n", with: "\n")).utf8), source: "r.csv").entries == expected)
    }

    /// Issue 9: a GBK file was reported at line 0.
    @Test func rosterNamesTheFirstLineThatIsNotUTF8() throws {
        // "unit,group", an ASCII unit, then 岳阳 in GBK (D4 C0 D1 F4).
        let bytes: [UInt8] = Array("unit,group\nA,x\n".utf8) + [0xD4, 0xC0, 0xD1, 0xF4] + Array(",y\n".utf8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gbk.csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Roster.load(path: path)
            Issue.record("accepted a GBK roster")
        } catch {
            #expect(error.description
                    == "\(path):3: not UTF-8: the roster must be UTF-8 (convert it, e.g. iconv -f gb18030 -t utf-8 \(path) > units-utf8.csv)")
        }
    }
}

/// A rule set may give units with nothing due a grade of their own (N, outside its grades):
/// the grade counts then list it last, so that they add up to the table's rows.
@Test func gradeCountsIncludeTheEmptyUnitsOwnGrade() throws {
    var rules = RuleSet.yueyangHotline
    rules.emptyUnit = RuleSet.EmptyUnit(score: Rational(0), grade: "N")
    let report = try BulletinTests.reports(log: "samples/quyuan-2023-09.jsonl", period: .month(2023, 9),
                                           rules: [rules], rosters: ["samples/quyuan-units.csv"])[0]
    let empty = report.rows.filter(\.scorecard.isEmpty).count
    #expect(empty > 0 && report.rows.allSatisfy { $0.scorecard.isEmpty == ($0.scorecard.grade == "N") })
    #expect(report.gradeCounts.map(\.grade) == rules.grades.map(\.grade) + ["N"])
    #expect(report.gradeCounts.last?.count == empty)
    #expect(report.gradeCounts.map(\.count).reduce(0, +) == report.rows.count)
    // With the default grade E, which is one of the grades, nothing is added.
    let plain = try BulletinTests.reports(log: "samples/quyuan-2023-09.jsonl", period: .month(2023, 9),
                                          rules: [.yueyangHotline], rosters: ["samples/quyuan-units.csv"])[0]
    #expect(plain.gradeCounts.map(\.grade) == RuleSet.yueyangHotline.grades.map(\.grade))
    #expect(plain.gradeCounts.map(\.count).reduce(0, +) == plain.rows.count)
}
