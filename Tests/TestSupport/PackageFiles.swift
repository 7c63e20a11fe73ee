import Foundation

/// Files shipped with the package (samples, rules), found from this source file's location.
public enum PackageFiles {
    /// The package's root folder (Tests/TestSupport/PackageFiles.swift is three levels below it).
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    public static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// Rows of a CSV with a header, as dictionaries (fields may be quoted).
    public static func csvRows(_ relative: String) throws -> [[String: String]] {
        let lines = try text(relative).split(separator: "\n").map(String.init)
        guard let header = lines.first else { return [] }
        let keys = splitCSV(header)
        return lines.dropFirst().filter { !$0.isEmpty }.map { line in
            Dictionary(uniqueKeysWithValues: zip(keys, splitCSV(line) + Array(repeating: "", count: max(0, keys.count - splitCSV(line).count))))
        }
    }

    /// The fields of one CSV line (quoted fields may hold commas and doubled quotes).
    public static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false, previousQuote = false
        for c in line {
            if quoted {
                if c == "\"" { quoted = false; previousQuote = true } else { field.append(c) }
            } else if c == "\"" {
                if previousQuote { field.append("\"") }
                quoted = true
                previousQuote = false
            } else if c == "," {
                fields.append(field); field = ""; previousQuote = false
            } else {
                field.append(c); previousQuote = false
            }
        }
        fields.append(field)
        return fields
    }
}
