import Events
import Foundation
import Hummingbird

// hotline-service: the ticket ledger behind HTTP. See docs/service.md.

let config: ServiceConfiguration
do {
    config = try ServiceConfiguration.parse(Array(CommandLine.arguments.dropFirst()),
                                            environment: ProcessInfo.processInfo.environment)
} catch {
    let isHelp = CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h")
    FileHandle.standardError.write(Data("\(isHelp ? "" : "hotline-service: ")\(error)\n".utf8))
    exit(isHelp ? 0 : 2)
}

let hotline: Hotline
do {
    hotline = try await Hotline.open(config)
} catch {
    FileHandle.standardError.write(Data("hotline-service: \(error)\n".utf8))
    exit(1)
}

let router = Router()
hotline.addRoutes(to: router)
let startCount = await hotline.ledger.count
let app = Application(
    router: router,
    configuration: .init(address: .hostname(config.host, port: config.port), serverName: "hotline-service"),
    onServerRunning: { channel in
        // The port actually bound (with --port 0, the one the system chose): scripts wait for this line.
        let port = channel.localAddress?.port ?? config.port
        let line = "hotline-service listening on http://\(config.host):\(port) (log \(config.logPath), \(startCount) events)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
)
try await app.runService()
await hotline.ledger.close()
