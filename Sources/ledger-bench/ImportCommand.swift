#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events
import Ingest

/// `ledger-bench import --rows N`: generates an action-row export and times `Importer` on it.
enum ImportBenchCommand {
    static let usage = """
    USAGE: ledger-bench import [--rows N] [--mode append|dry-run|output] [--dir DIR] [--keep]

    Writes a generated action-row export (UTF-8 CSV, one row per action, each ticket's rows out of
    order; about 4.6 rows per ticket over 60 units) to DIR (a fresh temporary folder by default),
    then imports it in this process and prints rows/s (wall clock, and per CPU second of the
    process) and the peak resident memory (ru_maxrss) of the whole process. --mode append (default) appends to a new log in DIR; dry-run checks only;
    output writes the events as JSON Lines. --keep leaves the files.
      ledger-bench import --rows 1000000
    """

    static func run(_ parsed: BenchArguments) throws -> Int32 {
        let rows = try parsed.integer("rows", default: 1_000_000)
        let mode = parsed.options["mode"] ?? "append"
        guard ["append", "dry-run", "output"].contains(mode) else { throw BenchUsageError("--mode must be append, dry-run or output") }
        var dir = parsed.options["dir"] ?? ""
        if dir.isEmpty {
            var template = Array("/tmp/ledger-bench-import-XXXXXX".utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw BenchUsageError("cannot make a temporary folder") }
            dir = String(cString: made)
        }
        let export = dir + "/export.csv", log = dir + "/events.jsonl", output = dir + "/events-out.jsonl", mapPath = dir + "/map.json"
        unlink(log); unlink(output)
        let genStart = now()
        let (written, tickets) = try generate(rows: rows, to: export)
        let genSeconds = now() - genStart
        try writeFile(mapPath, Array(mapJSON.utf8))
        let mapping = try ImportMapping.load(path: mapPath)
        let before = peakRSS()
        var importer = Importer(mapping: mapping)
        importer.configureAppender = { $0.clock = { Timestamp(seconds: 1_735_689_600) } }
        let destination: Importer.Destination = mode == "append" ? .log(log) : mode == "dry-run" ? .dryRun(log: nil) : .output(path: output, log: nil)
        let start = now()
        let cpuStart = cpuSeconds()
        let summary: ImportSummary
        do { summary = try importer.run(export: export, to: destination) } catch {
            if case .rejected(let problems, _, _) = error { for p in problems.prefix(5) { print(p.formatted(file: export)) } }
            throw error
        }
        let seconds = now() - start
        let cpu = cpuSeconds() - cpuStart
        let peak = peakRSS()
        var info = stat()
        stat(export, &info)
        let mb = Double(info.st_size) / 1_048_576
        print("generated \(written) rows, \(tickets) tickets, \(String(format1(mb))) MiB of CSV in \(format2(genSeconds)) s")
        print("import --mode \(mode): \(summary.rowsRead) rows, \(summary.newEvents) events in \(format2(seconds)) s = \(Int(Double(summary.rowsRead) / seconds)) rows/s (CPU \(format2(cpu)) s = \(Int(Double(summary.rowsRead) / cpu)) rows per CPU second)")
        print("peak RSS: \(format1(Double(peak) / 1_048_576)) MiB (\(format1(Double(before) / 1_048_576)) MiB before the import)")
        if !parsed.flags.contains("keep") && parsed.options["dir"] == nil {
            unlink(export); unlink(log); unlink(output); unlink(mapPath); rmdir(dir)
        } else {
            print("files in \(dir)")
        }
        return 0
    }

    static let mapJSON = """
    {"shape": "actions", "encoding": "utf-8", "timeZone": "+08:00",
     "columns": {"ticket": "工单编号", "time": "操作时间", "action": "操作类型", "unit": "承办单位", "due": "办理时限",
                 "rating": "回访结果", "channel": "来源渠道", "category": "诉求类型", "reason": "备注"},
     "actions": {"受理": "accepted", "派单": "assigned", "退回": "returned-by-center", "延期": "extended",
                 "办结": "closed", "回访": "callback-rated"},
     "ratings": {"满意": "satisfied", "非常满意": "satisfied", "不满意": "unsatisfied", "未接通": "unreachable"},
     "channels": {"12345热线": "hotline", "市长信箱": "mailbox"}}
    """

    /// Writes about `rows` action rows; returns the rows and tickets written.
    static func generate(rows: Int, to path: String) throws -> (Int, Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchUsageError("cannot create \(path)") }
        defer { close(fd) }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 21)
        func flush() {
            out.withUnsafeBytes { b in var s = 0; while s < b.count { let n = write(fd, b.baseAddress! + s, b.count - s); if n <= 0 { break }; s += n } }
            out.removeAll(keepingCapacity: true)
        }
        out += Array("\u{FEFF}工单编号,操作时间,操作类型,承办单位,办理时限,回访结果,来源渠道,诉求类型,备注\r\n".utf8)
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        let units = (1...60).map { "单位\($0)号" }
        let categories = ["城市管理", "市场监管", "医疗保障", "交通运输", "住房保障", "教育"]
        func time(_ s: Int64) -> String {
            let days = s / 86_400, sec = s % 86_400
            let d = CivilDate(daysSinceEpoch: Int(days))
            return "\(d.year)/\(d.month)/\(d.day) \(sec / 3600):\(two(sec / 60 % 60)):\(two(sec % 60))"
        }
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var written = 0, tickets = 0
        var base: Int64 = 1_704_067_200 + 8 * 3600  // 2024-01-01 08:00 local
        var lines: [String] = []
        while written < rows {
            tickets += 1
            let ticket = "T\(tickets)"
            let unit = units[Int(next() % 60)]
            base += Int64(next() % 60)
            var t = base
            let due = t + 600 + 5 * 86_400
            lines.removeAll(keepingCapacity: true)
            lines.append("\(ticket),\(time(t)),受理,,,,\(next() % 10 == 0 ? "市长信箱" : "12345热线"),\(categories[Int(next() % 6)]),")
            t += 600
            lines.append("\(ticket),\(time(t)),派单,\(unit),\(time(due)),,,,")
            let r = next() % 100
            if r < 5 { t += 3600; lines.append("\(ticket),\(time(t)),延期,\(unit),\(time(due + 3 * 86_400)),,,,\"需协调,等待\"") }
            t += 60 + Int64(next() % (3 * 86_400))
            lines.append("\(ticket),\(time(t)),办结,\(unit),,,,,")
            if r >= 5 && r < 10 {
                t += 3600; lines.append("\(ticket),\(time(t)),退回,\(unit),,,,,未联系诉求人")
                t += 7200; lines.append("\(ticket),\(time(t)),办结,\(unit),,,,,")
            }
            t += 86_400
            let rating = ["满意", "非常满意", "不满意", "未接通"][Int(next() % 4)]
            lines.append("\(ticket),\(time(t)),回访,\(unit),,\(rating),,,")
            // Out of order within the ticket: a fixed rotation.
            let k = Int(next() % UInt64(lines.count))
            for line in lines[k...] + lines[..<k] { out += Array(line.utf8); out += [0x0D, 0x0A] }
            written += lines.count
            if out.count > 1 << 20 { flush() }
        }
        flush()
        return (written, tickets)
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchUsageError("cannot create \(path)") }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// User and system CPU time of this process so far (less sensitive to other load than the wall clock).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func peakRSS() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    static func format1(_ v: Double) -> String { let x = (v * 10).rounded() / 10; return "\(x)" }
    static func format2(_ v: Double) -> String { let x = (v * 100).rounded() / 100; return "\(x)" }
}
