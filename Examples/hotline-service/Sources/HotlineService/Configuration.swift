import Foundation

/// What the service is started with: flags, or the environment when a flag is not given.
///
/// | flag | environment | default |
/// |---|---|---|
/// | `--log PATH` | `HOTLINE_LOG` | (required) |
/// | `--host HOST` | `HOTLINE_HOST` | `127.0.0.1` |
/// | `--port PORT` | `HOTLINE_PORT` | `8080` (`0`: any free port, printed at start) |
/// | `--rules NAME\|FILE` | `HOTLINE_RULES` | `yueyang-hotline` |
/// | `--roster [NAME=]FILE` (repeatable) | `HOTLINE_ROSTER` (comma-separated) | none |
/// | `--mailbox-rules NAME\|FILE\|none` | `HOTLINE_MAILBOX_RULES` | `yueyang-mailbox` |
/// | `--mailbox-roster FILE` | `HOTLINE_MAILBOX_ROSTER` | none |
/// | `--max-batch-bytes N` | `HOTLINE_MAX_BATCH_BYTES` | `16777216` |
/// | `--heartbeat SECONDS` | `HOTLINE_HEARTBEAT` | `15` |
struct ServiceConfiguration: Sendable {
    var logPath = ""
    var host = "127.0.0.1"
    var port = 8080
    var rules = "yueyang-hotline"
    /// Roster name (what `units=` says) → CSV path.
    var rosters: [(name: String, path: String)] = []
    var mailboxRules = "yueyang-mailbox"
    var mailboxRoster: String?
    var maxBatchBytes = 16 << 20
    var heartbeatSeconds = 15

    static let usage = """
        usage: hotline-service --log PATH [--host HOST] [--port PORT] [--rules NAME|FILE]
                               [--roster [NAME=]FILE]... [--mailbox-rules NAME|FILE|none] [--mailbox-roster FILE]
                               [--max-batch-bytes N] [--heartbeat SECONDS]

        Serves a ticket ledger over HTTP:
          POST /events                          a JSON Lines batch; 200 with the lines as written, 422 with the problems
          GET  /report?period=P[&units=NAME]    the period's table, as `ledger-cli replay --format json` prints it
          GET  /explain?period=P&unit=U         the tickets behind one unit's numbers (JSON)
          GET  /bulletin?period=P[&units=NAME]  the period's bulletin (HTML)
          GET  /events?from=POSITION            server-sent events: the log from POSITION on, then each new event
          GET  /health                          {"events": N}

        Every flag can come from the environment instead: HOTLINE_LOG, HOTLINE_HOST, HOTLINE_PORT, HOTLINE_RULES,
        HOTLINE_ROSTER (comma-separated), HOTLINE_MAILBOX_RULES, HOTLINE_MAILBOX_ROSTER, HOTLINE_MAX_BATCH_BYTES,
        HOTLINE_HEARTBEAT. A roster's name is NAME, or the file's name without .csv.
        """

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the environment first, then the flags (which win).
    static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> ServiceConfiguration {
        var config = ServiceConfiguration()
        var rosterSpecs: [String] = []
        var envRosters: [String] = []
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
            switch key {
            case "HOTLINE_LOG": config.logPath = value
            case "HOTLINE_HOST": config.host = value
            case "HOTLINE_PORT": config.port = try number(value, "HOTLINE_PORT", in: 0...65535)
            case "HOTLINE_RULES": config.rules = value
            case "HOTLINE_ROSTER": envRosters = value.split(separator: ",").map(String.init)
            case "HOTLINE_MAILBOX_RULES": config.mailboxRules = value
            case "HOTLINE_MAILBOX_ROSTER": config.mailboxRoster = value
            case "HOTLINE_MAX_BATCH_BYTES": config.maxBatchBytes = try number(value, "HOTLINE_MAX_BATCH_BYTES", in: 1...(1 << 30))
            case "HOTLINE_HEARTBEAT": config.heartbeatSeconds = try number(value, "HOTLINE_HEARTBEAT", in: 1...3600)
            default: break
            }
        }
        var index = 0
        while index < arguments.count {
            var flag = arguments[index]
            var value: String? = nil
            if let equals = flag.firstIndex(of: "="), flag.hasPrefix("--") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            }
            if flag == "--help" || flag == "-h" { throw UsageError(description: usage) }
            func next() throws(UsageError) -> String {
                if let value { return value }
                index += 1
                guard index < arguments.count else { throw UsageError(description: "missing value for \(flag)") }
                return arguments[index]
            }
            switch flag {
            case "--log": config.logPath = try next()
            case "--host": config.host = try next()
            case "--port": config.port = try number(try next(), flag, in: 0...65535)
            case "--rules": config.rules = try next()
            case "--roster": rosterSpecs.append(try next())
            case "--mailbox-rules": config.mailboxRules = try next()
            case "--mailbox-roster": config.mailboxRoster = try next()
            case "--max-batch-bytes": config.maxBatchBytes = try number(try next(), flag, in: 1...(1 << 30))
            case "--heartbeat": config.heartbeatSeconds = try number(try next(), flag, in: 1...3600)
            default: throw UsageError(description: "unknown argument '\(arguments[index])'\n\n\(usage)")
            }
            index += 1
        }
        for spec in rosterSpecs.isEmpty ? envRosters : rosterSpecs {
            config.rosters.append(rosterEntry(spec))
        }
        guard !config.logPath.isEmpty else { throw UsageError(description: "missing --log PATH (or HOTLINE_LOG)\n\n\(usage)") }
        return config
    }

    /// `NAME=FILE`, or `FILE` named after its base name without `.csv`.
    private static func rosterEntry(_ spec: String) -> (name: String, path: String) {
        if let equals = spec.firstIndex(of: "="), !spec[..<equals].contains("/") {
            return (String(spec[..<equals]), String(spec[spec.index(after: equals)...]))
        }
        var name = (spec as NSString).lastPathComponent
        if name.hasSuffix(".csv") { name.removeLast(4) }
        return (name, spec)
    }

    private static func number(_ text: String, _ what: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let n = Int(text), range.contains(n) else {
            throw UsageError(description: "invalid \(what) '\(text)' (expected a whole number from \(range.lowerBound) to \(range.upperBound))")
        }
        return n
    }
}
