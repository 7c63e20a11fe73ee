#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Events

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
        do throws(LogFileError) {
            data = Data(try SmallFile.read(nameOrPath))
        } catch {
            throw RuleSetError(source: nameOrPath, field: "", message: "cannot read the file: \(error.message)")
        }
        return try decode(json: data, source: nameOrPath)
    }
}

extension Roster {
    /// Reads a roster CSV file, which must be UTF-8 (a byte-order mark and CRLF line ends are
    /// accepted).
    /// - Throws: ``RosterError``: for a file that is not UTF-8 (GBK, say), the first line that is not.
    public static func load(path: String) throws(RosterError) -> Roster {
        let data: Data
        do throws(LogFileError) {
            data = Data(try SmallFile.read(path))
        } catch {
            throw RosterError(source: path, line: 0, message: "cannot read the file: \(error.message)")
        }
        return try parse(csvData: data, source: path)
    }

    /// Parses roster CSV bytes, which must be UTF-8.
    /// - Throws: ``RosterError``.
    public static func parse(csvData data: Data, source: String) throws(RosterError) -> Roster {
        guard let text = String(data: data, encoding: .utf8) else {
            let bytes = [UInt8](data)
            var line = 1
            var start = 0
            while start <= bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                if String(validating: bytes[start..<end], as: UTF8.self) == nil { break }
                line += 1
                start = end + 1
            }
            throw RosterError(source: source, line: line,
                              message: "not UTF-8: the roster must be UTF-8 (convert it, e.g. iconv -f gb18030 -t utf-8 \(source) > units-utf8.csv)")
        }
        return try parse(csv: text, source: source)
    }
}
