#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Events
import Projections

/// The channel sections of `ledger-cli bulletin`: a configuration file and the `--channel-…`
/// options.
///
/// ```json
/// {"channels": [{"channel": "proposal", "title": "政协微建议", "rules": "proposal-rules.json", "units": "proposal-units.csv",
///                "minVolume": {"行政事业单位": 10}}],
///  "order": "roster", "subtotals": false, "compare": "never", "onlyListedChannels": false}
/// ```
/// Paths are relative to the configuration file; `rules` may name a built-in rule set.
enum BulletinConfig {
    static func apply(path: String, to request: inout BulletinRequest) throws {
        let data: Data
        do throws(LogFileError) {
            data = Data(try SmallFile.read(path))
        } catch {
            throw UsageError("cannot read --config \(path): \(error.message)")
        }
        func fail(_ message: String) -> UsageError { UsageError("\(path): \(message)") }
        let root: JSONValue
        do throws(JSONValue.ParseError) {
            root = try JSONValue.parse(utf8: data)
        } catch {
            throw fail(error.description)
        }
        // A repeated key was refused by the parser: each member is found once by `root[key]`.
        guard let members = root.members else { throw fail("not a JSON object") }
        let known: Set<String> = ["channels", "order", "subtotals", "compare", "onlyListedChannels"]
        if let unknown = members.map(\.key).sorted().first(where: { !known.contains($0) }) {
            throw fail("unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : base.appendingPathComponent(file).path }
        if let order = root["order"] {
            guard let text = order.string, let value = BulletinRequest.RowOrder(rawValue: text) else {
                throw fail("field 'order': must be \"score\", \"volume\" or \"roster\"")
            }
            request.order = value
        }
        if let compare = root["compare"] {
            guard let text = compare.string, let value = BulletinRequest.Comparison(rawValue: text) else {
                throw fail("field 'compare': must be \"auto\", \"always\" or \"never\"")
            }
            request.compare = value
        }
        if let subtotals = root["subtotals"] {
            guard let flag = subtotals.bool else { throw fail("field 'subtotals': must be true or false") }
            request.subtotals = flag
        }
        if let only = root["onlyListedChannels"] {
            guard let flag = only.bool else { throw fail("field 'onlyListedChannels': must be true or false") }
            request.everyChannel = !flag
        }
        if let channels = root["channels"] {
            guard let list = channels.array, list.allSatisfy({ $0.members != nil }) else {
                throw fail("field 'channels': must be an array of objects")
            }
            for (i, item) in list.enumerated() {
                let keys: Set<String> = ["channel", "title", "rules", "units", "minVolume"]
                if let unknown = (item.members ?? []).map(\.key).sorted().first(where: { !keys.contains($0) }) {
                    throw fail("field 'channels[\(i)].\(unknown)': unknown field (known: channel, minVolume, rules, title, units)")
                }
                guard let channel = item["channel"]?.string, !channel.isEmpty else {
                    throw fail("field 'channels[\(i)].channel': required, a non-empty string")
                }
                var entry = BulletinRequest.ChannelRequest(channel: channel, title: item["title"]?.string)
                if let rules = item["rules"]?.string {
                    entry.rules = try RuleSet.named(rules) ?? RuleSet.load(resolve(rules))
                }
                if let units = item["units"]?.string { entry.roster = try Roster.load(path: resolve(units)) }
                if let volumes = item["minVolume"] {
                    guard let object = volumes.members else {
                        throw fail("field 'channels[\(i)].minVolume': must be an object of group names and whole numbers")
                    }
                    for (group, value) in object {
                        guard let n = value.int, n >= 0 else {
                            throw fail("field 'channels[\(i)].minVolume.\(group)': must be a whole number ≥ 0")
                        }
                        entry.rankingMinimum[group] = n
                    }
                }
                try add(entry, to: &request)
            }
        }
    }

    /// `--channel-rules`, `--channel-units`, `--channel-title` (`channel=value`, repeatable).
    static func applyChannelOptions(_ parsed: CommandLineArguments, to request: inout BulletinRequest) throws {
        func pairs(_ name: String) throws -> [(String, String)] {
            var given: [String: String] = [:]
            return try parsed.options(name).map { text in
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw UsageError("invalid --\(name) '\(text)' (expected channel=value, e.g. proposal=政协微建议)")
                }
                if let earlier = given[parts[0]], earlier != parts[1] {
                    throw UsageError("--\(name) gives channel '\(parts[0])' twice, as '\(earlier)' and as '\(parts[1])'; give it once")
                }
                given[parts[0]] = parts[1]
                return (parts[0], parts[1])
            }
        }
        func entry(_ channel: String) -> BulletinRequest.ChannelRequest {
            request.channels.first { $0.channel == channel } ?? BulletinRequest.ChannelRequest(channel: channel)
        }
        for (channel, rules) in try pairs("channel-rules") {
            var e = entry(channel)
            e.rules = try RuleSet.load(rules)
            try add(e, to: &request)
        }
        for (channel, units) in try pairs("channel-units") {
            var e = entry(channel)
            e.roster = try Roster.load(path: units)
            try add(e, to: &request)
        }
        for (channel, title) in try pairs("channel-title") {
            var e = entry(channel)
            e.title = title
            try add(e, to: &request)
        }
    }

    /// Adds or replaces a channel's section; the hotline and mailbox have their own options.
    private static func add(_ entry: BulletinRequest.ChannelRequest, to request: inout BulletinRequest) throws {
        if entry.channel == request.rules.channel || (request.mailboxRules != nil && entry.channel == request.mailboxRules?.channel) {
            throw UsageError("channel '\(entry.channel)' has its own options (--rules/--units, --mailbox-rules/--mailbox-units)")
        }
        if let i = request.channels.firstIndex(where: { $0.channel == entry.channel }) {
            request.channels[i] = entry
        } else {
            request.channels.append(entry)
        }
    }
}
