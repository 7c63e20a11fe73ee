import Foundation
import Testing
@testable import Events
import LedgerBenchKit
@testable import Projections

/// A checkpoint attacked as an adversary would: bytes flipped anywhere, extreme values in every
/// stored integer (with a valid checksum, so that the range checks are what refuses them), the
/// file cut short before and while it is used, and the log edited under it. Every time the
/// replay must give exactly the numbers of a fresh replay, or warn, ignore the checkpoint and
/// write a sound one: never a wrong number, a false error or a crash.
@Suite struct CheckpointAdversarialTests {
    static let start = WorkloadConfiguration.year2024
    static let day = Int64(86_400)

    /// A log of `days` days from the start of 2024 (small: every test replays it many times).
    static func log(tickets: Int = 1_500, from: Int64 = 0, days: Int64) -> [UInt8] {
        WorkloadGenerator(WorkloadConfiguration(tickets: tickets, seed: 23, units: 12, from: start + from * day,
                                                to: start + (from + days) * day)).bytes()
    }

    /// A log file and a checkpoint directory in a fresh temporary directory, removed at the end.
    final class Files {
        let root = NSTemporaryDirectory() + "ledger-ckpt-adv-\(UUID().uuidString)"
        var log: String { root + "/log.jsonl" }
        var directory: String { root + "/checkpoint" }
        var checkpoint: String { directory + "/" + ReplayCheckpoint.fileName }

