import Dispatch
import Foundation
import Events
import HTTPTypes
import Hummingbird
import Projections
import Reports

/// What the handlers share: the open ledger, the live projection it keeps current, and the
/// rule sets and rosters loaded at start.
struct Hotline: Sendable {
    let ledger: Ledger
    /// The log file the ledger keeps, which explain and the bulletin replay.
    let logPath: String
    let live: LiveProjection
    let rules: RuleSet
    let rosters: [String: Roster]
    let mailboxRules: RuleSet?
    let mailboxRoster: Roster?
    let maxBatchBytes: Int
    let heartbeat: Duration

    /// Opens the log once (verifying it) and folds it into a live projection.
    static func open(_ config: ServiceConfiguration) async throws -> Hotline {
        let rules = try RuleSet.load(config.rules)
        var rosters: [String: Roster] = [:]
        for (name, path) in config.rosters { rosters[name] = try Roster.load(path: path) }
        let mailboxRules = config.mailboxRules == "none" ? nil : try RuleSet.load(config.mailboxRules)
        let mailboxRoster = try config.mailboxRoster.map { path in try Roster.load(path: path) }
        let ledger = try await Ledger.open(path: config.logPath)
        // The same options `ledger-cli replay --rules …` uses by default (the rule set's channel).
        let live = try await LiveProjection(ledger: ledger, options: ProjectionOptions(rules: rules))
        return Hotline(ledger: ledger, logPath: config.logPath, live: live, rules: rules, rosters: rosters, mailboxRules: mailboxRules,
                       mailboxRoster: mailboxRoster, maxBatchBytes: config.maxBatchBytes,
                       heartbeat: .seconds(config.heartbeatSeconds))
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("events") { request, _ in try await append(request) }
        router.get("events") { request, _ in try await subscribe(request) }
        router.get("report") { request, _ in try await report(request) }
        router.get("explain") { request, _ in try await explain(request) }
        router.get("bulletin") { request, _ in try await bulletin(request) }
        router.get("health") { _, _ in
            try await ledger.refresh()
            return Response.text("{\"events\": \(await ledger.count)}\n", contentType: "application/json")
        }
    }

    // MARK: POST /events

