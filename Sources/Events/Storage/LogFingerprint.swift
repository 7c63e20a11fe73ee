#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a replay checkpoint and a ledger's state file remember of the log prefix they cover, so
/// that a later run notices when that prefix is no longer the same bytes.
///
/// A SHA-256 over the prefix's length, its first and last 64 KiB and 256 windows of 4 KiB spread
/// evenly over it (overlaps hashed once): truncation, a rewrite, or an edit that moves bytes or
/// falls in a window (the prefix's last line always does) is seen. An edit elsewhere that keeps
/// every length is not; `ledger-cli verify` (and, in a chained log, the chain value at the end
/// of the prefix) is the audit for that.
package enum LogFingerprint {
    /// The fingerprint of the first `offset` bytes of the file open at `fd`.
    /// - Throws: ``CheckpointError`` when the file is shorter than `offset` or cannot be read.
    package static func of(fd: Int32, upTo offset: Int64) throws -> [UInt8] {
        // (Also keeps `offset * k` below from overflowing, whatever a damaged file says.)
        var st = stat()
        guard fstat(fd, &st) == 0, offset >= 0, offset <= Int64(st.st_size) else {
            throw CheckpointError("the log is shorter than the part it covered")
        }
        var hasher = SHA256()
        withUnsafeBytes(of: offset.littleEndian) { hasher.update($0) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        func hash(at start: Int64, count: Int64) throws {
            var done: Int64 = 0
            while done < count {
                let n = Int(min(count - done, Int64(buffer.count)))
                try buffer.withUnsafeMutableBytes { try CheckpointReader.readFully(fd, into: $0.baseAddress!, count: n, at: start + done) }
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                done += Int64(n)
            }
        }
        // The windows in order, overlaps merged: a short log's bytes are hashed once, not once
        // for each window that covers them.
        let windows: Int64 = 256
        var ranges = [(Int64(0), Int64(64 << 10)), (max(offset - (64 << 10), 0), Int64(64 << 10))]
        for k in 0..<windows { ranges.append((offset * k / windows, Int64(4 << 10))) }
        ranges.sort { $0.0 < $1.0 }
        var (start, end) = (Int64(0), Int64(0))
        for (from, count) in ranges {
            if from > end {
                try hash(at: start, count: end - start)
                start = from
            }
            end = max(end, min(from + count, offset))
        }
        try hash(at: start, count: end - start)
        return hasher.finalize().bytes
    }
}

extension LogFingerprint {
    /// The lines a fingerprint of a streamed log's first `lines` lines reads: the first and last
    /// 64 and 256 runs of 8 spread evenly over them, as ascending, disjoint ranges.
    package static func sampledLines(upTo lines: Int) -> [ClosedRange<Int>] {
        guard lines > 0 else { return [] }
        let windows = 256
        var starts = [(1, 64), (max(lines - 63, 1), 64)]
        // 1 + ⌊lines · k / windows⌋, without overflowing whatever a damaged checkpoint says.
        for k in 0..<windows { starts.append((1 + lines / windows * k + lines % windows * k / windows, 8)) }
        starts.sort { $0.0 < $1.0 }
        var ranges: [ClosedRange<Int>] = []
        for (from, count) in starts {
            let to = min(from + count - 1, lines)
            if let last = ranges.last, from <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...max(last.upperBound, to)
            } else {
                ranges.append(from...to)
            }
        }
        return ranges
    }

    /// The fingerprint of the first `lines` lines of a log kept as numbered lines
    /// (``StreamedLog``), and the last of those lines (empty when `lines` is 0).
    ///
    /// A SHA-256 over `lines` and the number, length and bytes of each line
    /// ``sampledLines(upTo:)`` names: a log cut shorter, a line missing, or a sampled line
    /// rewritten (the last one always is) is seen. A line rewritten elsewhere is not; in a
    /// chained log the chain value on the last line (which the caller compares) seals every
    /// line before it.
    /// - Throws: ``CheckpointError`` when the log has fewer than `lines` lines, or what the
    ///   store throws.
    package static func of(_ log: any StreamedLog, upTo lines: Int) throws -> (fingerprint: [UInt8], lastLine: [UInt8]) {
        var hasher = SHA256()
        func hash(_ value: Int) { withUnsafeBytes(of: Int64(value).littleEndian) { hasher.update($0) } }
        hash(lines)
        var lastLine: [UInt8] = []
        var sawLast = lines == 0
        try log.forEachLine(in: sampledLines(upTo: lines)) { number, bytes in
            hash(number)
            hash(bytes.count)
            hasher.update(bytes)
            if number == lines { (lastLine, sawLast) = (Array(bytes), true) }
        }
        guard sawLast else {
            throw CheckpointError("the log has fewer than \(lines) lines (truncated or replaced)")
        }
        return (hasher.finalize().bytes, lastLine)
    }
}
