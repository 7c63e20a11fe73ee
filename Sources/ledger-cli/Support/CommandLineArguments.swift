/// The parsed command line of one subcommand, checked against its
/// ``CommandSpec``.
///
/// Look values up by the names used in the spec:
///
/// ```swift
/// let log = parsed.positional("LOG")            // required argument
/// let output = parsed.optionalPositional("OUT") // optional argument
/// let period = parsed.option("period")          // value, else default, else nil
/// let alternatives = parsed.options("alt")      // every --alt, in order
/// let strict = parsed.flag("require-chain")
/// let format = try parsed.choice("format", as: ReportFormat.self)
/// ```
///
/// Asking for a name the spec does not declare is a programming error and
/// traps, so typos show up the first time the code runs.
struct CommandLineArguments: Sendable {
    /// The outcome of parsing: arguments to run with, or a help request.
    enum ParseResult: Sendable {
        /// The command line was valid.
        case arguments(CommandLineArguments)
        /// `-h` or `--help` appeared before any `--`.
        case helpRequested
    }

    /// The spec these arguments were parsed against.
    let spec: CommandSpec
    private var positionalValues: [String: [String]] = [:]
    private var optionValues: [String: [String]] = [:]
    private var setFlags: Set<String> = []

    private init(spec: CommandSpec) {
        self.spec = spec
    }

    // MARK: - Lookup

    /// The value of a required positional argument.
    func positional(_ name: String) -> String {
        let argument = declaredArgument(name)
        precondition(!argument.isOptional,
                     "'\(name)' is optional in '\(spec.name)'; use optionalPositional(_:)")
        return positionalValues[name]?.first ?? ""
    }

    /// The value of a positional argument, or `nil` when it was omitted.
    func optionalPositional(_ name: String) -> String? {
        _ = declaredArgument(name)
        return positionalValues[name]?.first
    }

    /// These arguments with a positional argument's value replaced (a LOG read from elsewhere).
    func replacingPositional(_ name: String, with value: String) -> CommandLineArguments {
        _ = declaredArgument(name)
        var copy = self
        copy.positionalValues[name] = [value]
        return copy
    }

    /// Every value of a (repeating) positional argument, in order.
    func positionals(_ name: String) -> [String] {
        _ = declaredArgument(name)
        return positionalValues[name] ?? []
    }

    /// The value of an option: the one given (an option that does not repeat may be given twice
    /// only with the same value), else its default, else `nil`.
    func option(_ name: String) -> String? {
        let values = options(name)
        return values.last
    }

    /// Every value given for an option, in order; `[default]` when it was
    /// not given but has a default, otherwise empty.
    func options(_ name: String) -> [String] {
        guard case .value(_, let defaultValue, _) = declaredOption(name).kind else {
            preconditionFailure("'--\(name)' is a flag in '\(spec.name)'; use flag(_:)")
        }
        if let given = optionValues[name], !given.isEmpty { return given }
        return defaultValue.map { [$0] } ?? []
    }

    /// The value of an option that has a default in the spec: the one given, else the default.
    func value(_ name: String) -> String {
        guard let value = option(name) else { preconditionFailure("'--\(name)' has no default in '\(spec.name)'; use option(_:)") }
        return value
    }

    /// An option's value as one of a fixed set of choices (a `--format`), the spec's default when
    /// it was not given. Throws a ``UsageError`` naming the choices, e.g. `invalid --format 'xml'
    /// (expected table, json, csv or markdown)`.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws(UsageError) -> T
    where T.RawValue == String {
        let text = value(name)
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue)
            let expected = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
            throw UsageError("invalid --\(name) '\(text)' (expected \(expected))")
        }
        return value
    }

    /// Every value given on the command line, positional or option, with the option's long
    /// spelling (`--units`) or the argument's name (`LOG`), in no particular order.
    func givenValues() -> [(name: String, value: String)] {
        positionalValues.flatMap { name, values in values.map { (name, $0) } }
            + optionValues.flatMap { name, values in values.map { ("--" + name, $0) } }
    }

    /// Whether a flag was given.
    func flag(_ name: String) -> Bool {
        precondition(declaredOption(name).isFlag, "'--\(name)' takes a value in '\(spec.name)'; use option(_:)")
        return setFlags.contains(name)
    }

    private func declaredArgument(_ name: String) -> CommandSpec.Positional {
        guard let argument = spec.arguments.first(where: { $0.name == name }) else {
            preconditionFailure("'\(spec.name)' declares no argument named '\(name)'")
        }
        return argument
    }

    private func declaredOption(_ name: String) -> CommandSpec.Option {
        guard let option = spec.option(named: name) else {
            preconditionFailure("'\(spec.name)' declares no option named '--\(name)'")
        }
        return option
    }
}

// MARK: - Parsing

