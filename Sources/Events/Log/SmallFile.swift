#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reading a small file whole (a rule file, a mapping, a configuration), and replacing a file as
/// a whole (a bulletin's output, a checkpoint, a ledger state), with the system's reason when
/// that fails.
package enum SmallFile {
    /// The files this process has read its inputs from (device and inode): a log, a rule file, a
    /// roster, a calendar, a configuration, each noted as it is opened, so that an output can be
    /// refused when it would replace one of them, however it was named (see ``wasRead(_:)``).
    private static let inputs = ReadFiles()

    private final class ReadFiles: @unchecked Sendable {
        let monitor = Monitor()
        var files: Set<[UInt64]> = []   // guarded by `monitor`
    }

    /// Notes that the open file `fd` is one of this process's inputs.
    package static func noteRead(_ fd: Int32) {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return }
        let key = [UInt64(status.st_dev), UInt64(status.st_ino)]
        inputs.monitor.locked { _ = inputs.files.insert(key) }
    }

    /// Whether `path` names a file this process has read an input from (``noteRead(_:)``).
    package static func wasRead(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        let key = [UInt64(status.st_dev), UInt64(status.st_ino)]
        return inputs.monitor.locked { inputs.files.contains(key) }
    }

    /// The bytes of the file at `path`.
    /// - Throws: ``LogFileError`` naming the file and the system's reason (`cannot open: No such
    ///   file or directory`), or that it is larger than `limit` bytes.
    package static func read(_ path: String, limit: Int = 64 << 20) throws(LogFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(path, "open") }
        defer { close(fd) }
        noteRead(fd)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(path, "read")
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else {
                throw LogFileError(path: path, message: "larger than \(limit) bytes")
            }
            bytes += chunk[..<n]
        }
    }

    /// Replaces the file at `path` with `bytes` as a whole (see ``replace(_:_:)``).
    /// - Throws: ``LogFileError`` with the system's reason; `path` is then as it was.
    package static func writeAtomically(_ bytes: some Collection<UInt8>, to path: String) throws(LogFileError) {
        let contiguous = Array(bytes)
        try replace(path) { fd throws(LogFileError) in
            guard contiguous.withUnsafeBytes({ SystemCall.writeAll(fd, $0) }) else { throw .system(path, "write") }
        }
    }

    /// Where output asked for by name goes (a report's `--output`, an import's files).
    package enum OutputTarget: Equatable {
        /// A regular file, or none yet: replaced as a whole (``replace(_:_:)``) at this path, the
        /// file itself when the name was a symbolic link to it.
        case file(String)
        /// A character device, a pipe or a socket (`/dev/null`, `/dev/stdout`, a FIFO): written
        /// through as it is, never replaced by a file.
        case device(String)
    }

    /// Where output named `path` goes: refused when it is a folder or a symbolic link to nothing
    /// (a link is followed, never replaced by a file; its target would be made elsewhere).
    package static func outputTarget(_ path: String) throws(LogFileError) -> OutputTarget {
        var status = stat()
        guard stat(path, &status) == 0 else {
            var link = stat()
            if lstat(path, &link) == 0 { throw LogFileError(path: path, message: "is a symbolic link to a missing file") }
            return .file(path)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            guard let real = realpath(path, nil) else { return .file(path) }
            defer { free(real) }
            return .file(String(cString: real))
        case S_IFDIR:
            throw LogFileError(path: path, message: "is a directory", systemError: EISDIR)
        default:
            return .device(path)
        }
    }

    /// Writes `bytes` as the output named `path` (see ``outputTarget(_:)``): a file is replaced as
    /// a whole, keeping its permissions; a device or pipe is written to as it is.
    /// - Throws: ``LogFileError`` with the reason; a file is then as it was.
    package static func writeOutput(_ bytes: some Collection<UInt8>, to path: String) throws(LogFileError) {
        switch try outputTarget(path) {
        case .file(let file):
            try writeAtomically(bytes, to: file)
        case .device(let device):
            let fd = open(device, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .system(path, "open") }
            defer { close(fd) }
            let contiguous = Array(bytes)
            guard contiguous.withUnsafeBytes({ SystemCall.writeAll(fd, $0) }) else { throw .system(path, "write") }
        }
    }

    /// Gives the new file behind descriptor `fd` the permissions (and, for the superuser, the
    /// owner) of the regular file at `path` it is about to replace, if there is one.
    package static func keepPermissions(of path: String, on fd: Int32) {
        var old = stat()
        guard stat(path, &old) == 0, old.st_mode & S_IFMT == S_IFREG else { return }
        if geteuid() == 0 { _ = fchown(fd, old.st_uid, old.st_gid) }
        _ = fchmod(fd, old.st_mode & 0o7777)
    }

    /// Creates the temporary file `path` for writing, new: whatever is at that name (a file left
    /// by a process killed with the same id, a link someone put there) is removed first (removing
    /// a link never touches its target), and the file is created exclusively, never through a
    /// link. Returns the descriptor, or -1 with `errno` set.
    package static func createTemporary(_ path: String) -> Int32 {
        unlink(path)
        return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    }

    /// Replaces the file at `path` with what `body` writes to the descriptor it is given: a
    /// temporary file beside `path`, then flushed (`fsync`), closed (once: a second close could
    /// close a file opened meanwhile) and renamed over `path`, and the folder flushed so that the
    /// rename outlives a crash (at best: a rename lost leaves the old file whole). A reader sees
    /// the old file or the new one; on any failure the temporary file is removed. The new file
    /// keeps the old one's permissions.
    /// - Throws: What `body` threw, or ``LogFileError`` (made by `wrap`) with the system's reason.
    package static func replace<Failure: Error>(_ path: String, wrapping wrap: (LogFileError) -> Failure,
                                                _ body: (Int32) throws(Failure) -> Void) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = createTemporary(temporary)
        guard fd >= 0 else { throw wrap(.system(path, "create")) }
        do throws(Failure) {
            try body(fd)
            guard fsync(fd) == 0 else { throw wrap(.system(path, "write")) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        keepPermissions(of: path, on: fd)
        var failure: LogFileError?
        if close(fd) != 0 {
            failure = .system(path, "write")
        } else if rename(temporary, path) != 0 {
            failure = .system(path, "replace")
        }
        if let failure {
            unlink(temporary)
            throw wrap(failure)
        }
        try? syncParentDirectory(of: path)
        removeAbandonedTemporaries(of: path)
    }

    /// Removes the temporary files a killed process left beside `path` (`path` + `infix` +
    /// `<pid>` of a process that no longer runs; `infix` is `.tmp-` for ``replace(_:wrapping:_:)``,
    /// `.importing-` for an import's outputs): they are never read, but each kill left one more.
    package static func removeAbandonedTemporaries(of path: String, infix: String = ".tmp-") {
        let (folder, file) = FileIdentity.split(path)
        let prefix = file + infix
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        var abandoned: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(prefix), let pid = pid_t(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { abandoned.append(name) }
        }
        for name in abandoned { unlink(folder + "/" + name) }
    }

    /// ``replace(_:wrapping:_:)`` for a `body` that throws ``LogFileError``.
    package static func replace(_ path: String, _ body: (Int32) throws(LogFileError) -> Void) throws(LogFileError) {
        try replace(path, wrapping: { $0 }, body)
    }
}
