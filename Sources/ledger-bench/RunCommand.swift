enum RunCommand {
    static let usage = "USAGE: ledger-bench run LOG --period YYYY-MM [--duckdb]"
    static func run(_ arguments: BenchArguments) throws(BenchUsageError) -> Int32 { 0 }
}
