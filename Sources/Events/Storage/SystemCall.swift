#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `read(2)`, `write(2)` and `open(2)` by one name on Linux and on macOS, for the package's
/// modules (Swift spells them `Glibc.write` or `Darwin.write` where a method named `write` is in
/// scope).
package enum SystemCall {
    #if canImport(Glibc)
    package static let read: @Sendable (Int32, UnsafeMutableRawPointer?, Int) -> Int = Glibc.read
    package static let write: @Sendable (Int32, UnsafeRawPointer?, Int) -> Int = Glibc.write
    package static let open: @Sendable (UnsafePointer<CChar>, Int32, mode_t) -> Int32 = Glibc.open
    #else
    package static let read: @Sendable (Int32, UnsafeMutableRawPointer?, Int) -> Int = Darwin.read
    package static let write: @Sendable (Int32, UnsafeRawPointer?, Int) -> Int = Darwin.write
    package static let open: @Sendable (UnsafePointer<CChar>, Int32, mode_t) -> Int32 = Darwin.open
    #endif

    /// The size of the system's memory pages.
    package static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    #if os(Linux)
    /// `madvise(2)` advice of Linux 5.14 that older C headers lack: make a range's pages present,
    /// for reading (a mapped file's cached pages mapped as they are) or for writing (fresh pages
    /// faulted in, private copies made); neither changes what the memory holds.
    package static let populateRead: Int32 = 22
    package static let populateWrite: Int32 = 23
    #endif

    /// Writes all of `bytes` to `fd`, again after a short write or `EINTR`.
    /// - Returns: `false` when `write(2)` failed; `errno` then says why.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }
}
