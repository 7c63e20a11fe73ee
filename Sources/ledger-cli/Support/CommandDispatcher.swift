/// One `ledger-cli` subcommand: a static ``CommandSpec`` and a `run`
/// function that receives the parsed arguments.
///
/// ```swift
/// enum VerifyCommand: Subcommand {
///     static let spec = CommandSpec(
///         name: "verify",
///         abstract: "Verify the hash chain of an event log.",
///         arguments: [.required("LOG", help: "The event log to read.")],
///         options: [.flag("require-chain", help: "Fail when a line has no hash.")]
///     )
///
///     static func run(_ parsed: CommandLineArguments) throws -> Int32 {
///         let log = parsed.positional("LOG")
///         let strict = parsed.flag("require-chain")
///         …
///         return 0
///     }
/// }
/// ```
///
/// `run` returns the process exit status. Throwing a ``UsageError`` prints
/// the usage and exits with 64; any other error prints `Error: …` and
/// exits with 1.
protocol Subcommand: Sendable {
    /// The command's name, help text, arguments and options.
    static var spec: CommandSpec { get }

    /// Performs the command and returns the exit status.
    static func run(_ parsed: CommandLineArguments) throws -> Int32
}

/// The root `ledger-cli` command: picks the subcommand, handles help,
/// version and usage errors, and runs the subcommand.
///
/// `main.swift` needs only:
///
/// ```swift
/// let dispatcher = CommandDispatcher(
///     commandName: "ledger-cli",
///     abstract: "Inspect, verify and report on ticket ledgers.",
///     subcommands: [VerifyCommand.self, ReportCommand.self]
/// )
/// exit(dispatcher.run(Array(CommandLine.arguments.dropFirst())))
/// ```
struct CommandDispatcher: Sendable {
    /// Exit status for a successful run or a help request.
    static let successExitCode: Int32 = 0
    /// Exit status when a subcommand throws an error other than a usage error.
    static let failureExitCode: Int32 = 1
    /// Exit status for usage errors (`EX_USAGE` from sysexits.h).
    static let usageExitCode: Int32 = 64

    /// The program name shown in help, e.g. `ledger-cli`.
    var commandName: String
    /// One-line summary of the whole tool.
    var abstract: String
    /// Longer text for the root help screen.
    var discussion: String
    /// Printed for `--version` when set.
    var version: String?
    /// The subcommands, in the order listed in help.
    var subcommands: [any Subcommand.Type]
    /// Lays out help screens.
    var formatter: HelpFormatter

    /// Creates a dispatcher for `subcommands`.
    init(
        commandName: String,
        abstract: String,
        discussion: String = "",
        version: String? = nil,
        subcommands: [any Subcommand.Type],
        helpWidth: Int = 80
    ) {
        self.commandName = commandName
        self.abstract = abstract
        self.discussion = discussion
        self.version = version
        self.subcommands = subcommands
        self.formatter = HelpFormatter(width: helpWidth)
        precondition(Set(subcommands.map { $0.spec.name }).count == subcommands.count, "duplicate subcommand names")
    }

    /// What to do for a command line; computed without side effects so it
    /// can be tested directly.
    enum Resolution: Sendable {
        /// Print this text to standard output and exit with 0 (help, version).
        case show(String)
        /// Print this text to standard error and exit with 64.
        case usageError(String)
        /// Run `command` with `arguments`.
        case run(any Subcommand.Type, CommandLineArguments)
    }

    /// Decides what `arguments` (without the program name) ask for.
    func resolve(_ arguments: [String]) -> Resolution {
        guard let first = arguments.first else { return .show(rootHelp()) }
        switch first {
        case "-h", "--help":
            return .show(rootHelp())
        case "--version" where version != nil:
            return .show(version! + "\n")
        case "help":
            return resolveHelp(Array(arguments.dropFirst()))
        default:
            break
        }
        guard let command = subcommand(named: first) else {
            let kind = first.hasPrefix("-") ? "option" : "subcommand"
            let message = "Unknown \(kind) '\(first)'." + suggestion(for: first, among: subcommands.map { $0.spec.name })
            return .usageError(rootUsageError(message))
        }
        do {
            switch try CommandLineArguments.parse(Array(arguments.dropFirst()), for: command.spec) {
            case .helpRequested:
                return .show(formatter.help(for: command.spec, commandPath: path(of: command.spec)))
            case .arguments(let parsed):
                return .run(command, parsed)
            }
        } catch {
            return .usageError(usageError(error, for: command.spec))
        }
    }

    /// Resolves and performs `arguments`, writing to stdout/stderr, and
    /// returns the exit status for the process.
    func run(_ arguments: [String]) -> Int32 {
        switch resolve(arguments) {
        case .show(let text):
            Terminal.write(text)
            return Self.successExitCode
        case .usageError(let text):
            Terminal.writeError(text)
            return Self.usageExitCode
        case .run(let command, let parsed):
            do {
                // A postgresql:// LOG goes to the PostgreSQL store (see PostgresLogs).
                return try PostgresLogs.run(command, parsed)
            } catch let error as UsageError {
                Terminal.writeError(usageError(error, for: command.spec))
                return Self.usageExitCode
            } catch {
                Terminal.writeErrorLine("Error: " + described(error))
                return Self.failureExitCode
            }
        }
    }

    /// The root help screen.
    func rootHelp() -> String {
        formatter.rootHelp(
            commandName: commandName,
            abstract: abstract,
            discussion: discussion,
            subcommands: subcommands.map { $0.spec },
            hasVersion: version != nil
        )
    }

    /// The text printed for a usage error in `spec`:
    /// `Error:`, `Usage:` and a pointer to the subcommand's help.
    func usageError(_ error: UsageError, for spec: CommandSpec) -> String {
        """
        Error: \(error.message.escapingControlCharacters())
        Usage: \(formatter.usageLine(for: spec, commandPath: path(of: spec)))
        See '\(commandName) help \(spec.name)' for more.

        """
    }

    // MARK: - Private

    /// `help`, `help <subcommand>`.
    private func resolveHelp(_ arguments: [String]) -> Resolution {
        guard let name = arguments.first else { return .show(rootHelp()) }
        guard let command = subcommand(named: name) else {
            let message = "Unknown subcommand '\(name)'." + suggestion(for: name, among: subcommands.map { $0.spec.name })
            return .usageError(rootUsageError(message))
        }
        if arguments.count > 1 {
            return .usageError(rootUsageError("Unexpected argument '\(arguments[1])'."))
        }
        return .show(formatter.help(for: command.spec, commandPath: path(of: command.spec)))
    }

    private func rootUsageError(_ message: String) -> String {
        """
        Error: \(message.escapingControlCharacters())
        Usage: \(commandName) <subcommand>
        See '\(commandName) --help' for more.

        """
    }

    private func subcommand(named name: String) -> (any Subcommand.Type)? {
        subcommands.first { $0.spec.name == name }
    }

    private func path(of spec: CommandSpec) -> String {
        "\(commandName) \(spec.name)"
    }
}
