#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the records of a CSV file as Excel writes it (RFC 4180): fields separated by commas,
/// records by CRLF or LF, fields with commas, quotes or newlines in double quotes, a quote in
/// a quoted field doubled. Records are numbered as a spreadsheet numbers its rows (the header
/// is 1), counting records, not physical lines.
///
/// Memory stays bounded: one chunk of text plus the record being read, which may not be
/// longer than ``maxRecordBytes``.
final class CSVReader {
    let source: TextSource
    /// The longest record accepted, in bytes of UTF-8.
    let maxRecordBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var pendingFailure: DecodeFailure?
    private var sourceDone = false
    /// The number of the last record handed out.
    private(set) var recordNumber = 0

    /// The current record: field ranges in ``bytes``, and whether each needs `""` unescaped.
    private(set) var fields: [Range<Int>] = []
    private(set) var quoted: [Bool] = []
    /// The current record's text (without its line break): valid until the next call.
    private(set) var recordRange: Range<Int> = 0..<0
    var bytes: [UInt8] { buffer }

    init(source: TextSource, maxRecordBytes: Int) {
        self.source = source
        self.maxRecordBytes = maxRecordBytes
        fields.reserveCapacity(32)
        quoted.reserveCapacity(32)
    }

    private func refill() throws(ImportError) -> Bool {
        if sourceDone { return false }
        if position > 0 {
            buffer.removeSubrange(..<position)
            recordRange = 0..<0
            position = 0
        }
        do {
            if try !source.read(into: &buffer) { sourceDone = true; return false }
        } catch let failure as DecodeFailure {
            pendingFailure = failure
            sourceDone = true
            return true  // parse what was decoded before the bad bytes
        } catch let error as ImportError {
            throw error
        } catch {
            throw .file(path: source.path, message: "\(error)")
        }
        return true
    }

    private enum Outcome { case record, incomplete, end }

    /// Reads the next record; `false` at the end of the file.
    func next() throws(ImportError) -> Bool {
        while true {
            switch try parse() {
            case .record:
                recordNumber += 1
                try validateUTF8()
                return true
            case .end:
                return false
            case .incomplete:
                if buffer.count - position > maxRecordBytes {
                    throw .structural(recordNumber + 1, .rowTooLong, "the row is longer than \(maxRecordBytes) bytes (an unclosed quote or a runaway line?); the limit is --max-row-bytes")
                }
                if try !refill() {
                    if let failure = pendingFailure { throw decodeError(failure) }
                    // A final record without a line break, or an unclosed quote.
                    if let unclosed = unclosedQuoteColumn() {
                        throw .structural(recordNumber + 1, .malformedCSV, "a quoted cell opened in column \(unclosed) is never closed (the file ends inside quotes)")
                    }
                    if position < buffer.count {
                        buffer.append(0x0A)
                        continue
                    }
                    return false
                }
            }
        }
    }

    private func decodeError(_ failure: DecodeFailure) -> ImportError {
        let hex = failure.bytes.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
        return .structural(recordNumber + 1, .encoding,
                    "bytes \(hex) at byte offset \(failure.offset) are not valid \(failure.encoding == .gbk ? "GBK" : "GB18030") (try --encoding utf-8?)")
    }

    private func validateUTF8() throws(ImportError) {
        guard source.encoding == .utf8 else { return }
        let range = recordRange
        let valid = buffer.withUnsafeBufferPointer { b in
            Self.isValidUTF8(b.baseAddress! + range.lowerBound, count: range.count)
        }
        if !valid {
            throw .structural(recordNumber, .encoding, "the row is not valid UTF-8 (an export saved as GB18030/GBK? try --encoding gb18030)")
        }
    }

    /// Whether `count` bytes at `p` are well-formed UTF-8 (no allocation; ASCII eight bytes at a time).
    static func isValidUTF8(_ p: UnsafePointer<UInt8>, count n: Int) -> Bool {
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i < n {
            if i + 8 <= n {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            @inline(__always) func cont(_ k: Int) -> Bool { i + k < n && p[i + k] & 0xC0 == 0x80 }
            if c < 0xC2 { return false }
            if c < 0xE0 {
                guard cont(1) else { return false }
                i += 2
            } else if c < 0xF0 {
                guard cont(1), cont(2) else { return false }
                let c1 = p[i + 1]
                if c == 0xE0 && c1 < 0xA0 { return false }  // overlong
                if c == 0xED && c1 >= 0xA0 { return false }  // surrogates
                i += 3
            } else if c < 0xF5 {
                guard cont(1), cont(2), cont(3) else { return false }
                let c1 = p[i + 1]
                if c == 0xF0 && c1 < 0x90 { return false }  // overlong
                if c == 0xF4 && c1 >= 0x90 { return false }  // above U+10FFFF
                i += 4
            } else {
                return false
            }
        }
        return true
    }

    /// The column (1-based) of a quoted cell still open at the end of the buffer, if any.
    private func unclosedQuoteColumn() -> Int? {
        var i = position, column = 1, inQuotes = false, fieldStart = true
        while i < buffer.count {
            let b = buffer[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < buffer.count && buffer[i + 1] == 0x22 { i += 1 } else { inQuotes = false }
                }
            } else if b == 0x22 && fieldStart {
                inQuotes = true
            } else if b == 0x2C {
                column += 1; fieldStart = true; i += 1; continue
            } else if b == 0x0A {
                column = 1
            }
            fieldStart = false
            i += 1
        }
        return inQuotes ? column : nil
    }

