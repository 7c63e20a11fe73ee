#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// `ledger-cli bulletin` run as a real process on the shipped samples.
@Suite struct BulletinCommandTests {
    static let quyuan = ["bulletin", "samples/quyuan-2023-09.jsonl", "--period", "2023-09", "--units", "samples/quyuan-units.csv",
                         "--mailbox-units", "samples/quyuan-mailbox-units.csv"]

    @Test func xiangtanSchemePrintsTheStatisticsTable() throws {
        let result = try LedgerCLI.run(["bulletin", "samples/xiangtan-2019-11.jsonl", "-p", "2019-11", "--scheme", "xiangtan",
                                        "--units", "samples/xiangtan-units.csv"])
        #expect(result.status == 0)
        let text = result.stdout
        #expect(text.hasPrefix("# 2019年11月12345热线工作情况通报\n"))
        #expect(text.contains("交办各成员单位处理工单3297件，按期办结3265件，逾期32件，按期办结率99.03%"))
        #expect(text.contains("共接受各成员单位退单301单次"))
        #expect(text.contains("其中退单5次及以上的工单2起、退单4次的工单6起、退单3次的工单13起、退单2次的工单43起、退单1次的工单237起"))
        #expect(text.contains("共电话督办199件，电话督办回复199件；书面督办43件，书面督办回复43件"))
        let row = try #require(result.lines.first { $0.hasPrefix("| 湘乡市人民政府") })
        #expect(row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                == ["湘乡市人民政府", "19", "19", "0", "0", "100.00%", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"])
        let total = try #require(result.lines.first { $0.hasPrefix("| 总计") })
        #expect(total.contains("3297") && total.contains("92.33%") && total.contains("54.11%") && total.contains("375"))
    }

    /// As of a day inside the month, tickets still open whose deadline is later are 未到期: neither
    /// 按期办结 nor 逾期, in the summary and in a column of their own, so each row adds up.
    @Test func xiangtanMidMonthCountsTicketsNotDueYet() throws {
        let result = try LedgerCLI.run(["bulletin", "samples/xiangtan-2019-11.jsonl", "-p", "2019-11", "--scheme", "xiangtan",
                                        "--units", "samples/xiangtan-units.csv", "--as-of", "2019-11-15T12:00:00+08:00"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(result.lines.first { $0.contains("交办各成员单位处理工单") })
        let numbers = try #require(summary.wholeMatch(of: /.*处理工单(\d+)件，按期办结(\d+)件，逾期(\d+)件，未到期(\d+)件，按期办结率([\d.]+)%.*/))
        let (assigned, onTime, overdue, pending) = (Int(numbers.1)!, Int(numbers.2)!, Int(numbers.3)!, Int(numbers.4)!)
        #expect(pending > 0 && assigned == onTime + overdue + pending)
        // 按期办结率 over the assignments whose deadline has come: hundredths of a percent, rounded.
        let hundredths = (onTime * 10_000 * 2 + (assigned - pending)) / (2 * (assigned - pending))
        #expect(numbers.5 == "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)")
        let header = try #require(result.lines.first { $0.hasPrefix("| 单位") })
        let columns = header.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(Array(columns.prefix(6)) == ["单位", "交办数", "按期办结数", "逾期数", "未到期数", "退单数"])
        var rows = 0
        for line in result.lines where line.hasPrefix("| ") && !line.hasPrefix("| 单位") && !line.hasPrefix("| --") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == columns.count, let a = Int(cells[1]), let b = Int(cells[2]), let c = Int(cells[3]),
                  let d = Int(cells[4]) else { continue }
            rows += 1
            #expect(a == b + c + d, "\(line)")
        }
        #expect(rows > 30)
        // The whole month: no such column, no such words.
        let whole = try LedgerCLI.run(["bulletin", "samples/xiangtan-2019-11.jsonl", "-p", "2019-11", "--scheme", "xiangtan",
                                       "--units", "samples/xiangtan-units.csv"])
        #expect(!whole.stdout.contains("未到期"))
    }

    /// `--output` writes the file and nothing to standard output. (The HTML itself, and the
    /// Markdown against the golden file, are tested at library level in ReportTests.)
    @Test func outputWritesTheHTMLToAFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("bulletin.html")
        let result = try LedgerCLI.run(Self.quyuan + ["--format", "html", "--output", path])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let html = try folder.text("bulletin.html")
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(html.hasSuffix("</html>\n"))
    }

