#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Events
import Projections

/// `ledger-bench run`: times ledger-cli replay and verify (and the DuckDB peer) on a log,
/// checks that the peer's counts agree, and times the incremental fold.
enum RunCommand {
    static let usage = """
    USAGE: ledger-bench run LOG --period YYYY-MM [--duckdb] [--chained FILE] [--repeat N] [--incremental N] [--tail FILE]

      --period P       the month to replay (default 2024-06)
      --duckdb         also run benchmarks/duckdb_month.py (pip install duckdb) and compare its counts
      --chained FILE   also replay and verify FILE, the same log hash-chained (`generate --chain`)
      --repeat N       run the timed commands N times, one after the other in each round (every
                       other round in reverse order), and keep each one's fastest (default 3)
      --incremental N  events fed one by one to Projection.apply(_:) (default: the whole log; 0 skips)
      --tail FILE      checkpoint benchmark: replay a copy of LOG with --checkpoint, append FILE, replay again

    ledger-cli is taken from the directory of this executable (build both with `swift build -c release`).
    """

    static func run(_ arguments: BenchArguments) throws(BenchUsageError) -> Int32 {
        guard let log = arguments.positionals.first else { throw BenchUsageError("missing LOG") }
        let period = arguments.options["period"] ?? "2024-06"
        let repeats = max(try arguments.integer("repeat", default: 3), 1)
        let cli = siblingExecutable("ledger-cli")
        guard access(cli, X_OK) == 0 else { throw BenchUsageError("\(cli) not found; run `swift build -c release` first") }
        let size = fileSize(log)
        var rows: [Row] = []

        let chained = arguments.options["chained"]
        // Every round reads the logs from the page cache: a log the cache had (partly) dropped
        // would make the first round read the disk. Each is read once first, and how much of it
        // was cached is printed (a host may evict the page cache of files unused for a minute).
        var residency: [String] = []
        for file in [log] + (chained.map { [$0] } ?? []) {
            guard let share = PageCache.warm(file) else { throw BenchUsageError("cannot read \(file)") }
            residency.append("\((file as NSString).lastPathComponent) \(format(share * 100, 0)) %")
        }
        let loadBefore = loadAverage()
        let timesBefore = ProcessorTimes.read()
        // The commands run in rounds, one after the other in each, so that a burst of load on
        // the shared machine slows all of them rather than one; each keeps its fastest run.
        // Every other round runs them in reverse order, so that no command always follows the
        // same one: a command run right after DuckDB gets the memory DuckDB gave back, which a
        // virtual machine's host may have taken back meanwhile and hands out again slowly.
        var commands: [(name: String, arguments: [String], showErrors: Bool)] = [
            ("ledger-cli replay --period \(period)", [cli, "replay", log, "--period", period, "--format", "json"], false),
            ("ledger-cli verify", [cli, "verify", log], false),
        ]
        if let chained {
            commands.append(("chained: ledger-cli replay", [cli, "replay", chained, "--period", period, "--format", "json"], false))
            commands.append(("chained: ledger-cli verify", [cli, "verify", chained], false))
        }
        if arguments.flags.contains("duckdb") {
            commands.append(("DuckDB (duckdb_month.py)", ["python3", try duckdbScript(), log, period], true))
        }
        var runs: [ChildRun?] = Array(repeating: nil, count: commands.count)
        // Every run's wall time, by command and round, for the ratios within each round.
        var walls: [[Double]] = Array(repeating: [], count: commands.count)
        for round in 0..<repeats {
            let order = round % 2 == 0 ? Array(commands.indices) : commands.indices.reversed()
            for i in order {
                let command = commands[i]
                let run = try ChildRun.run(command.arguments, showErrors: command.showErrors)
                guard run.status == 0 else {
                    throw BenchUsageError("\(command.name) failed (exit \(run.status))\(command.name.hasPrefix("DuckDB") ? "; is duckdb installed?" : "")")
                }
                if runs[i].map({ run.wall < $0.wall }) ?? true { runs[i] = run }
                walls[i].append(run.wall)
            }
        }
        for (command, run) in zip(commands, runs) { rows.append(Row(name: command.name, run: run!)) }
        let replay = runs[0]!, verify = runs[1]!
        let events = Int(verify.outputText.prefix { $0 != " " }.filter(\.isNumber)) ?? 0
        // The round's targets: a city's year (half a million tickets), and a province's (19 M events).
        let province = events >= 10_000_000
        let chainedRuns = chained == nil ? nil : (replay: runs[2]!, verify: runs[3]!)
        if let chainedRuns, chainedRuns.replay.output != replay.output {
            throw BenchUsageError("the chained log's replay differs from the plain log's: is \(chained!) the same log chained?")
        }

        var duck: ChildRun?
        var agreement = ""
        if arguments.flags.contains("duckdb") {
            let run = runs[commands.count - 1]!
            agreement = try compare(ledger: replay.output, duckdb: run.output)
            duck = run
        }

        // Child processes first: a child's ru_maxrss starts from this process's size at spawn,
        // so they must run before the incremental benchmark loads the log into memory.
        var tail: (full: ChildRun, resumed: ChildRun, first: ChildRun, tailBytes: Int64)?
        if let tailFile = arguments.options["tail"] {
            tail = try checkpointBenchmark(cli: cli, log: log, tail: tailFile, period: period, repeats: repeats)
        }

        var incremental: (events: Int, seconds: Double)?
        let limit = try arguments.integer("incremental", default: Int.max)
        if limit > 0 { incremental = try incrementalFold(log: log, limit: limit) }

        // The table.
        print("log: \(log) — \(format(Double(size) / 1e6, 1)) MB, \(grouped(events)) events; \(WorkerThread.processorCount) processors")
        if let chained { print("chained log: \(chained) — \(format(Double(fileSize(chained)) / 1e6, 1)) MB") }
        // Which processor (figures differ by maker and generation) and how verify hashes chain links on it.
        print("processor: \(processorName() ?? "unknown"); chain links: \(HashChain.batchMethod)")
        print("in the page cache before a first read (not timed): \(residency.joined(separator: ", "))")
        print("load average (1, 5, 15 min): \(loadBefore) before, \(loadAverage()) after; best of \(repeats) interleaved rounds")
        if let before = timesBefore, let after = ProcessorTimes.read() {
            // Time the host ran other guests while this machine had work: a shared virtual
            // machine's figures are only comparable between runs with little of it.
            print("processors' time while running: \(after.percentages(since: before))")
        }
        print("")
        let header = pad("step", 44) + lpad("wall", 9) + lpad("CPU", 9) + lpad("events/s", 12) + lpad("MB/s", 9) + lpad("peak RSS", 11)
        print(header)
        print(String(repeating: "-", count: header.count))
        for row in rows {
            let r = row.run
            print(pad(row.name, 44) + lpad(format(r.wall, 3) + " s", 9) + lpad(format(r.cpu, 2) + " s", 9)
                  + lpad(format(Double(events) / r.wall / 1e6, 2) + " M", 12) + lpad(format(Double(size) / r.wall / 1e6, 0), 9)
                  + lpad(format(Double(r.peakRSS) / 1_048_576, 0) + " MiB", 11))
        }
        if let tail {
            print(pad("replay --checkpoint (first run, saves)", 44) + lpad(format(tail.first.wall, 3) + " s", 9)
                  + lpad(format(tail.first.cpu, 2) + " s", 9) + lpad("", 21) + lpad(format(Double(tail.first.peakRSS) / 1_048_576, 0) + " MiB", 11))
            print(pad("replay --checkpoint after appending the tail", 44) + lpad(format(tail.resumed.wall * 1000, 1) + " ms", 9)
                  + lpad(format(tail.resumed.cpu, 2) + " s", 9) + lpad("", 21) + lpad(format(Double(tail.resumed.peakRSS) / 1_048_576, 0) + " MiB", 11))
        }
        if let incremental {
            print(pad("Projection.apply(_: Event), one at a time", 44) + lpad(format(incremental.seconds, 3) + " s", 9) + lpad("", 9)
                  + lpad(format(Double(incremental.events) / incremental.seconds / 1e6, 2) + " M", 12))
        }
        print("")
        if let duck {
            print("replay / DuckDB time: \(format(replay.wall / duck.wall, 3)) (target ≤ \(province ? "0.40, a province's year" : "0.35"))")
        }
        print("verify / replay time: \(format(verify.wall / replay.wall, 3)) (target ≤ 1.20)")
        if let chainedRuns {
            print("chained verify / chained replay time: \(format(chainedRuns.verify.wall / chainedRuns.replay.wall, 3)) (target ≤ 1.50); "
                  + "/ plain replay: \(format(chainedRuns.verify.wall / replay.wall, 3))")
            print("chained replay / plain replay time: \(format(chainedRuns.replay.wall / replay.wall, 3)) (target ≤ 1.10)")
        }
        if repeats >= 3 {
            // Each fastest run can come from a different moment of a shared machine; the ratio of
            // two commands run next to each other in the same round is steadier.
            func paired(_ a: Int, _ b: Int) -> String {
                format(LedgerCommand.percentile(zip(walls[a], walls[b]).map { $0 / $1 }, 0.5), 3)
            }
            var ratios: [String] = []
            if duck != nil { ratios.append("replay / DuckDB \(paired(0, commands.count - 1))") }
            ratios.append("verify / replay \(paired(1, 0))")
            if chainedRuns != nil {
                ratios.append("chained verify / chained replay \(paired(3, 2))")
                ratios.append("chained replay / plain replay \(paired(2, 0))")
            }
            print("the same ratios within each round, median of \(repeats): " + ratios.joined(separator: ", "))
        }
        print("replay peak RSS: \(format(Double(replay.peakRSS) / 1_048_576, 0)) MiB (target ≤ \(province ? "1024, a province's year" : "120")); "
              + "verify: \(format(Double(verify.peakRSS) / 1_048_576, 0)) MiB")
        if let incremental {
            print("incremental: \(format(Double(incremental.events) / incremental.seconds / 1e6, 2)) M events/s (target ≥ 2)")
        }
        if let tail {
            let same = tail.resumed.output == tail.full.output
            print("checkpointed replay after the tail: \(format(tail.resumed.wall * 1000, 1)) ms for \(grouped(Int(tail.tailBytes))) new bytes (target < 40 ms); "
                  + (same ? "output identical to a full replay" : "OUTPUT DIFFERS from a full replay"))
            if !same { return 1 }
        }
        if !agreement.isEmpty { print(agreement) }
        return agreement.hasPrefix("MISMATCH") ? 1 : 0
    }

    struct Row {
        var name: String
        var run: ChildRun
    }

    static func best(of n: Int, _ body: () throws(BenchUsageError) -> ChildRun) throws(BenchUsageError) -> ChildRun {
        var best = try body()
        for _ in 1..<n {
            let next = try body()
            if next.wall < best.wall { best = next }
        }
        return best
    }

    /// Compares the per-unit counts of the two JSON outputs.
    static func compare(ledger: [UInt8], duckdb: [UInt8]) throws(BenchUsageError) -> String {
        let keys = ["accepted", "due", "done", "onTime", "rework", "callbacks", "unsatisfied"]
        func units(_ bytes: [UInt8]) throws(BenchUsageError) -> [String: [String: Int]] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                  let list = object["units"] as? [[String: Any]]
            else { throw BenchUsageError("cannot read a JSON report") }
            var result: [String: [String: Int]] = [:]
            for unit in list {
                guard let name = unit["unit"] as? String else { continue }
                result[name] = Dictionary(uniqueKeysWithValues: keys.map { ($0, (unit[$0] as? NSNumber)?.intValue ?? 0) })
            }
            return result
        }
        let a = try units(ledger), b = try units(duckdb)
        var mismatches: [String] = []
        for name in Set(a.keys).union(b.keys).sorted() {
            for key in keys where (a[name]?[key] ?? 0) != (b[name]?[key] ?? 0) {
                mismatches.append("\(name).\(key): ledger \(a[name]?[key] ?? 0), duckdb \(b[name]?[key] ?? 0)")
            }
        }
        let count = Set(a.keys).union(b.keys).count
        if mismatches.isEmpty { return "counts: \(count) units × \(keys.count) counts identical in ledger-cli and DuckDB" }
        return "MISMATCH in \(mismatches.count) counts:\n  " + mismatches.prefix(20).joined(separator: "\n  ")
    }

