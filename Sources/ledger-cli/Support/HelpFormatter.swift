import Reports

/// Renders help screens and usage lines in the layout of
/// swift-argument-parser: `OVERVIEW`, discussion, `USAGE`, `ARGUMENTS`,
/// `OPTIONS` (and `SUBCOMMANDS` for the root), with help text in a column
/// starting at ``helpColumn`` and everything wrapped to ``width``.
///
/// Widths are measured with ``displayWidth(_:)``, so Chinese help text wraps
/// correctly too.
struct HelpFormatter: Sendable {
    /// The column where help text starts in two-column sections.
    static let helpColumn = 26

    /// The maximum line width in terminal columns.
    var width: Int

    /// Creates a formatter for lines at most `width` columns wide.
    init(width: Int = 80) {
        self.width = max(width, 40)
    }

    // MARK: - Subcommand help

    /// The full help screen of a subcommand, e.g. for `ledger-cli verify --help`.
    /// `commandPath` is the command as typed: `ledger-cli verify`.
    func help(for spec: CommandSpec, commandPath: String) -> String {
        var sections: [[String]] = []
        sections.append(overview(abstract: spec.abstract, discussion: spec.discussion))
        sections.append(wrap(usageLine(for: spec, commandPath: commandPath), prefix: "USAGE: "))

        if !spec.arguments.isEmpty {
            var lines = ["ARGUMENTS:"]
            for argument in spec.arguments {
                let label = argument.displayName + (argument.isRepeating ? " ..." : "")
                lines += twoColumns(label: label, help: argument.help)
            }
            sections.append(lines)
        }

        var lines = ["OPTIONS:"]
        for option in spec.options {
            var help = option.help
            if case .value(_, let defaultValue?, _) = option.kind {
                help += help.isEmpty ? "(default: \(defaultValue))" : " (default: \(defaultValue))"
            }
            lines += twoColumns(label: option.helpLabel, help: help)
        }
        lines += twoColumns(label: "-h, --help", help: "Show help information.")
        sections.append(lines)

        return render(sections)
    }

    /// The usage line without the `USAGE:` prefix, e.g.
    /// `ledger-cli verify [--period <yyyy-mm>] [--require-chain] <log>`.
    /// When the full line is too wide the options collapse to `[<options>]`.
    func usageLine(for spec: CommandSpec, commandPath: String) -> String {
        let argumentPart = spec.arguments.map { argument -> String in
            let name = argument.displayName + (argument.isRepeating ? " ..." : "")
            return argument.isOptional ? "[\(name)]" : name
        }
        let full = ([commandPath] + spec.options.map(\.usageFragment) + argumentPart).joined(separator: " ")
        if spec.options.isEmpty || displayWidth(full) + "USAGE: ".count <= width {
            return full
        }
        return ([commandPath, "[<options>]"] + argumentPart).joined(separator: " ")
    }

    // MARK: - Root help

    /// The help screen of the root command, listing its subcommands.
    func rootHelp(
        commandName: String,
        abstract: String,
        discussion: String,
        subcommands: [CommandSpec],
        hasVersion: Bool
    ) -> String {
        var sections: [[String]] = []
        sections.append(overview(abstract: abstract, discussion: discussion))
        sections.append(["USAGE: \(commandName) <subcommand>"])

        var options = ["OPTIONS:"]
        if hasVersion {
            options += twoColumns(label: "--version", help: "Show the version.")
        }
        options += twoColumns(label: "-h, --help", help: "Show help information.")
        sections.append(options)

        var commands = ["SUBCOMMANDS:"]
        for spec in subcommands {
            commands += twoColumns(label: spec.name, help: spec.abstract)
        }
        commands += twoColumns(label: "help", help: "Show subcommand help information.")
        commands.append("")
        commands.append("  See '\(commandName) help <subcommand>' for detailed help.")
        sections.append(commands)

        return render(sections)
    }

    // MARK: - Layout

    private func overview(abstract: String, discussion: String) -> [String] {
        var lines = wrap(abstract, prefix: "OVERVIEW: ")
        let trimmedDiscussion = discussion.trimmingBlankLines()
        if !trimmedDiscussion.isEmpty {
            lines.append("")
            for line in trimmedDiscussion.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.isEmpty || line.first == " " {
                    lines.append(String(line))  // blank lines and indented examples stay as written
                } else {
                    lines += wrap(String(line), toWidth: width)
                }
            }
        }
        return lines
    }

    /// `"  label   help"`, with help wrapped at ``helpColumn``; the help
    /// starts on the next line when the label is too long.
    private func twoColumns(label: String, help: String) -> [String] {
        let indent = String(repeating: " ", count: Self.helpColumn)
        let helpLines = help.isEmpty ? [] : wrap(help, toWidth: width - Self.helpColumn)
        let labelText = "  " + label
        guard let first = helpLines.first else { return [labelText] }
        if displayWidth(labelText) + 2 <= Self.helpColumn {
            return [labelText.padded(toDisplayWidth: Self.helpColumn) + first]
                + helpLines.dropFirst().map { indent + $0 }
        }
        return [labelText] + helpLines.map { indent + $0 }
    }

    /// Wraps `text` after `prefix`, indenting continuation lines to the
    /// prefix width (the hanging indent of `USAGE:` and `OVERVIEW:`).
    private func wrap(_ text: String, prefix: String) -> [String] {
        let indent = String(repeating: " ", count: displayWidth(prefix))
        let lines = wrap(text, toWidth: width - indent.count)
        guard let first = lines.first else { return [prefix.trimmingTrailingSpaces()] }
        return [prefix + first] + lines.dropFirst().map { indent + $0 }
    }

    /// Greedy word wrap by display width. Words wider than the line (long
    /// paths, runs of CJK text without spaces) are broken between characters.
    func wrap(_ text: String, toWidth lineWidth: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        var currentWidth = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let wordWidth = displayWidth(String(word))
            if currentWidth > 0 && currentWidth + 1 + wordWidth <= lineWidth {
                current += " " + word
                currentWidth += 1 + wordWidth
                continue
            }
            if currentWidth > 0 {
                lines.append(current)
                current = ""
                currentWidth = 0
            }
            if wordWidth <= lineWidth {
                current = String(word)
                currentWidth = wordWidth
                continue
            }
            for character in word {
                let characterWidth = displayWidth(character)
                if currentWidth + characterWidth > lineWidth && currentWidth > 0 {
                    // Closing punctuation may not start a line: carry the
                    // preceding character over with it.
                    var carried = ""
                    if Self.noBreakBefore.contains(character), current.count > 1 {
                        carried = String(current.removeLast())
                    }
                    lines.append(current)
                    current = carried
                    currentWidth = displayWidth(carried)
                }
                current.append(character)
                currentWidth += characterWidth
            }
        }
        if currentWidth > 0 || !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Punctuation that must not begin a line when breaking CJK text.
    private static let noBreakBefore: Set<Character> = [
        "，", "。", "、", "：", "；", "！", "？", "）", "」", "』", "》", "〉", "】", "…",
        ",", ".", ":", ";", "!", "?", ")",
    ]

    /// Sections separated by blank lines, with a final newline.
    private func render(_ sections: [[String]]) -> String {
        sections.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }
}

extension String {
    /// The string without leading and trailing blank lines.
    fileprivate func trimmingBlankLines() -> String {
        var lines = split(separator: "\n", omittingEmptySubsequences: false)
        while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
