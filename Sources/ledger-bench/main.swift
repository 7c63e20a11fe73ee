#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events

let overview = """
OVERVIEW: Workload generator and benchmarks for ticket-ledger.

USAGE: ledger-bench generate [options] > LOG
       ledger-bench run LOG --period YYYY-MM [--duckdb] [--incremental N]
       ledger-bench ledger LOG [--appends N] [--writers W] [--cli PATH]
       ledger-bench import [--rows N] [--mode append|dry-run|output]

Run `ledger-bench help generate` or `ledger-bench help run` for the options.
"""

func writeError(_ text: String) {
    _ = text.withCString { SystemCall.write(2, $0, strlen($0)) }
}

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "help"
do {
    let parsed = try BenchArguments(arguments.dropFirst())
    switch command {
    case "generate" where !parsed.flags.contains("help") && !parsed.flags.contains("h"):
        exit(try GenerateCommand.run(parsed))
    case "run" where !parsed.flags.contains("help") && !parsed.flags.contains("h"):
        exit(try RunCommand.run(parsed))
    case "ledger" where !parsed.flags.contains("help") && !parsed.flags.contains("h"):
        exit(try LedgerCommand.run(parsed))
    case "ledger": print(LedgerCommand.usage)
    case "import" where !parsed.flags.contains("help") && !parsed.flags.contains("h"):
        exit(try ImportBenchCommand.run(parsed))
    case "import": print(ImportBenchCommand.usage)
    case "generate": print(GenerateCommand.usage)
    case "run": print(RunCommand.usage)
    case "help", "-h", "--help":
        switch parsed.positionals.first {
        case "generate": print(GenerateCommand.usage)
        case "run": print(RunCommand.usage)
        case "ledger": print(LedgerCommand.usage)
        default: print(overview)
        }
    default:
        throw BenchUsageError("unknown command '\(command)'")
    }
} catch {
    writeError("Error: \(error)\n\(overview)\n")
    exit(64)
}
