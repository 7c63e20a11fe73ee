import Testing
@testable import Events

private let accepted = line("A", "T1", "accepted", "01 09:00")
private func assigned(_ id: String, _ unit: String = "市城管局", at: String = "01 10:00", due: String = "08 18:00") -> String {
    line(id, "T1", "assigned", at, #""unit":"\#(unit)","due":"\#(feb(due))""#)
}
private func closed(_ id: String, _ unit: String = "市城管局", at: String = "03 10:00") -> String {
    line(id, "T1", "closed", at, #""unit":"\#(unit)""#)
}
private func returned(_ id: String, by: String, _ unit: String = "市城管局", at: String = "04 10:00") -> String {
    line(id, "T1", "returned", at, #""unit":"\#(unit)","by":"\#(by)""#)
}
private func extended(_ id: String, _ unit: String = "市城管局", at: String = "02 10:00", due: String = "15 18:00") -> String {
    line(id, "T1", "extended", at, #""unit":"\#(unit)","due":"\#(feb(due))""#)
}
private func callback(_ id: String, _ unit: String = "市城管局", at: String = "10 10:00") -> String {
    line(id, "T1", "callback-rated", at, #""unit":"\#(unit)","rating":"satisfied""#)
}

@Test func acceptedComesFirst() throws {
    #expect(try verify(log(accepted, assigned("B"))) == [])
    #expect(try verify(log(assigned("B"))) == ["events.jsonl:1: ticket T1 assigned but it was never accepted"])
}

@Test func closingANeverAcceptedTicketIsNamedExactly() throws {
    let lines = acceptedAssignedClosed("T1", prefix: "a") + [
        line("b1", "T3", "accepted", "02 09:00"),
        line("b2", "T3", "assigned", "02 09:30", #""unit":"市住建局","due":"\#(feb("09 18:00"))""#),
        line("c1", "T2", "closed", "03 10:00", #""unit":"市住建局""#),
    ]
    #expect(try verify(log(lines)) == ["events.jsonl:6: ticket T2 closed but it was never accepted"])
}

@Test func acceptedOnlyOnce() throws {
    #expect(try verify(log(accepted, line("A2", "T2", "accepted", "01 09:00"))) == [])
    #expect(try verify(log(accepted, assigned("B"), line("A2", "T1", "accepted", "02 09:00")))
            == ["events.jsonl:3: ticket T1 accepted twice (first on line 1)"])
}

@Test func timeNeverGoesBackwardsWithinATicket() throws {
    #expect(try verify(log(accepted, assigned("B", at: "01 09:00"))) == [], "equal times are fine")
    #expect(try verify(log(accepted, assigned("B", at: "01 08:59")))
            == ["events.jsonl:2: ticket T1 assigned at a time before its previous event (2024-02-01T09:00:00+08:00)"])
    // Other tickets do not constrain each other.
    #expect(try verify(log(accepted, line("A2", "T2", "accepted", "01 08:00"))) == [])
}

@Test func assignedOnlyWhileNobodyHoldsTheTicket() throws {
    #expect(try verify(log(accepted, assigned("B"), returned("C", by: "unit", at: "02 10:00"), assigned("D", "市住建局", at: "02 11:00"))) == [])
    #expect(try verify(log(accepted, assigned("B"), assigned("C", "市住建局")))
            == ["events.jsonl:3: ticket T1 assigned while 市城管局 still holds it"])
}

@Test func extendedOnlyByTheHolderWhileOpen() throws {
    #expect(try verify(log(accepted, assigned("B"), extended("C"))) == [])
    #expect(try verify(log(accepted, assigned("B"), extended("C", "市住建局")))
            == ["events.jsonl:3: ticket T1 extended by 市住建局, but 市城管局 holds it"])
    #expect(try verify(log(accepted, assigned("B"), closed("C", at: "02 09:00"), extended("D")))
            == ["events.jsonl:4: ticket T1 extended but it is already closed"])
    #expect(try verify(log(accepted, extended("C")))
            == ["events.jsonl:2: ticket T1 extended by 市城管局, but no unit holds it"])
}

@Test func anExtensionMustMoveTheDeadlineLater() throws {
    #expect(try verify(log(accepted, assigned("B", due: "08 18:00"), extended("C", due: "08 18:01"))) == [])
    #expect(try verify(log(accepted, assigned("B", due: "08 18:00"), extended("C", due: "08 18:00")))
            == ["events.jsonl:3: ticket T1 extended to 2024-02-08T18:00:00+08:00, not later than the deadline 2024-02-08T18:00:00+08:00"])
    #expect(try verify(log(accepted, assigned("B", due: "08 18:00"), extended("C", due: "07 18:00"))).count == 1)
}

