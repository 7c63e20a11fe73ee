#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events
import LedgerBenchKit

/// `ledger-bench generate`: writes a seeded workload to standard output.
enum GenerateCommand {
    static let usage = """
    USAGE: ledger-bench generate [--tickets N] [--seed S] [--units U] [--from DAY] [--to DAY]

      --tickets N   tickets accepted over the 366 days from 2024-01-01 (default 500000)
      --seed S      the seed (default 1); same seed, same bytes
      --units U     number of units (default 300)
      --from DAY    only events recorded from this day on (YYYY-MM-DD, +08:00; default 2024-01-01)
      --to DAY      only events recorded before this day (default 2025-01-01)

    Windows that meet concatenate: `--to 2025-01-01` then `--from 2025-01-01 --to 2025-01-02` is
    byte for byte the log of `--to 2025-01-02`.
    """

    static func run(_ arguments: BenchArguments) throws(BenchUsageError) -> Int32 {
        var configuration = WorkloadConfiguration(
            tickets: try arguments.integer("tickets", default: 500_000),
            seed: UInt64(try arguments.integer("seed", default: 1)),
            units: try arguments.integer("units", default: 300))
        if let from = arguments.options["from"] { configuration.from = try day(from, "from") }
        if let to = arguments.options["to"] { configuration.to = try day(to, "to") }
        guard configuration.tickets > 0, configuration.units >= 2 else { throw BenchUsageError("--tickets must be positive and --units at least 2") }
        let summary = WorkloadGenerator(configuration).write { chunk in
            var offset = 0
            while offset < chunk.count {
                let n = Glibc.write(1, chunk.baseAddress! + offset, chunk.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    perror("ledger-bench: write")
                    exit(1)
                }
                offset += n
            }
        }
        let message = "generated \(summary.events) events, \(summary.tickets) new tickets, \(summary.bytes) bytes\n"
        _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
        return 0
    }

    /// Midnight at +08:00 of `YYYY-MM-DD`, in seconds since the epoch.
    static func day(_ text: String, _ name: String) throws(BenchUsageError) -> Int64 {
        guard let t = Timestamp.parseRFC3339(text + "T00:00:00+08:00") else {
            throw BenchUsageError("--\(name) expects a day YYYY-MM-DD, got '\(text)'")
        }
        return t.seconds
    }
}
