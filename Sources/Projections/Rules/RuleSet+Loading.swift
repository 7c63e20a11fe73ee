import Foundation

extension RuleSet {
    /// A built-in rule set by name, or a rule file by path.
    /// - Throws: ``RuleSetError`` when the name is unknown and no such file exists, or the
    ///   file is not a valid rule set.
    public static func load(_ nameOrPath: String) throws(RuleSetError) -> RuleSet {
        if let rules = named(nameOrPath) { return rules }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw RuleSetError(source: nameOrPath, field: "",
                               message: "no such rule file, and not a built-in rule set (built in: \(builtIn.map(\.name).joined(separator: ", ")))")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: nameOrPath))
        } catch {
            throw RuleSetError(source: nameOrPath, field: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try decode(json: data, source: nameOrPath)
    }
}

extension Roster {
    /// Reads a roster CSV file.
    /// - Throws: ``RosterError``.
    public static func load(path: String) throws(RosterError) -> Roster {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RosterError(source: path, line: 0, message: "cannot read the file as UTF-8")
        }
        return try parse(csv: text, source: path)
    }
}