    /// `--output` replaces the file whole or not at all: under a file-size limit that stops
    /// the write, in a folder that does not exist, and killed from outside at random moments,
    /// the file is the old one or the whole new one, and a failure says why.
    @Test func outputIsReplacedWholeOrNotAtAll() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let arguments = Self.quyuan.map { $0.hasPrefix("samples/") ? LedgerCLI.packageRoot.appendingPathComponent($0).path : $0 }
            + ["--format", "html", "--output", "bulletin.html"]
        let old: [UInt8] = Array("<p>the old bulletin</p>\n".utf8)
        try folder.write("bulletin.html", old)
        let whole = try LedgerCLI.run(arguments, in: folder.path)
        #expect(whole.status == 0)
        let new = try folder.read("bulletin.html")
        #expect(new.count > 8 << 10)

        func leftovers() throws -> [String] { try folder.listing().filter { $0.hasPrefix("bulletin.html.") } }
        func shell(_ script: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script, LedgerCLI.executable.path] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
            try process.run()
            return process
        }
        // A file-size limit (512-byte blocks) below the bulletin's size: no signal, a message, the old file.
        for limit in [1, new.count / 512 / 2, new.count / 512 - 1] {
            try folder.write("bulletin.html", old)
            let process = try shell(#"ulimit -f \#(limit); exec "$0" "$@" 2>err.txt >/dev/null"#)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 1, "limit \(limit)")
            let message = try folder.text("err.txt")
            #expect(message.contains("bulletin.html: cannot write: File too large"), "limit \(limit): \(message)")
            #expect(try folder.read("bulletin.html") == old, "limit \(limit)")
            #expect(try leftovers() == [], "limit \(limit)")
        }
        // A folder that does not exist.
        let missing = try LedgerCLI.run(Array(arguments.dropLast()) + ["no/such/folder/bulletin.html"], in: folder.path)
        #expect(missing.status == 1 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("no/such/folder/bulletin.html: cannot create: No such file or directory"), "\(missing.stderr)")
        // Killed at random moments: the old file or the new one, never a part.
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<12 {
            try folder.write("bulletin.html", old)
            let process = try shell(#"exec "$0" "$@" 2>/dev/null >/dev/null"#)
            usleep(UInt32.random(in: 0..<(trial < 6 ? 40_000 : 150_000), using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let left = try folder.read("bulletin.html")
            #expect(left == old || left == new, "trial \(trial): \(left.count) bytes")
            for name in try leftovers() { try FileManager.default.removeItem(atPath: folder.file(name)) }
        }
    }

    @Test func outputNeverReplacesAnInputALinkOrADevice() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("log.jsonl", try Data(contentsOf: LedgerCLI.packageRoot.appendingPathComponent("samples/quyuan-2023-09.jsonl")).map { $0 })
        _ = try folder.write("units.csv", try Data(contentsOf: LedgerCLI.packageRoot.appendingPathComponent("samples/quyuan-units.csv")).map { $0 })
        let logBytes = try folder.read("log.jsonl"), rosterBytes = try folder.read("units.csv")
        let base = ["bulletin", log, "-p", "2023-09", "--units", "units.csv"]
        // The log, a roster, under another spelling: refused before anything is written.
        for (output, named) in [("./log.jsonl", "the log"), (folder.file("units.csv"), "--units")] {
            let result = try LedgerCLI.run(base + ["--output", output], in: folder.path)
            #expect(result.status == 64 && result.stderr.contains("--output \(output) is the file given as \(named)"), "\(result.stderr)")
        }
        #expect(try folder.read("log.jsonl") == logBytes && folder.read("units.csv") == rosterBytes)
        // Files read on the way: a roster a configuration names, a calendar a rule file names.
        try folder.write("pu.csv", "unit,group\nA局,\n")
        try folder.write("cfg.json", #"{"channels": [{"channel": "proposal", "units": "pu.csv"}]}"#)
        try folder.write("cal.csv", "date,kind,holiday\n2023-10-07,work,国庆\n")
        try folder.write("rc.json", #"{"name": "c", "deadlines": {"calendar": ["cn", "cal.csv"], "limits": [{"workdays": 3}]}}"#)
        for (options, output) in [(["--config", "cfg.json"], "pu.csv"), (["--rules", "rc.json"], "cal.csv")] {
            let before = try folder.read(output)
            let result = try LedgerCLI.run(base + options + ["--output", output], in: folder.path)
            #expect(result.status == 64 && result.stderr.contains("--output \(output) is a file this bulletin read its input from"), "\(result.stderr)")
            #expect(try folder.read(output) == before)
        }
        // A symbolic link: its target is replaced, the link stays; a device behind a link is written to.
        try folder.write("target.md", "old\n")
        #expect(symlink("target.md", folder.file("link.md")) == 0 && symlink("/dev/null", folder.file("null.md")) == 0)
        for link in ["link.md", "null.md"] {
            let result = try LedgerCLI.run(base + ["--output", link], in: folder.path)
            #expect(result.status == 0, "\(result.stderr)")
            var status = stat()
            #expect(lstat(folder.file(link), &status) == 0 && status.st_mode & S_IFMT == S_IFLNK, "\(link)")
        }
        #expect(try folder.text("target.md").hasPrefix("# "))
        var device = stat()
        #expect(stat("/dev/null", &device) == 0 && device.st_mode & S_IFMT == S_IFCHR)
        // The file replaced keeps its permissions.
        try folder.write("private.md", "old\n")
        #expect(chmod(folder.file("private.md"), 0o600) == 0)
        #expect(try LedgerCLI.run(base + ["--output", "private.md"], in: folder.path).status == 0)
        var mode = stat()
        #expect(stat(folder.file("private.md"), &mode) == 0 && mode.st_mode & 0o777 == 0o600)
        #expect(try folder.text("private.md").hasPrefix("# "))
        // A link to nothing and a folder are refused with the reason.
        #expect(symlink("nowhere.md", folder.file("dangling.md")) == 0)
        let dangling = try LedgerCLI.run(base + ["--output", "dangling.md"], in: folder.path)
        #expect(dangling.status == 1 && dangling.stderr.contains("cannot write dangling.md: is a symbolic link to a missing file"))
        let directory = try LedgerCLI.run(base + ["--output", folder.path], in: folder.path)
        #expect(directory.status == 1 && directory.stderr.contains("is a directory"))
    }

    @Test func twoSectionsOnOneChannelAreRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // A mailbox rule file that leaves out "channel" counts the hotline (the default): its
        // section scored the hotline again, and the mailbox by the hotline's rules.
        let rules = try folder.write("my-mailbox.json", #"{"name": "my-mailbox", "weights": {"done": 50, "onTime": 10, "rework": 20, "satisfaction": 20}}"#)
        let log = LedgerCLI.packageRoot.appendingPathComponent("samples/yueyang-2024-02.jsonl").path
        for (options, channel) in [(["--mailbox-rules", rules], "hotline"), (["--rules", "yueyang-mailbox"], "mailbox")] {
            let result = try LedgerCLI.run(["bulletin", log, "-p", "2024-02"] + options)
            #expect(result.status == 64 && result.stdout.isEmpty, "\(options)")
            #expect(result.stderr.contains("both count channel '\(channel)', which would be counted twice"), "\(result.stderr)")
        }
        let withChannel = try folder.write("mailbox.json", #"{"name": "my-mailbox", "channel": "mailbox"}"#)
        #expect(try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--mailbox-rules", withChannel]).status == 0)
        #expect(try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--rules", "yueyang-mailbox", "--mailbox-rules", "none"]).status == 0)
    }

    /// The main section is named after the channel its rules count: the mailbox's rules make a
    /// 市长信箱 section, not one titled 12345热线 (the hotline, found in the log, gets its own).
    @Test func theMainSectionIsNamedAfterItsRulesChannel() throws {
        let log = LedgerCLI.packageRoot.appendingPathComponent("samples/yueyang-2024-02.jsonl").path
        for scheme in ["yueyang", "xiangtan", "quarterly"] {
            let result = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--rules", "yueyang-mailbox", "--mailbox-rules", "none",
                                            "--scheme", scheme])
            #expect(result.status == 0, "\(result.stderr)")
            let headings = result.stdout.split(separator: "\n").filter { $0.hasPrefix("#") }
            #expect(headings.first == "# 2024年2月市长信箱和12345热线\(scheme == "yueyang" ? "运行办理情况通报" : scheme == "xiangtan" ? "工作情况通报" : "运行情况通报")",
                    "\(scheme): \(headings)")
            #expect(!result.stdout.contains("个热线承办单位") && !result.stdout.contains("考评规则：热线"), "\(scheme)")
        }
        let yueyang = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--rules", "yueyang-mailbox", "--mailbox-rules", "none"])
        #expect(yueyang.stdout.contains("\n## 一、市长信箱运行情况\n") && yueyang.stdout.contains("\n## 二、12345热线运行情况\n"))
        #expect(yueyang.stdout.contains("个市长信箱承办单位中") && yueyang.stdout.contains("考评规则：市长信箱 yueyang-mailbox"))
        #expect(yueyang.stdout.contains("\n## 附件1  2024年2月市长信箱综合评价表\n"))
    }

    /// The xiangtan bulletin's callbacks section says so when it has no unit to list (its heading
    /// stood bare, followed by the next one): no callback at all, or every rate between 50 and 80 %.
    @Test func xiangtansCallbackSectionIsNeverBare() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func ticket(_ t: String, ratings: [String]) -> [String] {
            [eventLine("\(t)-1", t, "accepted", "01 09:00", #""channel":"hotline""#),
             eventLine("\(t)-2", t, "assigned", "01 09:30", #""unit":"A局","due":"2024-02-08T18:00:00+08:00""#),
             eventLine("\(t)-3", t, "closed", "02 10:00", #""unit":"A局""#)]
                + ratings.enumerated().map { eventLine("\(t)-r\($0.offset)", t, "callback-rated", "03 10:0\($0.offset)", #""unit":"A局","rating":"\#($0.element)""#) }
        }
        let cases: [(String, [String], String)] = [
            ("none.jsonl", ticket("T1", ratings: []), "本期无有效回访工单。"),
            ("middle.jsonl", ticket("T1", ratings: ["satisfied", "satisfied", "unsatisfied"]), "无回访满意率80%及以上或低于50%的单位。"),
        ]
        for (name, lines, sentence) in cases {
            let log = try folder.write(name, jsonl(lines))
            let result = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--scheme", "xiangtan"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("### （二）回访情况\n\n\(sentence)\n"), "\(name): \(result.stdout)")
        }
    }

    @Test func aKeyGivenTwiceWithTwoValuesIsRefused() throws {
        let log = LedgerCLI.packageRoot.appendingPathComponent("samples/quyuan-2023-09.jsonl").path
        let base = ["bulletin", log, "-p", "2023-09"]
        let volume = try LedgerCLI.run(base + ["--min-volume", "行政事业单位=1", "--min-volume", "行政事业单位=2"])
        #expect(volume.status == 64 && volume.stderr.contains("--min-volume gives group '行政事业单位' twice, as 1 and as 2; give it once"))
        let title = try LedgerCLI.run(base + ["--channel-title", "proposal=甲", "--channel-title", "proposal=乙"])
        #expect(title.status == 64 && title.stderr.contains("--channel-title gives channel 'proposal' twice, as '甲' and as '乙'"))
        #expect(try LedgerCLI.run(base + ["--min-volume", "行政事业单位=1", "--min-volume", "行政事业单位=1"]).status == 0)
        // A group no unit of the roster is in is named.
        let groups = LedgerCLI.packageRoot.appendingPathComponent("samples/yueyang-hotline-units.csv").path
        let stray = try LedgerCLI.run(base + ["--units", groups, "--min-volume", "行政事业单位 =50"])
        #expect(stray.status == 0 && stray.stderr.contains("warning: --min-volume names group '行政事业单位 ', which no unit of --units is in"),
                "\(stray.stderr)")
        // A roster or rule file that cannot be read says why; an empty channel counts nothing.
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let roster = try LedgerCLI.run(base + ["--units", folder.path])
        #expect(roster.status == 1 && roster.stderr.contains("cannot read the file: cannot read: Is a directory"), "\(roster.stderr)")
        let missing = try LedgerCLI.run(base + ["--units", folder.file("none.csv")])
        #expect(missing.status == 1 && missing.stderr.contains("cannot read the file: cannot open: No such file or directory"))
        let rules = try folder.write("empty-channel.json", #"{"name": "x", "channel": ""}"#)
        let empty = try LedgerCLI.run(["replay", log, "-p", "2023-09", "--rules", rules])
        #expect(empty.status == 1 && empty.stderr.contains("field 'channel': must not be empty (null counts every channel)"))
    }

    @Test func anEmptyLogsBulletinReadsAsSentences() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("empty.jsonl", "")
        let result = try LedgerCLI.run(["bulletin", log, "-p", "2024-02"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("本期无热线承办单位参与考评。") && result.stdout.contains("本月无热线交办工单。"), "\(result.stdout)")
        #expect(!result.stdout.contains("评价为。") && !result.stdout.contains("无交办热线交办"))
    }

    @Test func schemesFollowThePeriodUnlessChosen() throws {
        let quarter = try LedgerCLI.run(["bulletin", "samples/quyuan-2023-09.jsonl", "-p", "2023-Q3", "--units", "samples/quyuan-units.csv"])
        #expect(quarter.status == 0)
        #expect(quarter.stdout.hasPrefix("# 2023年第三季度12345热线和市长信箱运行情况通报"))
        #expect(quarter.stdout.contains("**热线A类单位（19个）**"))
        #expect(quarter.stdout.contains("| 投诉 |"))
        let titled = try LedgerCLI.run(Self.quyuan + ["--title", "屈原管理区九月通报", "--mailbox-rules", "none"])
        #expect(titled.stdout.hasPrefix("# 屈原管理区九月通报\n"))
        #expect(!titled.stdout.contains("市长信箱运行情况"))
    }

    @Test func bulletinUsageAndInputErrors() throws {
        for (arguments, message) in [
            (["--format", "pdf"], "invalid --format 'pdf'"),
            (["--scheme", "monthly"], "invalid --scheme 'monthly'"),
            (["--min-volume", "行政事业单位"], "invalid --min-volume '行政事业单位'"),
            (["--top", "0"], "invalid --top '0'"),
        ] {
            let result = try LedgerCLI.run(Self.quyuan + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let badLog = try LedgerCLI.run(["bulletin", "samples/bad-events.jsonl", "-p", "2024-02"])
        #expect(badLog.status == 1)
        #expect(badLog.stderr.contains("samples/bad-events.jsonl:") && badLog.stderr.contains("No bulletin was written"))
        #expect(badLog.stdout.isEmpty)
        let help = try LedgerCLI.run(["help", "bulletin"])
        #expect(help.status == 0 && help.stdout.contains("--mailbox-units") && help.stdout.contains("--scheme"))
    }
}

/// Issue 14 through the command: JSON, order, subtotals, a configuration file, a policy.
@Suite struct BulletinPolicyCommandTests {
    @Test func jsonOrderConfigAndPolicyFromTheCommandLine() throws {
        let json = try LedgerCLI.run(BulletinCommandTests.quyuan + ["--format", "json", "--order", "roster"])
        #expect(json.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(root["rankings"] is [Any] && root["deductions"] is [Any] && root["policyViolations"] is [Any])
        let units = ((root["sections"] as? [[String: Any]])?.first?["units"] as? [[String: Any]])?.compactMap { $0["unit"] as? String }
        #expect(units?.first == "屈原人社局", "roster order")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try folder.write("bulletin.json", #"{"channels": [{"channel": "proposal", "title": "政协微建议"}], "subtotals": false, "compare": "always"}"#)
        let markdown = try LedgerCLI.run(["bulletin", "samples/yueyang-2024-02.jsonl", "-p", "2024-02",
                                          "--units", "samples/yueyang-hotline-units.csv", "--config", config,
                                          "--rules", "samples/rules/policy-hotline.json", "--list-limit", "2"])
        #expect(markdown.status == 0)
        #expect(!markdown.stdout.contains("小计（"))
        #expect(markdown.stdout.contains("与上月（应办理"))
        #expect(markdown.stdout.contains("延期与退单"))
        #expect(!markdown.stdout.contains("热线办理时效"), "overdueTicket 0")
        let bad = try LedgerCLI.run(BulletinCommandTests.quyuan + ["--order", "alphabet"])
        #expect(bad.status != 0 && bad.stderr.contains("order"))
    }

    /// A channel's own ranking minimums from the configuration file (`minVolume`), the mailbox's
    /// from `--mailbox-min-volume`, and the Xiangtan table in `--order volume`; the proposal
    /// channel's section and 附件 in the xiangtan scheme.
    @Test func rankingMinimumsPerChannelAndTheXiangtanOrder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var lines: [String] = []
        func ticket(_ id: String, _ channel: String, _ unit: String, day: Int) {
            let d = String(format: "2024-02-%02d", day)
            lines.append(#"{"id":"\#(id)a","ticket":"\#(id)","type":"accepted","at":"\#(d)T09:00:00+08:00","channel":"\#(channel)"}"#)
            lines.append(#"{"id":"\#(id)b","ticket":"\#(id)","type":"assigned","at":"\#(d)T10:00:00+08:00","unit":"\#(unit)","due":"\#(d)T18:00:00+08:00"}"#)
            lines.append(#"{"id":"\#(id)c","ticket":"\#(id)","type":"closed","at":"\#(d)T12:00:00+08:00","unit":"\#(unit)"}"#)
        }
        ticket("H1", "hotline", "甲局", day: 1)
        ticket("H2", "hotline", "丁局", day: 2)
        ticket("H3", "hotline", "丁局", day: 3)
        ticket("P1", "proposal", "乙局", day: 4)
        ticket("P2", "proposal", "乙局", day: 5)
        ticket("P3", "proposal", "丙局", day: 6)
        let log = try folder.write("log.jsonl", lines.joined(separator: "\n") + "\n")
        let units = try folder.write("units.csv", "unit,group\n甲局,委办局\n丁局,委办局\n")
        try folder.write("proposal-units.csv", "unit,group\n丙局,委办局\n乙局,委办局\n")
        let config = try folder.write("bulletin.json", #"{"channels": [{"channel": "proposal", "units": "proposal-units.csv", "minVolume": {"委办局": 2}}]}"#)
        let json = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--units", units, "--config", config, "--format", "json",
                                      "--mailbox-min-volume", "委办局=5"])
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rankings = try #require(root["rankings"] as? [[String: Any]])
        let proposal = rankings.filter { $0["channel"] as? String == "proposal" }
        #expect(proposal.map { $0["minimumVolume"] as? Int } == [2, 2])
        #expect(proposal.map { $0["units"] as? [String] } == [["乙局"], ["乙局"]], "丙局 has one ticket due, below the minimum of 2")
        let hotline = rankings.filter { $0["channel"] as? String == "hotline" }
        #expect(hotline.first?["units"] as? [String] == ["丁局", "甲局"])
        let xiangtan = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--units", units, "--config", config, "--scheme", "xiangtan"])
        #expect(xiangtan.status == 0)
        #expect(xiangtan.stdout.hasPrefix("# 2024年2月12345热线和政协微建议工作情况通报\n"))
        #expect(xiangtan.stdout.contains("## 二、政协微建议办理情况"))
        #expect(xiangtan.stdout.contains("## 附件2  2024年2月政协微建议办理情况统计表"))
        func firstRow(_ text: String) -> String? { text.split(separator: "\n").first { $0.hasPrefix("| 甲局") || $0.hasPrefix("| 丁局") }.map(String.init) }
        #expect(firstRow(xiangtan.stdout)?.hasPrefix("| 甲局") == true, "roster order by default")
        let byVolume = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--units", units, "--scheme", "xiangtan", "--order", "volume"])
        #expect(firstRow(byVolume.stdout)?.hasPrefix("| 丁局") == true, "most 交办数 first")
        let bad = try folder.write("bad.json", #"{"channels": [{"channel": "proposal", "minVolume": {"委办局": "two"}}]}"#)
        let refused = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--config", bad])
        #expect(refused.status == 64 && refused.stderr.contains("field 'channels[0].minVolume.委办局'"), "\(refused.stderr)")
        let repeated = try folder.write("repeated.json", #"{"order": "score", "order": "volume"}"#)
        let refusedRepeat = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--config", repeated])
        #expect(refusedRepeat.status == 64 && refusedRepeat.stderr.contains("repeated.json: field 'order': duplicate key"), "\(refusedRepeat.stderr)")
        let broken = try folder.write("broken.json", "{\"order\": \"score\",\n}")
        let refusedBroken = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--config", broken])
        #expect(refusedBroken.status == 64 && refusedBroken.stderr.contains("broken.json: not valid JSON (line 2, column 1"), "\(refusedBroken.stderr)")
        let badMailbox = try LedgerCLI.run(["bulletin", log, "-p", "2024-02", "--mailbox-min-volume", "委办局"])
        #expect(badMailbox.status == 64 && badMailbox.stderr.contains("invalid --mailbox-min-volume '委办局'"))
    }
}

/// Names from the roster (and the log) reach the Markdown bulletin as text: markup in them is
/// written as entities, not passed to a Markdown viewer as HTML.
@Test func markupInANameIsEscapedInTheMarkdownBulletin() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    var roster = try String(contentsOfFile: LedgerCLI.packageRoot.appendingPathComponent("samples/quyuan-units.csv").path, encoding: .utf8)
    roster += "<img src=x onerror=alert(1)>&amp,\n"
    let units = try folder.write("units.csv", roster)
    let result = try LedgerCLI.run(["bulletin", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--units", units])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("&lt;img src=x onerror=alert(1)&gt;&amp;amp"))
    #expect(!result.stdout.contains("<img"))
    // The HTML bulletin escaped it already.
    let html = try LedgerCLI.run(["bulletin", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--units", units, "--format", "html"])
    #expect(html.status == 0 && !html.stdout.contains("<img src=x"))
}
