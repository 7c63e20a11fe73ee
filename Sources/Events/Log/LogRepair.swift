#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovers a log whose last line was cut short by a crash, without deleting a byte.
///
/// Under the same exclusive lock the appenders take, the bytes after the log's last newline
/// are copied to a side file `LOG.torn-<UTC time>` and flushed (with its directory entry);
/// only then is the log truncated just after its last newline and flushed. A log that ends
/// with a newline is left alone.
public struct LogRepair: Sendable {
    /// The log file.
    public var path: String
    /// The time used to name the side file (the system clock by default).
    public var clock: @Sendable () -> Timestamp = { Timestamp.now() }

    /// Creates a repair for the log at `path`.
    public init(path: String) {
        self.path = path
    }

    /// What a repair did.
    public struct Report: Sendable, Equatable {
        /// Bytes moved from the end of the log to the side file (0 when the log was sound).
        public var tornByteCount: Int64
        /// The side file holding the torn bytes, if any were moved.
        public var sideFile: String?
        /// The log's length afterwards.
        public var logByteCount: Int64
        /// Whether the torn bytes hold a complete, well-formed event that lacked only its
        /// newline (it can be appended again from the side file).
        public var tornLineIsCompleteEvent: Bool
    }

    /// Moves a torn tail aside.
    /// - Returns: What was moved, and where.
    /// - Throws: ``LogFileError`` when the log cannot be read or written, or the side file
    ///   cannot be created; the log is only truncated after the side file is safely on disk.
    public func repair() throws(LogFileError) -> Report {
        let file = try LockedLogFile.acquire(path, create: false)
        let length = try file.length()
        let keep = try Self.endOfLastLine(in: file, length: length)
        guard keep < length else {
            return Report(tornByteCount: 0, sideFile: nil, logByteCount: length, tornLineIsCompleteEvent: false)
        }
        let (sideFile, isEvent) = try copyTail(of: file, from: keep, to: length)
        try file.truncate(to: keep)
        try file.sync()
        return Report(tornByteCount: length - keep, sideFile: sideFile, logByteCount: keep, tornLineIsCompleteEvent: isEvent)
    }

    /// The offset just after the last newline (0 when there is none).
    static func endOfLastLine(in file: borrowing LockedLogFile, length: Int64) throws(LogFileError) -> Int64 {
        let chunk = 64 << 10
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var end = length
        while end > 0 {
            let start = max(0, end - Int64(chunk))
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(end - start)]), at: start)
            var i = count - 1
            while i >= 0 {
                if buffer[i] == 0x0A { return start + Int64(i) + 1 }
                i -= 1
            }
            end = start
        }
        return 0
    }

    /// Copies `offset..<length` of the log to a new side file and flushes it and its directory.
    private func copyTail(of file: borrowing LockedLogFile, from offset: Int64,
                          to length: Int64) throws(LogFileError) -> (String, Bool) {
        let (side, fd) = try createSideFile()
        defer { close(fd) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        var isEvent = false
        while position < length {
            let want = Int(min(Int64(chunk), length - position))
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: position)
            guard count == want else { throw LogFileError(path: path, message: "cannot read the file: it shrank while locked") }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if position == offset && Int64(count) == length - offset {
                var decoder = EventDecoder()
                isEvent = (try? decoder.decode(bytes)) != nil
            }
            try LockedLogFile.write(fd: fd, path: side, bytes, at: position - offset)
            position += Int64(count)
        }
        guard fsync(fd) == 0 else { throw .system(side, "flush the file to disk") }
        try syncParentDirectory(of: side)
        return (side, isEvent)
    }

    /// Creates `LOG.torn-<time>` exclusively, adding `-2`, `-3`… if that name is taken.
    private func createSideFile() throws(LogFileError) -> (String, Int32) {
        let stamp = Timestamp(seconds: clock().seconds).rfc3339(offsetSeconds: 0, zulu: true)
            .filter { $0 != "-" && $0 != ":" }
        var attempt = 1
        while true {
            let name = "\(path).torn-\(stamp)" + (attempt == 1 ? "" : "-\(attempt)")
            let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { return (name, fd) }
            guard errno == EEXIST, attempt < 1000 else { throw .system(name, "create the side file") }
            attempt += 1
        }
    }
}
