/// A platform's words (action, rating and channel names) looked up by their UTF-8 bytes, so
/// that a cell is matched without making a `String` of it. Mappings hold a handful of words:
/// a linear search on length and bytes beats hashing them.
struct WordTable<Value> {
    private var keys: [[UInt8]] = []
    private var values: [Value] = []

    init() {}

    /// Adds `word` unless it is already there (the first value given for a word wins).
    mutating func add(_ word: String, _ value: Value) {
        let bytes = Array(word.utf8)
        guard !keys.contains(bytes) else { return }
        keys.append(bytes)
        values.append(value)
    }

    /// The index of the entry for these bytes, if any.
    func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        let n = bytes.count
        for (i, key) in keys.enumerated() where key.count == n {
            let same = key.withUnsafeBytes { k in n == 0 || memcmp(k.baseAddress!, bytes.baseAddress!, n) == 0 }
            if same { return i }
        }
        return nil
    }

    func value(at index: Int) -> Value { values[index] }
    mutating func setValue(_ value: Value, at index: Int) { values[index] = value }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
