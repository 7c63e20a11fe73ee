import Foundation
import Testing

/// The placeholders of the README's snippet and what LibrarySnippet.swift writes for them.
private let placeholders = [("throw …", "throw SnippetFailure(problems: summary.problems)")]

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The lines of the first ```swift block after `heading` in README.md, without the imports.
private func readmeSnippet(after heading: String) throws -> [String] {
    let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
    let section = try #require(readme.range(of: heading)).upperBound
    let start = try #require(readme.range(of: "```swift\n", range: section..<readme.endIndex)).upperBound
    let end = try #require(readme.range(of: "```\n", range: start..<readme.endIndex)).lowerBound
    var lines = readme[start..<end].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        .filter { !$0.hasPrefix("import ") }
    while lines.last == "" { lines.removeLast() }
    return lines
}

/// The lines between the BEGIN and END markers of a snippet file, unindented by four spaces.
private func compiledSnippet(_ file: String) throws -> [String] {
    let text = try String(contentsOfFile: root + "/Tests/ReadmeSnippetTests/" + file, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let begin = try #require(lines.firstIndex { $0.contains("// BEGIN README") })
    let end = try #require(lines.firstIndex { $0.contains("// END README") })
    return lines[(begin + 1)..<end].map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : $0 }
}

/// LibrarySnippet.swift compiles with the package (so the README's library code does), and it
/// must be the README's snippet word for word but for the filled placeholders.
@Test func readmeSnippetIsVerbatim() throws {
    var expected = try readmeSnippet(after: "## The library")
    for (placeholder, filled) in placeholders {
        expected = expected.map { $0.replacingOccurrences(of: placeholder, with: filled) }
    }
    let compiled = try compiledSnippet("LibrarySnippet.swift")
    #expect(compiled == expected, "README.md's library snippet and Tests/ReadmeSnippetTests/LibrarySnippet.swift differ")
}
