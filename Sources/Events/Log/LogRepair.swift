#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovers a log that a crash left with an interrupted append or a torn last line, without
/// deleting a byte.
///
/// Under the same exclusive lock the appenders take, an interrupted append is settled first:
/// finished when its whole batch is in the log, otherwise its bytes are moved to
/// `LOG.interrupted-<UTC time>` (see ``PendingAppend``). Then the bytes after the log's last newline
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
        /// The interrupted append that was finished or rolled back first, if there was one.
        public var interruptedAppend: PendingAppend.Outcome? = nil
    }

    /// Settles an interrupted append, then moves a torn tail aside.
    /// - Returns: What was moved, and where.
    /// - Throws: ``LogFileError`` when the log cannot be read or written, or the side file
    ///   cannot be created; the log is only truncated after the side file is safely on disk.
    @discardableResult
    public func repair() throws(LogFileError) -> Report {
        let file = try LockedLogFile.acquire(path, create: false)
        let settled = try PendingAppend.settle(file, path: path, clock: clock)
        let length = try file.length()
        let keep = try Self.endOfLastLine(in: file, length: length)
        guard keep < length else {
            return Report(tornByteCount: 0, sideFile: nil, logByteCount: length, tornLineIsCompleteEvent: false,
                          interruptedAppend: settled)
        }
        var isEvent = false
        let sideFile = try SideFile.copy(from: file, path: path, range: keep..<length, suffix: "torn", clock: clock) { bytes, whole in
            if whole {
                var decoder = EventDecoder()
                isEvent = (try? decoder.decode(bytes)) != nil
            }
        }
        try file.truncate(to: keep)
        try file.sync()
        return Report(tornByteCount: length - keep, sideFile: sideFile, logByteCount: keep, tornLineIsCompleteEvent: isEvent,
                      interruptedAppend: settled)
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
}
