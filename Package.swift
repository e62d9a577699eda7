// swift-tools-version: 6.1
import PackageDescription

// Layers, strictly downward (see docs/architecture.md):
//   zonecheck (executable) -> ZoneCheck (product) -> DNSKit (DNS itself) -> CLDNS (libldns + libcrypto)
//                                               \-> Mail (email on the wire) -> COpenSSL (libssl, for STARTTLS)
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "zonecheck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "zonecheck", targets: ["zonecheck"]),
        .executable(name: "wan-relay", targets: ["wan-relay"]),
        .library(name: "DNSKit", targets: ["DNSKit"]),
        .library(name: "ZoneCheck", targets: ["ZoneCheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLDNS",
            pkgConfig: "ldns",
            providers: [.apt(["libldns-dev", "libssl-dev"])]
        ),
        .target(
            name: "DNSKit",
            dependencies: [
                "CLDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // prctl(2) for the executable (core dumps off: memory holds TSIG secrets).
        .systemLibrary(name: "CProcess"),
        .target(
            name: "Mail",
            dependencies: ["COpenSSL"],
            swiftSettings: strict
        ),
        .target(
            name: "ZoneCheck",
            dependencies: [
                "DNSKit",
                "Mail",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "zonecheck",
            dependencies: [
                "CProcess",
                "ZoneCheck",
                "DNSKit",
                "Mail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The WAN emulator of the lab and Scripts/bench (docs/development.md): Glibc sockets, epoll and a
        // timerfd, no other module; CWANRelay holds the Linux calls Swift's Glibc module leaves out.
        .target(name: "CWANRelay"),
        .executableTarget(
            name: "wan-relay",
            dependencies: ["CWANRelay"],
            swiftSettings: strict
        ),
        // What both test targets share: the lab driver, the binary and process runners, temporary folders.
        .target(
            name: "TestSupport",
            dependencies: ["DNSKit"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DNSKitTests",
            dependencies: ["DNSKit", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ZoneCheckTests",
            // CWANRelay: WANRelayLabTests time answers by the kernel's arrival stamps, as the relay does.
            dependencies: ["ZoneCheck", "DNSKit", "Mail", "TestSupport", "CWANRelay"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
