import Foundation
import Testing
import Events

/// One `Ledger` scenario, run the same way against every store (EventTests: a file;
/// PostgresTests: a file and PostgreSQL): appends, concurrent appends grouped with a rejected
/// batch that leaves nothing, an observer and a subscriber that see every event exactly once,
/// in order, and a reopened ledger that knows everything the first wrote.
public enum LedgerScenario {
    /// Runs the scenario; `open` opens the same log each time it is called, empty the first time.
    /// - Returns: The lines the log holds at the end, in order (for comparing stores).
    @discardableResult
    public static func run(open: @Sendable () async throws -> Ledger) async throws -> [String] {
        let ledger = try await open()
        #expect(await ledger.count == 0)
        let observed = Positions()
        try await ledger.addObserver { records in observed.add(records.map(\.position)) }
        let total = 2 + 3 * 6 + 1
        let subscriber = Task {
            var seen: [Int] = []
            for try await record in ledger.events(from: 1) {
                seen.append(record.position)
                if seen.count == total { break }
            }
            return seen
        }

        let first = try await ledger.append(batch: batch(accepted("a1", "T1"), assigned("a2", "T1")))
        #expect(first.map(\.position) == [1, 2])
        #expect(first.map(\.event.id) == ["a1", "a2"])
        #expect(String(decoding: first[0].line, as: UTF8.self).contains(#""recorded":"2024-03-01T10:00:05+08:00""#))

        // Concurrent appends, grouped; every fourth is rejected on its second line, after its
        // first accepted T-bad and used an id: neither may survive.
        let results = await withTaskGroup(of: (Int, [Ledger.Record]?).self) { group in
            for n in 0..<8 {
                group.addTask {
                    let lines = n % 4 == 3
                        ? batch(accepted("bad\(n)", "Tbad\(n)"), closed("bad\(n)-c", "Tbad\(n)"))
                        : batch(accepted("b\(n)", "TB\(n)"), assigned("b\(n)-s", "TB\(n)"), closed("b\(n)-c", "TB\(n)"))
                    do throws(AppendError) {
                        return (n, try await ledger.append(batch: lines))
                    } catch {
                        guard case .batchRejected = error else {
                            Issue.record("append \(n): \(error)")
                            return (n, [])
                        }
                        return (n, nil)
                    }
                }
            }
            var all: [(Int, [Ledger.Record]?)] = []
            for await result in group { all.append(result) }
            return all
        }
        var written: [Int] = []
        for (n, records) in results {
            if n % 4 == 3 {
                #expect(records == nil, "batch \(n) was rejected")
            } else {
                #expect(records?.count == 3, "batch \(n) was written whole")
                let positions = (records ?? []).map(\.position)
                #expect(positions.count == 3 && positions[2] == positions[0] + 2, "batch \(n)'s lines are adjacent")
                written += positions
            }
        }
        #expect(written.sorted() == Array(3...20))
        // Tbad3 was never accepted and bad3 never used.
        await #expect(throws: AppendError.self) { try await ledger.append(batch: batch(assigned("late", "Tbad3"))) }
        let again = try await ledger.append(batch: batch(accepted("bad3", "Tbad3")))
        #expect(again.map(\.position) == [21])
        #expect(await ledger.count == total)

        let seen = try await subscriber.value
        #expect(seen == Array(1...total), "the subscriber saw every event once, in order")
        #expect(observed.values == Array(1...total), "the observer saw every event once, in order")
        let head = await ledger.chainHead
        #expect(head != nil)
        let lines = try await ledger.records(from: 1).map { String(decoding: $0.line, as: UTF8.self) }
        #expect(lines.count == total)
        await ledger.close()

        // A new ledger on the same log knows every ticket, id and the chain.
        let reopened = try await open()
        #expect(await reopened.count == total)
        #expect(await reopened.chainHead == head)
        await #expect(throws: AppendError.self) { try await reopened.append(batch: batch(accepted("a1", "T2"))) }
        let closing = try await reopened.append(batch: batch(closed("a3", "T1")))
        #expect(closing.map(\.position) == [total + 1])
        let reopenedLines = try await reopened.records(from: 1).map { String(decoding: $0.line, as: UTF8.self) }
        #expect(Array(reopenedLines.prefix(total)) == lines)
        await reopened.close()
        return reopenedLines
    }

    /// Options with a fixed clock, so that both stores write the same bytes.
    public static var options: Ledger.Options {
        var options = Ledger.Options()
        let now = Timestamp.parseRFC3339("2024-03-01T10:00:05+08:00")!
        options.clock = { now }
        return options
    }

    private static func batch(_ lines: String...) -> [UInt8] { Array(lines.map { $0 + "\n" }.joined().utf8) }

    private static func accepted(_ id: String, _ ticket: String) -> String {
        #"{"id":"\#(id)","ticket":"\#(ticket)","type":"accepted","at":"2024-02-20T08:00:00+08:00","channel":"hotline"}"#
    }

    private static func assigned(_ id: String, _ ticket: String) -> String {
        #"{"id":"\#(id)","ticket":"\#(ticket)","type":"assigned","at":"2024-02-20T09:00:00+08:00","unit":"市城管局","due":"2024-02-25T18:00:00+08:00"}"#
    }

    private static func closed(_ id: String, _ ticket: String) -> String {
        #"{"id":"\#(id)","ticket":"\#(ticket)","type":"closed","at":"2024-02-21T16:00:00+08:00","unit":"市城管局","reply":"已处理"}"#
    }

    /// Positions gathered from an observer's thread.
    private final class Positions: @unchecked Sendable {
        // `@unchecked Sendable`: `stored` is only touched while `lock` is held.
        private let lock = NSLock()
        private var stored: [Int] = []
        func add(_ values: [Int]) { lock.lock(); stored += values; lock.unlock() }
        var values: [Int] { lock.lock(); defer { lock.unlock() }; return stored }
    }
}
