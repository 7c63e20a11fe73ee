#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Events
#if Postgres
import PostgresLedger
#endif

/// `ledger-bench ledger LOG`: the write side through an open ``Ledger`` — append latency, group
/// commit throughput, subscriber latency — appending new tickets to LOG (use a copy).
enum LedgerCommand {
    static let usage = """
    USAGE: ledger-bench ledger LOG [--appends N] [--writers W] [--per-writer M] [--batch B] [--cli PATH]

      LOG             a log to append to (it grows: give a copy, e.g. of a generated year
                      log, `ledger-bench generate --chain`), or a postgresql:// URI (built
                      with --traits Postgres): the same runs through a Ledger on it
      --appends N     sequential appends of B events, one at a time (default 200)
      --writers W     concurrent writers for the group-commit run (default 16)
      --per-writer M  appends of B events by each writer (default 100)
      --batch B       events per append (default 10)
      --cli PATH      also time `PATH append LOG` of B events (one run that writes the state file,
                      then 11 timed), and a subscriber here seeing what that process appends

    Prints: the time to open the log; the median and p99 of a B-event append (fsync included);
    events/s and p99 acknowledgement with W concurrent writers; how long after an append
    returns a subscriber in this process sees its events.
    """

    static func run(_ arguments: BenchArguments) throws -> Int32 {
        guard let log = arguments.positionals.first else { throw BenchUsageError("ledger needs a LOG to append to") }
        let appends = try arguments.integer("appends", default: 200)
        let writers = try arguments.integer("writers", default: 16)
        let perWriter = try arguments.integer("per-writer", default: 100)
        let batchSize = max(1, try arguments.integer("batch", default: 10))
        let cli = arguments.options["cli"]
        let done = DispatchSemaphore(value: 0)
        let failure = Failure()
        Task {
            do {
                try await measure(log: log, appends: appends, writers: writers, perWriter: perWriter, batchSize: batchSize, cli: cli)
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
        return 0
    }

    private final class Failure: @unchecked Sendable {
        // Written by the task before it signals; read after the wait.
        var error: (any Error)?
    }

    static func now() -> Double { monotonicSeconds() }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func ms(_ seconds: Double) -> String {
        let value = (seconds * 10_000).rounded() / 10
        return "\(value) ms"
    }

    /// `B` accepted events of new tickets, ids unique to `tag`.
    static func batch(_ tag: String, size: Int) -> [UInt8] {
        var text = ""
        for k in 0..<size {
            text += #"{"id":"bench-\#(tag)-\#(k)","ticket":"BENCH-\#(tag)-\#(k)","type":"accepted","at":"2025-01-01T09:00:00+08:00","channel":"hotline"}"# + "\n"
        }
        return Array(text.utf8)
    }

    /// The ledger on LOG: a file's, or a PostgreSQL one for a URI.
    static func openLedger(_ log: String) async throws -> Ledger {
        #if Postgres
        if PostgresLog.isURI(log) { return try await Ledger.open(postgres: log) }
        #endif
        return try await Ledger.open(path: log)
    }

    static func measure(log: String, appends: Int, writers: Int, perWriter: Int, batchSize: Int, cli: String?) async throws {
        let run = "\(getpid())-\(Int(now() * 1000) % 1_000_000)"
        var started = now()
        let ledger = try await openLedger(log)
        let lines = await ledger.count
        print("open: \(lines) lines in \(ms(now() - started))")

        // Sequential appends, with a subscriber in this process timing when it sees each one.
        let seen = SeenTimes()
        let first = lines + 1
        let subscriber = Task {
            for try await record in ledger.events(from: first) {
                let position = record.position
                seen.note(position, at: now())
                if position >= first + appends * batchSize - 1 { break }
            }
        }
        var latencies: [Double] = []
        var returned: [Int: Double] = [:]
        for n in 0..<appends {
            started = now()
            let last = try await ledger.append(batch: batch("\(run)-s\(n)", size: batchSize)).last?.position
            let end = now()
            latencies.append(end - started)
            if let last { returned[last] = end }
        }
        _ = try await subscriber.value
        let delays = returned.compactMap { position, time in seen.time(of: position).map { max(0, $0 - time) } }
        print("append of \(batchSize) events, \(appends) one after another: median \(ms(percentile(latencies, 0.5))), "
              + "p99 \(ms(percentile(latencies, 0.99)))")
        print("subscriber in this process: sees an append's last event \(ms(percentile(delays, 0.5))) after it returns "
              + "(median), p99 \(ms(percentile(delays, 0.99)))")

        // Concurrent writers: group commit.
        started = now()
        let acknowledgements = try await withThrowingTaskGroup(of: [Double].self) { group in
            for w in 0..<writers {
                group.addTask {
                    var mine: [Double] = []
                    for n in 0..<perWriter {
                        let t = now()
                        _ = try await ledger.append(batch: batch("\(run)-w\(w)-\(n)", size: batchSize))
                        mine.append(now() - t)
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = now() - started
        let events = writers * perWriter * batchSize
        print("\(writers) writers × \(perWriter) appends of \(batchSize): \(Int(Double(events) / elapsed)) events/s, "
              + "acknowledgement median \(ms(percentile(acknowledgements, 0.5))), p99 \(ms(percentile(acknowledgements, 0.99)))")

        guard let cli else { return }
        // Another process appends; the subscriber here follows the file.
        var cliTimes: [Double] = []
        var otherDelays: [Double] = []
        // The first run writes LOG.ledger-state if there is none (it verifies the whole log);
        // the timed runs after it resume from that state, as a user's appends do.
        for n in -1..<11 {
            let next = await ledger.count + 1
            let watcher = Task { () -> Double in
                for try await _ in ledger.events(from: next) { return now() }
                return .nan
            }
            let file = "/tmp/ledger-bench-batch-\(run)-\(n).jsonl"
            let bytes = batch("\(run)-cli\(n)", size: batchSize)
            let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = bytes.withUnsafeBytes { SystemCall.write(fd, $0.baseAddress, $0.count) }
            close(fd)
            defer { unlink(file) }
            let child = try ChildRun.run([cli, "append", log, file])
            let exited = now()
            guard child.status == 0 else { throw BenchUsageError("\(cli) append exited with \(child.status)") }
            let seen = try await watcher.value
            guard n >= 0 else { continue }
            cliTimes.append(child.wall)
            otherDelays.append(max(0, seen - exited))
        }
        print("`ledger-cli append` of \(batchSize) events (a new process each, resuming from LOG.ledger-state; 11 runs after one that writes it): median \(ms(percentile(cliTimes, 0.5))), max \(ms(cliTimes.max() ?? .nan))")
        print("subscriber here sees another process's append \(ms(percentile(otherDelays, 0.5))) after it exits (median), "
              + "max \(ms(otherDelays.max() ?? .nan))")
    }

    /// When the subscriber saw each position.
    private final class SeenTimes: @unchecked Sendable {
        // `@unchecked Sendable`: guarded by `lock`.
        private var lock = pthread_mutex_t()
        private var times: [Int: Double] = [:]
        init() { pthread_mutex_init(&lock, nil) }
        func note(_ position: Int, at time: Double) {
            pthread_mutex_lock(&lock)
            times[position] = time
            pthread_mutex_unlock(&lock)
        }
        func time(of position: Int) -> Double? {
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            return times[position]
        }
    }
}
