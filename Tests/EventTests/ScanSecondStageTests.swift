import Foundation
import Synchronization
import Testing
@testable import Events

/// `LogScan.run(_:then:)`: the second stage gets every block once, in file order, after the
/// calling thread is done with it and one at a time, and nothing of it runs once `run` is over.
@Suite struct ScanSecondStageTests {
    /// What the second stage saw, shared with the threads it runs on.
    final class Record: Sendable {
        /// The file offsets of the blocks, in the order the stage had them.
        let offsets = Mutex<[Int64]>([])
        /// Stage calls running now, and the most at once.
        let running = Atomic<Int>(0)
        let mostAtOnce = Atomic<Int>(0)
        /// Blocks whose mark (written by the first stage) the second stage did not see.
        let unmarked = Atomic<Int>(0)

        func stage(_ block: ScannedBlock, pause: useconds_t = 0) {
            let now = running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
            _ = mostAtOnce.max(now, ordering: .sequentiallyConsistent)
            if pause > 0 { usleep(pause) }
            if block.events.first?.unitID != Self.mark(block.fileOffset) { unmarked.wrappingAdd(1, ordering: .relaxed) }
            offsets.withLock { $0.append(block.fileOffset) }
            running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }

        /// The mark the first stage leaves in a block's first record.
        static func mark(_ offset: Int64) -> Int32 { Int32(truncatingIfNeeded: offset) ^ 0x5A5A }
    }

    static func log(lines: Int) -> [UInt8] {
        (0..<lines).flatMap { i in
            Array(#"{"id":"e\#(i)","ticket":"T\#(i % 97)","type":"accepted","at":"2024-01-01T08:00:00+08:00","channel":"hotline"}"#.utf8) + [0x0A]
        }
    }

    /// The decoding threads (where the second stage runs) yield to the calling thread: on
    /// Linux they run `LogScan.workerNiceness` nice levels below it (19 at most); the calling
    /// thread's own priority is left as it was.
    @Test func theDecodingThreadsRunBelowTheCallingThread() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("log.jsonl", Self.log(lines: 3_000))
        #if os(Linux)
        let who = __priority_which_t(PRIO_PROCESS.rawValue)
        #else
        let who = PRIO_PROCESS
        #endif
        let callers = getpriority(who, 0)
        var scan = LogScan(path: path, workers: 2)
        scan.blockSize = 4096
        let seen = Mutex<Set<Int32>>([])
        try scan.run({ _ in }, then: { _ in
            let nice = getpriority(who, 0)
            seen.withLock { _ = $0.insert(nice) }
        })
        #if os(Linux)
        #expect(seen.withLock { $0 } == [min(callers + LogScan.workerNiceness, 19)])
        #else
        #expect(seen.withLock { $0 } == [callers])
        #endif
        #expect(getpriority(who, 0) == callers)
    }

    @Test(arguments: [0, 1, 2, 3])
    func theSecondStageHasEveryBlockOnceInOrderAfterTheFirst(workers: Int) throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("log.jsonl", Self.log(lines: 3_000))
        for blockSize in [333, 4096, 1 << 20] {
            var scan = LogScan(path: path, workers: workers)
            scan.blockSize = blockSize
            let record = Record()
            var firstStage: [Int64] = []
            let bytes = try scan.run({ block in
                firstStage.append(block.fileOffset)
                block.withMutableEvents { $0[0].unitID = Record.mark(block.fileOffset) }
            }, then: { record.stage($0, pause: blockSize == 333 ? 50 : 0) })
            #expect(bytes == Int64(Self.log(lines: 3_000).count))
            #expect(firstStage.count > (blockSize == 1 << 20 ? 0 : 10))
            #expect(record.offsets.withLock { $0 } == firstStage, "workers \(workers), blocks of \(blockSize)")
            #expect(record.unmarked.load(ordering: .relaxed) == 0)
            #expect(record.mostAtOnce.load(ordering: .relaxed) == 1)
            #expect(record.running.load(ordering: .relaxed) == 0)
        }
    }

    struct Stop: Error {}

    @Test(arguments: [1, 2])
    func aScanThatThrowsLeavesNoSecondStageRunning(workers: Int) throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("log.jsonl", Self.log(lines: 3_000))
        var scan = LogScan(path: path, workers: workers)
        scan.blockSize = 500
        let record = Record()
        var firstStage: [Int64] = []
        #expect(throws: Stop.self) {
            try scan.run({ block in
                if firstStage.count == 20 { throw Stop() }
                firstStage.append(block.fileOffset)
                block.withMutableEvents { $0[0].unitID = Record.mark(block.fileOffset) }
            }, then: { record.stage($0, pause: 2_000) })
        }
        // No stage call is running, nor starts later; those that ran had blocks the first
        // stage was done with, in order.
        #expect(record.running.load(ordering: .sequentiallyConsistent) == 0)
        let seen = record.offsets.withLock { $0 }
        usleep(20_000)
        #expect(record.offsets.withLock { $0 } == seen)
        #expect(seen == Array(firstStage.prefix(seen.count)))
        #expect(record.unmarked.load(ordering: .relaxed) == 0)
    }
}