    /// Decodes up to `limit` events (strings shared), then times feeding them one by one.
    static func incrementalFold(log: String, limit: Int) throws(BenchUsageError) -> (events: Int, seconds: Double) {
        var events: [Event] = []
        var decoder = EventDecoder()
        var strings: [String: String] = [:]
        func shared(_ s: String?) -> String? {
            guard let s else { return nil }
            if let existing = strings[s] { return existing }
            strings[s] = s
            return s
        }
        do {
            try LogReader(path: log).forEachLine { line in
                guard events.count < limit, line.terminated, var event = try? decoder.decodeEvent(line.bytes) else { return }
                switch event.body {
                case .accepted(let c, let g, let t): event.body = .accepted(channel: shared(c), category: shared(g), topic: shared(t))
                case .assigned(let u, let d): event.body = .assigned(unit: shared(u)!, due: d)
                case .returned(let u, let b, let r, let d): event.body = .returned(unit: shared(u)!, by: b, reason: shared(r), due: d)
                case .extended(let u, let d, let r): event.body = .extended(unit: shared(u)!, due: d, reason: shared(r))
                case .closed(let u, let r): event.body = .closed(unit: shared(u)!, reply: shared(r))
                case .callbackRated(let u, let r, let c): event.body = .callbackRated(unit: shared(u)!, rating: r, contacted: c)
                case .supervised(let u, let m, let r): event.body = .supervised(unit: shared(u)!, method: m, reason: shared(r))
                case .supervisionAnswered(let u, let r): event.body = .supervisionAnswered(unit: shared(u)!, reply: shared(r))
                case .adjusted(let u, let p, let i, let r, let f):
                    event.body = .adjusted(unit: shared(u)!, points: p, indicator: shared(i)!, reason: shared(r)!, ref: shared(f))
                }
                events.append(event)
            }
        } catch {
            throw BenchUsageError("cannot read \(log): \(error)")
        }
        var projection = Projection()
        let start = monotonicSeconds()
        for event in events { projection.apply(event) }
        let seconds = monotonicSeconds() - start
        guard projection.eventCount > 0 else { throw BenchUsageError("no events folded") }
        return (events.count, seconds)
    }

