/// The parts of one decoded log line that the folds need, compact and free of pointers.
///
/// Parallel scans decode lines on worker threads into these records; the in-order fold reads
/// them back with the block's bytes. String fields are byte ranges into the block (`start`,
/// `count`), with their hashes computed on the worker so the fold only probes its tables.
package struct ScannedEvent: Sendable, Equatable {
    /// Offset of the line's first byte in the block, and its length without the newline.
    package var lineStart: Int32
    package var lineLength: Int32
    /// Index into the block's problems when the line did not decode, else -1.
    package var problem: Int32 = -1
    package var kind: EventKind = .accepted
    package var by: ReturnParty?
    package var rating: Rating?
    package var flags: Flags = []
    package var at: Int64 = 0
    /// The `due` field, or `.min` when absent.
    package var due: Int64 = .min
    /// The `recorded` field, or `.min` when absent.
    package var recorded: Int64 = .min
    package var ticket = Span()
    package var unit = Span()
    package var channel = Span()
    package var id = Span()
    /// ``ByteInterner/hash(_:)`` of the ticket and unit bytes (when not escaped).
    package var ticketHash: UInt32 = 0
    package var unitHash: UInt32 = 0
    /// ``EventIDIndex`` hash of the id's decoded value (when the scan asked for it).
    package var idHash: UInt64 = 0
    /// The validator's ids of the ticket and unit (-1: none), set by
    /// ``LifecycleValidator/check(_:firstLine:report:)`` on the lines it accepts; a line it did
    /// not accept keeps `ticketID` -1.
    package var ticketID: Int32 = -1
    package var unitID: Int32 = -1

    /// The line's flags. Members and ``contains(_:)`` are inlinable: other modules' folds test
    /// them on every line, and the generic `SetAlgebra` path would reach them through a lazily
    /// initialised global and a witness table.
    package struct Flags: OptionSet, Sendable {
        package let rawValue: UInt8
        @inlinable package init(rawValue: UInt8) { self.rawValue = rawValue }
        @inlinable @inline(__always) package static var hasUnit: Flags { Flags(rawValue: 1) }
        @inlinable @inline(__always) package static var hasChannel: Flags { Flags(rawValue: 2) }
        @inlinable @inline(__always) package static var ticketEscaped: Flags { Flags(rawValue: 4) }
        @inlinable @inline(__always) package static var unitEscaped: Flags { Flags(rawValue: 8) }
        @inlinable @inline(__always) package static var channelEscaped: Flags { Flags(rawValue: 16) }
        @inlinable @inline(__always) package static var idEscaped: Flags { Flags(rawValue: 32) }
        /// Set by ``LogScan/chainLinks``' worker: the line is chained, has no `\r` before its
        /// newline, and its link computed from the value stored on the line before it in the block
        /// equals the value it stores (see ``ScannedBlock/linkChain()``).
        @inlinable @inline(__always) package static var chainLinked: Flags { Flags(rawValue: 64) }

        /// Whether every flag of `member` is set.
        @inlinable @inline(__always) package func contains(_ member: Flags) -> Bool { rawValue & member.rawValue == member.rawValue }
    }

    /// A byte range in the block.
    package struct Span: Sendable, Equatable {
        package var start: Int32 = 0
        package var count: Int32 = 0

        @inline(__always)
        package func bytes(in block: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: block.baseAddress! + Int(start), count: Int(count))
        }

        package func ref(lineStart: Int32, escaped: Bool) -> FieldRef {
            FieldRef(range: Int(start - lineStart)..<Int(start - lineStart + count), escaped: escaped)
        }
    }

    /// Whether the line's `channel` (escapes resolved) is `wanted`; `false` when it has none.
    package func channelEquals(_ wanted: [UInt8], in block: UnsafeRawBufferPointer) -> Bool {
        guard flags.contains(.hasChannel) else { return false }
        if flags.contains(.channelEscaped) { return Array(channelRef.string(in: line(in: block)).utf8) == wanted }
        let bytes = channel.bytes(in: block)
        return bytes.count == wanted.count && wanted.withUnsafeBytes { bytes.isEmpty || ByteInterner.equal($0.baseAddress!, bytes) }
    }

    /// The instant the ledger learned of the event: `recorded`, else `at`.
    package var knownAt: Int64 { recorded == .min ? at : recorded }

    /// The line's bytes.
    @inline(__always)
    package func line(in block: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: block.baseAddress! + Int(lineStart), count: Int(lineLength))
    }

    /// The ticket id as a field reference into the line (for messages).
    package var ticketRef: FieldRef { ticket.ref(lineStart: lineStart, escaped: flags.contains(.ticketEscaped)) }
    /// The unit as a field reference into the line.
    package var unitRef: FieldRef { unit.ref(lineStart: lineStart, escaped: flags.contains(.unitEscaped)) }
    /// The channel as a field reference into the line.
    package var channelRef: FieldRef { channel.ref(lineStart: lineStart, escaped: flags.contains(.channelEscaped)) }
    /// The id as a field reference into the line.
    package var idRef: FieldRef { id.ref(lineStart: lineStart, escaped: flags.contains(.idEscaped)) }
}

extension ScannedEvent {
    /// Records a decoded event of the line at `lineStart` in its block.
    init(_ raw: RawEvent, lineStart: Int, lineLength: Int, line: UnsafeRawBufferPointer, hashIDs: Bool) {
        self.lineStart = Int32(truncatingIfNeeded: lineStart)
        self.lineLength = Int32(truncatingIfNeeded: lineLength)
        kind = raw.kind
        by = raw.by
        rating = raw.rating
        at = raw.at.nanoseconds
        due = raw.due?.nanoseconds ?? .min
        recorded = raw.recorded?.nanoseconds ?? .min
        func span(_ ref: FieldRef) -> Span {
            Span(start: Int32(truncatingIfNeeded: lineStart + ref.range.lowerBound), count: Int32(truncatingIfNeeded: ref.range.count))
        }
        ticket = span(raw.ticket)
        if raw.ticket.escaped {
            flags.insert(.ticketEscaped)
        } else {
            ticketHash = ByteInterner.hash(UnsafeRawBufferPointer(rebasing: line[raw.ticket.range]))
        }
        if let ref = raw.unit {
            flags.insert(.hasUnit)
            unit = span(ref)
            if ref.escaped {
                flags.insert(.unitEscaped)
            } else {
                unitHash = ByteInterner.hash(UnsafeRawBufferPointer(rebasing: line[ref.range]))
            }
        }
        if let ref = raw.channel {
            flags.insert(.hasChannel)
            channel = span(ref)
            if ref.escaped { flags.insert(.channelEscaped) }
        }
        id = span(raw.id)
        if raw.id.escaped { flags.insert(.idEscaped) }
        // The hash of the decoded id (the fast path only takes ids without escapes, whose bytes are their value).
        if hashIDs { idHash = EventIDIndex.hash(raw.id, in: line) }
    }
}