@Test func closedOnlyByTheHolderWhileOpen() throws {
    #expect(try verify(log(accepted, assigned("B"), closed("C"))) == [])
    #expect(try verify(log(accepted, assigned("B"), closed("C", "市住建局")))
            == ["events.jsonl:3: ticket T1 closed by 市住建局, but 市城管局 holds it"])
    #expect(try verify(log(accepted, assigned("B"), closed("C"), closed("D", at: "03 11:00")))
            == ["events.jsonl:4: ticket T1 closed but it is already closed"])
    #expect(try verify(log(accepted, closed("C")))
            == ["events.jsonl:2: ticket T1 closed by 市城管局, but no unit holds it"])
}

@Test func aUnitDeclinesOnlyWhileItHoldsTheTicketOpen() throws {
    #expect(try verify(log(accepted, assigned("B"), returned("C", by: "unit"))) == [])
    #expect(try verify(log(accepted, assigned("B"), closed("C"), returned("D", by: "unit")))
            == ["events.jsonl:4: ticket T1 returned but it is already closed"])
    #expect(try verify(log(accepted, assigned("B"), returned("C", by: "unit", "市住建局")))
            == ["events.jsonl:3: ticket T1 returned by 市住建局, but 市城管局 holds it"])
    // After declining, the unit no longer holds it.
    #expect(try verify(log(accepted, assigned("B"), returned("C", by: "unit"), closed("D", at: "05 10:00")))
            == ["events.jsonl:4: ticket T1 closed by 市城管局, but no unit holds it"])
}

@Test func reworkOnlyAfterTheUnitClosedTheTicket() throws {
    // Rework reopens the ticket with the same unit, which can close it again.
    #expect(try verify(log(accepted, assigned("B"), closed("C"), returned("D", by: "center"), closed("E", at: "05 10:00"))) == [])
    #expect(try verify(log(accepted, assigned("B"), returned("C", by: "center")))
            == ["events.jsonl:3: ticket T1 returned for rework but it is not closed"])
}

@Test func reworkMayCarryANewDeadline() throws {
    let rework = line("D", "T1", "returned", "04 10:00", #""unit":"市城管局","by":"center","due":"\#(feb("20 18:00"))""#)
    // The new deadline is what an extension must beat.
    #expect(try verify(log(accepted, assigned("B"), closed("C"), rework, extended("E", at: "05 10:00", due: "19 18:00")))
            == ["events.jsonl:5: ticket T1 extended to 2024-02-19T18:00:00+08:00, not later than the deadline 2024-02-20T18:00:00+08:00"])
}

@Test func callbacksOnlyForAUnitThatClosedTheTicket() throws {
    #expect(try verify(log(accepted, assigned("B"), closed("C"), callback("D"))) == [])
    #expect(try verify(log(accepted, assigned("B"), callback("D")))
            == ["events.jsonl:3: ticket T1 callback rated for 市城管局, which never closed it"])
    // A unit that closed and then declined after rework still had closed it.
    #expect(try verify(log(accepted, assigned("B"), closed("C"), returned("D", by: "center"),
                           returned("E", by: "unit", at: "05 10:00"), callback("F"))) == [])
    #expect(try verify(log(accepted, assigned("B"), closed("C"), callback("D", "市住建局")))
            == ["events.jsonl:4: ticket T1 callback rated for 市住建局, which never closed it"])
}

@Test func aRejectedLineDoesNotChangeTheTicket() throws {
    // Line 3 is rejected, so the ticket is still held open by 市城管局 and line 4 is fine.
    #expect(try verify(log(accepted, assigned("B"), closed("C", "市住建局"), closed("D", at: "03 11:00")))
            == ["events.jsonl:3: ticket T1 closed by 市住建局, but 市城管局 holds it"])
}
