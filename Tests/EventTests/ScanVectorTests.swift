import CLedgerScan
import Testing
@testable import Events

/// The decoders' sixteen-byte tests (`CLedgerScan`, SSE2) must say exactly what the byte-by-byte
/// rules say of the same bytes: which byte is the first special one, and how many characters
/// from the first are three-byte ones with an E1–EC or EE–EF lead.
@Suite struct ScanVectorTests {
    /// Bytes that matter to the tests: ASCII letters, the quote, the backslash, control
    /// characters, continuation bytes and every kind of lead byte.
    static let alphabet: [UInt8] = [0x41, 0x7A, 0x20, 0x7E, 0x7F, 0x22, 0x5C, 0x00, 0x0A, 0x1F, 0x80, 0x9F, 0xA0, 0xBF,
                                    0xC2, 0xDF, 0xE0, 0xE1, 0xE5, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xFF]

    static func firstSpecial(_ bytes: [UInt8]) -> Int {
        bytes.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 } ?? 16
    }

    /// The bytes of the whole E1–EC/EE–EF three-byte characters the first 15 bytes start with.
    static func cjkPrefix(_ bytes: [UInt8]) -> Int {
        var k = 0
        while k < 5 {
            let lead = bytes[3 * k]
            guard (0xE1...0xEF).contains(lead), lead != 0xED,
                  bytes[3 * k + 1] & 0xC0 == 0x80, bytes[3 * k + 2] & 0xC0 == 0x80 else { break }
            k += 1
        }
        return 3 * k
    }

    /// Sixteen bytes: mostly CJK characters (so that five in a row come up), with random bytes
    /// of the alphabet put in.
    static func window(_ random: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < 16 {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes += [UInt8.random(in: 0x20...0x7E, using: &random)]
            default:
                bytes += [UInt8.random(in: 0xE1...0xEF, using: &random), UInt8.random(in: 0x80...0xBF, using: &random),
                          UInt8.random(in: 0x80...0xBF, using: &random)]
            }
        }
        bytes = Array(bytes.prefix(16))
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            bytes[Int.random(in: 0..<16, using: &random)] = alphabet.randomElement(using: &random)!
        }
        return bytes
    }

    @Test func sixteenByteTestsAgreeWithTheBytes() {
        var random = SplitMix64(seed: 0x5C4A)
        var found = (special: 0, cjk: [Int](repeating: 0, count: 16))
        for round in 0..<200_000 {
            var bytes = round % 2 == 0 ? Self.window(&random) : (0..<16).map { _ in Self.alphabet.randomElement(using: &random)! }
            if round % 7 == 0 { bytes = (0..<16).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) } }
            bytes.withUnsafeBytes { window in
                let special = Int(ledger_first_special16(window.baseAddress!))
                let cjk = Int(ledger_cjk_prefix(window.baseAddress!))
                guard ledger_scan_has_vectors() != 0 else {
                    #expect(special == 0 && cjk == 0, "nothing is tested without the vector instructions")
                    return
                }
                #expect(special == Self.firstSpecial(bytes), "\(bytes)")
                #expect(cjk == Self.cjkPrefix(bytes), "\(bytes)")
                if special < 16 { found.special += 1 }
                found.cjk[cjk] += 1
            }
        }
        if ledger_scan_has_vectors() != 0 {
            #expect(found.special > 10_000 && found.special < 190_000, "both answers come up")
            #expect([0, 3, 6, 9, 12, 15].allSatisfy { found.cjk[$0] > 1_000 }, "every count of characters comes up: \(found.cjk)")
        }
    }

    @Test func sixtyFourBytesArePlainExactlyWhenEveryByteIs() {
        var random = SplitMix64(seed: 0x64B)
        let hex = Array("0123456789abcdef".utf8)
        var plainCount = 0
        for round in 0..<50_000 {
            var bytes = (0..<64).map { _ in hex.randomElement(using: &random)! }
            if round % 4 != 0 {
                bytes[Int.random(in: 0..<64, using: &random)] = Self.alphabet.randomElement(using: &random)!
            }
            let plain = !bytes.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 }
            if plain { plainCount += 1 }
            bytes.withUnsafeBytes { buffer in
                #expect(Cursor.isPlainASCII64(buffer.baseAddress!) == plain, "\(bytes)")
                if ledger_scan_has_vectors() == 0 { #expect(ledger_any_special64(buffer.baseAddress!) == 0) }
            }
        }
        #expect(plainCount > 10_000 && plainCount < 45_000, "both answers come up")
    }

    @Test func plainRunsAreSkippedToTheFirstSpecialByteOrTheLastWord() {
        // Cursor.skipPlainASCII over every start and length of a plain run: the first special
        // byte when there is one, else the last whole eight-byte word before the limit.
        let plain = Array("GD0000001-12,\"ticket\":abcdefghijklmnopqrstuvwxyz0123456789".utf8).filter { $0 != 0x22 }
        for length in 0..<plain.count {
            for special: UInt8 in [0x22, 0x5C, 0x0A, 0xE5] {
                let bytes = Array(plain.prefix(length)) + [special] + Array(repeating: 0x41, count: 20)
                for start in 0...length {
                    let found = bytes.withUnsafeBytes { Cursor.skipPlainASCII($0.baseAddress!, from: start, limit: bytes.count) }
                    #expect(found == length, "run of \(length) from \(start), then \(special)")
                }
            }
            let bytes = Array(plain.prefix(length))
            for start in 0...length {
                let found = bytes.withUnsafeBytes { Cursor.skipPlainASCII($0.baseAddress!, from: start, limit: bytes.count) }
                #expect(found == start + (length - start) / 8 * 8, "plain to the limit: \(length) from \(start)")
            }
        }
    }
}
