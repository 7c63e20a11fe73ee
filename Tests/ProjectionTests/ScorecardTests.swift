import Testing
@testable import Projections

@Suite struct ScorecardTests {
    let hotline = RuleSet.yueyangHotline
    let mailbox = RuleSet.yueyangMailbox

    @Test func reworkRateCanExceedOneHundredPercent() {
        // Yueyang 2024-02, 市国资委: 25 reworks on 9 due, published 277.78% and 17.8, grade E.
        let counts = UnitCounts(due: 9, done: 6, onTime: 6, rework: 25, satisfied: 6, unsatisfied: 3)
        let card = Scorecard(counts: counts, rules: hotline)
        #expect(Scorecard.display(card.reworkRate, rules: hotline) == FixedDecimal("277.78"))
        #expect(card.score.description == "17.8")
        #expect(card.grade == "E")
    }

    @Test func scoreHalfwayRoundsUpNotDown() {
        // 60 + 20 + 20 × (1 − 0.1325) = 97.35 exactly; binary floating point makes it 97.34999….
        let counts = UnitCounts(due: 10, done: 10, onTime: 10, satisfied: 347, unsatisfied: 53)
        let card = Scorecard(counts: counts, rules: hotline)
        #expect(Scorecard.display(card.unsatisfiedRate, rules: hotline) == FixedDecimal("13.25"))
        #expect(card.score.description == "97.4")
        #expect(card.grade == "A")
    }

    @Test func scoreOf89Point95RoundsTo90AndEarnsGradeA() {
        let counts = UnitCounts(due: 4, done: 4, onTime: 4, satisfied: 199, unsatisfied: 201)
        let card = Scorecard(counts: counts, rules: hotline)
        #expect(Scorecard.display(card.unsatisfiedRate, rules: hotline) == FixedDecimal("50.25"))
        #expect(card.score.description == "90.0")
        #expect(card.grade == "A")
    }

    @Test func ratesAreRoundedBeforeWeighting() {
        // 平江县 (Yueyang hotline): 1694 due, 1685 done, 1638 on time, 58 rework, 498 of 1564 unsatisfied → 91.8.
        let counts = UnitCounts(due: 1694, done: 1685, onTime: 1638, rework: 58, satisfied: 1066, unsatisfied: 498)
        let card = Scorecard(counts: counts, rules: hotline)
        #expect(Scorecard.display(card.doneRate, rules: hotline) == FixedDecimal("99.47"))
        #expect(Scorecard.display(card.onTimeRate, rules: hotline) == FixedDecimal("96.69"))
        #expect(card.score == FixedDecimal("91.8"))
    }

    @Test func unitWithNothingDueScoresFortyAndGradeE() {
        let card = Scorecard(counts: UnitCounts(accepted: 1, satisfied: 2), rules: hotline)
        #expect(card.isEmpty)
        #expect(card.score == FixedDecimal("40"))
        #expect(card.grade == "E")
    }

    @Test func unitWithoutRatedCallbacksKeepsTheFullSatisfactionWeight() {
        let counts = UnitCounts(due: 2, done: 2, onTime: 2, unreachable: 3)
        #expect(Scorecard(counts: counts, rules: hotline).score == FixedDecimal("100"))
        #expect(Scorecard(counts: counts, rules: mailbox).score == FixedDecimal("100"))
    }

    @Test func mailboxRulesUseExactRatesAndTwoDecimals() {
        // Yueyang mailbox 湘阴县: 41 due, all on time, 40 of 41 satisfied → 99.51 (exact 99.5121…).
        let counts = UnitCounts(due: 41, done: 41, onTime: 41, satisfied: 40, unsatisfied: 1)
        let card = Scorecard(counts: counts, rules: mailbox)
        #expect(card.score.description == "99.51")
        #expect(Scorecard.display(card.satisfiedRate, rules: mailbox) == FixedDecimal("97.56"))
        // 岳阳海关: 1 due, done late, satisfied → 70.00, which the mailbox bounds grade C.
        let late = Scorecard(counts: UnitCounts(due: 1, done: 1, onTime: 0, satisfied: 1), rules: mailbox)
        #expect(late.score.description == "70.00")
        #expect(late.grade == "C")
    }

    @Test func hotlineGradeBoundsMatchThePublishedTables() {
        #expect(hotline.grade(for: Rational(78)) == "D")
        #expect(hotline.grade(for: Rational(decimal: "17.8")!) == "E")
        #expect(hotline.grade(for: Rational(85)) == "B")
        #expect(hotline.grade(for: Rational(decimal: "84.9")!) == "C")
        #expect(hotline.grade(for: Rational(80)) == "C")
        #expect(hotline.grade(for: Rational(60)) == "D")
        #expect(hotline.grade(for: Rational(decimal: "59.9")!) == "E")
    }

