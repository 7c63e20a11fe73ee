import Foundation
import Events
@testable import Ingest
import Projections

/// The package root (for the shipped samples).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
func sample(_ path: String) -> String { packageRoot + "/samples/" + path }

/// The 2023-09 table of a log, with the Quyuan roster.
func quyuanTable(_ log: String, asOf: Timestamp? = nil) throws -> [PeriodReport.Row] {
    var options = ProjectionOptions(rules: .yueyangHotline)
    options.asOf = asOf
    var projections = [Projection(options: options)]
    let summary = try LogReplay(path: log).run(into: &projections)
    precondition(summary.problems.isEmpty, "\(summary.problems)")
    return projections[0].report(period: .month(2023, 9), rules: .yueyangHotline,
                                 roster: try Roster.load(path: sample("quyuan-units.csv"))).rows
}

let actionsMap = sample("exports/actions-map.json")
let ticketsMap = sample("exports/tickets-map.json")
let actionsExport = sample("exports/quyuan-2023-09-actions.csv")
let ticketsExport = sample("exports/quyuan-2023-09-tickets.csv")

/// The sample action-row export's header and rows (without their CRLF).
func actionExportRows() -> (header: String, rows: [String]) {
    let text = String(decoding: FileManager.default.contents(atPath: actionsExport)!, as: UTF8.self)
    var lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    return (lines.removeFirst(), lines)
}

/// An importer for a mapping file, with a fixed clock.
func importer(_ map: String) throws -> Importer {
    var importer = Importer(mapping: try ImportMapping.load(path: map))
    importer.configureAppender = { $0.clock = { Timestamp.parseRFC3339("2024-01-01T00:00:00+08:00")! } }
    return importer
}

/// A small action-row export: the sample mapping's header, then `rows`, CRLF.
let header = "工单编号,操作时间,操作类型,承办单位,办理时限,回访结果,来源渠道,诉求类型,问题分类,备注,办理结果,录入时间"
func export(_ rows: [String]) -> String { ([header] + rows).map { $0 + "\r\n" }.joined() }

/// The problems of a rejected import.
func problems(_ run: () throws(ImportError) -> ImportSummary) -> [RowProblem] {
    do {
        _ = try run()
        return []
    } catch {
        switch error {
        case .rejected(let problems, _, _): return problems
        case .unreadable(let problem): return [problem]
        default: return [RowProblem(row: -1, column: nil, kind: .malformedCSV, message: "\(error)")]
        }
    }
}
