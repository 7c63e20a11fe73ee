import Testing
@testable import Events

/// A line copied into a log twice is refused by the life-cycle check itself, so that every
/// report (not only `verify`) refuses what it would count twice.
@Suite struct RepeatedEventTests {
    static let open = [line("a", "T1", "accepted", "01 09:00"),
                       line("b", "T1", "assigned", "01 09:00", #""unit":"U1","due":"\#(feb("08 18:00"))""#)]
    /// Closed by U1, sent back for rework, declined by U1, assigned to U2 (lines 1–6).
    static let reassigned = open + [
        line("c", "T1", "closed", "02 10:00", #""unit":"U1""#),
        line("d", "T1", "returned", "02 11:00", #""unit":"U1","by":"center""#),
        line("d2", "T1", "returned", "02 11:30", #""unit":"U1","by":"unit""#),
        line("e", "T1", "assigned", "02 12:00", #""unit":"U2","due":"\#(feb("09 18:00"))""#),
    ]

    static func callback(_ id: String, _ unit: String = "U1", at: String = "05 10:00") -> String {
        line(id, "T1", "callback-rated", at, #""unit":"\#(unit)","rating":"satisfied""#)
    }

    /// The problems of the validator's check of `lines` (decoded lines, numbered from 1), each as
    /// "LINE: message"; every line is checked, as a report reads them.
    static func problems(_ lines: [String], into validator: inout LifecycleValidator, from first: Int = 1) -> [String] {
        var found: [String] = []
        for (i, text) in lines.enumerated() {
            var text = text
            text.withUTF8 { bytes in
                var decoder = EventDecoder()
                let raw = try! decoder.decode(UnsafeRawBufferPointer(bytes))
                if let problem = validator.apply(raw, in: UnsafeRawBufferPointer(bytes), lineNumber: first + i) {
                    found.append("\(first + i): \(problem.message)")
                }
            }
        }
        return found
    }

    static func problems(_ lines: [String]) -> [String] {
        var validator = LifecycleValidator()
        return problems(lines, into: &validator)
    }

    @Test func aCopyOfALineTheLifeCycleAllowsAgainIsRefused() {
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        let callback = Self.callback("cb")
        // Callbacks, supervisions and adjustments: the rules alone allow each again.
        #expect(Self.problems(closed + [callback, line("x", "T2", "accepted", "06 09:00"), callback])
                == [#"6: ticket T1 callback-rated again with the id "cb" and the time of the ticket's first line at that time: a copy of that line, which would be counted twice"#])
        let supervised = line("s", "T1", "supervised", "03 10:00", #""unit":"U1","method":"phone""#)
        #expect(Self.problems(Self.open + [supervised, supervised]).count == 1)
        let adjustment = line("j", "ADJ-1", "adjusted", "03 10:00", #""unit":"U1","points":-1,"indicator":"办理质量","reason":"late""#)
        #expect(Self.problems([adjustment, adjustment])
                == [#"2: ticket ADJ-1 adjusted again with the id "j" and the time of the ticket's first line at that time: a copy of that line, which would be counted twice"#])
        // A copy the rules refuse keeps the rules' message.
        #expect(Self.problems(closed + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)])
                == ["4: ticket T1 closed but it is already closed"])
    }

    @Test func aCopiedRunOfLinesAtOneTimeIsRefusedNamingTheLineWhenKept() {
        // Two units closed the ticket; both callbacks came at the same time, and both were copied.
        let twice = Self.reassigned + [
            line("f", "T1", "closed", "03 10:00", #""unit":"U2""#),
            Self.callback("cb1"), Self.callback("cb2", "U2"),
        ]
        #expect(Self.problems(twice) == [])
        #expect(Self.problems(twice + [Self.callback("cb1")]).map { $0.prefix(60) }
                == [#"10: ticket T1 callback-rated again with the id "cb1" and the"#])
        #expect(Self.problems(twice + [Self.callback("cb2", "U2")])
                == [#"10: ticket T1 callback-rated again with the id "cb2" and the time of line 9: a copy of that line, which would be counted twice"#])
        // The same again after a third callback at that time.
        #expect(Self.problems(twice + [Self.callback("cb3"), Self.callback("cb2", "U2")])
                == [#"11: ticket T1 callback-rated again with the id "cb2" and the time of line 9: a copy of that line, which would be counted twice"#])
    }

    @Test func eventsAtOneTimeWithOtherIdsOrTypesAreAllowed() {
        // Accepted and assigned at the same minute (as imports of minute-precise exports make them).
        #expect(Self.problems(Self.open) == [])
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        #expect(Self.problems(closed + [Self.callback("cb1"), Self.callback("cb2"), Self.callback("cb3")]) == [])
        // Same id under another type at the same time: not a copy (verify reports the id).
        let supervised = line("s", "T1", "supervised", "01 09:00", #""unit":"U1","method":"phone""#)
        #expect(Self.problems(Self.open + [supervised, line("s", "T1", "supervision-answered", "01 09:00", #""unit":"U1""#)]) == [])
        // Escapes are resolved before ids are compared: "c\u0062" is the id "cb".
        #expect(Self.problems(closed + [Self.callback("cb"), Self.callback(#"c\u0062"#)]).count == 1)
        #expect(Self.problems(closed + [Self.callback(#"c\u0062"#), Self.callback("cB")]) == [])
    }

    @Test func theEventsAtOneTimeAreForgottenWhenTheTicketMovesOn() {
        var validator = LifecycleValidator()
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        #expect(Self.problems(closed + [Self.callback("cb1"), Self.callback("cb2")], into: &validator) == [])
        #expect(validator.sameTime.count == 1)
        // A later time: the same ids are another matter (verify's), and the table is empty again.
        #expect(Self.problems([Self.callback("cb1", at: "06 10:00")], into: &validator, from: 6) == [])
        #expect(validator.sameTime.isEmpty)
        #expect(Self.problems([Self.callback("cb1", at: "06 10:00")], into: &validator, from: 7).count == 1)
    }

    /// A batch rolled back leaves the events at one time as they were: its lines may come again.
    @Test func aBatchRolledBackIsForgotten() {
        var validator = LifecycleValidator()
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        #expect(Self.problems(closed + [Self.callback("cb1")], into: &validator) == [])
        for batch in [[Self.callback("cb2")], [Self.callback("cb2"), Self.callback("cb3")]] {
            validator.beginJournal()
            #expect(Self.problems(batch, into: &validator, from: 5) == [])
            validator.rollBackJournal()
            #expect(validator.sameTime.isEmpty)
        }
        #expect(Self.problems([Self.callback("cb2")], into: &validator, from: 5) == [])
        validator.beginJournal()
        #expect(Self.problems([Self.callback("cb3")], into: &validator, from: 6) == [])
        validator.rollBackJournal()
        #expect(validator.sameTime[0]?.count == 2)
        #expect(Self.problems([Self.callback("cb3"), Self.callback("cb1")], into: &validator, from: 6).count == 1)
    }

    /// Different ids are not mistaken for one: these two shared the 31-bit key of an earlier
    /// version, which refused a valid log and named the wrong line.
    @Test func idsWhoseShortKeysCollidedAreTwoEvents() {
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        #expect(Self.problems(closed + [Self.callback("c0023493"), Self.callback("c0043136")]) == [])
        #expect(Self.problems(closed + [Self.callback("first"), Self.callback("c0023493"), Self.callback("c0043136")]) == [])
        // Nor these, found by a search for ids sharing a 48-bit key when the keys had no seed.
        #expect(Self.problems(closed + [Self.callback("QY2309-14884117/cb"), Self.callback("QY2309-31351960/cb")]) == [])
        // Keys are seeded for each validator: the same id has another key in another one.
        #expect(LifecycleValidator().repeatKey(of: "c1", kind: .callbackRated) != LifecycleValidator().repeatKey(of: "c1", kind: .callbackRated))
        #expect(Self.problems(closed + [Self.callback("c0023493"), Self.callback("c0043136"), Self.callback("c0043136")])
                == [#"6: ticket T1 callback-rated again with the id "c0043136" and the time of line 5: a copy of that line, which would be counted twice"#])
        // No two of a few thousand ids of one type share a key.
        let validator = LifecycleValidator()
        let keys = (0..<5000).map { validator.repeatKey(of: "c\($0)", kind: .callbackRated) }
        #expect(Set(keys).count == keys.count)
        #expect(keys.allSatisfy { $0 >> 48 == 0 })
    }

    /// Thousands of events at one time, in a batch rolled back: the table is back as it was,
    /// and every one of them is told apart from the others and from its copy.
    @Test func manyEventsAtOneTimeAreKeptAndRolledBackExactly() {
        var validator = LifecycleValidator()
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        let first = (0..<2000).map { Self.callback("a\($0)") }
        #expect(Self.problems(closed + first, into: &validator) == [])
        let before = validator.sameTime
        #expect(before[0]?.count == 2000)
        validator.beginJournal()
        let batch = (0..<2000).map { Self.callback("b\($0)") } + [Self.callback("later", at: "06 10:00")]
        #expect(Self.problems(batch, into: &validator, from: 2004) == [])
        #expect(validator.sameTime.isEmpty)
        validator.rollBackJournal()
        #expect(validator.sameTime == before)
        #expect(Self.problems([Self.callback("a1999")], into: &validator, from: 2004)
                == [#"2004: ticket T1 callback-rated again with the id "a1999" and the time of line 2003: a copy of that line, which would be counted twice"#])
        #expect(Self.problems([Self.callback("b0")], into: &validator, from: 2004) == [])
    }

    @Test func inMemoryEventsAreCheckedAlike() throws {
        var validator = LifecycleValidator()
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#), Self.callback("cb")]
        #expect(Self.problems(closed, into: &validator) == [])
        let copy = Event(id: "cb", ticket: "T1", at: try #require(Timestamp.parseRFC3339(feb("05 10:00"))),
                         body: .callbackRated(unit: "U1", rating: .satisfied))
        #expect(validator.apply(copy, lineNumber: 5) == .lifecycle(ticket: "T1", type: .callbackRated,
                                                                  violation: .repeated(id: "cb", firstLine: nil)))
    }

    /// The events at one time go into a checkpoint and come back, checked.
    @Test func theEventsAtOneTimeAreKeptByACheckpoint() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var validator = LifecycleValidator()
        let closed = Self.open + [line("c", "T1", "closed", "02 10:00", #""unit":"U1""#)]
        #expect(Self.problems(closed + [Self.callback("cb1"), Self.callback("cb2")], into: &validator) == [])
        let format = CheckpointFormat(magic: 0x5453_4554_5A49_5331, version: 1, end: 0x444E_4553_5A49_5331, name: "a test file")
        let path = dir.file("validator")
        func read(lines: Int) throws -> LifecycleValidator? {
            try format.read(from: path, key: "k", otherKey: { _ in "other" }) { reader in
                try LifecycleValidator(from: &reader, lines: lines)
            }
        }
        try format.write(to: path, key: "k") { writer in try validator.write(to: &writer) }
        var restored = try #require(try read(lines: 5))
        #expect(restored.sameTime == validator.sameTime)
        #expect(Self.problems([Self.callback("cb2")], into: &restored, from: 6)
                == [#"6: ticket T1 callback-rated again with the id "cb2" and the time of line 5: a copy of that line, which would be counted twice"#])
        #expect(Self.problems([Self.callback("cb1")], into: &restored, from: 6).count == 1)
        // A line beyond the part covered, or a ticket whose state does not say it has such
        // events, is damage.
        #expect(throws: CheckpointError.self) { try read(lines: 4) }
        var inconsistent = validator
        inconsistent.states[0].hasSameTime = false
        try format.write(to: path, key: "k") { writer in try inconsistent.write(to: &writer) }
        #expect(throws: CheckpointError.self) { try read(lines: 5) }
        inconsistent = validator
        inconsistent.sameTime = [:]
        try format.write(to: path, key: "k") { writer in try inconsistent.write(to: &writer) }
        #expect(throws: CheckpointError.self) { try read(lines: 5) }
    }
}
