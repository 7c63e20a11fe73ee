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
    /// The `errno` of the system call that failed, when the failure is one (`ENOSPC`: the disk
    /// is full; `EFBIG`: the file-size limit; `EACCES`: no permission), so that a service can
    /// tell a full disk from a damaged log without reading the message.
    public var systemError: Int32?

    package init(path: String, message: String, systemError: Int32? = nil) {
        self.path = path
        self.message = message
        self.systemError = systemError
    }

    /// An error built from the current `errno`.
    package static func system(_ path: String, _ action: String, errno code: Int32 = errno) -> LogFileError {
        LogFileError(path: path, message: "cannot \(action): \(String(cString: strerror(code)))", systemError: code)
    }

    /// `error` as a failure to read `path`: itself when it is a `LogFileError` (or a
    /// ``LogReadError/file(_:)``), else wrapped.
    package static func reading(_ path: String, failedWith error: any Error) -> LogFileError {
        if let error = error as? LogFileError { return error }
        if let error = (error as? any LogFileFailure)?.fileError(reading: path) { return error }
        return LogFileError(path: path, message: "cannot read the file: \(error)")
    }

    public var description: String { "\(path): \(message)" }
}
