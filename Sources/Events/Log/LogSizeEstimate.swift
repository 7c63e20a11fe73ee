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
    /// Whether its lines end in chain members, by its first and last 64 KiB: each
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
        let sample = regular ? Self.sample(path, size: Int64(st.st_size)) : nil
        self.init(lines: Int(bytes / Int64(sample?.averageLineLength ?? 200)))
        chained = sample?.chained ?? false
    }

    /// The most tickets the lines probably hold (a line in three, at most 2²⁴): for tables whose
    /// memory is touched only as they fill, where too many costs address space, not memory.
    package var tickets: Int { min(lines / 3, 1 << 24) }

    /// Fewer tickets (a line in four, at most 2²⁴): for a table all of whose memory is touched
    /// from the start (a name table's slots), where too few costs one late doubling and too many
    /// costs memory.
    package var slottedTickets: Int { min(lines / 4, 1 << 24) }

    /// What the first 64 KiB of a file (and its last, for a chain) say: the average length of
    /// their lines with their newlines (`nil` when they hold fewer than 16 lines), and whether a
    /// whole line among them ends in a chain member (``ChainMember/ending(of:)``): a log sealed
    /// from its first line, or one whose chain starts later. `nil` when it cannot be read.
    static func sample(_ path: String, size: Int64) -> (averageLineLength: Int?, chained: Bool)? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let window = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 16)
        defer { buffer.deallocate() }
        let n = pread(fd, buffer.baseAddress, window, 0)
        guard n > 0 else { return nil }
        var lines = 0, lastNewline = -1
        for i in 0..<n where buffer[i] == 0x0A {
            lines += 1
            lastNewline = i
        }
        let average = lines >= 16 ? max((lastNewline + 1) / lines, 16) : nil
        if endsAnyLineInChainMember(UnsafeRawBufferPointer(rebasing: buffer[..<n]), first: true) { return (average, true) }
        guard size > Int64(window) else { return (average, false) }
        let m = pread(fd, buffer.baseAddress, window, off_t(size - Int64(window)))
        return (average, m > 0 && endsAnyLineInChainMember(UnsafeRawBufferPointer(rebasing: buffer[..<m]), first: false))
    }

    /// Whether a line of `bytes` ends in a chain member, intact or damaged; the last line counts
    /// only with its newline, the first only when `first` says it starts there.
    private static func endsAnyLineInChainMember(_ bytes: UnsafeRawBufferPointer, first: Bool) -> Bool {
        var start: Int? = first ? 0 : nil
        for i in bytes.indices where bytes[i] == 0x0A {
            if let from = start {
                var end = i
                if end > from, bytes[end - 1] == 0x0D { end -= 1 }
                if ChainMember.ending(of: UnsafeRawBufferPointer(rebasing: bytes[from..<end])) != .none { return true }
            }
            start = i + 1
        }
        return false
    }
}