    /// Appends the body (JSON Lines) as one batch, all or nothing. 200: the lines as written
    /// (`recorded` stamp and chain value included), one per line. 422: the problems, as
    /// `batch:LINE: message` lines, or as JSON when the request accepts `application/json`.
    func append(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: maxBatchBytes)
        let records: [Ledger.Record]
        do {
            records = try await ledger.append(batch: Array(body.readableBytesView))
        } catch {
            return Self.response(for: error, wantsJSON: request.headers[.accept]?.contains("application/json") == true)
        }
        var out = ByteBuffer()
        for record in records {
            out.writeBytes(record.line)
            out.writeInteger(UInt8(ascii: "\n"))
        }
        var headers: HTTPFields = [.contentType: "application/x-ndjson"]
        if let first = records.first, let last = records.last {
            headers[Self.firstPosition] = String(first.position)
            headers[Self.lastPosition] = String(last.position)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: out))
    }

    static let firstPosition = HTTPField.Name("Ledger-First-Position")!
    static let lastPosition = HTTPField.Name("Ledger-Last-Position")!

    static func response(for error: AppendError, wantsJSON: Bool) -> Response {
        let status: HTTPResponse.Status
        var problems: [LogProblem] = []
        switch error {
        case .batchRejected(let batchProblems, _):
            status = .unprocessableContent
            problems = batchProblems
        case .chainedLog:
            status = .conflict
        case .file(let failure) where failure.systemError == ENOSPC || failure.systemError == EDQUOT:
            // The disk is full: the batch is not in the log, and may be sent again once there is room.
            status = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .tornTail, .invalidLog, .file:
            status = .internalServerError
        }
        if wantsJSON {
            var json = "{\"error\": \(jsonQuoted(error.description))"
            if case .batchRejected(_, let lineCount) = error { json += ", \"lineCount\": \(lineCount)" }
            json += ", \"problems\": ["
            json += problems.map { "{\"line\": \($0.line), \"message\": \(jsonQuoted($0.problem.message))}" }
                .joined(separator: ", ")
            json += "]}\n"
            return .text(json, status: status, contentType: "application/json")
        }
        var text = problems.map { $0.formatted(file: "batch") + "\n" }.joined()
        text += error.description + "\n"
        return .text(text, status: status)
    }

    // MARK: GET /report, /explain, /bulletin

    /// The table of `period` from the live projection: read-your-writes, no pass over the log.
    /// `format` (json by default, table, csv, markdown) and `lang` (zh, en) as `ledger-cli replay`.
    func report(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let period = try Self.period(query)
        let roster = try self.roster(query)
        let format = try Self.choice(query, "format", default: ReportFormat.json)
        let language = try Self.choice(query, "lang", default: Language.zh)
        // The ledger reads other processes' lines on its own only while a subscriber waits for
        // new events; read them now (a stat when nothing changed), so the table includes them.
        try await ledger.refresh()
        let report = live.report(period: period, rules: rules, roster: roster)
        let text = ReportRenderer(report: report, language: language).render(format)
        return .text(text, contentType: format == .json ? "application/json" : "text/plain")
    }

    /// One unit's tickets behind its numbers: a pass over the log, off Swift's cooperative pool.
    func explain(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let period = try Self.period(query)
        guard let unit = query.get("unit"), !unit.isEmpty else { throw HTTPError(.badRequest, message: "missing unit=UNIT") }
        let format = try Self.choice(query, "format", default: ExplanationFormat.json)
        let asOf = try Self.asOf(query)
        let rules = self.rules
        let path = logPath
        let explanation = try await Self.offPool { () throws -> UnitExplanation in
            let (explanation, summary) = try LogReplay(path: path)
                .explain(unit: unit, period: period, rules: rules, options: ProjectionOptions(rules: rules, asOf: asOf))
            try Self.requireValid(summary, path: path)
            return explanation
        }
        let text = ExplanationRenderer(explanation: explanation, asOf: asOf).render(format)
        return .text(text, contentType: format == .json ? "application/json" : "text/plain")
    }

    /// The bulletin (通报) of `period`: a pass over the log, off Swift's cooperative pool.
    /// `units` names the hotline roster, `scheme` and `format` (html by default, markdown) as
    /// `ledger-cli bulletin`.
    func bulletin(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let period = try Self.period(query)
        let roster = try self.roster(query)
        let scheme: BulletinScheme? = try query.get("scheme").map { text in
            guard let scheme = BulletinScheme(rawValue: text) else {
                throw HTTPError(.badRequest, message: "invalid scheme '\(text)' (expected yueyang, xiangtan or quarterly)")
            }
            return scheme
        }
        let format = try Self.choice(query, "format", default: BulletinFormat.html)
        let bulletinRequest = BulletinRequest(period: period, scheme: scheme, rules: rules, roster: roster,
                                              mailboxRules: mailboxRules, mailboxRoster: mailboxRoster, asOf: try Self.asOf(query))
        let path = logPath
        let bulletin = try await Self.offPool { () throws -> Bulletin in
            let (bulletin, summary) = try LogReplay(path: path).bulletin(bulletinRequest)
            try Self.requireValid(summary, path: path)
            return bulletin
        }
        let text = BulletinRenderer(bulletin: bulletin).render(format)
        return .text(text, contentType: format == .html ? "text/html" : "text/markdown")
    }

    // MARK: Query parameters

    static func period(_ query: Parameters) throws -> Period {
        guard let text = query.get("period"), !text.isEmpty else {
            throw HTTPError(.badRequest, message: "missing period=PERIOD (2024-02, 2024-Q1, 2024 or 2024-02-01..2024-02-15)")
        }
        do {
            return try Period.parse(text)
        } catch {
            throw HTTPError(.badRequest, message: "\(error.description)")
        }
    }

    /// `asOf=T` (RFC 3339) or `asOf=now`: the instant explain and the bulletin are as of, as
    /// `ledger-cli --as-of` (events recorded later are left out, open tickets whose deadline is
    /// later are not due yet); none by default. `/report` is always as of now.
    static func asOf(_ query: Parameters) throws -> Timestamp? {
        guard let text = query.get("asOf"), !text.isEmpty else { return nil }
        if text == "now" { return Timestamp.now() }
        guard let instant = Timestamp.parseRFC3339(text) else {
            throw HTTPError(.badRequest, message: "invalid asOf '\(text)' (expected an RFC 3339 time such as 2024-02-10T12:00:00+08:00, or now)")
        }
        return instant
    }

    /// `units=NAME`: a roster given at start (`--roster NAME=FILE`).
    func roster(_ query: Parameters) throws -> Roster? {
        guard let name = query.get("units"), !name.isEmpty else { return nil }
        guard let roster = rosters[name] else {
            let known = rosters.keys.sorted().joined(separator: ", ")
            throw HTTPError(.badRequest, message: "unknown units '\(name)' (rosters: \(known.isEmpty ? "none; start the service with --roster NAME=FILE" : known))")
        }
        return roster
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ query: Parameters, _ name: String, default value: T) throws -> T
    where T.RawValue == String {
        guard let text = query.get(name) else { return value }
        guard let choice = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw HTTPError(.badRequest, message: "invalid \(name) '\(text)' (expected one of \(names))")
        }
        return choice
    }

    static func requireValid(_ summary: LogReplay.Summary, path: String) throws {
        guard summary.problems.isEmpty else {
            let lines = summary.problems.prefix(20).map { $0.formatted(file: path) }.joined(separator: "; ")
            throw HTTPError(.internalServerError, message: "the log has invalid lines: \(lines)")
        }
    }

    /// Runs a blocking pass over the log on a Dispatch thread, not on a thread of Swift's
    /// cooperative pool (which serves every request).
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

extension Response {
    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain") -> Response {
        Response(status: status, headers: [.contentType: contentType + "; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// `text` as a JSON string literal (quotes and escapes), for the error bodies written by hand.
func jsonQuoted(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
}
