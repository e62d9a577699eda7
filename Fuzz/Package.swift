// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets, kept out of the root package so `swift build` and `swift test` never see them.
// Build and run with Scripts/fuzz TARGET SECONDS (debug build, -sanitize=fuzzer,address, so that
// `@testable import DNSKit` reaches the internal state machines).
let package = Package(
    name: "zonecheck-fuzz",
    dependencies: [.package(name: "zonecheck", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "fuzz-zonefile",
            dependencies: ["CFuzzerDriver", .product(name: "DNSKit", package: "zonecheck")]),
        .executableTarget(
            name: "fuzz-message",
            dependencies: ["CFuzzerDriver", .product(name: "DNSKit", package: "zonecheck")]),
        .executableTarget(
            name: "fuzz-axfr",
            dependencies: ["CFuzzerDriver", .product(name: "DNSKit", package: "zonecheck")]),
    ]
)
