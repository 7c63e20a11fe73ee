import Testing
@testable import Events

/// The scan's fast path must either decline a line or give exactly what the validating
/// decoder gives; it must never accept a line the decoder rejects.
@Suite struct FlatLineDecoderTests {
    /// Lines the fast path takes: the common shape, including general timestamps and non-CJK text.
    static let common: [String] = [
        line("GD0000001-1", "GD0000001", "accepted", "2024-01-01T00:00:53+08:00", #""channel":"hotline","topic":"治安问题""#),
        line("GD0000001-2", "GD0000001", "assigned", "2024-01-01T00:41:21+08:00", #""unit":"中国电信岳阳分公司","due":"2024-01-04T00:41:21+08:00""#),
        line("GD0000001-3", "GD0000001", "extended", "2024-01-01T19:11:25+08:00", #""unit":"岳阳楼区公安局","due":"2024-01-10T08:23:25+08:00","reason":"涉及工程施工，需延期办理""#),
        line("GD0000001-4", "GD0000001", "closed", "2024-01-02T05:42:10+08:00", #""unit":"屈原管理区税务局","reply":"已向市民解释相关政策""#),
        line("GD0000001-5", "GD0000001", "returned", "2024-01-02T14:01:44+08:00", #""unit":"平江县税务局","by":"unit","reason":"属地不符""#),
        line("GD0000001-6", "GD0000001", "returned", "2024-01-02T14:01:44+08:00", #""unit":"平江县税务局","by":"center","due":"2024-01-09T14:01:44+08:00""#),
        line("GD0000001-7", "GD0000001", "callback-rated", "2024-01-03T03:52:13+08:00", #""recorded":"2024-01-08T12:49:07+08:00","unit":"中国电信岳阳分公司","rating":"satisfied""#),
        line("GD0000001-8", "GD0000001", "callback-rated", "2024-01-03T03:52:13-05:30", #""unit":"Ünit ö","rating":"unsatisfied","chain":"ab12""#),
        line("GD0000001-9", "GD0000001", "callback-rated", "2024-01-03T03:52:13Z", #""unit":"u","rating":"unreachable""#),
        line("E1", "T1", "accepted", "01 09:00", #""channel":"","category":"市容环境","topic":"占道经营""#),
        line("E2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00.5+08:00""#),
        line("E9", "T3", "accepted", "1969-12-31T23:59:59+08:00"),
        // Sealed lines: a 64-digit chain value (tested 64 bytes at once), and 64 bytes then a
        // quote that are not all plain (tested character by character).
        line("E18", "T3", "closed", "05 08:00", #""unit":"市城管局","chain":""# + sealHex + #"""#),
        line("E19", "T3", "closed", "05 08:00", #""unit":"u","chain":""# + String(sealHex.dropLast(6)) + #"市局""#),
        line("E20", "T3", "closed", "05 08:00", #""unit":"u","chain":""# + String(sealHex.dropLast(1)) + #"""#),
        // Runs of CJK characters the decoder takes five at a time: exactly five, five and one,
        // ten with two-byte characters between, and a run ending at the quote.
        line("E24", "T3", "closed", "05 08:00", #""unit":"岳阳市政府","reply":"市城管局已处理完毕并回访""#),
        line("E25", "T3", "closed", "05 08:00", #""unit":"岳阳市政府办","reply":"é岳阳市政府办ü市城管局已处理完毕ö""#),
    ]

    /// A chain value as ``LogAppender`` seals a line with.
    static let sealHex = "50910f85c8e2d6ca05d66943126b8104ce43a8e53b7279f3d1383fba37ecaf9d"

    /// Lines it declines (escapes, nesting, nulls, four-byte UTF-8, a foreign field, spaces); the decoder decides.
    static let rare: [String] = [
        line("E3", "T1", "extended", "02 09:30", #""unit":"市城管局","due":"2024-02-15T10:00:00Z","reason":"需\"现场\"勘查""#),
        line("E4", "T1", "closed", "03 16:00", #""unit":"市城管局","reply":"已处理\n谢谢","recorded":null"#),
        line("E8", "T3", "accepted", "05 08:00", #""source":{"system":"12345","ids":[1,2.5e3,-0.1,true,null]},"note":"\u5e02""#),
        line("E10", "T3", "assigned", "2200-01-01T00:00:00+08:00", #""unit":"𝕌 four-byte","due":"2024-02-29T23:59:59+23:59""#),
        line("E11", "T3", "accepted", "05 08:00", #""unit":"foreign to accepted""#),
        #"{"id":"E12", "ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#,
        #"{"id":"E13","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"} "#,
        line("E14", "T1", "callback-rated", "05 08:00", #""unit":"市城管局","rating":"satisfied","contacted":false"#),
        line("E15", "T1", "supervised", "05 08:00", #""unit":"市城管局","method":"phone""#),
        line("E16", "T1", "supervision-answered", "05 09:00", #""unit":"市城管局","reply":"已办""#),
        line("E17", "A1", "adjusted", "05 09:00", #""unit":"市城管局","points":-1,"indicator":"督办","reason":"迟报""#),
        // 64 bytes then a quote, but the quote before it is escaped: the value goes on.
        line("E21", "T3", "closed", "05 08:00", #""unit":"u","chain":""# + String(sealHex.dropLast(2)) + #"\"""#),
        line("E22", "T3", "closed", "05 08:00", #""unit":"u","chain":""# + String(sealHex.dropLast(6)) + #"\u0041""#),
        // Characters with an E0 or ED lead byte among CJK ones (the validating decoder checks their range).
        line("E26", "T3", "closed", "05 08:00", "\"unit\":\"岳阳市\u{D7FB}政府办公室\",\"reply\":\"\u{0800}岳阳市政府\""),
        // A quote 64 bytes on that closes a foreign member's value, not the chain's.
        line("E23", "T3", "closed", "05 08:00", #""unit":"u","chain":"0123456789","note":""# + String(sealHex.prefix(44)) + #"""#),
    ]

    static let seeds = common + rare

    /// The record of the validating path (the decoder, then the record built from its result), or `nil` when it rejects the line.
    static func slow(_ line: UnsafeRawBufferPointer, at start: Int, hashIDs: Bool) -> ScannedEvent? {
        var decoder = EventDecoder()
        guard let raw = try? decoder.decode(line) else { return nil }
        return ScannedEvent(raw, lineStart: start, lineLength: line.count, line: line, hashIDs: hashIDs)
    }

    /// Runs both paths on `line` placed at `start` in a block followed by `after`; checks they agree.
    @discardableResult
    static func check(_ line: [UInt8], start: Int = 0, after: [UInt8] = [0x0A], hashIDs: Bool = true) -> Bool {
        let block = [UInt8](repeating: 0x0A, count: start) + line + after
        return block.withUnsafeBytes { block -> Bool in
            var dates = Timestamp.DateCache()
            let inOrder = FlatLineDecoder.decodeInWriterOrder(block.baseAddress!, start: start, limit: block.count, hashIDs: hashIDs,
                                                             dates: &dates)
            let anyOrder = FlatLineDecoder.decode(block.baseAddress!, start: start, limit: block.count, hashIDs: hashIDs, dates: &dates)
            let bytes = UnsafeRawBufferPointer(rebasing: block[start..<(start + line.count)])
            let slow = slow(bytes, at: start, hashIDs: hashIDs)
            for fast in [inOrder, anyOrder] {
                guard let fast else { continue }
                #expect(fast.newline == start + line.count && block[fast.newline] == 0x0A)
                #expect(slow == fast.event, "\(String(decoding: line, as: UTF8.self))")
            }
            // Both paths take the lines written in the ledger's own order.
            if inOrder != nil { #expect(anyOrder != nil) }
            return anyOrder != nil
        }
    }

    @Test func takesTheCommonShapeAndDeclinesTheRest() {
        for (index, seed) in Self.seeds.enumerated() {
            let taken = Self.check(Array(seed.utf8), start: 3, after: Array("\n{\"id\"".utf8))
            #expect(taken == (index < Self.common.count), "\(seed)")
        }
    }

    @Test func linesInTheLedgersOwnOrderTakeTheQuickestPath() {
        for seed in Self.common {
            let bytes = Array((seed + "\n").utf8)
            var dates = Timestamp.DateCache()
            let taken = bytes.withUnsafeBytes {
                FlatLineDecoder.decodeInWriterOrder($0.baseAddress!, start: 0, limit: $0.count, hashIDs: false, dates: &dates) != nil
            }
            #expect(taken, "\(seed)")
        }
    }

    @Test func needsTheNewlineInsideTheBlock() {
        let seed = Array(Self.seeds[1].utf8)
        #expect(!Self.check(seed, after: []))
        #expect(!Self.check(seed, after: [0x0D, 0x0A]))
        #expect(!Self.check(Array(seed.dropLast()), after: [0x0A]))
    }

    @Test func agreesWithTheDecoderOnDamagedLines() {
        var random = SplitMix64(seed: 0xF1A7)
        var taken = 0
        let structural = Array(#"{}[]",:\ 0-eE.nu"#.utf8)
        for round in 0..<60_000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...2, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<7, using: &random) {
                case 0: bytes.removeSubrange(position...)
                case 1: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 2: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                case 3: bytes.remove(at: position)
                case 4: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
                case 5: bytes[position] = structural.randomElement(using: &random)!
                default: bytes[position] = UInt8.random(in: 0x30...0x39, using: &random)  // digits: timestamps stay well-formed
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if Self.check(bytes, start: round % 5, after: round % 3 == 0 ? [0x0A] : Array("\n{\"a\":\"b\"}\n".utf8), hashIDs: round % 2 == 0) {
                taken += 1
            }
        }
        #expect(taken > 2_000, "some damage leaves a valid line, which the fast path takes")
    }

    @Test func agreesWithTheDecoderOnSwappedAndRepeatedMembers() {
        // Valid lines of each type, then members dropped, repeated, reordered or swapped for
        // others: foreign fields, missing requirements, bad values, nulls and numbers.
        let bases: [[String]] = [
            [#""id":"X1""#, #""ticket":"T9""#, #""type":"accepted""#, #""at":"2024-03-01T10:00:00+08:00""#, #""channel":"hotline""#],
            [#""id":"X2""#, #""ticket":"T9""#, #""type":"assigned""#, #""at":"2024-03-01T10:00:00+08:00""#, #""unit":"市局""#,
             #""due":"2024-03-05T10:00:00+08:00""#],
            [#""id":"X3""#, #""ticket":"T9""#, #""type":"returned""#, #""at":"2024-03-01T10:00:00+08:00""#, #""unit":"市局""#,
             #""by":"center""#],
            [#""id":"X4""#, #""ticket":"T9""#, #""type":"closed""#, #""at":"2024-03-01T10:00:00+08:00""#, #""unit":"市局""#],
            [#""id":"X5""#, #""ticket":"T9""#, #""type":"callback-rated""#, #""at":"2024-03-01T10:00:00+08:00""#,
             #""unit":"市局""#, #""rating":"satisfied""#],
            [#""id":"X6""#, #""ticket":"T9""#, #""type":"supervision-answered""#, #""at":"2024-03-01T10:00:00+08:00""#,
             #""unit":"市局""#],
        ]
        let pool = [#""type":"closed""#, #""type":"extended""#, #""type":"returned""#, #""type":"accepted""#,
                    #""due":"2024-03-05T10:00:00+08:00""#, #""unit":"市局""#, #""unit":"""#, #""by":"center""#, #""by":"unit""#,
                    #""by":"nobody""#, #""rating":"satisfied""#, #""rating":"""#, #""recorded":"2024-03-01T10:00:00+08:00""#,
                    #""recorded":null"#, #""channel":"hotline""#, #""reply":"好""#, #""reason":"因""#, #""chain":"00""#,
                    #""due":"2024-02-30T10:00:00+08:00""#, #""at":"2024-03-01T24:00:00+08:00""#, #""at":7"#, #""id":"""#,
                    #""ticket":"""#, #""x":"y""#, #""topic":"t""#, #""category":"c""#, #""contacted":true"#, #""method":"phone""#,
                    #""due":"2024-03-05T10:00:00.25Z""#, #""recorded":"2024-03-01 10:00:00+08:00""#]
        var random = SplitMix64(seed: 77)
        var taken = 0
        for round in 0..<40_000 {
            var members = bases[round % bases.count]
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                let position = Int.random(in: 0..<members.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: members.remove(at: position)
                case 1: members.insert(members[position], at: Int.random(in: 0...members.count, using: &random))
                case 2: members.insert(pool.randomElement(using: &random)!, at: position)
                case 3: members[position] = pool.randomElement(using: &random)!
                default: members.shuffle(using: &random)
                }
                if members.isEmpty { members = [pool[0]] }
            }
            if Self.check(Array(("{" + members.joined(separator: ",") + "}").utf8)) { taken += 1 }
        }
        #expect(taken > 5_000)
    }

    @Test func knowsWhichFieldsBelongToEachType() {
        // The fast path knows the version 1 fields; the later ones (not strings, or rare) are the decoder's.
        let later = [Field.method, .contacted, .points, .indicator, .ref].reduce(0) { $0 | 1 << $1.index }
        let taken: [EventKind] = [.accepted, .assigned, .returned, .extended, .closed, .callbackRated]
        for kind in EventKind.allCases {
            #expect(FlatLineDecoder.allowed(kind) == (taken.contains(kind) ? Field.mask(for: kind) & ~later : 0))
        }
    }

    @Test func fixedFormTimestampsMatchTheGeneralParser() {
        var random = SplitMix64(seed: 3339)
        var parsed = 0
        // One cache for all: dates repeat (a narrow range every other thousand rounds), so cached days are checked too.
        var dates = Timestamp.DateCache()
        for round in 0..<200_000 {
            let narrow = round / 1000 % 2 == 0
            let year = narrow ? 2024 : round % 7 == 0 ? Int.random(in: 0...9999, using: &random) : Int.random(in: 1965...2205, using: &random)
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let month = narrow ? Int.random(in: 2...3, using: &random) : Int.random(in: 0...13, using: &random)
            let day = narrow ? Int.random(in: 28...30, using: &random) : Int.random(in: 0...32, using: &random)
            var text = String(repeating: "0", count: 4 - String(year).count) + "\(year)-\(two(month))-"
                + "\(two(day))T\(two(Int.random(in: 0...24, using: &random))):"
                + "\(two(Int.random(in: 0...60, using: &random))):\(two(Int.random(in: 0...60, using: &random)))"
                + (Bool.random(using: &random) ? "+" : "-") + "\(two(Int.random(in: 0...24, using: &random))):\(two(Int.random(in: 0...60, using: &random)))"
            var bytes = Array(text.utf8)
            if round % 3 == 0 {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                text = String(decoding: bytes, as: UTF8.self)
            }
            let fast = bytes.withUnsafeBytes { Timestamp.parseFixedForm($0.baseAddress!, dates: &dates) }
            let general = bytes.withUnsafeBytes { Timestamp.parseRFC3339($0) }
            if let fast {
                parsed += 1
                #expect(general?.nanoseconds == fast, "\(text)")
            } else if round % 3 != 0 && year >= 1970 && year <= 2199 {
                #expect(general == nil, "the fast path declined a valid \(text)")
            }
        }
        #expect(parsed > 10_000)
    }
}