    /// Full replay with a fresh checkpoint, append the tail, replay again from the checkpoint.
    static func checkpointBenchmark(cli: String, log: String, tail: String, period: String, repeats: Int) throws(BenchUsageError)
    -> (full: ChildRun, resumed: ChildRun, first: ChildRun, tailBytes: Int64) {
        let directory = "/tmp/ledger-bench-checkpoint-\(getpid())"
        let copy = directory + "/log.jsonl"
        let checkpoint = directory + "/checkpoint"
        defer { _ = try? ChildRun.run(["rm", "-rf", directory]) }
        _ = try ChildRun.run(["mkdir", "-p", directory])
        guard try ChildRun.run(["cp", log, copy]).status == 0 else { throw BenchUsageError("cannot copy \(log)") }
        let first = try ChildRun.run([cli, "replay", copy, "--period", period, "--format", "json", "--checkpoint", checkpoint], showErrors: true)
        guard first.status == 0 else { throw BenchUsageError("replay --checkpoint failed (exit \(first.status))") }
        guard try ChildRun.run(["sh", "-c", "cat \"$0\" >> \"$1\"", tail, copy]).status == 0 else { throw BenchUsageError("cannot append \(tail)") }
        // Each resumed run starts from the checkpoint of the year; keep a copy to restore it.
        _ = try ChildRun.run(["cp", "-r", checkpoint, checkpoint + ".year"])
        let resumed = try best(of: repeats) { () throws(BenchUsageError) in
            _ = try ChildRun.run(["sh", "-c", "rm -rf \"$0\" && cp -r \"$0.year\" \"$0\"", checkpoint])
            return try ChildRun.run([cli, "replay", copy, "--period", period, "--format", "json", "--checkpoint", checkpoint], showErrors: true)
        }
        let full = try ChildRun.run([cli, "replay", copy, "--period", period, "--format", "json"])
        return (full, resumed, first, fileSize(tail))
    }

