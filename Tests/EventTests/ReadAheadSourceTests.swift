import Testing
@testable import Events

/// A source that hands out `bytes` in reads of at most `step` bytes, then fails after
/// `failAfter` bytes if set.
private final class SteppedSource: LogByteSource, @unchecked Sendable {
    let bytes: [UInt8]
    let step: Int
    let failAfter: Int?
    var offset = 0
    struct Failure: Error, Equatable {}

    init(_ bytes: [UInt8], step: Int, failAfter: Int? = nil) {
        (self.bytes, self.step, self.failAfter) = (bytes, step, failAfter)
    }

    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if let failAfter, offset >= failAfter { throw Failure() }
        let limit = failAfter.map { min($0, bytes.count) } ?? bytes.count
        let n = min(count, step, limit - offset)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}

/// Everything read through the read-ahead, in reads of `step` bytes.
private func drain(_ source: ReadAheadSource, step: Int) throws -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: step)
    while true {
        let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0.baseAddress!, count: step) }
        if n == 0 { return out }
        out += buffer[..<n]
    }
}

@Suite struct ReadAheadSourceTests {
    @Test func handsOutEveryByteInOrderWhateverTheSizes() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for length in [0, 1, 63, 64, 65, 4096, 100_003] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
            for (chunk, chunks, step, readStep) in [(64, 2, 7, 5), (64, 3, 64, 64), (1000, 4, 999, 4096), (7, 2, 1, 3)] {
                let ahead = ReadAheadSource(SteppedSource(bytes, step: step), chunkSize: chunk, chunks: chunks)
                let out = try drain(ahead, step: readStep)
                ahead.finish()
                #expect(out == bytes, "length \(length), chunk \(chunk), source step \(step), read step \(readStep)")
                #expect(try drain(ahead, step: 8) == [], "the end stays the end")
            }
        }
    }

    @Test func aFailureComesOutAfterTheBytesBeforeIt() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let ahead = ReadAheadSource(SteppedSource(bytes, step: 333, failAfter: 5_000), chunkSize: 1024, chunks: 3)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 700)
        #expect(throws: SteppedSource.Failure.self) {
            while true {
                let n = try buffer.withUnsafeMutableBytes { try ahead.read(into: $0.baseAddress!, count: 700) }
                if n == 0 { break }
                out += buffer[..<n]
            }
        }
        ahead.finish()
        #expect(out == Array(bytes[..<out.count]), "what came out is the source's bytes, in order")
        #expect(out.count == 5_000, "every byte read before the failure came out before it")
    }

    @Test func finishingEarlyStopsTheReadingThread() throws {
        let bytes = [UInt8](repeating: 0x41, count: 1 << 20)
        let source = SteppedSource(bytes, step: 4096)
        let ahead = ReadAheadSource(source, chunkSize: 8192, chunks: 2)
        var buffer = [UInt8](repeating: 0, count: 100)
        #expect(try buffer.withUnsafeMutableBytes { try ahead.read(into: $0.baseAddress!, count: 100) } == 100)
        ahead.finish()
        // The thread stopped with at most the chunks in flight read: the source was not read to its end.
        #expect(source.offset <= 3 * 8192)
    }
}
