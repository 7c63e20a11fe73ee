#if Postgres
import Foundation
import Testing
import Events
@testable import PostgresLedger

/// Append latency and throughput, PostgreSQL against the file, printed as `bench:` lines.
/// Off unless TICKET_LEDGER_POSTGRES_BENCH is set (docs/postgres.md has the command and figures).
@Suite(.enabled(if: Server.available && ProcessInfo.processInfo.environment["TICKET_LEDGER_POSTGRES_BENCH"] != nil,
                "set TICKET_LEDGER_POSTGRES_BENCH=1 (and TICKET_LEDGER_POSTGRES_URI) to run the benchmarks"),
       .serialized)
struct PostgresBenchmarks {
    static let batchSize = 10

    /// A batch of 10 new tickets' `accepted` lines.
    static func batch(_ tag: String) -> [UInt8] {
        var text = ""
        for j in 0..<batchSize { text += accepted("\(tag)-\(j)", ticket: "T\(tag)-\(j)") }
        return Array(text.utf8)
    }

    static func describe(_ label: String, _ samples: [Double]) {
        let sorted = samples.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1000 }
        print("bench: \(label): median \(String(format: "%.2f", at(0.5))) ms, p90 \(String(format: "%.2f", at(0.9))) ms, p99 \(String(format: "%.2f", at(0.99))) ms (\(samples.count) appends of \(batchSize))")
    }

    static func throughput(_ label: String, events: Int, seconds: Double, extra: String = "") {
        print("bench: \(label): \(Int(Double(events) / seconds)) events/s (\(events) events in \(String(format: "%.2f", seconds)) s)\(extra)")
    }

    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let start = monotonicSeconds()
        try await body()
        return monotonicSeconds() - start
    }

    static func filePath(_ label: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("pg-bench-\(label)-\(UUID().uuidString).jsonl").path
    }

    @Test func appendLatencyOneWriter() async throws {
        let n = 300
        // PostgresLog: one transaction per append.
        let log = try PostgresLog(uri: try Server.freshDatabase("latlog"))
        var samples: [Double] = []
        for i in 0..<n { samples.append(try await Self.time { _ = try log.append(batch: Self.batch("L\(i)")) }) }
        Self.describe("PostgreSQL, PostgresLog.append", samples)
        // The Ledger on PostgreSQL: the same, through the actor.
        let ledger = try await Ledger.open(postgres: try Server.freshDatabase("latledger"))
        samples = []
        for i in 0..<n { samples.append(try await Self.time { try await ledger.append(batch: Self.batch("M\(i)")) }) }
        Self.describe("PostgreSQL, Ledger.append", samples)
        // The file Ledger.
        let path = Self.filePath("lat")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try await Ledger.open(path: path)
        samples = []
        for i in 0..<n { samples.append(try await Self.time { try await file.append(batch: Self.batch("F\(i)")) }) }
        Self.describe("file, Ledger.append", samples)
    }

    @Test func throughputSixteenWriters() async throws {
        let writers = 16, each = 100
        let events = writers * each * Self.batchSize
        // One Ledger on PostgreSQL, 16 concurrent callers: group commit.
        let ledger = try await Ledger.open(postgres: try Server.freshDatabase("tpledger"))
        var seconds = try await Self.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask { for i in 0..<each { try await ledger.append(batch: Self.batch("G\(w)-\(i)")) } }
                }
                try await group.waitForAll()
            }
        }
        Self.throughput("PostgreSQL, one Ledger, 16 callers", events: events, seconds: seconds,
                        extra: ", \(await ledger.commitCount) transactions")
        // 16 Ledgers on PostgreSQL (16 connections, as 16 service replicas would be), one caller each.
        let uri = try Server.freshDatabase("tpreplicas")
        var replicas: [Ledger] = []
        for _ in 0..<writers { replicas.append(try await Ledger.open(postgres: uri)) }
        seconds = try await Self.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (w, replica) in replicas.enumerated() {
                    group.addTask { for i in 0..<each { try await replica.append(batch: Self.batch("R\(w)-\(i)")) } }
                }
                try await group.waitForAll()
            }
        }
        Self.throughput("PostgreSQL, 16 Ledgers (16 connections), one caller each", events: events, seconds: seconds)
        // The file Ledger, 16 concurrent callers.
        let path = Self.filePath("tp")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try await Ledger.open(path: path)
        seconds = try await Self.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask { for i in 0..<each { try await file.append(batch: Self.batch("H\(w)-\(i)")) } }
                }
                try await group.waitForAll()
            }
        }
        Self.throughput("file, one Ledger, 16 callers", events: events, seconds: seconds)
    }
}
/// Seconds on the monotonic clock.
private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
#endif
