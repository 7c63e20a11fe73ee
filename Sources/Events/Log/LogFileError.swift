#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to read or write a log file as a whole (as opposed to a problem in a line).
public struct LogFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file concerned.
    public var path: String
    /// What went wrong.
    public var message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// An error built from the current `errno`.
    static func system(_ path: String, _ action: String, errno code: Int32 = errno) -> LogFileError {
        LogFileError(path: path, message: "cannot \(action): \(String(cString: strerror(code)))")
    }

    /// `error` as a failure to read `path`: itself when it is a `LogFileError` (or a
    /// ``LogReadError/file(_:)``), else wrapped.
    package static func reading(_ path: String, failedWith error: any Error) -> LogFileError {
        if let error = error as? LogFileError { return error }
        if let error = (error as? any LogFileFailure)?.fileError { return error }
        return LogFileError(path: path, message: "cannot read the file: \(error)")
    }

    public var description: String { "\(path): \(message)" }
}
