// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ticket-ledger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Events", targets: ["Events"]),
        .library(name: "Projections", targets: ["Projections"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Ingest", targets: ["Ingest"]),
        .executable(name: "ledger-cli", targets: ["ledger-cli"]),
        .executable(name: "ledger-bench", targets: ["ledger-bench"]),
    ],
    targets: [
        .target(name: "Events"),
        .target(name: "Projections", dependencies: ["Events"]),
        // Everything a report looks like: tables, JSON, CSV, the bulletin's Chinese prose, HTML and SVG.
        .target(name: "Reports", dependencies: ["Events", "Projections"]),
        .executableTarget(name: "ledger-cli", dependencies: ["Events", "Projections", "Reports", "Ingest"]),
        // Importing platform exports (CSV) into a log; see "From your platform's export to a bulletin".
        .target(name: "Ingest", dependencies: ["Events"]),
        // The workload generator behind ledger-bench, also used by tests; not a product.
        .target(name: "LedgerBenchKit", dependencies: ["Events"]),
        .executableTarget(name: "ledger-bench", dependencies: ["Events", "Projections", "LedgerBenchKit", "Ingest"]),
        .testTarget(name: "EventTests", dependencies: ["Events"]),
        .testTarget(name: "ProjectionTests", dependencies: ["Events", "Projections", "LedgerBenchKit"]),
        .testTarget(name: "ReportTests", dependencies: ["Events", "Projections", "Reports"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Events", "Projections"]),
        .testTarget(name: "CLITests", dependencies: ["ledger-cli", "ledger-bench"]),
    ],
    swiftLanguageModes: [.v6]
)
