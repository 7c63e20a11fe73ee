/// The static description of one subcommand: its name, help text,
/// positional arguments, options and flags.
///
/// A subcommand declares its spec once, as a `static let`:
///
/// ```swift
/// static let spec = CommandSpec(
///     name: "verify",
///     abstract: "Verify the hash chain of an event log.",
///     discussion: "Recomputes every line's hash and compares it with the next line's link.",
///     arguments: [
///         .required("LOG", help: "The event log to read."),
///     ],
///     options: [
///         .option("period", short: "p", valueName: "yyyy-mm", help: "Only check this period.", defaultValue: "all"),
///         .option("alt", help: "An alternative unit name.", repeatable: true),
///         .flag("require-chain", help: "Fail when a line has no hash."),
///     ]
/// )
/// ```
///
/// Names are given without dashes. `-h` and `--help` are always accepted and
/// are listed in the help screen automatically.
struct CommandSpec: Sendable {
    /// The subcommand name as typed on the command line, e.g. `verify`.
    var name: String
    /// One-line summary shown after `OVERVIEW:` and in the root help.
    var abstract: String
    /// Longer explanation shown under the overview. Explicit newlines are
    /// kept; lines that start with a space are printed as-is (for examples),
    /// other lines are wrapped to the help width.
    var discussion: String
    /// Positional arguments in order. Optional ones must come after required
    /// ones, and only the last may be repeating.
    var arguments: [Positional]
    /// Options and flags, in the order they appear in help.
    var options: [Option]

    /// Creates a spec, checking (with `precondition`) that it is well formed.
    init(
        name: String,
        abstract: String,
        discussion: String = "",
        arguments: [Positional] = [],
        options: [Option] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
        validate()
    }

    /// A positional argument.
    struct Positional: Sendable {
        /// The name used to look the value up, e.g. `LOG`.
        var name: String
        /// Help text shown in the ARGUMENTS section.
        var help: String
        /// Whether the argument may be omitted.
        var isOptional: Bool
        /// Whether the argument takes all remaining positional values.
        var isRepeating: Bool

        /// An argument that must be given (one or more times if `repeating`).
        static func required(_ name: String, help: String, repeating: Bool = false) -> Positional {
            Positional(name: name, help: help, isOptional: false, isRepeating: repeating)
        }

        /// An argument that may be omitted (or given several times if `repeating`).
        static func optional(_ name: String, help: String, repeating: Bool = false) -> Positional {
            Positional(name: name, help: help, isOptional: true, isRepeating: repeating)
        }

        /// How the argument is shown in usage and help: `<log>`.
        var displayName: String { "<\(name.lowercased())>" }
    }

    /// A named option (`--name value`) or flag (`--name`).
    struct Option: Sendable {
        /// What the option accepts.
        enum Kind: Sendable, Equatable {
            /// A boolean switch that takes no value.
            case flag
            /// An option that takes a value.
            case value(valueName: String, defaultValue: String?, isRepeatable: Bool)
        }

        /// The long name without dashes, e.g. `period`.
        var name: String
        /// An optional one-letter short name, e.g. `p` for `-p`.
        var short: Character?
        /// Help text shown in the OPTIONS section.
        var help: String
        /// Flag or value-taking option.
        var kind: Kind

        /// An option that takes a value: `--name value`, `--name=value` or
        /// `-x value`. Without `repeatable`, the last occurrence wins;
        /// with it, all values are collected in order.
        static func option(
            _ name: String,
            short: Character? = nil,
            valueName: String? = nil,
            help: String,
            defaultValue: String? = nil,
            repeatable: Bool = false
        ) -> Option {
            Option(
                name: name, short: short, help: help,
                kind: .value(valueName: valueName ?? name, defaultValue: defaultValue, isRepeatable: repeatable)
            )
        }

        /// A boolean flag: `--name`, or `-x` when `short` is given.
        static func flag(_ name: String, short: Character? = nil, help: String) -> Option {
            Option(name: name, short: short, help: help, kind: .flag)
        }

        /// Whether this is a flag rather than a value-taking option.
        var isFlag: Bool { kind == .flag }

        /// `--name`.
        var longSpelling: String { "--\(name)" }

        /// The label used in the OPTIONS section of help:
        /// `-p, --period <yyyy-mm>` or `--require-chain`.
        var helpLabel: String {
            var label = short.map { "-\($0), " } ?? ""
            label += longSpelling
            if case .value(let valueName, _, _) = kind { label += " <\(valueName)>" }
            return label
        }

        /// The label used in error messages: `--period <yyyy-mm>`.
        var errorLabel: String {
            if case .value(let valueName, _, _) = kind { return "\(longSpelling) <\(valueName)>" }
            return longSpelling
        }

        /// The fragment used in the usage line: `[--period <yyyy-mm>]`,
        /// `[--alt <alt> ...]` or `[--require-chain]`.
        var usageFragment: String {
            switch kind {
            case .flag:
                return "[\(longSpelling)]"
            case .value(let valueName, _, let isRepeatable):
                return "[\(longSpelling) <\(valueName)>\(isRepeatable ? " ..." : "")]"
            }
        }
    }

    /// The option declared with this long name, if any.
    func option(named name: String) -> Option? {
        options.first { $0.name == name }
    }

    /// The option declared with this short name, if any.
    func option(short: Character) -> Option? {
        options.first { $0.short == short }
    }

    /// Traps on specs that cannot be parsed unambiguously. These are
    /// programming errors, found the first time the spec is used.
    private func validate() {
        var seenNames: Set<String> = ["help"]
        var seenShorts: Set<Character> = ["h"]
        for option in options {
            precondition(!option.name.isEmpty && !option.name.hasPrefix("-"),
                         "\(name): option names are given without dashes: '\(option.name)'")
            precondition(seenNames.insert(option.name).inserted, "\(name): duplicate option '--\(option.name)'")
            if let short = option.short {
                precondition(seenShorts.insert(short).inserted, "\(name): duplicate short option '-\(short)'")
            }
        }
        var seenOptional = false
        for (index, argument) in arguments.enumerated() {
            precondition(!(seenOptional && !argument.isOptional),
                         "\(name): required argument '\(argument.name)' follows an optional one")
            precondition(!argument.isRepeating || index == arguments.count - 1,
                         "\(name): only the last argument may be repeating")
            seenOptional = seenOptional || argument.isOptional
        }
        precondition(Set(arguments.map(\.name)).count == arguments.count, "\(name): duplicate argument names")
    }
}
