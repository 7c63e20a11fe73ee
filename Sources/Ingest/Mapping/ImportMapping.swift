#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Events

/// How an export's columns and words map to the wire format: read from a mapping file (JSON).
///
/// ```json
/// {"shape": "actions", "encoding": "gb18030", "timeZone": "+08:00",
///  "columns": {"ticket": "工单编号", "time": "操作时间", "action": "操作类型", "unit": "承办单位",
///              "due": "办理时限", "rating": "回访结果", "channel": "来源渠道", "category": "诉求类型",
///              "reason": "备注"},
///  "actions": {"受理": "accepted", "派单": "assigned", "退回": "returned-by-center",
///              "退单": "returned-by-unit", "延期": "extended", "办结": "closed", "回访": "callback-rated"},
///  "ratings": {"满意": "satisfied", "不满意": "unsatisfied", "未接通": "unreachable"},
///  "channels": {"12345热线": "hotline", "市长信箱": "mailbox"}}
/// ```
public struct ImportMapping: Sendable, Equatable {
    /// One row per action on a ticket, or one row per ticket.
    public enum Shape: String, Sendable { case actions, tickets }

    /// What an action word becomes.
    public enum Action: String, Sendable, CaseIterable {
        case accepted, assigned, extended, closed
        case returnedByCenter = "returned-by-center"
        case returnedByUnit = "returned-by-unit"
        case callbackRated = "callback-rated"
        /// Rows with this action are read and counted but make no event.
        case skip
    }

    public var shape: Shape
    /// The export's encoding (`auto` unless the mapping or `--encoding` says).
    public var encoding: ExportEncoding = .auto
    /// The UTC offset of the export's date-times, in seconds (`+08:00`).
    public var offsetSeconds: Int32 = 28_800
    /// Column role → header text.
    public var columns: [String: String]
    public var actions: [String: Action] = [:]
    public var ratings: [String: Rating]
    public var channels: [String: String]
    /// The member that keeps the platform's rating word on `callback-rated` events.
    public var ratingTextField: String? = "ratingText"
    /// What a deadline given as a date alone means (`end-of-day` by default: 23:59:59).
    public var dueDateOnly: ExportTime.DateOnly = .endOfDay

    /// The column roles of each shape; the first ones are required.
    public static let actionRoles = ["ticket", "time", "action", "unit", "due", "rating", "channel", "category", "topic",
                                     "reason", "reply", "recorded"]
    public static let actionRequired: Set<String> = ["ticket", "time", "action"]
    public static let ticketRoles = ["ticket", "accepted", "channel", "category", "topic", "unit", "assigned", "due",
                                     "extendedDue", "closed", "reply", "callback", "rating", "reworks", "declines"]
    public static let ticketRequired: Set<String> = ["ticket", "accepted"]

    /// The rating words used when a mapping gives none.
    public static let defaultRatings: [String: Rating] = [
        "满意": .satisfied, "非常满意": .satisfied, "基本满意": .satisfied, "比较满意": .satisfied,
        "不满意": .unsatisfied, "非常不满意": .unsatisfied,
        "未接通": .unreachable, "联系不上": .unreachable, "无法联系": .unreachable, "未回访成功": .unreachable,
    ]
    /// The channel words used when a mapping gives none.
    public static let defaultChannels: [String: String] = ["12345热线": "hotline", "热线": "hotline", "市长信箱": "mailbox"]

    public init(shape: Shape, columns: [String: String], actions: [String: Action] = [:],
                ratings: [String: Rating] = ImportMapping.defaultRatings,
                channels: [String: String] = ImportMapping.defaultChannels) {
        self.shape = shape
        self.columns = columns
        self.actions = actions
        self.ratings = ratings
        self.channels = channels
    }