extension CommandLineArguments {
    /// Parses `arguments` (without the program and subcommand names).
    ///
    /// - `--name value`, `--name=value`, `-x value`, `-xvalue` and `-x=value`
    ///   set options; short flags may be grouped (`-vq`, `-vx value`).
    /// - A value may itself start with `-` only when attached (`--name=-1`)
    ///   or when it looks like a negative number (`--offset -1`).
    /// - `--` ends option parsing; everything after it is positional.
    /// - `-h` or `--help` before `--` requests help, whatever else is wrong.
    /// - A lone `-` (conventionally stdin) and negative numbers are
    ///   positional arguments.
    static func parse(_ arguments: [String], for spec: CommandSpec) throws(UsageError) -> ParseResult {
        let optionsEnd = arguments.firstIndex(of: "--") ?? arguments.endIndex
        if arguments[..<optionsEnd].contains(where: { $0 == "-h" || $0 == "--help" }) {
            return .helpRequested
        }

        var result = CommandLineArguments(spec: spec)
        var positionals: [String] = []
        var index = arguments.startIndex
        var optionsEnded = false

        while index < arguments.endIndex {
            let token = arguments[index]
            index += 1

            if optionsEnded || !looksLikeOption(token) || isNegativeNumber(token) {
                positionals.append(token)
            } else if token == "--" {
                optionsEnded = true
            } else if token.hasPrefix("--") {
                let body = token.dropFirst(2)
                let (name, attached) = splitAttachedValue(body)
                guard let option = spec.option(named: name) else {
                    throw UsageError("Unknown option '--\(name)'." + suggestion(for: name, among: spec.options.map(\.name), prefix: "--"))
                }
                try result.record(option, attached: attached, arguments: arguments, index: &index)
            } else {
                // A group of short names, getopt style: `-vq`, `-p 2024`,
                // `-p2024`, `-p=2024`, `-vp 2024`.
                var letters = token.dropFirst()[...]
                while let letter = letters.popFirst() {
                    guard letter != "=", let option = spec.option(short: letter) else {
                        throw UsageError("Unknown option '-\(letter)'.")
                    }
                    var attached: String?
                    if letters.first == "=" {
                        attached = String(letters.dropFirst())
                        letters = ""
                    } else if !option.isFlag && !letters.isEmpty {
                        attached = String(letters)
                        letters = ""
                    }
                    try result.record(option, attached: attached, arguments: arguments, index: &index)
                }
            }
        }

        try result.assignPositionals(positionals)
        return .arguments(result)
    }

    /// Stores one occurrence of `option`, taking its value from `attached`
    /// or from the next argument.
    private mutating func record(
        _ option: CommandSpec.Option,
        attached: String?,
        arguments: [String],
        index: inout Int
    ) throws(UsageError) {
        switch option.kind {
        case .flag:
            if let attached {
                throw UsageError("The flag '\(option.longSpelling)' does not take a value, but '\(attached)' was given.")
            }
            setFlags.insert(option.name)
        case .value(_, _, let isRepeatable):
            let value: String
            if let attached {
                value = attached
            } else if index < arguments.endIndex, !Self.looksLikeOption(arguments[index]) || Self.isNegativeNumber(arguments[index]) {
                value = arguments[index]
                index += 1
            } else {
                throw UsageError("Missing value for '\(option.errorLabel)'.")
            }
            if isRepeatable {
                optionValues[option.name, default: []].append(value)
            } else if let earlier = optionValues[option.name]?.first, earlier != value {
                // Last-wins would run a report for one of two values without a word.
                throw UsageError("'\(option.longSpelling)' was given twice, as '\(earlier)' and as '\(value)'; give it once.")
            } else {
                optionValues[option.name] = [value]
            }
        }
    }

    /// Distributes positional values over the declared arguments.
    private mutating func assignPositionals(_ values: [String]) throws(UsageError) {
        var remaining = values[...]
        for argument in spec.arguments {
            if argument.isRepeating {
                if remaining.isEmpty && !argument.isOptional {
                    throw UsageError("Missing expected argument '\(argument.displayName)'.")
                }
                positionalValues[argument.name] = Array(remaining)
                remaining = []
            } else if let value = remaining.popFirst() {
                positionalValues[argument.name] = [value]
            } else if !argument.isOptional {
                throw UsageError("Missing expected argument '\(argument.displayName)'.")
            }
        }
        if let extra = remaining.first {
            throw UsageError("Unexpected argument '\(extra)'.")
        }
    }

    /// `-x…` or `--…`, but not `-` alone.
    private static func looksLikeOption(_ token: String) -> Bool {
        token.hasPrefix("-") && token.count > 1
    }

    /// `-1`, `-0.5`: accepted as option values without `=`.
    private static func isNegativeNumber(_ token: String) -> Bool {
        token.hasPrefix("-") && Double(token) != nil
    }

    /// `name=value` → (`name`, `value`); `name` → (`name`, `nil`).
    private static func splitAttachedValue(_ body: Substring) -> (name: String, value: String?) {
        guard let equals = body.firstIndex(of: "=") else { return (String(body), nil) }
        return (String(body[..<equals]), String(body[body.index(after: equals)...]))
    }
}