    @Test func roundingIsHalfAwayFromZero() {
        #expect(Rational(decimal: "2.345")!.rounded(decimals: 2).description == "2.35")
        #expect(Rational(decimal: "-2.345")!.rounded(decimals: 2).description == "-2.35")
        #expect(Rational(decimal: "2.344")!.rounded(decimals: 2).description == "2.34")
        #expect(Rational(1, 3).rounded(decimals: 0).description == "0")
        #expect(Rational(2, 3).rounded(decimals: 3).description == "0.667")
        #expect(FixedDecimal("98.80")!.trimmed == "98.8")
        #expect(FixedDecimal("95") == FixedDecimal("95.0"))
    }
}

/// ``Rational/gcd(_:_:)`` takes 64-bit values through the processor's division; it must give
/// what Euclid's algorithm on 128 bits gives, on both sides of the boundary.
@Suite struct RationalGCDTests {
    static func euclid(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    @Test func agreesWithEuclidOn128Bits() {
        var random = SystemRandomNumberGenerator()
        let edges: [UInt128] = [0, 1, 2, 3, UInt128(UInt64.max) - 1, UInt128(UInt64.max), UInt128(UInt64.max) + 1, UInt128.max]
        var pairs = edges.flatMap { a in edges.map { (a, $0) } }
        for _ in 0..<5_000 {
            let small = UInt128(UInt64.random(in: 0...UInt64.max, using: &random) >> UInt64.random(in: 0...63, using: &random))
            let large = UInt128(UInt64.random(in: 0...UInt64.max, using: &random)) << UInt128(Int.random(in: 1...64, using: &random))
            let common = UInt128(UInt32.random(in: 1...1_000, using: &random))
            pairs.append((small, UInt128(UInt64.random(in: 0...UInt64.max, using: &random))))
            pairs.append((small * common, small &* 7 / 3 * common))
            pairs.append((large, small))
        }
        for (a, b) in pairs {
            #expect(Rational.gcd(a, b) == Self.euclid(a, b), "\(a), \(b)")
        }
        // A reduced fraction keeps its value.
        #expect(Rational(Int128(6_000_000_000_000), Int128(4_000_000_000_000)) == Rational(3, 2))
    }
}

/// ``FixedDecimal`` prints its digits itself and compares units of the same scale directly; both
/// must agree with the exact value.
@Suite struct FixedDecimalTests {
    /// The digits as `String(units)` with the point put in, as they were printed before.
    static func reference(_ units: Int128, scale: Int) -> String {
        var digits = String(units.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return units < 0 ? "-" + digits : digits
    }

    @Test func printsTheDigitsOfEveryMagnitude() {
        var random = SystemRandomNumberGenerator()
        var values: [Int128] = [0, 1, -1, 5, 9, 10, 99, 100, -100, 9880, Int128(UInt64.max), Int128(UInt64.max) + 1, -Int128(UInt64.max) - 7,
                                Int128.max, Int128.min + 1]
        for _ in 0..<2_000 {
            values.append(Int128(Int64.random(in: .min ... .max, using: &random)) >> Int128(Int.random(in: 0...63, using: &random)))
            values.append(Int128(Int64.random(in: .min ... .max, using: &random)) * Int128(Int64.random(in: 1 ... .max, using: &random)))
        }
        for units in values {
            for scale in 0...4 {
                #expect(FixedDecimal(units: units, scale: scale).description == Self.reference(units, scale: scale))
            }
        }
        for value in [0, 7, -42, Int.max, Int.min + 1] {
            var bytes: [UInt8] = []
            FixedDecimal.write(value, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test func comparesAsTheExactValues() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let a = FixedDecimal(units: Int128(Int.random(in: -2_000...2_000, using: &random)), scale: Int.random(in: 0...3, using: &random))
            let b = FixedDecimal(units: Int128(Int.random(in: -2_000...2_000, using: &random)), scale: Int.random(in: 0...3, using: &random))
            #expect((a == b) == (a.rational == b.rational), "\(a) \(b)")
            #expect((a < b) == (a.rational < b.rational), "\(a) \(b)")
        }
        #expect(FixedDecimal(units: 950, scale: 1) == FixedDecimal(units: 95, scale: 0))
        #expect(FixedDecimal(units: 9_880, scale: 2) > FixedDecimal(units: 987, scale: 1))
    }
}
