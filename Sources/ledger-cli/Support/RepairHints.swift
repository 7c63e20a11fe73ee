import Events

/// What to run about a problem or an error, added to the libraries' messages (which name no tool).

extension LogProblem {
    /// `FILE:LINE: message`, with the `ledger-cli` command that deals with the problem, if any.
    func described(file: String) -> String {
        switch problem {
        case .tornTail: formatted(file: file) + "; run 'ledger-cli repair' to move it aside"
        case .interruptedAppend: formatted(file: file) + "; run 'ledger-cli repair' to move them aside"
        default: formatted(file: file)
        }
    }
}

/// The message of an error a command failed with, with the `ledger-cli` command that helps, if any.
func described(_ error: any Error) -> String {
    switch error {
    case let error as any WrappingError:
        described(error.underlying)   // the hint goes by the error inside
    case AppendError.tornTail(let path, _, _):
        "\(error). Run 'ledger-cli repair \(path)' to move the torn bytes to a side file, then append again"
    case AppendError.invalidLog(let path, _, _), ChainDigestError.invalidLog(let path, _):
        "\(error). Run 'ledger-cli verify \(path)' to see them"
    case let error as LogFileError where error.message.hasSuffix("(not a JSON Lines log, or a line to split)"):
        "\(error); --max-line-bytes raises the limit"
    case ChainDigestError.notChained:
        "\(error); 'ledger-cli append --chain' starts one with the next append"
    default:
        "\(error)"
    }
}
