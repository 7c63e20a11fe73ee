import Foundation
import Testing

/// The public surface of Events, Projections, Reports and Ingest, as `scripts/api-listing.sh`
/// lists it from the modules this test run was built with, must equal the listing checked in
/// under api/. A change to the public API is then always deliberate: rerun the script and commit
/// the new listing with the change.
@Test func thePublicAPIEqualsTheCheckedInListing() throws {
    let root = LedgerCLI.packageRoot.path
    let modules = LedgerCLI.executable.deletingLastPathComponent().appendingPathComponent("Modules").path
    let scratch = try TemporaryFolder()
    defer { scratch.remove() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["bash", root + "/scripts/api-listing.sh", "--modules", modules, "--output", scratch.path]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "scripts/api-listing.sh failed (is swift-symbolgraph-extract on PATH?)")
    for module in ["Events", "Projections", "Reports", "Ingest"] {
        let expected = try String(contentsOfFile: "\(root)/api/\(module).txt", encoding: .utf8)
        let actual = try String(contentsOfFile: scratch.file("\(module).txt"), encoding: .utf8)
        let (want, got) = (Set(expected.split(separator: "\n")), Set(actual.split(separator: "\n")))
        #expect(want.subtracting(got).sorted() == [], "no longer public in \(module) (run scripts/api-listing.sh and commit api/ if meant)")
        #expect(got.subtracting(want).sorted() == [], "newly public in \(module) (run scripts/api-listing.sh and commit api/ if meant)")
    }
}