    /// `benchmarks/duckdb_month.py` of this package: from the working directory up, then from the executable up.
    static func duckdbScript() throws(BenchUsageError) -> String {
        var candidates: [String] = []
        var directory = FileManager.default.currentDirectoryPath
        for _ in 0..<6 {
            candidates.append(directory + "/benchmarks/duckdb_month.py")
            directory = (directory as NSString).deletingLastPathComponent
        }
        directory = (siblingExecutable("x") as NSString).deletingLastPathComponent
        for _ in 0..<6 {
            candidates.append(directory + "/benchmarks/duckdb_month.py")
            directory = (directory as NSString).deletingLastPathComponent
        }
        guard let found = candidates.first(where: { access($0, R_OK) == 0 }) else {
            throw BenchUsageError("benchmarks/duckdb_month.py not found (run from the package directory)")
        }
        return found
    }

    /// A file in the same directory as this executable.
    static func siblingExecutable(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let me = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        return (me as NSString).deletingLastPathComponent + "/" + name
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }

    static func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// The processors' time by kind, from the first line of `/proc/stat` (Linux), in ticks.
    struct ProcessorTimes {
        var busy: UInt64 = 0, idle: UInt64 = 0, waiting: UInt64 = 0, stolen: UInt64 = 0

        /// `nil` where there is no `/proc/stat`.
        static func read() -> ProcessorTimes? {
            guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                  let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
            else { return nil }
            // user nice system idle iowait irq softirq steal (guest time is counted in user).
            let ticks = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
            guard ticks.count >= 8 else { return nil }
            return ProcessorTimes(busy: ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6], idle: ticks[3],
                                  waiting: ticks[4], stolen: ticks[7])
        }

