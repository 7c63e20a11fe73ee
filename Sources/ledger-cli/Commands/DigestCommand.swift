import Events

/// `ledger-cli digest LOG [--as-of T] [--expect HEX]`: the chain head to quote, and its check.
enum DigestCommand: Subcommand {
    static let spec = CommandSpec(
        name: "digest",
        abstract: "Print a chained log's hash-chain head, as of a time: the value to quote in a published report.",
        discussion: """
        Verifies the whole log, then prints the 'chain' value of the last line recorded ('recorded', else 'at') \
        at or before --as-of, or of the last line, with its line number and the number of events recorded by \
        then (those 'replay --as-of' reads, all at or before that line). The head depends on every byte of \
        those lines: quote it with the report, and anyone holding the log can check later, with --expect, \
        that the lines behind the report are still the same. Exits with 1 when the log has problems, has no \
        chain, or the head differs from --expect.

        Examples:
          ledger-cli digest samples/chained.jsonl
          ledger-cli digest samples/chained.jsonl --as-of 2024-03-01T00:00:00+08:00
          ledger-cli digest samples/chained.jsonl --as-of 2024-03-01T00:00:00+08:00 --expect cae0d709921031a7dba3fe800d4385c78e778557e54deb50ce7184c625a70430
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines); '-' reads standard input.")],
        options: [
            .option("as-of", valueName: "time", help: "The head as of this RFC 3339 time, or now (the log as a report made then read it)."),
            .option("expect", valueName: "hex", help: "Check the head against these 64 hex digits; exit 1 if it differs."),
            CommonOptions.format("text or json.", defaultValue: "text"),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        let asOf = try CommonOptions.asOf(parsed)
        let format = try parsed.choice("format", as: DigestFormat.self)
        let expected = try expectedHead(parsed)
        var shown = 0
        try CommonOptions.requireRegularLog(log)
        let digest = try ChainDigest.of(logAt: log, asOf: asOf, maxLineBytes: try CommonOptions.maxLineBytes(parsed)) { problem in
            shown += 1
            if shown <= 20 { Terminal.writeErrorLine(problem.described(file: displayName(log))) }
        }
        let matches = expected.map { $0 == digest.head }
        switch format {
        case .text: Terminal.write(text(digest, matches: matches))
        case .json: Terminal.write(json(digest, log: log, matches: matches))
        }
        if let expected, matches == false {
            Terminal.writeErrorLine("Error: the chain head\(asOfText(digest)) is \(digest.head.hex), not the expected \(expected.hex): "
                                    + "lines up to line \(grouped(digest.line)) were changed, added or removed since the expected head "
                                    + "was taken (or it was taken as of another time)")
            return 1
        }
        return 0
    }

    /// The head `--expect` names, if given.
    static func expectedHead(_ parsed: CommandLineArguments) throws -> SHA256.Digest? {
        guard let text = parsed.option("expect") else { return nil }
        guard let digest = SHA256.Digest(hex: text) else {
            throw UsageError("invalid --expect '\(text)': expected the 64 hex digits of a chain head")
        }
        return digest
    }

    /// The values of `--format`.
    enum DigestFormat: String, CaseIterable {
        case text, json
    }

    /// `3f2a…e9  line 1,204  (1,204 events, as of 2024-03-05T00:00:00+08:00)`.
    static func text(_ digest: ChainDigest, matches: Bool?) -> String {
        let time = digest.asOf.map { ", as of \($0.rfc3339())" } ?? ""
        var out = "\(digest.head.hex)  line \(grouped(digest.line))  (\(counted(digest.eventCount, "event"))\(time))\n"
        if matches == true { out += "matches the expected head\n" }
        return out
    }

    static func json(_ digest: ChainDigest, log: String, matches: Bool?) -> String {
        var fields = [
            ("log", JSONString.quoted(log)),
            ("head", JSONString.quoted(digest.head.hex)),
            ("line", String(digest.line)),
            ("events", String(digest.eventCount)),
            ("asOf", digest.asOf.map { JSONString.quoted($0.rfc3339()) } ?? "null"),
        ]
        if let matches { fields.append(("matches", String(matches))) }
        return "{" + fields.map { "\(JSONString.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}\n"
    }

    static func asOfText(_ digest: ChainDigest) -> String {
        digest.asOf.map { " as of \($0.rfc3339())" } ?? ""
    }
}
