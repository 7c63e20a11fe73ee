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
        // Fast path: ASCII only.
        var ascii = true
        for i in recordRange where buffer[i] >= 0x80 { ascii = false; break }
        if ascii { return }
        if String(validating: buffer[recordRange], as: UTF8.self) == nil {
            throw .structural(recordNumber, .encoding, "the row is not valid UTF-8 (an export saved as GB18030/GBK? try --encoding gb18030)")
        }
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

    private func parse() throws(ImportError) -> Outcome {
        let end = buffer.count
        if position >= end {
            if sourceDone, pendingFailure == nil { return .end }
            return .incomplete
        }
        fields.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
        return try buffer.withUnsafeBufferPointer { (b) throws(ImportError) -> Outcome in
            var i = position
            let start = position
            while true {
                // One field.
                if i < end && b[i] == 0x22 {
                    let fieldStart = i + 1
                    var j = fieldStart
                    var escaped = false
                    while true {
                        guard j < end else { return .incomplete }
                        if b[j] == 0x22 {
                            if j + 1 >= end { if sourceDone && pendingFailure == nil { break }; return .incomplete }
                            if b[j + 1] == 0x22 { escaped = true; j += 2; continue }
                            break
                        }
                        j += 1
                    }
                    fields.append(fieldStart..<j)
                    quoted.append(escaped)
                    i = j + 1
                    guard i < end else {
                        if sourceDone && pendingFailure == nil { recordRange = start..<i; position = i; return .record }
                        return .incomplete
                    }
                    let c = b[i]
                    if c == 0x2C { i += 1; continue }
                    if c == 0x0A { recordRange = start..<i; position = i + 1; return .record }
                    if c == 0x0D {
                        guard i + 1 < end else { return .incomplete }
                        if b[i + 1] == 0x0A { recordRange = start..<i; position = i + 2; return .record }
                    }
                    throw .structural(recordNumber + 1, .malformedCSV,
                               "text after the closing quote of column \(fields.count) (a quote inside a quoted cell must be doubled: \"\")")
                } else {
                    var j = i
                    while j < end {
                        let c = b[j]
                        if c == 0x2C || c == 0x0A || c == 0x0D { break }
                        if c == 0x22 {
                            throw .structural(recordNumber + 1, .malformedCSV,
                                       "a quote inside an unquoted cell of column \(fields.count + 1) (a cell with quotes must be quoted and its quotes doubled)")
                        }
                        j += 1
                    }
                    guard j < end else { return .incomplete }
                    fields.append(i..<j)
                    quoted.append(false)
                    let c = b[j]
                    if c == 0x2C { i = j + 1; continue }
                    if c == 0x0A { recordRange = start..<j; position = j + 1; return .record }
                    // \r
                    guard j + 1 < end else { return .incomplete }
                    if b[j + 1] == 0x0A { recordRange = start..<j; position = j + 2; return .record }
                    throw .structural(recordNumber + 1, .malformedCSV, "a carriage return alone inside an unquoted cell of column \(fields.count)")
                }
            }
        }
    }

    /// Whether the current record is a blank line.
    var isBlank: Bool { fields.count == 1 && fields[0].isEmpty }

    /// The text of field `index` (0-based), `""` unescaped, spaces and tabs around it trimmed.
    func string(_ index: Int) -> String {
        guard index < fields.count else { return "" }
        var range = fields[index]
        while range.lowerBound < range.upperBound, buffer[range.lowerBound] == 0x20 || buffer[range.lowerBound] == 0x09 {
            range = range.lowerBound + 1..<range.upperBound
        }
        while range.lowerBound < range.upperBound, buffer[range.upperBound - 1] == 0x20 || buffer[range.upperBound - 1] == 0x09 {
            range = range.lowerBound..<range.upperBound - 1
        }
        if !quoted[index] { return String(decoding: buffer[range], as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            out.append(buffer[i])
            i += buffer[i] == 0x22 ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
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
