// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ticket-ledger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Events", targets: ["Events"]),
        .library(name: "Projections", targets: ["Projections"]),
        .executable(name: "ledger-cli", targets: ["ledger-cli"]),
        .executable(name: "ledger-bench", targets: ["ledger-bench"]),
    ],
    targets: [
        .target(name: "Events"),
        .target(name: "Projections", dependencies: ["Events"]),
        .executableTarget(name: "ledger-cli", dependencies: ["Events", "Projections"]),
        .executableTarget(name: "ledger-bench", dependencies: ["Events", "Projections"]),
        .testTarget(name: "EventTests", dependencies: ["Events"]),
        .testTarget(name: "ProjectionTests", dependencies: ["Events", "Projections"]),
        .testTarget(name: "CLITests", dependencies: ["ledger-cli", "ledger-bench"]),
    ],
    swiftLanguageModes: [.v6]
)
