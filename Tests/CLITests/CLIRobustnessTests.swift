import Foundation
import Testing

/// SplitMix64: a small seeded generator, so the damage is the same on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Test func verifyGivesALineNumberedMessageForEveryDamagedLine() throws {
    let seeds = try String(contentsOfFile: LedgerCLI.packageRoot.appendingPathComponent("samples/events.jsonl").path, encoding: .utf8)
        .split(separator: "\n").map { Array($0.utf8) }
    var random = SeededGenerator(state: 2024)
    var bytes: [UInt8] = []
    for round in 0..<5_000 {
        var line = seeds[round % seeds.count]
        let position = Int.random(in: 0..<line.count, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: line.removeSubrange(position...)
        case 1: line[position] = UInt8.random(in: 0...255, using: &random)
        case 2: line[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        default: line.remove(at: position)
        }
        bytes += line
        bytes.append(0x0A)
    }
    // End with a cut-off line too.
    bytes += seeds[0].prefix(30)
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("fuzz.jsonl", bytes)
    let result = try LedgerCLI.run(["verify", "fuzz.jsonl"], in: dir.path)
    #expect(result.status == 1)
    #expect(result.stderr == "")
    let lines = result.lines
    let summary = try #require(lines.last)
    var previous = 0
    for problem in lines.dropLast() {
        let parts = problem.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        #expect(parts.count == 3 && parts[0] == "fuzz.jsonl" && parts[2].count > 1, "\(problem)")
        let number = Int(parts.count > 1 ? parts[1] : "") ?? 0
        #expect(number > previous, "\(problem)")
        previous = number
    }
    #expect(lines.dropLast().last?.contains("the last line is cut short (30 bytes without a final newline)") == true)
    // events + errors = lines read.
    let counts = summary.split(separator: " ").compactMap { Int($0.replacingOccurrences(of: ",", with: "")) }
    #expect(counts.count == 3)
    let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
    #expect(counts[0] + counts[2] == lineCount)
}
