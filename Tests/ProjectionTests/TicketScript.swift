import Foundation
import Events
@testable import Projections

/// Builds ticket histories for tests: `T("T1").accept("2024-02-01 09:00").assign("市城管局", at:…, due:…)`.
struct TicketScript {
    var events: [Event] = []
    private var counter = 0

    static func time(_ text: String) -> Timestamp {
        let iso = text.count == 16 ? text.replacingOccurrences(of: " ", with: "T") + ":00+08:00" : text
        guard let t = Timestamp.parseRFC3339(iso) else { fatalError("bad test time \(text)") }
        return t
    }

    private mutating func add(_ ticket: String, _ at: String, _ body: Event.Body, recorded: String? = nil) {
        counter += 1
        events.append(Event(id: "e\(counter)", ticket: ticket, at: Self.time(at), recorded: recorded.map(Self.time), body: body))
    }

    mutating func accept(_ ticket: String, _ at: String, channel: String? = "hotline") {
        add(ticket, at, .accepted(channel: channel, category: nil, topic: nil))
    }

    mutating func assign(_ ticket: String, _ unit: String, _ at: String, due: String) {
        add(ticket, at, .assigned(unit: unit, due: Self.time(due)))
    }

    mutating func extend(_ ticket: String, _ unit: String, _ at: String, due: String) {
        add(ticket, at, .extended(unit: unit, due: Self.time(due), reason: nil))
    }

    mutating func close(_ ticket: String, _ unit: String, _ at: String, recorded: String? = nil) {
        add(ticket, at, .closed(unit: unit, reply: nil), recorded: recorded)
    }

    mutating func rework(_ ticket: String, _ unit: String, _ at: String, due: String? = nil, recorded: String? = nil) {
        add(ticket, at, .returned(unit: unit, by: .center, reason: nil, due: due.map(Self.time)), recorded: recorded)
    }

    mutating func decline(_ ticket: String, _ unit: String, _ at: String) {
        add(ticket, at, .returned(unit: unit, by: .unit, reason: nil, due: nil))
    }

    mutating func callback(_ ticket: String, _ unit: String, _ at: String, _ rating: Rating, recorded: String? = nil) {
        add(ticket, at, .callbackRated(unit: unit, rating: rating), recorded: recorded)
    }

    /// A ticket accepted, assigned and closed in one go.
    mutating func simple(_ ticket: String, _ unit: String, assigned: String, due: String, closed: String?) {
        accept(ticket, assigned)
        assign(ticket, unit, assigned, due: due)
        if let closed { close(ticket, unit, closed) }
    }

    /// Every event passes the life-cycle validator (so tests use only lawful histories).
    func validated() -> [Event] {
        var validator = LifecycleValidator()
        for (i, event) in events.enumerated() {
            if let problem = validator.apply(event, lineNumber: i + 1) {
                fatalError("test history invalid at event \(i + 1): \(problem.message)")
            }
        }
        return events
    }

    func projection(_ options: ProjectionOptions = ProjectionOptions()) -> Projection {
        var p = Projection(options: options)
        for e in validated() { p.apply(e) }
        return p
    }
}

extension UnitCounts {
    init(accepted: Int = 0, due: Int = 0, done: Int = 0, onTime: Int = 0, rework: Int = 0, returns: Int = 0,
         satisfied: Int = 0, unsatisfied: Int = 0, unreachable: Int = 0) {
        self.init()
        self.accepted = accepted
        self.due = due
        self.done = done
        self.onTime = onTime
        self.rework = rework
        self.returns = returns
        self.satisfied = satisfied
        self.unsatisfied = unsatisfied
        self.unreachable = unreachable
    }
}
