import Foundation
import Testing
@testable import Events

/// A file replaced whole leaves no temporary file, and clears those a killed writer left.
@Test func replacingAFileRemovesTheTemporariesOfWritersThatNoLongerRun() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    // The pid of a process that has ended (and not been reused since, in the moment this takes).
    let ended = Process()
    ended.executableURL = URL(fileURLWithPath: "/bin/true")
    try ended.run()
    ended.waitUntilExit()
    let dead = ended.processIdentifier
    let names = ["state.tmp-\(dead)",     // a killed writer's: removed
                 "state.tmp-1",           // a running process's (init): kept
                 "state.tmp-x1",          // not a pid: kept
                 "other.tmp-\(dead)"]     // another file's: kept
    for name in names { try dir.write(name, "junk") }
    try SmallFile.writeAtomically(Array("new".utf8), to: dir.file("state"))
    #expect(try dir.read("state") == Array("new".utf8))
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(left == ["other.tmp-\(dead)", "state", "state.tmp-1", "state.tmp-x1"])
}
