import Events
import Ingest

/// `ledger-cli import EXPORT.csv --map MAP.json LOG`: a platform's CSV export into the log.
enum ImportCommand: Subcommand {
    static let spec = CommandSpec(
        name: "import",
        abstract: "Import a hotline platform's CSV export (action rows or ticket rows) into a log.",
        discussion: """
        Reads the export as Excel writes it (RFC 4180 quoting, line breaks inside quoted cells, a UTF-8 \
        byte-order mark, or GB18030/GBK from a Chinese Windows: detected, or --encoding), maps its columns and \
        words to events as the mapping file says, and appends them through the same path as append: life-cycle \
        checks, lock, fsync, hash chain, all or none.

        Every event gets an id made from its row: ticket, event type, time (UTC) and, for a second event of the \
        same type at the same time, an ordinal (QY2309-0001/assigned/20230901T011503Z). Importing the same \
        export again, or next month's export that overlaps it, appends only what is new; the summary says how \
        many events were already in the log. A row exported twice (an event the same in every field, time \
        included, as an earlier one of its ticket, with no other row's change of the ticket between) is taken \
        once, and the summary counts the copies; one of the same type, unit and time with other values (a \
        rating, a time of entry) is imported, and the summary warns about it. Rows need not be sorted: each ticket's actions are put in time \
        order (ties by row order). Date-times such as 2024/2/3 9:15 or 2024-02-03 09:15:00 are read in the \
        mapping's time zone (+08:00 unless it or --time-zone says otherwise).

        A bad row is reported as EXPORT:ROW: column '…': message, where ROW is the spreadsheet's row (the header \
        is row 1; a cell with line breaks does not add rows), and nothing is written (exit 1). With --skip-bad \
        FILE the tickets without bad rows are imported and every row of a ticket with a bad row is written to \
        FILE (UTF-8 with a byte-order mark, under the header), to be fixed and imported again.

        Ticket rows (one row per ticket) cannot carry what happened more than once: the import makes accepted, \
        assigned, extended (dated at the assignment), closed (the exported closure) and callback-rated (the \
        exported callback) events, and reports the reworks and declines it could not date.

        Examples:
          ledger-cli import samples/exports/quyuan-2023-09-actions.csv --map samples/exports/actions-map.json events.jsonl
          ledger-cli import export.csv --map map.json --dry-run events.jsonl
          ledger-cli import export.csv --map map.json --output events-from-export.jsonl
          ledger-cli import export.csv --map map.json --skip-bad rejected.csv events.jsonl
        """,
        arguments: [
            .required("EXPORT", help: "The CSV export."),
            .optional("LOG", help: "The event log to append to (created if missing); with --dry-run or --output, the log whose events are left out."),
        ],
        options: [
            .option("map", valueName: "file", help: "The mapping file (JSON): shape, columns, actions, ratings, channels."),
            .flag("dry-run", help: "Read and check everything, print the summary, write nothing (not even the --skip-bad file)."),
            .option("output", valueName: "file", help: "Write the new events as JSON Lines to this file instead of appending."),
            .option("skip-bad", valueName: "file", help: "Import the good tickets; write the rows of tickets with a bad row to this file (the header alone when none)."),
            .option("encoding", valueName: "name", help: "utf-8, gb18030, gbk or auto (default: the mapping's, else auto)."),
            .option("time-zone", valueName: "offset", help: "The UTC offset of the export's date-times, e.g. +08:00 (default: the mapping's, else +08:00)."),
            .option("max-row-bytes", valueName: "bytes", help: "The longest row read; a longer one stops the import.", defaultValue: String(1 << 20)),
            .option("max-line-bytes", valueName: "bytes",
                    help: "The longest log line: the log is read with it, and a row whose event (with a chain member) would be longer is a bad row.",
                    defaultValue: String(LogInput.defaultMaxLineBytes)),
        ]
    )

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let export = parsed.positional("EXPORT")
        let log = parsed.optionalPositional("LOG")
        guard let mapPath = parsed.option("map") else { throw UsageError("missing required option '--map <file>'") }
        let dryRun = parsed.flag("dry-run")
        let output = parsed.option("output")
        if dryRun && output != nil { throw UsageError("--dry-run and --output cannot be used together") }
        let destination: Importer.Destination
        if dryRun {
            destination = .dryRun(log: log)
        } else if let output {
            destination = .output(path: output, log: log)
        } else {
            guard let log else { throw UsageError("missing LOG (or use --output FILE or --dry-run)") }
            try CommonOptions.requireRegularLog(log, ifExists: true)
            destination = .log(log)
        }
        // No file written may be one read, nor two the same file: a usage error, before anything is read
        // (the run checks the export, the log and the outputs again, for callers of the library).
        let files = Importer.files(export: export, destination: destination, skipBad: parsed.option("skip-bad"))
        do { try Importer.requireDistinct(files + [(mapPath, "the mapping file")]) } catch { throw UsageError("\(error)") }
        var mapping: ImportMapping
        do { mapping = try ImportMapping.load(path: mapPath) } catch {
            Terminal.writeErrorLine("Error: \(error)")
            return 1
        }
        if let name = parsed.option("encoding") {
            guard let encoding = ExportEncoding(name: name) else { throw UsageError("invalid --encoding '\(name)' (expected utf-8, gb18030, gbk or auto)") }
            mapping.encoding = encoding
        }
        if let zone = parsed.option("time-zone") {
            guard let offset = ExportTime.parseOffset(zone) else { throw UsageError("invalid --time-zone '\(zone)' (expected a UTC offset such as +08:00)") }
            mapping.offsetSeconds = offset
        }
        var importer = Importer(mapping: mapping)
        if let text = parsed.option("max-row-bytes") {
            guard let n = Int(text), n >= 16, n <= 1 << 30 else { throw UsageError("invalid --max-row-bytes '\(text)' (16 to 1073741824)") }
            importer.maxRowBytes = n
        }
        importer.maxLineBytes = try CommonOptions.maxLineBytes(parsed)
        let showProgress = Terminal.isStandardErrorTerminal
        if showProgress {
            importer.progress = { rows in Terminal.writeError("\rimporting \(export.escapingControlCharacters()): \(grouped(rows)) rows read") }
        }
        do {
            let summary = try importer.run(export: export, to: destination, skipBad: parsed.option("skip-bad"))
            if showProgress { Terminal.writeError("\r\u{1B}[K") }
            var out = summary.lines().map { $0 + "\n" }.joined()
            switch destination {
            case .log(let path): out += "appended \(counted(summary.written, "event")) to \(path)\n"
            case .dryRun: out += "dry run: nothing written (\(counted(summary.newEvents, "event")) would be)\n"
            case .output(let path, _): out += "wrote \(counted(summary.written, "event")) to \(path)\n"
            }
            if let skip = parsed.option("skip-bad") {
                switch (dryRun, summary.rejectedRows) {
                case (true, 0): out += "no rows would be rejected; \(skip) not written\n"
                case (true, let rows): out += "\(counted(rows, "rejected row")) would go to \(skip); not written\n"
                case (false, 0): out += "no rows rejected; \(skip) holds the header only\n"
                case (false, _): out += "rejected rows written to \(skip)\n"
                }
            }
            Terminal.write(out)
            return 0
        } catch {
            if showProgress { Terminal.writeError("\r\u{1B}[K") }
            switch error {
            case .rejected(let problems, let count, let summary):
                var out = problems.map { $0.formatted(file: export) + "\n" }.joined()
                if count > problems.count { out += "… and \(counted(count - problems.count, "more bad row"))\n" }
                out += summary.lines().map { $0 + "\n" }.joined()
                out += "rejected: \(counted(count, "bad row")); nothing written\(log.map { ", \($0) unchanged" } ?? "")\n"
                Terminal.write(out)
            case .unreadable(let problem):
                Terminal.writeErrorLine(problem.formatted(file: export))
                Terminal.writeErrorLine("Error: \(export) cannot be read past row \(problem.row); nothing written")
            case .tornLog(let path):
                Terminal.writeErrorLine("Error: \(error). Run 'ledger-cli repair \(path)' first")
            case .invalidLog(let path, _, _):
                Terminal.writeErrorLine("Error: \(error). Run 'ledger-cli verify \(path)'")
            default:
                Terminal.writeErrorLine("Error: \(error)")
            }
            return 1
        }
    }
}