    /// The bytes a word-at-a-time scan stops at in an unquoted cell: `,` `\n` `\r` `"`.
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & high }
        // The lowest flagged byte is exact (a borrow only flags bytes above a match).
        return zero(w ^ (ones &* 0x2C)) | zero(w ^ (ones &* 0x0A)) | zero(w ^ (ones &* 0x0D)) | zero(w ^ (ones &* 0x22))
    }

    private func parse() throws(ImportError) -> Outcome {
        let end = buffer.count
        if position >= end {
            if sourceDone, pendingFailure == nil { return .end }
            return .incomplete
        }
        // The field lists are taken out of the object while a record is parsed (no access checks per cell).
        var fields = self.fields, quoted = self.quoted
        self.fields = []; self.quoted = []
        fields.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
        defer { self.fields = fields; self.quoted = quoted }
        let final = sourceDone && pendingFailure == nil
        let start = position
        let recordNumber = self.recordNumber
        var outcome = Outcome.incomplete
        var stop = 0  // the record's end (exclusive) and the next record's start
        var next = 0
        try buffer.withUnsafeBufferPointer { (b) throws(ImportError) -> Void in
            let base = b.baseAddress!
            let raw = UnsafeRawPointer(base)
            var i = start
            while true {
                // One field.
                if i < end && base[i] == 0x22 {
                    let fieldStart = i + 1
                    var j = fieldStart
                    var escaped = false
                    while true {
                        guard j < end else { return }
                        guard let q = memchr(base + j, 0x22, end - j) else { return }
                        j = UnsafeRawPointer(q) - raw
                        if j + 1 >= end { if final { break }; return }
                        if base[j + 1] == 0x22 { escaped = true; j += 2; continue }
                        break
                    }
                    fields.append(fieldStart..<j)
                    quoted.append(escaped)
                    i = j + 1
                    guard i < end else {
                        if final { stop = i; next = i; outcome = .record }
                        return
                    }
                    let c = base[i]
                    if c == 0x2C { i += 1; continue }
                    if c == 0x0A { stop = i; next = i + 1; outcome = .record; return }
                    if c == 0x0D {
                        guard i + 1 < end else { return }
                        if base[i + 1] == 0x0A { stop = i; next = i + 2; outcome = .record; return }
                    }
                    throw .structural(recordNumber + 1, .malformedCSV,
                               "text after the closing quote of column \(fields.count) (a quote inside a quoted cell must be doubled: \"\")")
                } else {
                    var j = i
                    // Eight bytes at a time to the next comma, line break or quote.
                    while j + 8 <= end {
                        let hits = Self.specialBytes(raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                        if hits != 0 { j += hits.trailingZeroBitCount >> 3; break }
                        j += 8
                    }
                    while j < end {
                        let c = base[j]
                        if c == 0x2C || c == 0x0A || c == 0x0D || c == 0x22 { break }
                        j += 1
                    }
                    guard j < end else { return }
                    let c = base[j]
                    if c == 0x22 {
                        throw .structural(recordNumber + 1, .malformedCSV,
                                   "a quote inside an unquoted cell of column \(fields.count + 1) (a cell with quotes must be quoted and its quotes doubled)")
                    }
                    fields.append(i..<j)
                    quoted.append(false)
                    if c == 0x2C { i = j + 1; continue }
                    if c == 0x0A { stop = j; next = j + 1; outcome = .record; return }
                    // \r
                    guard j + 1 < end else { return }
                    if base[j + 1] == 0x0A { stop = j; next = j + 2; outcome = .record; return }
                    throw .structural(recordNumber + 1, .malformedCSV, "a carriage return alone inside an unquoted cell of column \(fields.count)")
                }
            }
        }
        if outcome == .record {
            recordRange = start..<stop
            position = next
        }
        return outcome
    }

    /// Whether the current record is a blank line.
    var isBlank: Bool { fields.count == 1 && fields[0].isEmpty }

    /// The text of field `index` (0-based), `""` unescaped, spaces and tabs around it trimmed.
    func string(_ index: Int) -> String {
        withCell(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether field `index` is empty (or only spaces).
    func isEmpty(_ index: Int) -> Bool {
        guard index < fields.count else { return true }
        for i in fields[index] where buffer[i] != 0x20 && buffer[i] != 0x09 { return false }
        return true
    }

    /// Calls `body` with the trimmed raw bytes of an unescaped field (fast path for times).
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        buffer.withUnsafeBufferPointer { b in
            var range = index < fields.count ? fields[index] : 0..<0
            while range.lowerBound < range.upperBound, b[range.lowerBound] == 0x20 { range = range.lowerBound + 1..<range.upperBound }
            while range.lowerBound < range.upperBound, b[range.upperBound - 1] == 0x20 { range = range.lowerBound..<range.upperBound - 1 }
            return body(UnsafeBufferPointer(rebasing: b[range]))
        }
    }

    /// The current record's text.
    var recordText: ArraySlice<UInt8> { buffer[recordRange] }
}

extension CSVReader {
    /// Calls `body` with the bytes of field `index`: spaces around it trimmed, `""` unescaped.
    func withCell<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard index < fields.count else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        var range = fields[index]
        while range.lowerBound < range.upperBound, buffer[range.lowerBound] == 0x20 || buffer[range.lowerBound] == 0x09 {
            range = range.lowerBound + 1..<range.upperBound
        }
        while range.lowerBound < range.upperBound, buffer[range.upperBound - 1] == 0x20 || buffer[range.upperBound - 1] == 0x09 {
            range = range.lowerBound..<range.upperBound - 1
        }
        if quoted[index] {
            var out: [UInt8] = []
            out.reserveCapacity(range.count)
            var i = range.lowerBound
            while i < range.upperBound {
                out.append(buffer[i])
                i += buffer[i] == 0x22 ? 2 : 1
            }
            return out.withUnsafeBytes(body)
        }
        return buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}
