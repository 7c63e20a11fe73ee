#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events

/// The character encoding of an export.
public enum ExportEncoding: String, Sendable, CaseIterable {
    /// UTF-8, with or without a byte-order mark.
    case utf8 = "utf-8"
    /// GB18030, the encoding of a CSV saved by Excel on a Chinese Windows (GBK and GB2312 are subsets).
    case gb18030
    /// GBK, decoded as GB18030 (a superset).
    case gbk
    /// UTF-8 when the file starts with a UTF-8 byte-order mark or its first MiB is valid UTF-8, else GB18030.
    case auto

    /// Parses `utf-8`, `utf8`, `gb18030`, `gbk`, `gb2312`, `auto` (any case).
    public init?(name: String) {
        switch name.lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "gb18030": self = .gb18030
        case "gbk", "gb2312", "cp936": self = .gbk
        case "auto": self = .auto
        default: return nil
        }
    }
}

/// Why bytes could not be decoded: `offset` counts bytes of the file.
struct DecodeFailure: Error, Sendable {
    var offset: Int64
    var encoding: ExportEncoding
    var bytes: [UInt8]
}

/// Reads a file in chunks and hands out its text as UTF-8, converting GB18030 with the C
/// library's `iconv`. A leading byte-order mark is dropped. Memory: two chunk buffers.
final class TextSource {
    let path: String
    private let fd: Int32
    /// The encoding used (``ExportEncoding/auto`` resolved).
    private(set) var encoding: ExportEncoding
    private var converter: iconv_t?
    private var raw: [UInt8] = []          // undecoded bytes (GB18030 only: an incomplete sequence)
    private var pendingFirst: [UInt8]?     // the first chunk, read for detection
    private var fileOffset: Int64 = 0      // bytes of the file consumed by the converter
    private var atStart = true
    private(set) var atEnd = false
    static let chunkSize = 1 << 20

    init(path: String, encoding: ExportEncoding) throws(ImportError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else { throw .file(path: path, message: "cannot open the file: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .file(path: path, message: "not a regular file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .file(path: path, message: "cannot open the file: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.encoding = encoding
        if encoding == .auto {
            let first = try readChunk()
            pendingFirst = first
            self.encoding = Self.detect(first)
        }
        if self.encoding != .utf8 {
            let cd = iconv_open("UTF-8", "GB18030")
            guard cd != iconv_t(bitPattern: -1) else {
                close(fd)
                throw .file(path: path, message: "this system's iconv cannot convert GB18030 to UTF-8")
            }
            converter = cd
        }
    }

    deinit {
        if let converter { iconv_close(converter) }
        close(fd)
    }

    /// UTF-8 when the bytes start with a UTF-8 byte-order mark or are valid UTF-8 (a sequence
    /// cut at the end of the chunk allowed), else GB18030.
    static func detect(_ bytes: [UInt8]) -> ExportEncoding {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8 }
        var end = bytes.count
        // Drop an incomplete trailing sequence (at most 3 bytes).
        var back = 0
        while back < 3, end - back - 1 >= 0, bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
        if end - back - 1 >= 0, bytes[end - back - 1] >= 0xC0 {
            let lead = bytes[end - back - 1]
            let need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1
            if back < need { end = end - back - 1 }
        }
        return String(validating: bytes[..<end], as: UTF8.self) != nil ? .utf8 : .gb18030
    }

    private func readChunk() throws(ImportError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        var filled = 0
        while filled < chunk.count {
            let n = chunk.withUnsafeMutableBytes { SystemCall.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .file(path: path, message: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        chunk.removeSubrange(filled...)
        return chunk
    }

    /// Appends the next piece of UTF-8 text to `out`; returns `false` at the end of the file.
    func read(into out: inout [UInt8]) throws -> Bool {
        if atEnd { return false }
        let chunk: [UInt8]
        if let first = pendingFirst { chunk = first; pendingFirst = nil } else { chunk = try readChunk() }
        let start = out.count
        if encoding == .utf8 {
            if chunk.isEmpty { atEnd = true; return false }
            out.append(contentsOf: chunk)
        } else {
            if chunk.isEmpty {
                atEnd = true
                if !raw.isEmpty { throw (DecodeFailure(offset: fileOffset, encoding: encoding, bytes: Array(raw.prefix(4)))) }
                return false
            }
            raw.append(contentsOf: chunk)
            try convert(into: &out)
        }
        if atStart, out.count - start >= 3 || atEnd {
            atStart = false
            if out[start...].starts(with: [0xEF, 0xBB, 0xBF]) { out.removeSubrange(start..<start + 3) }
        }
        return true
    }

    /// Converts as much of `raw` as forms whole characters; keeps an incomplete sequence.
    private func convert(into out: inout [UInt8]) throws(DecodeFailure) {
        var output = [UInt8](repeating: 0, count: raw.count * 2 + 16)
        var consumed = 0, produced = 0
        var failure: DecodeFailure?
        raw.withUnsafeMutableBytes { input in
            output.withUnsafeMutableBytes { outBuffer in
                var inPtr: UnsafeMutablePointer<CChar>? = input.baseAddress!.assumingMemoryBound(to: CChar.self)
                var inLeft = input.count
                var outPtr: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                let result = iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft)
                consumed = input.count - inLeft
                produced = outBuffer.count - outLeft
                if result == -1 && errno == EILSEQ {
                    let bad = Array(UnsafeRawBufferPointer(rebasing: input[consumed..<min(input.count, consumed + 4)]))
                    failure = DecodeFailure(offset: fileOffset + Int64(consumed), encoding: encoding, bytes: bad)
                }
                // EINVAL: an incomplete sequence at the end, kept for the next chunk.
            }
        }
        out.append(contentsOf: output[..<produced])
        fileOffset += Int64(consumed)
        raw.removeSubrange(..<consumed)
        if let failure { throw failure }
    }
}