        init(_ bytes: [UInt8]) throws {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: log))
        }

        func append(_ bytes: [UInt8]) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            handle.seekToEndOfFile()
            handle.write(Data(bytes))
            try handle.close()
        }

        func write(checkpoint bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: checkpoint)) }
        func readCheckpoint() throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: checkpoint))) }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    /// What a replay printed: the counts of every month of the log, its totals, its warnings.
    struct Outcome: Equatable {
        var counts: [[String: UnitCounts]]
        var lines = 0, events = 0, problems = 0
        var warnings: [String] = []

        /// The same numbers (warnings aside).
        func sameNumbers(as other: Outcome) -> Bool {
            counts == other.counts && lines == other.lines && events == other.events && problems == other.problems
        }
    }

    /// A replay of the log, from the checkpoint (`mapped`: its tables mapped under a lease,
    /// as `ledger-cli` does) or not.
    static func replay(_ files: Files, checkpoint: Bool = true, parallelism: Int = 1, mapped: Bool = false) throws -> Outcome {
        var replay = LogReplay(path: files.log)
        replay.parallelism = parallelism
        replay.mapsCheckpoint = mapped
        var projections = [Projection()]
        var warnings: [String] = []
        let summary = checkpoint
            ? try replay.run(into: &projections, checkpoint: files.directory) { warnings.append($0) }
            : try replay.run(into: &projections)
        return outcome(projections[0], summary, warnings)
    }

    static func outcome(_ projection: Projection, _ summary: LogReplay.Summary, _ warnings: [String]) -> Outcome {
        Outcome(counts: (1...3).map { projection.counts(period: .month(2024, $0)) }, lines: summary.lines,
                events: summary.events, problems: summary.problems.count, warnings: warnings)
    }

    /// Tickets for a log whose checkpoint's ticket tables are large enough to be mapped
    /// (``CheckpointTable/mappable``), for the tests that replay with `mapped` too.
    static let mappedTickets = 6_000

    /// A log with a checkpoint of its first 40 days, then two more days appended (so that a
    /// replay resumes from the checkpoint and folds a tail), and the fresh replay's outcome.
    static func grownLog(tickets: Int = 1_500) throws -> (Files, fresh: Outcome) {
        let files = try Files(log(tickets: tickets, days: 40))
        let first = try replay(files)
        #expect(first.warnings.isEmpty && first.problems == 0)
        try files.append(log(tickets: tickets, from: 40, days: 2))
        let fresh = try replay(files, checkpoint: false)
        #expect(fresh.problems == 0 && fresh.events > 500)
        return (files, fresh)
    }

    /// The outcome must be the fresh one; with a warning, the checkpoint must have been
    /// ignored and (`rebuilt`) the next replay must resume from a sound new one, silently.
    static func expectFreshOrRebuilt(_ outcome: Outcome, _ fresh: Outcome, _ files: Files, rebuilt: Bool = false,
                                     _ what: @autoclosure () -> String) throws {
        #expect(outcome.sameNumbers(as: fresh), "wrong numbers after \(what())")
        #expect(outcome.warnings.count <= 1, "\(what()): \(outcome.warnings)")
        if let warning = outcome.warnings.first {
            #expect(warning.contains("ignored") && warning.contains("replaying the whole log"), "\(what()): \(warning)")
            if rebuilt {
                let next = try replay(files)
                #expect(next.warnings.isEmpty && next.sameNumbers(as: fresh), "\(what()): not rebuilt: \(next.warnings)")
            }
        }
    }

    /// SplitMix64: a seeded generator, so a failure names a byte that can be flipped again.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    // MARK: - Flipped bytes

    @Test func singleByteFlipsAnywhereGiveTheFreshNumbersOrAWarningAndARebuild() throws {
        let (files, fresh) = try Self.grownLog(tickets: Self.mappedTickets)
        let saved = try files.readCheckpoint()
        var random = SplitMix(state: 9)
        // Every byte of the header and the trailer, and one byte in each of 300 equal strata of the rest.
        let strata = 120
        var positions = Array(0..<min(96, saved.count)) + Array((saved.count - 16)..<saved.count)
        for k in 0..<strata {
            let lo = saved.count * k / strata, hi = saved.count * (k + 1) / strata
            positions.append(Int.random(in: lo..<max(hi, lo + 1), using: &random))
        }
        var ignored = 0
        for (n, position) in positions.enumerated() {
            var damaged = saved
            damaged[position] ^= UInt8.random(in: 1...255, using: &random)
            try files.write(checkpoint: damaged)
            let outcome = try Self.replay(files, parallelism: n % 2 + 1, mapped: n % 4 >= 2)
            if !outcome.warnings.isEmpty { ignored += 1 }
            try Self.expectFreshOrRebuilt(outcome, fresh, files, rebuilt: n % 50 == 0, "byte \(position) of \(saved.count) flipped")
        }
        // The checksum sees every one of them.
        #expect(ignored == positions.count)
    }

    @Test func bytesAfterTheChecksumOrAChecksumOfOtherContentAreRefused() throws {
        let (files, fresh) = try Self.grownLog(tickets: Self.mappedTickets)
        let saved = try files.readCheckpoint()
        let content = Array(saved.dropLast(8)), checksum = Array(saved.suffix(8))
        let endings: [[UInt8]] = [saved + [0], saved + saved, content + [UInt8](repeating: 0, count: 8), content + [1] + checksum]
        for damaged in endings {
            try files.write(checkpoint: damaged)
            for mapped in [false, true] {
                try files.write(checkpoint: damaged)
                let outcome = try Self.replay(files, mapped: mapped)
                #expect(outcome.warnings.count == 1)
                try Self.expectFreshOrRebuilt(outcome, fresh, files, "a changed ending")
            }
        }
    }

    // MARK: - Extreme values

    /// One way to damage a loaded checkpoint before it is saved again (with a valid checksum).
    struct Damage {
        var name: String
        var apply: (inout ReplayCheckpoint) -> Void
    }

    static func setByte<T>(_ array: inout PlainArray<T>, _ index: Int, _ field: PartialKeyPath<T>, to value: UInt8) {
        let offset = index * MemoryLayout<T>.stride + MemoryLayout<T>.offset(of: field)!
        array.withUnsafeMutableBufferPointer { UnsafeMutableRawPointer($0.baseAddress!).storeBytes(of: value, toByteOffset: offset, as: UInt8.self) }
    }

    static var damages: [Damage] {
        var list: [Damage] = []
        func add(_ name: String, _ apply: @escaping (inout ReplayCheckpoint) -> Void) { list.append(Damage(name: name, apply: apply)) }
        let int64s: [Int64] = [.min, .min + 1, -1, .max]
        let int32s: [Int32] = [.min, -2, .max]
        // The header.
        for v in int64s { add("offset \(v)") { $0.prefix.offset = v } }
        for v in int64s { add("lines \(v)") { $0.prefix.lines = Int(v) } }
        for v in int64s { add("events \(v)") { $0.prefix.events = Int(v) } }
        add("lines past the offset") { $0.prefix.lines = Int($0.prefix.offset) + 1 }
        add("events past the lines") { $0.prefix.events = $0.prefix.lines + 1 }
        add("fingerprint of 0 bytes") { $0.prefix.fingerprint = [] }
        add("fingerprint of 33 bytes") { $0.prefix.fingerprint += [0] }
        add("chain value of 3 bytes") { $0.prefix.chain = [0x61, 0x62, 0x63] }
        // The validator's ticket states (first, middle and last ticket).
        for which in ["first", "middle", "last"] {
            func at(_ c: ReplayCheckpoint) -> Int {
                let n = c.fold.lifecycle.states.count
                return which == "first" ? 0 : which == "middle" ? n / 2 : n - 1
            }
            for v in [Int64.min + 1, .max, checkpointEarliestTime] {
                add("\(which) ticket's due \(v)") { $0.fold.lifecycle.states[at($0)].due = v }
                add("\(which) ticket's lastAt \(v)") { $0.fold.lifecycle.states[at($0)].lastAt = v }
            }
            for v in int32s {
                add("\(which) ticket's acceptedLine \(v)") { $0.fold.lifecycle.states[at($0)].acceptedLine = v }
                add("\(which) ticket's holder \(v)") { $0.fold.lifecycle.states[at($0)].holder = v }
                add("\(which) ticket's closer0 \(v)") { $0.fold.lifecycle.states[at($0)].closer0 = v }
                add("\(which) ticket's closer1 \(v)") { $0.fold.lifecycle.states[at($0)].closer1 = v }
            }
            add("\(which) ticket's holder = the unit count") { $0.fold.lifecycle.states[at($0)].holder = Int32($0.fold.lifecycle.units.count) }
            // Bits that name no flag, and "more than one event at the latest time" without them.
            for flags: UInt8 in [0x10, 0x80, 0xFF, TicketLifecycle.sameTimeFlag] {
                add("\(which) ticket's flags \(flags)") { setByte(&$0.fold.lifecycle.states, at($0), \TicketLifecycle.flags, to: flags) }
            }
        }
        // The name tables.
        add("ticket offset UInt32.max") { $0.fold.lifecycle.tickets.starts[1] = .max }
        add("ticket offsets ending past the keys") { c in c.fold.lifecycle.tickets.starts[c.fold.lifecycle.tickets.starts.count - 1] += 1 }
        add("unit offsets descending") { $0.fold.lifecycle.units.starts[1] = $0.fold.lifecycle.units.starts[2] &+ 1 }
        add("a slot naming id UInt32.max") { c in
            let slot = (0..<c.fold.lifecycle.tickets.slots.count).first { c.fold.lifecycle.tickets.slots[$0] == 0 }!
            c.fold.lifecycle.tickets.slots[slot] = 0xFFFF_FFFF_FFFF_FFFF
        }
        add("a slot naming id 0") { c in
            let slot = (0..<c.fold.lifecycle.units.slots.count).first { c.fold.lifecycle.units.slots[$0] == 0 }!
            c.fold.lifecycle.units.slots[slot] = 0x1234_5678_0000_0000
        }
        add("every unit slot used (a probe would never end)") { c in
            for s in 0..<c.fold.lifecycle.units.slots.count where c.fold.lifecycle.units.slots[s] == 0 {
                c.fold.lifecycle.units.slots[s] = 0xABCD_0000_0000_0001
            }
        }
        // The side table of closers.
        add("closers of ticket Int32.max") { $0.fold.lifecycle.moreClosers[.max] = [0] }
        add("closers of ticket -1") { $0.fold.lifecycle.moreClosers[-1] = [0] }
        add("closer Int32.min") { $0.fold.lifecycle.moreClosers[0] = [.min] }
        add("closer Int32.max") { $0.fold.lifecycle.moreClosers[0] = [.max] }
        // The projection.
        for v in int64s { add("event count \(v)") { $0.fold.projections[0].eventCount = Int(v) } }
        add("event count past the events") { $0.fold.projections[0].eventCount = $0.prefix.events + 1 }
        for which in ["first", "middle", "last"] {
            func at(_ c: ReplayCheckpoint) -> Int {
                let n = c.fold.projections[0].ticketState.count
                return which == "first" ? 0 : which == "middle" ? n / 2 : n - 1
            }
            for v in int32s {
                add("\(which) fold's unit \(v)") { $0.fold.projections[0].ticketState[at($0)].unit = v }
                add("\(which) fold's counted unit \(v)") { $0.fold.projections[0].ticketState[at($0)].countedUnit = v }
                add("\(which) fold's counted day \(v)") { $0.fold.projections[0].ticketState[at($0)].countedDay = v }
            }
            add("\(which) fold's counted day past its unit's days") { c in
                let t = at(c), state = c.fold.projections[0].ticketState[t]
                let u = Int(max(state.countedUnit, 0))
                c.fold.projections[0].ticketState[t].countedUnit = Int32(u)
                let days = c.fold.projections[0].unitDays[u]
                c.fold.projections[0].ticketState[t].countedDay = days.firstDay + Int32(days.days.count)
            }
            for v in [Int64.min, Int64.min + 1, .max] {
                add("\(which) fold's due \(v)") { $0.fold.projections[0].ticketState[at($0)].due = v }
                if v != .min { add("\(which) fold's closedAt \(v)") { $0.fold.projections[0].ticketState[at($0)].closedAt = v } }
            }
            for flag in [\TicketFold.countedDone, \TicketFold.countedOnTime, \TicketFold.included] {
                add("\(which) fold's flag \(flag) = 2") { setByte(&$0.fold.projections[0].ticketState, at($0), flag, to: 2) }
            }
            add("\(which) fold counted on time but not done") { c in
                c.fold.projections[0].ticketState[at(c)].countedOnTime = true
                c.fold.projections[0].ticketState[at(c)].countedDone = false
            }
        }
        add("more fold states than tickets") { $0.fold.projections[0].ticketState.append(TicketFold()) }
        add("more units' days than units") { $0.fold.projections[0].unitDays.append(UnitDays()) }
        for v in [Int32.min, -200_000, 200_000, .max] {
            add("first day \(v)") { $0.fold.projections[0].unitDays[0].firstDay = v }
        }
        let counters: [WritableKeyPath<DayCounters, Int32>] = [\.accepted, \.due, \.done, \.onTime, \.rework, \.returns,
                                                               \.satisfied, \.unsatisfied, \.unreachable]
        for (i, counter) in counters.enumerated() {
            for v in [Int32.min, -1, .max, 1 << 24] {
                add("day counter \(i) = \(v)") { c in
                    let u = c.fold.projections[0].unitDays.firstIndex { !$0.days.isEmpty }!
                    let d = c.fold.projections[0].unitDays[u].days.count / 2
                    c.fold.projections[0].unitDays[u].days[d][keyPath: counter] = v
                }
            }
        }
        add("a day with more done than due") { c in
            let u = c.fold.projections[0].unitDays.firstIndex { $0.days.contains { $0.due > 0 } }!
            let d = c.fold.projections[0].unitDays[u].days.firstIndex { $0.due > 0 }!
            c.fold.projections[0].unitDays[u].days[d].done = c.fold.projections[0].unitDays[u].days[d].due + 1
        }
        add("a done moved to a day with as many done as due (the totals still add up)") { c in
            let days = c.fold.projections[0].unitDays
            let u = days.firstIndex { unit in
                unit.days.contains { $0.done > 0 && $0.done > $0.onTime } && unit.days.contains { $0.due > 0 && $0.done == $0.due }
            }!
            let from = days[u].days.firstIndex { $0.done > 0 && $0.done > $0.onTime }!
            let to = days[u].days.indices.first { $0 != from && days[u].days[$0].due > 0 && days[u].days[$0].done == days[u].days[$0].due }!
            c.fold.projections[0].unitDays[u].days[from].done -= 1
            c.fold.projections[0].unitDays[u].days[to].done += 1
        }
        add("one more due on a day (the tickets no longer add up)") { c in
            let u = c.fold.projections[0].unitDays.firstIndex { !$0.days.isEmpty }!
            c.fold.projections[0].unitDays[u].days[0].due += 1
        }
        return list
    }

    @Test func extremeValuesInEveryStoredIntegerAreRefusedWithoutATrap() throws {
        let (files, fresh) = try Self.grownLog(tickets: Self.mappedTickets)
        let options = [ProjectionOptions()]
        let saved = try files.readCheckpoint()
        for (n, damage) in Self.damages.enumerated() {
            try files.write(checkpoint: saved)
            guard var checkpoint = try ReplayCheckpoint.load(directory: files.directory, log: .file(path: files.log), options: options) else {
                Issue.record("no checkpoint")
                return
            }
            damage.apply(&checkpoint)
            try checkpoint.save(directory: files.directory, log: .file(path: files.log), options: options)
            let outcome = try Self.replay(files, parallelism: n % 2 + 1, mapped: n % 4 >= 2)
            #expect(outcome.warnings.count == 1, "\(damage.name) was not refused")
            try Self.expectFreshOrRebuilt(outcome, fresh, files, rebuilt: n % 10 == 0, damage.name)
        }
    }

    @Test func anUnchangedCheckpointSavedAgainIsStillUsed() throws {
        // The control for the test above: loading and saving alone changes nothing.
        let (files, fresh) = try Self.grownLog()
        let options = [ProjectionOptions()]
        let checkpoint = try #require(try ReplayCheckpoint.load(directory: files.directory, log: .file(path: files.log), options: options))
        try checkpoint.save(directory: files.directory, log: .file(path: files.log), options: options)
        let outcome = try Self.replay(files)
        #expect(outcome.warnings.isEmpty && outcome == fresh)
    }

    // MARK: - Cut short

    @Test func aCheckpointCutShortAtAnyLengthIsIgnoredAndRebuilt() throws {
        let (files, fresh) = try Self.grownLog(tickets: Self.mappedTickets)
        let saved = try files.readCheckpoint()
        var random = SplitMix(state: 4)
        var lengths = Array(0..<24) + Array((saved.count - 24)..<saved.count)
        for k in 0..<50 { lengths.append(saved.count * k / 50 + Int.random(in: 0..<(saved.count / 50), using: &random)) }
        for (n, length) in lengths.enumerated() {
            try files.write(checkpoint: Array(saved.prefix(length)))
            let outcome = try Self.replay(files, parallelism: n % 2 + 1, mapped: n % 4 >= 2)
            #expect(outcome.warnings.count == 1, "cut to \(length) bytes")
            try Self.expectFreshOrRebuilt(outcome, fresh, files, rebuilt: n % 20 == 0, "cut to \(length) bytes")
        }
    }

    @Test func aCheckpointCutShortAfterItWasLoadedDoesNotReachTheProcess() throws {
        // A mapped checkpoint died here with SIGBUS: its pages were gone when the tail touched them.
        let (files, fresh) = try Self.grownLog()
        let options = [ProjectionOptions()]
        let checkpoint = try #require(try ReplayCheckpoint.load(directory: files.directory, log: .file(path: files.log), options: options))
        #expect(truncate(files.checkpoint, 0) == 0)
        var fold = checkpoint.fold
        let summary = try LogReplay(path: files.log).run(&fold, from: checkpoint.prefix.offset, firstLine: checkpoint.prefix.lines + 1, progress: nil)
        var total = summary
        total.events += checkpoint.prefix.events
        // Touch every table the checkpoint held.
        _ = fold.lifecycle.tickets.lookup("no such ticket")
        _ = fold.lifecycle.states.withUnsafeBufferPointer { $0.reduce(0) { $0 &+ $1.lastAt } }
        let projections = fold.finish()
        #expect(Self.outcome(projections[0], total, []).sameNumbers(as: fresh))
    }

    @Test func aCheckpointCutShortWhileReplaysRunNeverKillsThem() throws {
        let (files, fresh) = try Self.grownLog(tickets: Self.mappedTickets)
        let saved = try files.readCheckpoint()
        let stop = Flag()
        let path = files.checkpoint
        let cutter = Thread {
            var random = SplitMix(state: 77)
            while !stop.isSet {
                // Cut the current checkpoint (whichever file the replays last wrote), or put the full one back.
                if random.next() % 4 == 0 {
                    try? Data(saved).write(to: URL(fileURLWithPath: path))
                } else {
                    truncate(path, off_t(random.next() % UInt64(saved.count)))
                }
                usleep(UInt32(random.next() % 2_000))
            }
            stop.finished()
        }
        cutter.start()
        defer { stop.set(); stop.waitUntilFinished() }
        for n in 0..<32 {
            // Mapped, a replay holds the file under a lease: a cut waits for it, or the
            // replay starts over when it was asked for the file meanwhile.
            let outcome = try Self.replay(files, parallelism: n % 2 + 1, mapped: n % 4 >= 2)
            #expect(outcome.sameNumbers(as: fresh), "run \(n): \(outcome.warnings)")
            #expect(outcome.warnings.allSatisfy { $0.contains("ignored") || $0.contains("not saved") || $0.contains("opened for writing") },
                    "\(outcome.warnings)")
        }
    }

    // MARK: - Mapped

    @Test func aMappedCheckpointGivesTheNumbersOfAReadOne() throws {
        for tickets in [1_500, 6_000] {
            let (files, fresh) = try Self.grownLog(tickets: tickets)
            let saved = try files.readCheckpoint()
            let options = [ProjectionOptions()]
            #if os(Linux)
            // Loaded mapped: the tables of 16 KiB and more, but not the ticket table's slots
            // (written at random by new tickets).
            let loaded = try #require(try ReplayCheckpoint.load(directory: files.directory, log: .file(path: files.log),
                                                                options: options, mapping: true))
            #expect(loaded.lease?.isHeld == true)
            let (states, folds) = (loaded.fold.lifecycle.states, loaded.fold.projections[0].ticketState)
            #expect(states.isMapped == (states.count * MemoryLayout<TicketLifecycle>.stride >= CheckpointTable.mappable))
            #expect(folds.isMapped == (folds.count * MemoryLayout<TicketFold>.stride >= CheckpointTable.mappable))
            #expect(tickets < Self.mappedTickets || (states.isMapped && folds.isMapped))
            #expect(!loaded.fold.lifecycle.tickets.slots.isMapped)
            #endif
            for parallelism in [1, 2] {
                let outcome = try Self.replay(files, parallelism: parallelism, mapped: true)
                #expect(outcome == fresh, "\(tickets) tickets")
                #expect(try files.readCheckpoint() == saved, "a small tail leaves the checkpoint as it is")
            }
        }
    }

    #if os(Linux)
    @Test func aWriterDuringAMappedReplayWaitsForItAndTheReplayStartsOver() throws {
        let (files, fresh) = try Self.grownLog(tickets: Self.mappedTickets)
        var replay = LogReplay(path: files.log)
        replay.mapsCheckpoint = true
        var writer: Process?
        replay.checkpointLoaded = {
            // Another process appends to the checkpoint: its open waits for the lease.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "printf x >> \"$0\"", files.checkpoint]
            try? process.run()
            writer = process
            for _ in 0..<1_000 where !((try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) ?? "").contains("BREAK") {
                usleep(10_000)
            }
        }
        var projections = [Projection()]
        var warnings: [String] = []
        let summary = try replay.run(into: &projections, checkpoint: files.directory) { warnings.append($0) }
        let outcome = Self.outcome(projections[0], summary, warnings)
        #expect(outcome.sameNumbers(as: fresh))
        #expect(warnings.count == 1 && warnings[0].contains("was opened for writing while this replay used it; replaying the whole log"),
                "\(warnings)")
        let process = try #require(writer)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // The writer's byte damaged the checkpoint: the next replay ignores it and writes it anew.
        let next = try Self.replay(files, mapped: true)
        #expect(next.sameNumbers(as: fresh) && next.warnings.count == 1 && next.warnings[0].contains("ignored"))
        let after = try Self.replay(files, mapped: true)
        #expect(after == fresh)
    }
    #endif

    final class Flag: @unchecked Sendable {
        private let lock = NSCondition()
        private var value = false, done = false
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
        func set() { lock.lock(); value = true; lock.unlock() }
        func finished() { lock.lock(); done = true; lock.broadcast(); lock.unlock() }
        func waitUntilFinished() { lock.lock(); while !done { lock.wait() }; lock.unlock() }
    }

    // MARK: - The log edited under the checkpoint

    /// Seals `lines` into the hash chain after `previous`: each line gets `,"chain":"…"}`.
    static func seal(_ text: [UInt8], previous: inout SHA256.Digest) -> [UInt8] {
        var out: [UInt8] = []
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let body = Array(line.dropLast())  // without the closing brace
            let value = body.withUnsafeBytes { HashChain.link(previous: previous, body: $0) }
            out += body + Array(#","chain":""#.utf8) + Array(value.hex.utf8) + Array("\"}\n".utf8)
            previous = value
        }
        return out
    }

    /// Whether byte `i` of a prefix of `offset` bytes falls in a window its fingerprint samples.
    static func sampled(_ i: Int, offset: Int) -> Bool {
        if i < 64 << 10 || i >= offset - (64 << 10) { return true }
        return (0..<256).contains { k in
            let start = offset * k / 256
            return i >= start && i < start + (4 << 10)
        }
    }

    @Test func aSameLengthEditOfAChainedLogBeforeTheCheckpointIsDetected() throws {
        // Large enough that the fingerprint's windows leave gaps (a log over 1 MiB).
        var previous = HashChain.genesis
        let head = Self.seal(Self.log(tickets: 20_000, days: 35), previous: &previous)
        #expect(head.count > 1 << 20, "windows 4 KiB apart or more leave gaps")
        let files = try Files(head)
        #expect(try Self.replay(files).warnings.isEmpty)
        let tail = Self.seal(Self.log(tickets: 20_000, from: 35, days: 1), previous: &previous)
        try files.append(tail)
        // `unsatisfied` → `unreachable` in a line no window samples, and the chain sealed again
        // from that line on, as an editor who wants the log to verify would do.
        let pattern = Array(#""rating":"unsatisfied""#.utf8)
        let position = try #require((0..<(head.count - pattern.count)).first { i in
            !Self.sampled(i, offset: head.count) && !Self.sampled(i + pattern.count, offset: head.count)
                && head[i] == pattern[0] && Array(head[i..<(i + pattern.count)]) == pattern
        })
        var edited = head
        edited.replaceSubrange((position + 10)..<(position + 21), with: Array("unreachable".utf8))
        let lineStart = edited[..<position].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        // Strip the chain members from the edited line on and seal again from the value before it.
        var resealed = HashChain.genesis
        if lineStart > 0 {
            let before = edited[..<(lineStart - 1)]
            let start = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            let hex = Array(edited[(lineStart - 1 - 66)..<(lineStart - 1 - 2)])
            #expect(start < lineStart)
            resealed = try #require(hex.withUnsafeBytes { SHA256.Digest(lowercaseHex: $0) })
        }
        var unsealed: [UInt8] = []
        for line in (Array(edited[lineStart...]) + tail).split(separator: UInt8(ascii: "\n")) {
            unsealed += Array(line.dropLast(76)) + Array("}\n".utf8)
        }
        let rewritten = Array(edited[..<lineStart]) + Self.seal(unsealed, previous: &resealed)
        #expect(rewritten.count == head.count + tail.count, "the same length")
        try Data(rewritten).write(to: URL(fileURLWithPath: files.log))
        // The edited log verifies clean: the chain holds.
        let verified = try LogVerifier.verifyFile(at: files.log, requireChain: true) { Issue.record("\($0)") }
        #expect(verified.isClean && verified.chain.isIntact)
        let fresh = try Self.replay(files, checkpoint: false)
        let outcome = try Self.replay(files)
        #expect(outcome.warnings.count == 1)
        #expect(outcome.warnings.first?.contains("chain value") == true, "\(outcome.warnings)")
        #expect(outcome.sameNumbers(as: fresh))
    }
}
