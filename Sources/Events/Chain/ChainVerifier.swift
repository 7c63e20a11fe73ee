#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recomputes a log's hash chain line by line (see ``HashChain`` for the definition).
///
/// Each chained line's value is recomputed from the value stored on the line before it and
/// compared with the one the line stores. After a mismatch the verifier goes on from the
/// stored value, and the next line may also build on the recomputed one; so an edited line,
/// or an edited `chain` value, is reported once, not on every line after it.
///
/// Unchained lines before the first chained one cost nothing as they go by: when a chain
/// starts at line `k > 1`, the bytes before that line are hashed then, read again from the
/// file (or, for standard input, hashed as they were read).
struct ChainVerifier {
    /// Where the bytes before the first chained line come from.
    enum Prefix {
        /// Read them again from this file when the chain starts.
        case file(String)
        /// Hash every unchained line as it goes by (for input that cannot be read twice).
        case hashedAsRead
    }

    private let prefix: Prefix
    private var prefixHasher = SHA256()
    /// The value the next chained line builds on.
    private var previous = HashChain.genesis
    /// After a break, the other value the next line may build on (the recomputed one).
    private var alternative: SHA256.Digest?
    /// What was found so far.
    private(set) var summary = ChainSummary()
    /// The chain value of the line last checked; `nil` if that line was not chained.
    private(set) var lineValue: SHA256.Digest?

    init(prefix: Prefix) {
        self.prefix = prefix
    }

    /// Whether every line before the chain must be shown to ``check(_:)`` (to be hashed as it
    /// goes by), rather than read again from the file when the chain starts.
    var hashesPrefixAsRead: Bool {
        if case .hashedAsRead = prefix { return true }
        return false
    }

    /// A verifier that goes on after lines already checked, whose chain `summary` describes
    /// (an intact chain, or none): the state ``LedgerState`` keeps.
    init(reading path: String, resuming summary: ChainSummary) {
        self.init(reading: path)
        self.summary = summary
        if let head = summary.head { previous = head }
    }

    /// A verifier for the log at `path` (`-` being standard input).
    init(reading path: String) {
        self.init(prefix: path == "-" ? .hashedAsRead : .file(path))
    }

    /// The value a line appended now builds on: the head, or the start value of a chain that
    /// starts after `byteCount` bytes of unchained lines.
    func nextPrevious(startingAfter byteCount: Int64) throws(LogFileError) -> SHA256.Digest {
        if summary.isChained { return previous }
        return try startValue(beforeOffset: byteCount)
    }

    /// Checks one line; torn lines are left to ``LogVerifier``.
    /// - Returns: What is wrong with the line's chain, if anything.
    /// - Throws: ``LogFileError`` if the bytes before the chain cannot be read again.
    mutating func check(_ line: LogLine) throws(LogFileError) -> EventProblem? {
        lineValue = nil
        guard line.terminated else { return nil }
        // A line converted to CRLF still carries its chain member, before the `\r`: check the
        // chain without it, and report the line ending (the file's bytes are not the sealed ones).
        let carriageReturn = line.bytes.last == 0x0D
        let bytes = carriageReturn ? UnsafeRawBufferPointer(rebasing: line.bytes.dropLast()) : line.bytes
        let bodyEnd: Int, stored: SHA256.Digest?, damaged: Bool
        switch ChainMember.ending(of: bytes) {
        case .none:
            guard summary.isChained else {
                if case .hashedAsRead = prefix {
                    prefixHasher.update(line.bytes)
                    withUnsafeBytes(of: UInt8(ascii: "\n")) { prefixHasher.update($0) }
                }
                return nil
            }
            return broken(line.number, .chainMissing)
        case .intact(let end, let value):
            (bodyEnd, stored, damaged) = (end, value, false)
        case .damaged(let end, let value):
            (bodyEnd, stored, damaged) = (end, value, true)
        }
        if !summary.isChained {
            previous = try startValue(beforeOffset: line.offset)
            summary.firstLine = line.number
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<bodyEnd])
        let expected = HashChain.link(previous: previous, body: body)
        summary.lastLine = line.number
        guard let stored, !damaged else {
            // Go on from the stored value if it can be read, else from the recomputed one.
            (previous, alternative) = (stored ?? expected, stored == nil ? nil : expected)
            lineValue = previous
            summary.head = previous
            return broken(line.number, .chainDamaged)
        }
        lineValue = stored
        summary.head = stored
        if stored == expected || alternative.map({ HashChain.link(previous: $0, body: body) == stored }) == true {
            (previous, alternative) = (stored, nil)
            return carriageReturn ? .chainLineEnding : nil
        }
        (previous, alternative) = (stored, expected)
        return broken(line.number, .chainMismatch(expected: expected.hex, found: stored.hex))
    }

    /// Takes the line `lineNumber`, and the unbroken run of chained lines before it since the
    /// last ``check(_:)``, as checked elsewhere: each stored the link of the value before it, the
    /// first of them linking to the value this verifier goes on from. Leaves the verifier as
    /// checking them one by one would: going on from `value`, the line's stored value.
    mutating func acceptLinked(value: SHA256.Digest, lineNumber: Int) {
        (previous, alternative) = (value, nil)
        lineValue = value
        summary.head = value
        summary.lastLine = lineNumber
    }

    /// Notes a break and returns its problem.
    private mutating func broken(_ line: Int, _ problem: EventProblem) -> EventProblem {
        if summary.firstBreak == nil { summary.firstBreak = line }
        summary.breakCount += 1
        return problem
    }

    /// The problem of a log that must be chained from its first line but is not, if so.
    func requirementProblem(lineCount: Int) -> LogProblem? {
        guard lineCount > 0, summary.firstLine != 1 else { return nil }
        return LogProblem(line: 1, problem: .chainRequired(chainStart: summary.firstLine))
    }

    /// The start value of a chain whose first line is at `offset`: zeros at the start of the
    /// file, else SHA-256 of the bytes before it.
    private func startValue(beforeOffset offset: Int64) throws(LogFileError) -> SHA256.Digest {
        guard offset > 0 else { return HashChain.genesis }
        switch prefix {
        case .hashedAsRead:
            return prefixHasher.finalize()
        case .file(let path):
            return try Self.digest(ofFile: path, byteCount: offset)
        }
    }

    /// SHA-256 of the first `byteCount` bytes of a file, read through a fixed-size buffer.
    static func digest(ofFile path: String, byteCount: Int64) throws(LogFileError) -> SHA256.Digest {
        let fd = try LogInput.openRegularFile(path)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var remaining = byteCount
        while remaining > 0 {
            let n = read(fd, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)))
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(path, "read the file")
            }
            guard n > 0 else { throw LogFileError(path: path, message: "the file is shorter than when it was read") }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            remaining -= Int64(n)
        }
        return hasher.finalize()
    }
}
