#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The frame of a file that saves state about a log prefix (a replay checkpoint, a
/// ``LedgerState``): a magic number, the format's version and a key first (the key names what
/// the contents depend on besides the log: the machine's value layout, options), then the
/// contents, an end marker, and the XXH64 checksum of every byte before it.
///
/// Writing goes to a temporary file beside the target, flushed and renamed over it (then the
/// folder is flushed), so a crash never leaves half a file. Reading goes through
/// ``CheckpointReader``: `pread`, never mapped; a file that is not a regular file, has another
/// magic number, version or key, lacks the end marker or fails the checksum is refused with
/// a reason.
package struct CheckpointFormat: Sendable {
    /// The first 8 bytes.
    package let magic: UInt64
    /// The format's version; a file of another version is refused.
    package let version: UInt32
    /// The 8 bytes after the contents.
    package let end: UInt64
    /// What a file with another magic number is not ("a replay checkpoint").
    package let name: String

    package init(magic: UInt64, version: UInt32, end: UInt64, name: String) {
        (self.magic, self.version, self.end, self.name) = (magic, version, end, name)
    }

    /// Reads the file at `path`: the header, then `contents`, then the end marker and the checksum.
    /// - Parameters:
    ///   - key: The key the file must have been written with.
    ///   - otherKey: Why a file written with another key (given) cannot be used.
    ///   - contents: Reads and range-checks what ``write(to:key:_:)``'s `contents` wrote. What
    ///     it returns is not to be used unless this function returns it (the checksum is
    ///     checked last).
    /// - Returns: `nil` when there is no such file.
    /// - Throws: ``CheckpointError`` saying why an existing file cannot be used, or what `contents` threw.
    package func read<Contents>(from path: String, key: String, otherKey: (_ stored: String) -> String,
                                _ contents: (inout CheckpointReader) throws -> Contents) throws -> Contents? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw CheckpointError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CheckpointError("cannot read \(path)") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw CheckpointError("\(path) is not a regular file") }
        var reader = try CheckpointReader(fd: fd, size: Int64(st.st_size))
        guard try reader.read(UInt64.self) == magic else { throw CheckpointError("not \(name)") }
        guard try reader.read(UInt32.self) == version else { throw CheckpointError("written by another version") }
        let stored = try reader.readString()
        guard stored == key else { throw CheckpointError(otherKey(stored)) }
        let value = try contents(&reader)
        guard try reader.read(UInt64.self) == end, reader.isAtEnd else { throw CheckpointError("damaged (no end marker)") }
        try reader.finish()
        return value
    }

    /// Writes the file at `path`, atomically (``SmallFile/replace(_:wrapping:_:)``): the header,
    /// `contents`, the end marker and the checksum into a temporary file, flushed and renamed
    /// over `path` (a file lost to a crash after the rename is only slower: the next reader
    /// starts from an older one, or from the start of the log).
    package func write(to path: String, key: String, _ contents: (inout CheckpointWriter) throws -> Void) throws {
        try SmallFile.replace(path, wrapping: { $0 as any Error }) { fd in
            var writer = CheckpointWriter(fd: fd)
            writer.write(magic)
            writer.write(version)
            writer.write(key)
            try contents(&writer)
            writer.write(end)
            try writer.finish()
        }
    }
}
