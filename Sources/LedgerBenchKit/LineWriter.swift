import Events

/// Formats generated events as JSON lines into a fixed buffer and lets its owner hand it out when full.
///
/// Everything is written byte by byte (digits, the `+08:00` timestamps, names copied from
/// pre-encoded UTF-8), so generating hundreds of megabytes costs well under a second per
/// hundred megabytes.
struct LineWriter {
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 20
    private var count = 0
    private(set) var written = 0
    /// The last local day formatted, and its `YYYY-MM-DD`.
    private var cachedDay: Int64 = .min
    private var cachedDate: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        buffer = .allocate(capacity: capacity + 4096)
    }

    /// Whether the buffer should be handed out before the next line.
    var isFull: Bool { count >= capacity }

    /// Hands the buffered bytes to `sink` and empties the buffer.
    mutating func flush(to sink: (UnsafeRawBufferPointer) -> Void) {
        if count > 0 { sink(UnsafeRawBufferPointer(start: buffer, count: count)) }
        written += count
        count = 0
    }

    /// Frees the buffer; the writer must not be used afterwards.
    func close() {
        buffer.deallocate()
    }

    @inline(__always) private mutating func byte(_ b: UInt8) {
        buffer[count] = b
        count += 1
    }

    private mutating func ascii(_ s: StaticString) {
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount { buffer[count + i] = p[i] }
        count += s.utf8CodeUnitCount
    }

    private mutating func bytes(_ b: [UInt8]) {
        b.withUnsafeBufferPointer { (buffer + count).update(from: $0.baseAddress!, count: $0.count) }
        count += b.count
    }

    private mutating func digits(_ value: Int, width: Int) {
        var v = value
        var i = width - 1
        while i >= 0 {
            buffer[count + i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            v /= 10
            i -= 1
        }
        count += width
    }

    /// `"2024-03-05T09:15:00+08:00"` with the quotes.
    private mutating func timestamp(_ seconds: Int64) {
        let local = seconds + 28_800
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let second = Int(local - day * 86_400)
        if day != cachedDay {
            cachedDay = day
            let date = CivilDate(daysSinceEpoch: Int(day))
            let start = count
            digits(date.year, width: 4); byte(0x2D); digits(date.month, width: 2); byte(0x2D); digits(date.day, width: 2)
            count = start
            cachedDate = (buffer[start], buffer[start + 1], buffer[start + 2], buffer[start + 3], buffer[start + 4],
                          buffer[start + 5], buffer[start + 6], buffer[start + 7], buffer[start + 8], buffer[start + 9])
        }
        byte(0x22)
        let d = cachedDate
        byte(d.0); byte(d.1); byte(d.2); byte(d.3); byte(d.4); byte(d.5); byte(d.6); byte(d.7); byte(d.8); byte(d.9)
        byte(0x54)
        digits(second / 3600, width: 2); byte(0x3A); digits(second / 60 % 60, width: 2); byte(0x3A); digits(second % 60, width: 2)
        ascii("+08:00\"")
    }

    private mutating func ticketNumber(_ ticket: Int32) {
        ascii("GD")
        digits(Int(ticket) + 1, width: 7)
    }

    mutating func line(_ e: GeneratedEvent, generator g: WorkloadGenerator) {
        ascii("{\"id\":\"")
        ticketNumber(e.ticket)
        byte(0x2D)
        digits(Int(e.seq), width: 1)
        ascii("\",\"ticket\":\"")
        ticketNumber(e.ticket)
        switch e.kind {
        case .accepted: ascii("\",\"type\":\"accepted\",\"at\":")
        case .assigned: ascii("\",\"type\":\"assigned\",\"at\":")
        case .declined, .rework: ascii("\",\"type\":\"returned\",\"at\":")
        case .extended: ascii("\",\"type\":\"extended\",\"at\":")
        case .closed: ascii("\",\"type\":\"closed\",\"at\":")
        case .callback: ascii("\",\"type\":\"callback-rated\",\"at\":")
        }
        timestamp(e.at)
        if e.recorded != e.at {
            ascii(",\"recorded\":")
            timestamp(e.recorded)
        }
        if e.kind == .accepted {
            let topic = g.topics[Int(e.detail)]
            ascii(",\"channel\":\"hotline\",\"topic\":\"")
            bytes(topic)
            ascii("\"}\n")
            return
        }
        ascii(",\"unit\":\"")
        bytes(g.unitNames[Int(e.unit)])
        byte(0x22)
        switch e.kind {
        case .accepted:
            break
        case .assigned:
            ascii(",\"due\":")
            timestamp(e.due)
        case .declined:
            ascii(",\"by\":\"unit\",\"reason\":\"")
            bytes(g.declineReasons[Int(e.detail)])
            byte(0x22)
        case .rework:
            ascii(",\"by\":\"center\",\"reason\":\"")
            bytes(g.reworkReasons[Int(e.detail)])
            byte(0x22)
        case .extended:
            ascii(",\"due\":")
            timestamp(e.due)
            ascii(",\"reason\":\"")
            bytes(g.extensionReasons[Int(e.detail)])
            byte(0x22)
        case .closed:
            if Int(e.detail) < g.replies.count {
                ascii(",\"reply\":\"")
                bytes(g.replies[Int(e.detail)])
                byte(0x22)
            }
        case .callback:
            switch e.detail {
            case 0: ascii(",\"rating\":\"satisfied\"")
            case 1: ascii(",\"rating\":\"unsatisfied\"")
            default: ascii(",\"rating\":\"unreachable\"")
            }
        }
        ascii("}\n")
    }
}
