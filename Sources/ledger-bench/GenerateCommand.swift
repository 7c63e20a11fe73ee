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
    USAGE: ledger-bench generate [--tickets N] [--seed S] [--units U] [--from DAY] [--to DAY] [--chain]

      --tickets N   tickets accepted over the 366 days from 2024-01-01 (default 500000)
      --seed S      the seed (default 1); same seed, same bytes
      --units U     number of units (default 300)
      --from DAY    only events recorded from this day on (YYYY-MM-DD, +08:00; default 2024-01-01)
      --to DAY      only events recorded before this day (default 2025-01-01)
      --chain       seal every line with the hash chain, as `ledger-cli append` writes a new log
                    (a chain starts at the first line: not with --from)

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
        let chained = arguments.flags.contains("chain")
        if chained && arguments.options["from"] != nil { throw BenchUsageError("--chain starts a chain at the first line: it cannot be used with --from") }
        var sealer = LineChainer()
        var sealedBytes = 0
        let summary = WorkloadGenerator(configuration).write { raw in
            var sealed: [UInt8] = []
            if chained {
                sealed = sealer.seal(raw)
                sealedBytes += sealed.count
            }
            sealed.withUnsafeBytes { bytes in
                let chunk = chained ? bytes : raw
                write(chunk)
            }
        }
        let bytes = chained ? sealedBytes : summary.bytes
        let message = "generated \(summary.events) events, \(summary.tickets) new tickets, \(bytes) bytes\(chained ? ", chained" : "")\n"
        _ = message.withCString { SystemCall.write(2, $0, strlen($0)) }
        return 0
    }

    /// Writes all of `chunk` to standard output.
    static func write(_ chunk: UnsafeRawBufferPointer) {
            var offset = 0
            while offset < chunk.count {
                let n = SystemCall.write(1, chunk.baseAddress! + offset, chunk.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    perror("ledger-bench: write")
                    exit(1)
                }
                offset += n
            }
    }

    /// Midnight at +08:00 of `YYYY-MM-DD`, in seconds since the epoch.
    static func day(_ text: String, _ name: String) throws(BenchUsageError) -> Int64 {
        guard let t = Timestamp.parseRFC3339(text + "T00:00:00+08:00") else {
            throw BenchUsageError("--\(name) expects a day YYYY-MM-DD, got '\(text)'")
        }
        return t.seconds
    }
}

/// Seals generated lines with the hash chain (see ``HashChain``): each line's closing brace
/// becomes `,"chain":"<value>"}`, the value linking it to the line before.
struct LineChainer {
    private var previous = HashChain.genesis
    private var carry: [UInt8] = []

    /// The sealed form of the whole lines in `carry` + `chunk`; a partial last line waits.
    mutating func seal(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        carry.append(contentsOf: chunk)
        var out: [UInt8] = []
        out.reserveCapacity(carry.count + carry.count / 2)
        var start = 0
        carry.withUnsafeBytes { bytes in
            for i in 0..<bytes.count where bytes[i] == 0x0A {
                // The generator's lines end with their closing brace.
                let body = UnsafeRawBufferPointer(rebasing: bytes[start..<i - 1])
                previous = HashChain.link(previous: previous, body: body)
                out.append(contentsOf: body)
                out.append(contentsOf: #","chain":""#.utf8)
                out.append(contentsOf: previous.hex.utf8)
                out.append(contentsOf: "\"}\n".utf8)
                start = i + 1
            }
        }
        carry.removeFirst(start)
        return out
    }
}
