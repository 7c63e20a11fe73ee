/// Why reading a log stopped: the file could not be read, or the caller's closure threw.
///
/// With a closure that does not throw (`Failure` is `Never`) only ``file(_:)`` can occur.
/// Its description is the underlying error's.
public enum LogReadError<Failure: Error>: WrappingError {
    /// The file cannot be read, is not a regular file, or has a line longer than the limit.
    case file(LogFileError)
    /// What the caller's closure threw; reading stopped there.
    case stopped(Failure)

    /// The error that stopped the reading.
    public var underlying: any Error {
        switch self {
        case .file(let error): error
        case .stopped(let error): error
        }
    }
}

/// An error that stands for another one, which says what went wrong: a library's error type
/// for one API, with a case for each kind of error that can come out of it
/// (``LogReadError``, ``ChainDigestFailure``). Its description is the underlying error's.
public protocol WrappingError: Error, CustomStringConvertible {
    /// The error that stopped the work.
    var underlying: any Error { get }
}

extension WrappingError {
    /// The underlying error's description.
    public var description: String { String(describing: underlying) }
}

extension LogReadError: Equatable where Failure: Equatable {}

extension LogReadError: LogFileFailure {
    package var fileError: LogFileError? {
        if case .file(let error) = self { error } else { nil }
    }
}

/// An error that may stand for a ``LogFileError`` (whatever the closure type of the reading was).
package protocol LogFileFailure: Error {
    var fileError: LogFileError? { get }
    /// The error as a failure to read the log named `path`, when it is one of its kind (a store
    /// other than a file says what it could not read).
    func fileError(reading path: String) -> LogFileError?
}

extension LogFileFailure {
    package func fileError(reading path: String) -> LogFileError? { fileError }
}

extension LogReadError {
    /// Runs `body`, handing it `callback` wrapped so that what `callback` throws comes out as
    /// ``stopped(_:)`` and everything else as ``file(_:)`` (see `LogFileError.reading`).
    package static func catching<Argument, Result>(
        path: String, _ callback: (Argument) throws(Failure) -> Void,
        _ body: (_ callback: (Argument) throws -> Void) throws -> Result
    ) throws(LogReadError) -> Result {
        do {
            // `callback` only runs during `body` (the exclusivity rule needs this said).
            return try withoutActuallyEscaping(callback) { callback in
                try body { argument in
                    do throws(Failure) { try callback(argument) } catch { throw Stopped(error: error) }
                }
            }
        } catch let stopped as Stopped {
            throw .stopped(stopped.error)
        } catch {
            throw .file(.reading(path, failedWith: error))
        }
    }

    /// What the caller's closure threw, on its way out through code that throws untyped errors.
    private struct Stopped: Error {
        var error: Failure
    }
}
