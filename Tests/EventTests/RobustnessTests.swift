import Testing
@testable import Events

/// Valid lines of every type, with escapes, Unicode, extra members and optional fields.
private let seeds: [String] = [
    line("E1", "T1", "accepted", "01 09:00", #""channel":"hotline","category":"市容环境","topic":"占道经营""#),
    line("E2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00.5+08:00""#),
    line("E3", "T1", "extended", "02 09:30", #""unit":"市城管局","due":"2024-02-15T10:00:00Z","reason":"需\"现场\"勘查""#),
    line("E4", "T1", "closed", "03 16:00", #""unit":"市城管局","reply":"已处理\n谢谢","recorded":null"#),
    line("E5", "T1", "returned", "04 10:00", #""unit":"市城管局","by":"center","reason":"未联系市民","due":"\#(feb("20 18:00"))""#),
    line("E6", "T2", "returned", "04 10:00", #""unit":"市住建局","by":"unit""#),
    line("E7", "T1", "callback-rated", "20 10:00", #""unit":"市城管局","rating":"unreachable","recorded":"2024-03-11T10:00:00+08:00""#),
    line("E8", "T3", "accepted", "05 08:00", #""source":{"system":"12345","ids":[1,2.5e3,-0.1,true,null]},"note":"\u5e02\u6c11 \ud83d\ude00""#),
    line("E9", "T3", "callback-rated", "21 10:00", #""unit":"市住建局","rating":"satisfied","chain":"ab12cd""#),
]

/// One random damage to a line: a cut, a changed byte, a flipped bit, a lost or extra byte.
private func mutate(_ bytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
    var bytes = bytes
    let position = Int.random(in: 0..<bytes.count, using: &random)
    switch Int.random(in: 0..<6, using: &random) {
    case 0: bytes.removeSubrange(position...)
    case 1: bytes[position] = UInt8.random(in: 0...255, using: &random)
    case 2: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
    case 3: bytes.remove(at: position)
    case 4: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
    default:
        // A structural character in a random place.
        let structural: [UInt8] = Array(#"{}[]",:\ 0-eE."#.utf8)
        bytes[position] = structural.randomElement(using: &random)!
    }
    return bytes
}

@Test func damagedLinesNeverCrashTheDecoder() {
    var random = SplitMix64(seed: 0x5EED_1234)
    var decoder = EventDecoder()
    var decoded = 0, rejected = 0
    for round in 0..<5_000 {
        let seed = Array(seeds[round % seeds.count].utf8)
        let damaged = mutate(seed, using: &random)
        let outcome = damaged.withUnsafeBytes { b in
            Result { () throws(EventProblem) in try decoder.decodeEvent(b) }
        }
        switch outcome {
        case .success(let event):
            decoded += 1
            // Whatever decodes writes back to something that decodes to the same event.
            #expect((try? EventTests.decode(event.jsonLine())) == event)
        case .failure(let problem):
            rejected += 1
            #expect(!problem.message.isEmpty)
            if case .malformedJSON(let offset, _) = problem {
                #expect(offset >= 0 && offset <= damaged.count)
            }
        }
    }
    #expect(decoded + rejected == 5_000)
    #expect(rejected > 2_500, "most damage is caught")
}

@Test func damagedLogsYieldOneLineNumberedProblemPerBadLine() throws {
    var random = SplitMix64(seed: 42)
    var bytes: [UInt8] = []
    for round in 0..<5_000 {
        bytes += mutate(Array(seeds[round % seeds.count].utf8), using: &random)
        bytes.append(0x0A)
    }
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("fuzz.jsonl", bytes)
    var lines: [Int] = []
    let summary = try LogVerifier.verifyFile(at: path) { problem in
        let text = problem.formatted(file: "fuzz.jsonl")
        #expect(text.hasPrefix("fuzz.jsonl:\(problem.line): "))
        #expect(text.count > "fuzz.jsonl:\(problem.line): ".count)
        lines.append(problem.line)
    }
    #expect(summary.lineCount >= 5_000)
    #expect(summary.eventCount + summary.problemCount == summary.lineCount, "every line is an event or a problem")
    #expect(lines == lines.sorted() && Set(lines).count == lines.count, "one problem per line, in order")
    #expect(lines.allSatisfy { (1...summary.lineCount).contains($0) })
}

@Test func aTruncatedLastLineIsAlwaysATornTail() throws {
    var random = SplitMix64(seed: 99)
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let sound = log(acceptedAssignedClosed("T1", prefix: "a"))
    for _ in 0..<200 {
        let last = Array(seeds.randomElement(using: &random)!.utf8)
        let cut = Int.random(in: 1...last.count, using: &random)
        let path = try dir.write("torn.jsonl", Array(sound.utf8) + last[..<cut])
        var problems: [LogProblem] = []
        let summary = try LogVerifier.verifyFile(at: path) { problems.append($0) }
        #expect(problems == [LogProblem(line: 4, problem: .tornTail(byteCount: cut))])
        #expect(summary.eventCount == 3)
    }
}
