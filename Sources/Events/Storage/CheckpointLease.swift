#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read lease on a checkpoint file (Linux's `F_SETLEASE`), which makes mapping its tables safe.
///
/// While the lease is held, no process can open the file for writing or truncate it: such an
/// `open` or `truncate` waits until the holder lets go (the kernel notifies the holder, who
/// ignores the notification here), or until `/proc/sys/fs/lease-break-time` seconds (45 by
/// default) have passed, when the kernel takes the lease away; an `open` with `O_NONBLOCK`
/// fails with `EWOULDBLOCK` instead (and still asks for the lease). So the file's pages cannot
/// change under a mapping while it is held, and a process that finishes well within that
/// time can map the file's tables instead of copying them (``PlainArray/init(mapping:offset:count:)``).
/// ``isHeld`` says, at the end, whether that held throughout.
///
/// The lease belongs to the open file, and a mapping keeps the file open: it lasts as long as
/// this object or any table mapped from the file, whichever is released last. (A replaced
/// checkpoint, written beside and renamed over this one, leaves this file as it is.)
///
/// No lease is taken, and tables are read instead, where the system has no leases (not Linux,
/// a file system without them, leases disabled), when the file is open for writing somewhere,
/// or when this process neither owns the file nor has `CAP_LEASE`.
package final class CheckpointLease: Sendable {
    /// A descriptor of the leased open file, for ``isHeld``.
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes a read lease on the open file `fd` (opened read-only), or returns `nil`.
    package static func take(on fd: Int32) -> CheckpointLease? {
        #if os(Linux)
        // The kernel notifies the lease's owner with SIGIO, whose default action ends the
        // process. The notification is first made SIGURG (ignored by default) for the instant
        // between taking the lease and having no owner at all: then nothing is sent.
        guard fcntl(fd, setSignal, SIGURG) == 0 else { return nil }
        guard fcntl(fd, setLease, Int32(F_RDLCK)) == 0 else { return nil }
        guard fcntl(fd, F_SETOWN, 0) == 0 else {
            _ = fcntl(fd, setLease, Int32(F_UNLCK))
            return nil
        }
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else {
            _ = fcntl(fd, setLease, Int32(F_UNLCK))
            return nil
        }
        return CheckpointLease(fd: copy)
        #else
        return nil
        #endif
    }

    /// Whether the lease is still held and nobody has asked for it: `false` once a process
    /// tried to open the file for writing or truncate it (it may have done so by now, if this
    /// process took longer than the lease-break time).
    package var isHeld: Bool {
        #if os(Linux)
        fcntl(fd, Self.getLease) == Int32(F_RDLCK)
        #else
        false
        #endif
    }

    deinit { close(fd) }

    #if os(Linux)
    /// `F_SETLEASE`, `F_GETLEASE` and `F_SETSIG`, which the C headers declare only for `_GNU_SOURCE`.
    private static let setLease: Int32 = 1024
    private static let getLease: Int32 = 1025
    private static let setSignal: Int32 = 10
    #endif
}
