#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a log as the reader hands it out.
public struct LogLine {
    /// One-based line number.
    public var number: Int
    /// Byte offset of the line's first byte in the file.
    public var offset: Int64
    /// The line's bytes without the newline; valid only during the callback.
    public var bytes: UnsafeRawBufferPointer
    /// `false` for a last line that has no terminating newline (a torn write).
    public var terminated: Bool
}

/// Streams the lines of a file through a fixed-size buffer.
///
/// Memory stays at the buffer size (it grows only for a line longer than the buffer, up to
/// about twice ``maxLineBytes``), whatever the file's length. Reading uses plain `read(2)`, no Foundation.
public struct LogReader {
    /// The file being read (`-` means standard input).
    public let path: String
    /// The buffer size in bytes.
    public var chunkSize: Int
    /// The longest line accepted, in bytes without the newline; a longer one stops the reading
    /// with a ``LogFileError`` (memory stays bounded whatever the input).
    public var maxLineBytes = LogInput.defaultMaxLineBytes

    public init(path: String, chunkSize: Int = 4 << 20) {
        self.path = path
        self.chunkSize = chunkSize
    }

    /// Calls `body` for every line in order; a final line without a newline is passed with
    /// `terminated == false`.
    /// - Returns: The number of bytes read.
    /// - Throws: ``LogReadError/file(_:)`` if the file cannot be read, is not a regular file (a
    ///   path other than `-`), or has a line longer than ``maxLineBytes``;
    ///   ``LogReadError/stopped(_:)`` with what `body` throws.
    /// - Parameters:
    ///   - start: The file offset of the first line to read.
    ///   - end: The file offset where reading stops (see ``LogSnapshot``); the end of the file by
    ///     default.
    ///   - firstLineNumber: The number the line at `start` gets.
    ///   - body: Called with each line (its bytes are valid only during the call).
    @discardableResult
    public func forEachLine<Failure: Error>(startingAt start: Int64 = 0, end: Int64 = .max, firstLineNumber: Int = 1,
                                            _ body: (LogLine) throws(Failure) -> Void) throws(LogReadError<Failure>) -> Int64 {
        try LogReadError.catching(path: path, body) { body in
            let fd: Int32 = path == "-" ? 0 : try LogInput.openRegularFile(path)
            defer { if fd != 0 { close(fd) } }
            if start > 0, lseek(fd, off_t(start), SEEK_SET) < 0 { throw LogFileError.system(path, "seek") }
            return try Self.forEachLine(fd: fd, path: path, chunkSize: chunkSize, start: start, end: end,
                                        firstLineNumber: firstLineNumber, maxLineBytes: maxLineBytes, body)
        }
    }

    static func forEachLine(fd: Int32, path: String, chunkSize: Int, start: Int64, end: Int64 = .max, firstLineNumber: Int,
                            maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                            _ body: (LogLine) throws -> Void) throws -> Int64 {
        try forEachLine(from: .file(fd, path: path), path: path, chunkSize: chunkSize, start: start, end: end,
                        firstLineNumber: firstLineNumber, maxLineBytes: maxLineBytes, body)
    }

    /// Calls `body` for every line `source` hands out, as ``forEachLine(startingAt:end:firstLineNumber:_:)``
    /// does for a file; `name` names the log in errors, `start` is the offset of the first byte.
    /// - Returns: The number of bytes read.
    @discardableResult
    package func forEachLine(of source: any LogByteSource, name: String, startingAt start: Int64 = 0, firstLineNumber: Int = 1,
                             _ body: (LogLine) throws -> Void) throws -> Int64 {
        try Self.forEachLine(from: .stream(source), path: name, chunkSize: chunkSize, start: start,
                             firstLineNumber: firstLineNumber, maxLineBytes: maxLineBytes, body)
    }

    static func forEachLine(from input: LogBytes, path: String, chunkSize: Int, start: Int64, end: Int64 = .max,
                            firstLineNumber: Int, maxLineBytes: Int, _ body: (LogLine) throws -> Void) throws -> Int64 {
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0          // bytes of valid data in buffer
        var bufferOffset = start // file offset of buffer[0]
        var lineNumber = firstLineNumber
        var total: Int64 = 0
        while true {
            if filled == buffer.count {
                // One line fills the whole buffer: grow it.
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = bigger
            }
            let want = Int(min(Int64(buffer.count - filled), max(0, end - start - total)))
            let n = want == 0 ? 0 : try input.read(into: buffer.baseAddress! + filled, count: want)
            total += Int64(n)
            let end = filled + n
            var lineStart = 0
            if n == 0 {
                if end > 0 {
                    try body(LogLine(number: lineNumber, offset: bufferOffset,
                                     bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<end]), terminated: false))
                }
                return total
            }
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var searchFrom = filled
            while searchFrom < end,
                  let hit = memchr(base + searchFrom, 0x0A, end - searchFrom) {
                let newline = base.distance(to: UnsafeRawPointer(hit))
                if newline - lineStart > maxLineBytes { throw LogInput.lineTooLong(path, line: lineNumber, limit: maxLineBytes) }
                try body(LogLine(number: lineNumber, offset: bufferOffset + Int64(lineStart),
                                 bytes: UnsafeRawBufferPointer(start: base + lineStart, count: newline - lineStart),
                                 terminated: true))
                lineNumber += 1
                lineStart = newline + 1
                searchFrom = lineStart
            }
            // Keep the unfinished line at the front of the buffer (the buffer then never grows
            // past twice the limit).
            let rest = end - lineStart
            if rest > maxLineBytes { throw LogInput.lineTooLong(path, line: lineNumber, limit: maxLineBytes) }
            if lineStart > 0 && rest > 0 {
                memmove(buffer.baseAddress!, buffer.baseAddress! + lineStart, rest)
            }
            bufferOffset += Int64(lineStart)
            filled = rest
        }
    }
}