    /// Reads a mapping file.
    public static func load(path: String) throws(ImportError) -> ImportMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .mapping(path: path, message: "cannot read the mapping file")
        }
        do throws(ImportMappingError) {
            return try parse(data)
        } catch {
            throw .mapping(path: path, message: error.message)
        }
    }

    /// Parses a mapping's JSON text.
    /// - Throws: ``ImportMappingError`` when the text is not JSON or not a valid mapping.
    public static func parse(_ data: Data) throws(ImportMappingError) -> ImportMapping {
        func fail(_ message: String) -> ImportMappingError { ImportMappingError(message: message) }
        let json: JSONValue
        do throws(JSONValue.ParseError) {
            json = try JSONValue.parse(utf8: data)
        } catch {
            throw fail(error.description)
        }
        // A repeated key was refused by the parser: each member is found once by `json[key]`.
        guard let members = json.members else {
            throw fail("the mapping must be a JSON object")
        }
        let known: Set<String> = ["shape", "encoding", "timeZone", "columns", "actions", "ratings", "channels",
                                  "ratingTextField", "dueDateOnly", "description"]
        for (key, _) in members where !known.contains(key) {
            throw fail("unknown field '\(key)' (fields: \(known.sorted().joined(separator: ", ")))")
        }
        func strings(_ key: String) throws(ImportMappingError) -> [String: String]? {
            guard let value = json[key] else { return nil }
            guard let object = value.members else { throw fail("field '\(key)': must be an object of strings") }
            var out: [String: String] = [:]
            for (k, v) in object {
                guard let s = v.string else { throw fail("field '\(key).\(k)': must be a string") }
                out[k] = s
            }
            return out
        }
        guard let shapeText = json["shape"]?.string, let shape = Shape(rawValue: shapeText) else {
            throw fail("field 'shape': must be \"actions\" or \"tickets\"")
        }
        guard let columns = try strings("columns") else { throw fail("field 'columns': required") }
        let roles = shape == .actions ? actionRoles : ticketRoles
        let required = shape == .actions ? actionRequired : ticketRequired
        for key in columns.keys where !roles.contains(key) {
            throw fail("field 'columns.\(key)': not a column of the \(shape.rawValue) shape (columns: \(roles.joined(separator: ", ")))")
        }
        for role in roles where required.contains(role) && (columns[role] ?? "").isEmpty {
            throw fail("field 'columns.\(role)': required for the \(shape.rawValue) shape")
        }
        var mapping = ImportMapping(shape: shape, columns: columns)
        if let text = json["encoding"] {
            guard let name = text.string, let encoding = ExportEncoding(name: name) else {
                throw fail("field 'encoding': must be one of utf-8, gb18030, gbk, auto")
            }
            mapping.encoding = encoding
        }
        if let text = json["timeZone"] {
            guard let zone = text.string, let offset = ExportTime.parseOffset(zone) else {
                throw fail("field 'timeZone': must be a UTC offset such as \"+08:00\"")
            }
            mapping.offsetSeconds = offset
        }
        if let actions = try strings("actions") {
            for (word, target) in actions {
                guard let action = Action(rawValue: target) else {
                    throw fail("field 'actions.\(word)': \"\(target)\" is not one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mapping.actions[word] = action
            }
        }
        if shape == .actions && mapping.actions.isEmpty { throw fail("field 'actions': required for the actions shape") }
        if let ratings = try strings("ratings") {
            mapping.ratings = [:]
            for (word, target) in ratings {
                guard let rating = Rating(rawValue: target) else {
                    throw fail("field 'ratings.\(word)': \"\(target)\" is not one of satisfied, unsatisfied, unreachable")
                }
                mapping.ratings[word] = rating
            }
        }
        if let channels = try strings("channels") {
            // An empty channel makes events no rule set counts (and `"channel":""` in the log).
            for (word, channel) in channels where channel.isEmpty { throw fail("field 'channels.\(word)': must name a channel, not \"\"") }
            mapping.channels = channels
        }
        if let field = json["ratingTextField"] {
            if field == .null { mapping.ratingTextField = nil } else {
                guard let name = field.string, !name.isEmpty else { throw fail("field 'ratingTextField': must be a string or null") }
                let reserved: Set<String> = ["id", "ticket", "type", "at", "recorded", "chain", "unit", "rating", "contacted"]
                guard !reserved.contains(name) else { throw fail("field 'ratingTextField': \"\(name)\" is a field of the wire format") }
                mapping.ratingTextField = name
            }
        }
        if let value = json["dueDateOnly"] {
            switch value.string {
            case "end-of-day": mapping.dueDateOnly = .endOfDay
            case "start-of-day": mapping.dueDateOnly = .startOfDay
            case "refuse": mapping.dueDateOnly = .refuse
            default: throw fail("field 'dueDateOnly': must be \"end-of-day\", \"start-of-day\" or \"refuse\"")
            }
        }
        return mapping
    }
}

/// Why a mapping's JSON text is not a valid mapping: not JSON, or a field that is missing or wrong.
public struct ImportMappingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the field: `field 'shape': must be "actions" or "tickets"`.
    public var message: String

    public var description: String { message }
}
