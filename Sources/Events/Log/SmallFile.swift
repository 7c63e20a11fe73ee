#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reading a small file whole (a rule file, a mapping, a configuration), with the system's
/// reason when it cannot be read.
package enum SmallFile {
    /// The bytes of the file at `path`.
    /// - Throws: ``LogFileError`` naming the file and the system's reason (`cannot open: No such
    ///   file or directory`), or that it is larger than `limit` bytes.
    package static func read(_ path: String, limit: Int = 64 << 20) throws(LogFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(path, "open") }
        defer { close(fd) }
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

    /// Replaces the file at `path` with `bytes` as a whole: written to a temporary file beside
    /// it, flushed, then renamed over it, so that a reader sees the old file or the new one.
    /// - Throws: ``LogFileError`` with the system's reason; the temporary file is removed.
    package static func writeAtomically(_ bytes: some Collection<UInt8>, to path: String) throws(LogFileError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system(path, "create") }
        var failure: LogFileError?
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .system(path, "write"); return
                }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .system(path, "write") }
        if close(fd) != 0, failure == nil { failure = .system(path, "write") }
        if failure == nil, rename(temporary, path) != 0 { failure = .system(path, "replace") }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}
