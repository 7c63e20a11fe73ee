/// One event of a generated ticket history, waiting in the recording-order queue.
struct GeneratedEvent {
    enum Kind: UInt8 {
        case accepted, assigned, declined, extended, closed, rework, callback
    }

    /// When the ledger learns of it; the log is in this order.
    var recorded: Int64
    /// When it happened.
    var at: Int64
    /// The deadline (assigned, extended).
    var due: Int64
    /// Ticket number (0-based) and the event's place in its ticket's history.
    var ticket: Int32
    var seq: UInt8
    var kind: Kind
    /// Unit index (every kind but accepted).
    var unit: Int16
    /// Topic index (accepted), reason or reply index, or rating (0 satisfied, 1 unsatisfied, 2 unreachable).
    var detail: Int16

    /// Log order: recorded time, then ticket, then position in the ticket.
    @inline(__always)
    static func precedes(_ a: GeneratedEvent, _ b: GeneratedEvent) -> Bool {
        if a.recorded != b.recorded { return a.recorded < b.recorded }
        if a.ticket != b.ticket { return a.ticket < b.ticket }
        return a.seq < b.seq
    }
}

/// A binary min-heap of events in log order.
struct EventHeap {
    private(set) var items: [GeneratedEvent] = []

    var isEmpty: Bool { items.isEmpty }
    var first: GeneratedEvent? { items.first }

    mutating func push(_ event: GeneratedEvent) {
        items.append(event)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard GeneratedEvent.precedes(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> GeneratedEvent {
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            let n = items.count
            while true {
                let left = 2 * parent + 1
                guard left < n else { break }
                var best = left
                if left + 1 < n && GeneratedEvent.precedes(items[left + 1], items[left]) { best = left + 1 }
                guard GeneratedEvent.precedes(items[best], items[parent]) else { break }
                items.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}
