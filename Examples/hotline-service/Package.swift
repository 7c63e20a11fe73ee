// swift-tools-version:6.0
// hotline-service: a small HTTP service that embeds the ticket ledger (see docs/service.md).
// A package of its own, so that the ledger's root Package.swift keeps no dependencies.
import PackageDescription

let package = Package(
    name: "hotline-service",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hotline-service", targets: ["HotlineService"]),
    ],
    dependencies: [
        // The ledger, by path. From another repository:
        //   .package(url: "https://example.org/ticket-ledger.git", branch: "main")
        // `name:` pins the package name, so `package: "ticket-ledger"` below holds whatever the
        // checkout's folder is called.
        .package(name: "ticket-ledger", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        // These three already come with Hummingbird; named here because the service imports them
        // (graceful shutdown of open event streams, a back-pressured channel for them, header names).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "HotlineService",
            dependencies: [
                .product(name: "Events", package: "ticket-ledger"),
                .product(name: "Projections", package: "ticket-ledger"),
                .product(name: "Reports", package: "ticket-ledger"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
