// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ticket-ledger",
    // Int128 (the exact arithmetic of rates and scores) needs macOS 15; Linux has no minimum.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Events", targets: ["Events"]),
        .library(name: "Projections", targets: ["Projections"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Ingest", targets: ["Ingest"]),
        .executable(name: "ledger-cli", targets: ["ledger-cli"]),
        .executable(name: "ledger-bench", targets: ["ledger-bench"]),
        .library(name: "PostgresLedger", targets: ["PostgresLedger"]),
    ],
    // Off by default: `swift build --traits Postgres` links libpq (Debian: libpq-dev) and lets
    // every LOG argument be a postgresql:// URI. Without it nothing beyond the toolchain is needed.
    traits: [
        .trait(name: "Postgres", description: "A PostgreSQL store for the ledger, through libpq (a system library)."),
    ],
    targets: [
        .target(name: "Events", dependencies: ["CLedgerSHA256", "CLedgerPrefetch", "CLedgerScan"]),
        // SHA-256's compression function with the x86 SHA extensions (the hash chain), in C for
        // the intrinsics; Events checks the processor and otherwise uses its Swift implementation.
        .target(name: "CLedgerSHA256"),
        // The processor's prefetch hint, for the replay's table look-ups (a header of inline C).
        .target(name: "CLedgerPrefetch"),
        // Sixteen bytes of a line tested at once (SSE2), for the decoders' string fast path (a header of inline C).
        .target(name: "CLedgerScan"),
        .target(name: "Projections", dependencies: ["Events", "CLedgerPrefetch"]),
        // Everything a report looks like: tables, JSON, CSV, the bulletin's Chinese prose, HTML and SVG.
        .target(name: "Reports", dependencies: ["Events", "Projections"]),
        .executableTarget(name: "ledger-cli", dependencies: ["Events", "Projections", "Reports", "Ingest", "PostgresLedger"]),
        // libpq, the PostgreSQL client library, as a system library: only with the Postgres trait.
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        // The ledger on PostgreSQL; empty (every file is `#if Postgres`) without the trait.
        .target(name: "PostgresLedger", dependencies: [
            "Events",
            .target(name: "CLibpq", condition: .when(traits: ["Postgres"])),
        ]),
        // Importing platform exports (CSV) into a log; see "From your platform's export to a bulletin".
        .target(name: "Ingest", dependencies: ["Events"]),
        // The workload generator behind ledger-bench, also used by tests; not a product.
        .target(name: "LedgerBenchKit", dependencies: ["Events"]),
        // PostgresLedger is empty without the Postgres trait: only then can `ledger-bench ledger` take a URI.
        .executableTarget(name: "ledger-bench", dependencies: ["Events", "Projections", "LedgerBenchKit", "Ingest", "PostgresLedger"]),
        // What several test targets share: SplitMix64, temporary folders, the package's files and CSV splitting,
        // and the Ledger scenario every store runs.
        .target(name: "TestSupport", dependencies: ["Events"], path: "Tests/TestSupport"),
        .testTarget(name: "EventTests", dependencies: ["Events", "TestSupport"]),
        .testTarget(name: "ProjectionTests", dependencies: ["Events", "Projections", "LedgerBenchKit", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Events", "Projections", "Reports", "TestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Events", "Projections", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["ledger-cli", "ledger-bench", "Events", "TestSupport"]),
        // The README's library snippets, verbatim, so that they keep compiling.
        .testTarget(name: "ReadmeSnippetTests", dependencies: ["Events", "Projections", "Reports"]),
        // Runs against a real server (TICKET_LEDGER_POSTGRES_URI; .ci/run starts one); compiles only with the trait.
        .testTarget(name: "PostgresTests", dependencies: ["Events", "Projections", "PostgresLedger", "ledger-cli", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
