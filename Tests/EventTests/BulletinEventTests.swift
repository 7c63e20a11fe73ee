import Testing
@testable import Events

/// The wire-format additions for bulletins: `contacted` on a callback, `supervised`,
/// `supervision-answered` and `adjusted`; written back and held to their life cycle.
@Suite struct BulletinEventTests {
    /// Parses `text`, writes it back, parses that; both events must be equal.
    @discardableResult
    func roundTrip(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (Event, String) {
        let event = try decode(text)
        let written = event.jsonLine()
        #expect(try decode(written) == event, sourceLocation: sourceLocation)
        #expect(try decode(written).jsonLine() == written, sourceLocation: sourceLocation)
        return (event, written)
    }

    // MARK: Parse and write back

    @Test func callbackContactedRoundTripsAndStaysOptional() throws {
        let (event, written) = try roundTrip(line("E1", "T1", "callback-rated", "20 10:00",
                                                  #""unit":"市城管局","rating":"unsatisfied","contacted":false"#))
        #expect(event.body == .callbackRated(unit: "市城管局", rating: .unsatisfied, contacted: false))
        #expect(written.hasSuffix(#""unit":"市城管局","rating":"unsatisfied","contacted":false}"#))
        let (yes, _) = try roundTrip(line("E1", "T1", "callback-rated", "20 10:00", #""unit":"市城管局","rating":"satisfied","contacted":true"#))
        #expect(yes.body == .callbackRated(unit: "市城管局", rating: .satisfied, contacted: true))
        // Version 1 lines are unchanged: no `contacted` means nil, and none is written.
        let (old, oldWritten) = try roundTrip(line("E1", "T1", "callback-rated", "20 10:00", #""unit":"市城管局","rating":"satisfied""#))
        #expect(old.body == .callbackRated(unit: "市城管局", rating: .satisfied))
        #expect(!oldWritten.contains("contacted"))
    }

    @Test func supervisedRoundTripsForBothMethods() throws {
        for method in SupervisionMethod.allCases {
            let (event, written) = try roundTrip(line("E2", "T1", "supervised", "21 09:00",
                                                      #""unit":"市城管局","method":"\#(method.rawValue)","reason":"两次回访不满意""#))
            #expect(event.body == .supervised(unit: "市城管局", method: method, reason: "两次回访不满意"))
            #expect(written.hasSuffix(#""unit":"市城管局","method":"\#(method.rawValue)","reason":"两次回访不满意"}"#))
        }
        let (bare, _) = try roundTrip(line("E2", "T1", "supervised", "21 09:00", #""unit":"市城管局","method":"phone""#))
        #expect(bare.body == .supervised(unit: "市城管局", method: .phone, reason: nil))
    }

    @Test func supervisionAnsweredRoundTrips() throws {
        let (event, written) = try roundTrip(line("E3", "T1", "supervision-answered", "22 09:00", #""unit":"市城管局","reply":"已整改""#))
        #expect(event.body == .supervisionAnswered(unit: "市城管局", reply: "已整改"))
        #expect(written.contains(#""type":"supervision-answered""#))
        let (bare, _) = try roundTrip(line("E3", "T1", "supervision-answered", "22 09:00", #""unit":"市城管局""#))
        #expect(bare.body == .supervisionAnswered(unit: "市城管局", reply: nil))
    }

    @Test func adjustedRoundTripsWithPointsAsNumberOrString() throws {
        let fields = #""unit":"岳阳经开区","points":-1,"indicator":"热线办理质量","reason":"虚假结案","ref":"054487""#
        let (event, written) = try roundTrip(line("E4", "ADJ-2402-01", "adjusted", "29 17:00", fields))
        #expect(event.body == .adjusted(unit: "岳阳经开区", points: "-1", indicator: "热线办理质量", reason: "虚假结案", ref: "054487"))
        #expect(written.hasSuffix(fields + "}"))
        // "+0.5" is no JSON number, so it stays a string; "1.5" as a string is written as a number.
        let (bonus, bonusWritten) = try roundTrip(line("E5", "ADJ-2402-02", "adjusted", "29 17:00",
                                                       #""unit":"临湘市","points":"+0.5","indicator":"信息报送","reason":"媒体刊登1篇典型案例""#))
        #expect(bonus.body == .adjusted(unit: "临湘市", points: "+0.5", indicator: "信息报送", reason: "媒体刊登1篇典型案例", ref: nil))
        #expect(bonusWritten.contains(#""points":"+0.5""#))
        let (plain, plainWritten) = try roundTrip(line("E6", "ADJ-2402-03", "adjusted", "29 17:00",
                                                       #""unit":"华容县","points":"1.5","indicator":"信息报送","reason":"3篇""#))
        #expect(plain.body == .adjusted(unit: "华容县", points: "1.5", indicator: "信息报送", reason: "3篇", ref: nil))
        #expect(plainWritten.contains(#""points":1.5,"#))
        #expect(plain.unit == "华容县")
    }

    @Test func newFieldsOnOtherTypesAreKeptAsExtraFields() throws {
        let (event, written) = try roundTrip(line("E7", "T1", "closed", "06 16:00", #""unit":"市城管局","method":"phone","points":3"#))
        #expect(event.body == .closed(unit: "市城管局", reply: nil))
        #expect(event.extraFields.map(\.key) == ["method", "points"])
        #expect(written.hasSuffix(#""unit":"市城管局","method":"phone","points":3}"#))
    }

    // MARK: Decoding problems

    @Test func badNewFieldsAreNamed() {
        #expect(problem(line("E", "T1", "supervised", "21 09:00", #""unit":"市城管局""#)) == .missingField("method", type: .supervised))
        #expect(problem(line("E", "T1", "supervised", "21 09:00", #""unit":"市城管局","method":"fax""#))
                == .invalidValue(field: "method", value: "fax", allowed: ["phone", "written"]))
        #expect(problem(line("E", "T1", "callback-rated", "21 09:00", #""unit":"市城管局","rating":"satisfied","contacted":"no""#))
                == .wrongFieldType("contacted", expected: "true or false"))
        #expect(problem(line("E", "A1", "adjusted", "21 09:00", #""unit":"U","indicator":"i","reason":"r""#))
                == .missingField("points", type: .adjusted))
        #expect(problem(line("E", "A1", "adjusted", "21 09:00", #""unit":"U","points":-1,"reason":"r""#))
                == .missingField("indicator", type: .adjusted))
        #expect(problem(line("E", "A1", "adjusted", "21 09:00", #""unit":"U","points":-1,"indicator":"i""#))
                == .missingField("reason", type: .adjusted))
        for bad in [#""minus one""#, "1e2", #""1.""#, #""--1""#, "true", #""""#] {
            #expect(problem(line("E", "A1", "adjusted", "21 09:00", #""unit":"U","points":\#(bad),"indicator":"i","reason":"r""#))
                    == .wrongFieldType("points", expected: #"a decimal number such as -1 or "+0.5""#), "\(bad)")
        }
        #expect(EventProblem.unknownType("audit").message.contains("supervised, supervision-answered, adjusted"))
    }

    // MARK: Life cycle

    static let ticket = acceptedAssignedClosed("T1", prefix: "a")
    static func supervised(_ id: String, _ unit: String = "市城管局", at: String = "05 10:00", method: String = "phone") -> String {
        line(id, "T1", "supervised", at, #""unit":"\#(unit)","method":"\#(method)""#)
    }
    static func answered(_ id: String, _ unit: String = "市城管局", at: String = "06 10:00") -> String {
        line(id, "T1", "supervision-answered", at, #""unit":"\#(unit)""#)
    }
    static func adjusted(_ id: String, _ stream: String, at: String = "29 17:00") -> String {
        line(id, stream, "adjusted", at, #""unit":"市城管局","points":"-1","indicator":"知识库管理","reason":"未及时更新""#)
    }

    @Test func supervisionOnlyForTheUnitHoldingTheTicket() throws {
        #expect(try verify(log(Self.ticket + [Self.supervised("s1"), Self.supervised("s2", method: "written")])) == [])
        #expect(try verify(log(Self.ticket + [Self.supervised("s1", "市住建局")]))
                == ["events.jsonl:4: ticket T1 supervised by 市住建局, but 市城管局 holds it"])
        let declined = Array(Self.ticket.prefix(2)) + [line("r", "T1", "returned", "02 10:00", #""unit":"市城管局","by":"unit""#)]
        #expect(try verify(log(declined + [Self.supervised("s1")]))
                == ["events.jsonl:4: ticket T1 supervised by 市城管局, but no unit holds it"])
    }

    @Test func anAnswerNeedsAnUnansweredSupervision() throws {
        #expect(try verify(log(Self.ticket + [Self.supervised("s1"), Self.supervised("s2", at: "05 11:00"),
                                              Self.answered("w1"), Self.answered("w2")])) == [])
        #expect(try verify(log(Self.ticket + [Self.answered("w1")]))
                == ["events.jsonl:4: ticket T1 supervision answered by 市城管局, which has no unanswered supervision of it"])
        #expect(try verify(log(Self.ticket + [Self.supervised("s1"), Self.answered("w1"), Self.answered("w2", at: "07 10:00")]))
                == ["events.jsonl:6: ticket T1 supervision answered by 市城管局, which has no unanswered supervision of it"])
        #expect(try verify(log(Self.ticket + [Self.supervised("s1"), Self.answered("w1", "市住建局")]))
                == ["events.jsonl:5: ticket T1 supervision-answered by 市住建局, but 市城管局 holds it"])
    }

    @Test func adjustmentsStandAloneOnTheirOwnStream() throws {
        // No `accepted` needed, several entries on one stream are fine.
        #expect(try verify(log(Self.ticket + [Self.adjusted("j1", "ADJ-1"), Self.adjusted("j2", "ADJ-1"), Self.adjusted("j3", "ADJ-2")])) == [])
        #expect(try verify(log(Self.ticket + [Self.adjusted("j1", "T1")]))
                == ["events.jsonl:4: ticket T1 adjusted, but it is a ticket: an adjustment needs an id of its own (e.g. ADJ-2024-02-01)"])
        #expect(try verify(log([Self.adjusted("j1", "ADJ-1"), line("x", "ADJ-1", "accepted", "29 18:00")]))
                == ["events.jsonl:2: ticket ADJ-1 accepted, but that id holds adjustments, not a ticket"])
        #expect(try verify(log([Self.adjusted("j1", "ADJ-1"), Self.adjusted("j2", "ADJ-1", at: "28 17:00")]))
                == ["events.jsonl:2: ticket ADJ-1 adjusted at a time before its previous event (2024-02-29T17:00:00+08:00)"])
    }

    @Test func eventValuesOfTheNewTypesAreValidatedLikeLines() {
        var validator = LifecycleValidator()
        let at = Timestamp.parseRFC3339("2024-02-29T17:00:00+08:00")!
        let entry = Event(id: "j1", ticket: "ADJ-2402-01", at: at,
                          body: .adjusted(unit: "临湘市", points: "+0.5", indicator: "信息报送", reason: "典型案例", ref: nil))
        #expect(validator.apply(entry) == nil)
        let bad = Event(id: "j2", ticket: "ADJ-2402-02", at: at,
                        body: .adjusted(unit: "临湘市", points: "half", indicator: "信息报送", reason: "典型案例", ref: nil))
        #expect(validator.apply(bad) == .wrongFieldType("points", expected: #"a decimal number such as -1 or "+0.5""#))
    }
}
