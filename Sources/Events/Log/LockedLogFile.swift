#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open log file holding an exclusive `flock(2)` lock until it goes out of scope.
///
/// Every writer of a log (``LogAppender``, ``LogRepair``) works under this lock, so writers in
/// different processes take turns. Closing the descriptor in `deinit` releases the lock.
struct LockedLogFile: ~Copyable {
    /// The path as given by the caller, for messages.
    let path: String
    let fd: Int32
    /// Whether opening the log created it.
    let created: Bool

    /// Opens `path` for reading and writing and waits for the exclusive lock.
    /// - Parameter create: Create the file (mode 0644) when it does not exist.
    static func acquire(_ path: String, create: Bool) throws(LogFileError) -> LockedLogFile {
        try acquire(path, create: create, shared: false)
    }

    /// Opens `path` for reading only and waits for a shared lock: no writer is then at work.
    /// - Parameter announcingWait: Whether a wait is told to ``WriterLockWait`` (as a writer's
    ///   always is): for a ledger's first read, not for a follower's reads after each commit.
    static func acquireShared(_ path: String, announcingWait: Bool = false) throws(LogFileError) -> LockedLogFile {
        try acquire(path, create: false, shared: true, announcingWait: announcingWait)
    }

    private static func acquire(_ path: String, create: Bool, shared: Bool, announcingWait: Bool = true) throws(LogFileError)
    -> LockedLogFile {
        while true {
            var created = false
            var fd = shared ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : open(path, O_RDWR | O_CLOEXEC)
            if fd < 0 && errno == ENOENT && create {
                fd = open(path, O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0o644)
                if fd >= 0 {
                    created = true
                } else if errno == EEXIST {
                    // Another writer created it between our two calls.
                    fd = open(path, O_RDWR | O_CLOEXEC)
                }
            }
            guard fd >= 0 else { throw .system(path, "open the file") }
            try LogInput.requireRegularFile(fd: fd, path: path, closingOnFailure: true)
            let operation = shared ? LOCK_SH : LOCK_EX
            func failed() -> LogFileError {
                let code = errno
                close(fd)
                return .system(path, "lock the file", errno: code)
            }
            func attempt() throws(LogFileError) -> Bool {
                if flock(fd, operation | LOCK_NB) == 0 { return true }
                guard errno == EWOULDBLOCK || errno == EINTR else { throw failed() }
                return false
            }
            func block() throws(LogFileError) {
                while flock(fd, operation) != 0 {
                    guard errno == EINTR else { throw failed() }
                }
            }
            // A wait for another writer of more than a second is said (``WriterLockWait``).
            if announcingWait { try WriterLockWait.take(path, attempt: attempt, block: block) } else { try block() }
            // A writer that created the log and wrote nothing removes it again before it lets
            // go of the lock (``removeIfCreatedAndEmpty()``): a file opened before that is no
            // longer the log, so open the path again.
            guard isStill(fd, at: path) else {
                close(fd)
                continue
            }
            return LockedLogFile(path: path, fd: fd, created: created)
        }
    }

    /// Whether `path` names the file open as `fd`.
    private static func isStill(_ fd: Int32, at path: String) -> Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0 else { return true }   // nothing to compare: keep what is open
        return stat(path, &named) == 0 && named.st_dev == open.st_dev && named.st_ino == open.st_ino
    }

    /// Removes the log again when opening it created it and it is still empty (an append that
    /// wrote nothing), so that a refused or failed first append leaves no log behind. Writers
    /// waiting for the lock on the removed file open the path again (see `acquire`).
    func removeIfCreatedAndEmpty() {
        if created { removeIfEmpty() }
    }

    /// Removes the log when it is empty and no interrupted append's marker waits to be settled.
    func removeIfEmpty() {
        var marker = stat()
        guard (try? length()) == 0, Self.isStill(fd, at: path),
              stat(PendingAppend.markerPath(forLog: path), &marker) != 0   // a marker left to settle keeps its log
        else { return }
        unlink(path)
    }

    private init(path: String, fd: Int32, created: Bool) {
        self.path = path
        self.fd = fd
        self.created = created
    }

    deinit { close(fd) }

    /// The file's current length in bytes.
    func length() throws(LogFileError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(path, "read the file's size") }
        return Int64(info.st_size)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and interruptions.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(LogFileError) {
        try Self.write(fd: fd, path: path, bytes, at: offset)
    }

    static func write(fd: Int32, path: String, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(LogFileError) {
        let done = try transfer(count: bytes.count, path: path, action: "write the file") { done in
            pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + Int64(done)))
        }
        if done < bytes.count { throw LogFileError(path: path, message: "cannot write the file: no progress") }
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(LogFileError) -> Int {
        try Self.read(fd: fd, path: path, into: buffer, at: offset)
    }

    static func read(fd: Int32, path: String, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(LogFileError) -> Int {
        try transfer(count: buffer.count, path: path, action: "read the file") { done in
            pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + Int64(done)))
        }
    }

    /// The `pwrite`/`pread` loop: calls `step` with the bytes done so far until `count` are done
    /// or a step makes no progress (returns 0), retrying interruptions; returns the bytes done.
    /// - Throws: ``LogFileError`` (from `errno`) when a step fails.
    private static func transfer(count: Int, path: String, action: String,
                                 _ step: (_ done: Int) -> Int) throws(LogFileError) -> Int {
        var done = 0
        while done < count {
            let n = step(done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(path, action)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: Int64) throws(LogFileError) {
        while ftruncate(fd, off_t(length)) != 0 {
            guard errno == EINTR else { throw .system(path, "truncate the file") }
        }
    }

    /// Flushes the file's data and size to the disk.
    func sync() throws(LogFileError) {
        guard fsync(fd) == 0 else { throw .system(path, "flush the file to disk") }
    }
}

/// Flushes the directory holding `path`, so that a file created there survives a crash.
func syncParentDirectory(of path: String) throws(LogFileError) {
    let directory = FileIdentity.split(path).folder
    let fd = open(directory, O_RDONLY | O_CLOEXEC | O_DIRECTORY)
    guard fd >= 0 else { throw .system(directory, "open the directory") }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw .system(directory, "flush the directory to disk") }
}
