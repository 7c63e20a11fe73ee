#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Events
import Synchronization

/// Writing to standard output and standard error, and asking whether they
/// are terminals.
///
/// Output goes straight to the file descriptor with `write(2)`, so text
/// appears in the order it was written even when stdout and stderr are the
/// same pipe, and nothing is lost if the process exits without flushing.
/// Any text still buffered by `Swift.print` is flushed first, so mixing the
/// two keeps the order too.
///
/// Each call is one system call or more: build large reports into a single
/// string (the Reports renderers return one) and write it once.
enum Terminal {
    /// The process's standard output.
    static var standardOutput: FileDescriptorStream { FileDescriptorStream(fileDescriptor: 1) }

    /// The process's standard error.
    static var standardError: FileDescriptorStream { FileDescriptorStream(fileDescriptor: 2) }

    /// Writes `text` to standard output exactly as given.
    static func write(_ text: String) {
        standardOutput.write(text)
    }

    /// Writes `text` and a newline to standard output.
    static func writeLine(_ text: String = "") {
        standardOutput.write(text + "\n")
    }

    /// Writes `text` to standard error exactly as given.
    static func writeError(_ text: String) {
        standardError.write(text)
    }

    /// Writes `text`, one line, and a newline to standard error: a message or warning, whose
    /// control characters (from a name in a log, a roster, an export, a rule file) are written
    /// as escapes (`\u001B`, `\n`; see `String.escapingControlCharacters(keepingLayout:)`), so
    /// that it stays one line and cannot drive a terminal; with the password of any connection
    /// URI in it hidden (an argument echoed by a usage error, a URI not read as one).
    static func writeErrorLine(_ text: String) {
        standardError.write(ConnectionURI.redactingPasswords(in: text).escapingControlCharacters() + "\n")
    }

    /// Whether standard error is a terminal (not a file or pipe).
    static var isStandardErrorTerminal: Bool {
        standardError.isTerminal
    }

    /// Whether standard output was closed when the process started (`>&-`): descriptor 1 then
    /// holds /dev/null (``reserveClosedStandardDescriptors()``) and a write to it fails as EBADF.
    nonisolated(unsafe) private(set) static var standardOutputWasClosed = false

    /// Opens /dev/null on the standard descriptors that are closed, before anything else is
    /// opened: no file a command opens (a log, an output, a marker) then gets descriptor 0, 1 or
    /// 2 and receives text meant for the terminal.
    static func reserveClosedStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != fd {
                _ = dup2(opened, fd)
                _ = close(opened)
            }
            if fd == 1 { standardOutputWasClosed = true }
        }
    }

    /// The `errno` of the first write to standard output that failed (a full disk, a file-size
    /// limit, a closed descriptor), 0 while none has: a report cut short must not end the
    /// command as a success (see ``outputFailure()``).
    static let firstOutputError = Atomic<Int32>(0)

    /// Why standard output could not be written, after flushing what `Swift.print` buffered;
    /// `nil` when everything written got there.
    static func outputFailure() -> String? {
        if fflush(nil) != 0 { _ = firstOutputError.compareExchange(expected: 0, desired: errno, ordering: .relaxed) }
        let code = firstOutputError.load(ordering: .relaxed)
        return code == 0 ? nil : String(cString: strerror(code))
    }
}

/// An unbuffered text stream over a file descriptor.
///
/// Usable with `print(_:to:)`:
///
/// ```swift
/// var errors = Terminal.standardError
/// print("warning: line 12 has no hash", to: &errors)
/// ```
struct FileDescriptorStream: TextOutputStream, Sendable {
    /// The descriptor written to; not closed by this type.
    let fileDescriptor: Int32

    /// Writes the UTF-8 bytes of `string`, retrying after interrupts and
    /// partial writes. A write error (a full disk, a file-size limit) ends the
    /// write; on standard output it is kept in ``Terminal/firstOutputError``
    /// for the command's exit status. SIGPIPE, if not ignored, ends the process
    /// as usual.
    func write(_ string: String) {
        guard !string.isEmpty else { return }
        if fileDescriptor == 1 && Terminal.standardOutputWasClosed {
            _ = Terminal.firstOutputError.compareExchange(expected: 0, desired: EBADF, ordering: .relaxed)
            return
        }
        fflush(nil)  // Keep ordering with anything Swift.print has buffered.
        var text = string
        text.withUTF8 { bytes in
            guard var next = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                let written = SystemCall.write(fileDescriptor, next, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    if fileDescriptor == 1 {
                        _ = Terminal.firstOutputError.compareExchange(expected: 0, desired: errno, ordering: .relaxed)
                    }
                    return
                }
                next += written
                remaining -= written
            }
        }
    }

    /// Whether the descriptor refers to a terminal.
    var isTerminal: Bool {
        isatty(fileDescriptor) == 1
    }
}