        /// The shares of busy, idle, waiting-for-I/O and stolen time since `before`.
        func percentages(since before: ProcessorTimes) -> String {
            let busy = self.busy - before.busy, idle = self.idle - before.idle
            let waiting = self.waiting - before.waiting, stolen = self.stolen - before.stolen
            let total = max(busy + idle + waiting + stolen, 1)
            func share(_ ticks: UInt64) -> String { "\(ticks * 100 / total) %" }
            return "busy \(share(busy)), idle \(share(idle)), waiting for I/O \(share(waiting)), stolen by the host \(share(stolen))"
        }
    }

    /// The page cache's copy of a file.
    enum PageCache {
        /// Reads the whole file once, so that the timed runs find it in the page cache.
        /// - Returns: The share of its pages that were cached before (`mincore`; 1 where that
        ///   cannot be told), or `nil` when it cannot be read.
        static func warm(_ path: String) -> Double? {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { return nil }
            let size = Int(st.st_size)
            var share = 1.0
            #if os(Linux)
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            if size > 0, let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED {
                let pages = (size + page - 1) / page
                var vector = [UInt8](repeating: 0, count: pages)
                if mincore(mapped, size, &vector) == 0 {
                    share = Double(vector.reduce(0) { $0 + Int($1 & 1) }) / Double(pages)
                }
                munmap(mapped, size)
            }
            #endif
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var offset = 0
            while offset < size {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                offset += n
            }
            return share
        }
    }

    /// The load averages of `/proc/loadavg` (`"?"` where there is none).
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The first processor's model name and, on x86, its family and model numbers, from
    /// `/proc/cpuinfo` (Linux): `AMD EPYC (family 26, model 2)`; `nil` where there is none.
    static func processorName() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { if !fields.isEmpty { break }; continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        guard let name = fields["model name"] ?? fields["Processor"] else { return nil }
        guard let family = fields["cpu family"], let model = fields["model"] else { return name }
        return "\(name) (family \(family), model \(model))"
    }
}
