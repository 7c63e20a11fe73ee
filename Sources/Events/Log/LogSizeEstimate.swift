#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a log file's length says about it before it is read, so that its tables are sized
/// once instead of doubled as they fill (each doubling writes the whole table again, into fresh
/// pages the kernel zeroes first).
///
/// Lines: the bytes over the average length of the first lines (about 150 bytes, 225 chained;
/// 200 when they cannot be read). Tickets: a ticket has at least an acceptance, an assignment
/// and a closure (the generated year has 3.8 lines a ticket, the samples 4.1–4.7).
package struct LogSizeEstimate: Sendable, Equatable {
    /// The lines the bytes probably hold.
    package var lines: Int
    /// Whether its lines carry chain members (`,"chain":"`), by its first and last 64 KiB: each
    /// such line's link is hashed as it is decoded, which makes decoding the heavier part of a
    /// `verify` (see ``LogScan/workersBesideCallingThread``). False when it cannot be read.
    package var chained = false

    package init(lines: Int) {
        self.lines = max(lines, 0)
    }

    /// The estimate for the bytes of `path` after `start`; no lines when it cannot be read.
    package init(path: String, from start: Int64 = 0) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            self.init(lines: 0)
            return
        }
        let regular = st.st_mode & S_IFMT == S_IFREG
        let bytes = max(Int64(st.st_size) - start, 0)
        self.init(lines: Int(bytes / Int64((regular ? Self.averageLineLength(path) : nil) ?? 200)))
        if regular { chained = Self.hasChainMembers(path, size: Int64(st.st_size)) }
    }

    /// Whether the first or the last 64 KiB of a file hold a chain member (`,"chain":"`): a log
    /// sealed from its first line, or one whose chain starts later.
    static func hasChainMembers(_ path: String, size: Int64) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let window = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 16)
        defer { buffer.deallocate() }
        let member = Array(#","chain":""#.utf8)
        for offset in Set([0, max(size - Int64(window), 0)]) {
            let n = pread(fd, buffer.baseAddress, window, off_t(offset))
            guard n >= member.count else { continue }
            var i = 0
            while i + member.count <= n {
                if buffer[i] == member[0], (1..<member.count).allSatisfy({ buffer[i + $0] == member[$0] }) { return true }
                i += 1
            }
        }
        return false
    }

    /// The most tickets the lines probably hold (a line in three, at most 2²⁴): for tables whose
    /// memory is touched only as they fill, where too many costs address space, not memory.
    package var tickets: Int { min(lines / 3, 1 << 24) }

    /// Fewer tickets (a line in four, at most 2²⁴): for a table all of whose memory is touched
    /// from the start (a name table's slots), where too few costs one late doubling and too many
    /// costs memory.
    package var slottedTickets: Int { min(lines / 4, 1 << 24) }

    /// The average length of the lines (with their newlines) in the first 64 KiB of a file, or
    /// `nil` when it cannot be read or holds fewer than 16 lines.
    static func averageLineLength(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        let n = pread(fd, buffer.baseAddress, buffer.count, 0)
        guard n > 0 else { return nil }
        var lines = 0, lastNewline = -1
        for i in 0..<n where buffer[i] == 0x0A {
            lines += 1
            lastNewline = i
        }
        guard lines >= 16 else { return nil }
        return max((lastNewline + 1) / lines, 16)
    }
}
