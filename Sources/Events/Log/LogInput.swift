#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening logs for reading: a log path must name a regular file, and no line may be longer
/// than a limit, so that a device (`/dev/zero`), a FIFO or a file without newlines can neither
/// hang a reader nor make it hold gigabytes.
public enum LogInput {
    /// The longest line read by default: 1 MiB (an event line is a few hundred bytes).
    public static let defaultMaxLineBytes = 1 << 20

    /// Opens `path` for reading, refusing anything but a regular file (without blocking on a FIFO).
    /// - Throws: ``LogFileError`` naming the kind of file found.
    public static func openRegularFile(_ path: String) throws(LogFileError) -> Int32 {
        // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .system(path, "open the file") }
        try requireRegularFile(fd: fd, path: path, closingOnFailure: true)
        SmallFile.noteRead(fd)
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// Checks that `path` names a regular file (following symbolic links), without opening it.
    public static func requireRegularFile(_ path: String) throws(LogFileError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system(path, "open the file") }
        try requireRegularFile(mode: info.st_mode, path: path)
    }

    /// Checks that the open file `fd` is a regular file (a writer's check: ``LockedLogFile``).
    /// - Parameter closingOnFailure: Close `fd` before throwing.
    static func requireRegularFile(fd: Int32, path: String, closingOnFailure: Bool) throws(LogFileError) {
        do {
            try requireRegularFile(fd: fd, path: path)
        } catch {
            if closingOnFailure { close(fd) }
            throw error
        }
    }

    /// Checks that the open file `fd` is a regular file.
    static func requireRegularFile(fd: Int32, path: String) throws(LogFileError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(path, "read the file's status") }
        try requireRegularFile(mode: info.st_mode, path: path)
    }

    private static func requireRegularFile(mode: mode_t, path: String) throws(LogFileError) {
        let kind: String
        switch mode & S_IFMT {
        case S_IFREG: return
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFDIR: kind = "a directory"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        throw LogFileError(path: path, message: "\(kind), not a regular file: a log must be a regular file")
    }

    /// The error for a line longer than `limit` bytes; `line` is its number when known.
    package static func lineTooLong(_ path: String, line: Int?, limit: Int) -> LogFileError {
        let which = line.map { "line \(groupedThousands($0))" } ?? "a line"
        return LogFileError(path: path == "-" ? "standard input" : path, message: "\(which) is longer than \(groupedThousands(limit)) bytes, the limit for one line "
                            + "(not a JSON Lines log, or a line to split)")
    }
}

/// A line longer than the limit, met while filling a block; ``LogScan`` turns it into a
/// ``LogFileError`` naming the line.
struct LineTooLong: Error {}
