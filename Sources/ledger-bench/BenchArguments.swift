/// A deliberately small argument parser: positionals, `--name value`, `--name=value` and flags.
///
/// ledger-bench is a developer tool; it does not share ledger-cli's parser (a different target)
/// and needs none of its help machinery.
struct BenchArguments {
    var positionals: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    /// Options that take no value.
    static let flagNames: Set<String> = ["duckdb", "help", "h", "keep", "chain"]

    init(_ arguments: some Sequence<String>) throws(BenchUsageError) {
        var iterator = arguments.makeIterator()
        var onlyPositionals = false
        while let argument = iterator.next() {
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" { onlyPositionals = true; continue }
            var name = String(argument.drop { $0 == "-" })
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if Self.flagNames.contains(name) {
                guard value == nil else { throw BenchUsageError("--\(name) takes no value") }
                flags.insert(name)
                continue
            }
            if value == nil { value = iterator.next() }
            guard let value else { throw BenchUsageError("--\(name) needs a value") }
            options[name] = value
        }
    }

    func integer(_ name: String, default fallback: Int) throws(BenchUsageError) -> Int {
        guard let text = options[name] else { return fallback }
        guard let value = Int(text.replacingUnderscores()), value >= 0 else {
            throw BenchUsageError("--\(name) expects a non-negative integer, got '\(text)'")
        }
        return value
    }
}

struct BenchUsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
