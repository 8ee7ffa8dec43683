// swift-tools-version: 6.1
import PackageDescription

// Layout follows shared/DESIGN.md: one module per arrow of the data path.
let package = Package(
    name: "tlconvert",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tlconvert", targets: ["tlconvert"]),
        .library(name: "TLConversion", targets: ["TLConversion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries, found with pkg-config.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CJSONC", path: "Sources/CJSONC", pkgConfig: "json-c",
                       providers: [.apt(["libjson-c-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        .target(name: "TLCore"),
        .target(name: "TLFormats", dependencies: ["TLCore", "CZlib", "CJSONC"]),
        .target(name: "TLModel", dependencies: ["TLCore", "TLFormats"]),
        .target(name: "ModelConfigs", dependencies: ["TLCore", "TLFormats", "TLModel"],
                path: "ModelConfigs"),
        .target(name: "TLProcessing", dependencies: ["TLCore", "TLModel", "COpenBLAS"]),
        .target(name: "TLForward", dependencies: ["TLCore", "TLFormats", "TLModel", "COpenBLAS"]),
        .target(name: "TLVerify", dependencies: ["TLCore", "TLFormats", "TLModel", "TLForward"]),
        .target(name: "TLHub", dependencies: ["TLCore", "TLFormats", "ModelConfigs"]),
        .target(name: "TLTokenizers", dependencies: ["TLCore", "TLFormats"]),
        .target(name: "TLConversion",
                dependencies: ["TLCore", "TLFormats", "TLModel", "ModelConfigs", "TLProcessing",
                               "TLForward", "TLVerify", "TLHub", "TLTokenizers", "COpenBLAS"]),
        .executableTarget(name: "tlconvert", dependencies: [
            "TLConversion", "TLProcessing", "TLModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmark helpers for tools/bench-* (release build); shared by every benchmark.
        .executableTarget(name: "tlbench", dependencies: [
            "TLCore", "TLFormats", "TLModel", "TLForward", "TLProcessing", "COpenBLAS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fixtures, the manifest and the built binary, for the test targets only.
        .target(name: "TLTestSupport", dependencies: ["TLCore", "TLFormats", "TLModel"], path: "Tests/TLTestSupport"),

        .testTarget(name: "TLCoreTests", dependencies: ["TLCore"]),
        .testTarget(name: "TLProcessingTests", dependencies: ["TLTestSupport", "TLProcessing", "TLModel", "TLFormats", "TLCore", "TLConversion", "TLForward"]),
        .testTarget(name: "TLFormatsTests", dependencies: ["TLTestSupport", "TLFormats", "TLCore", "CZlib"]),
        .testTarget(name: "TLForwardTests", dependencies: ["TLTestSupport", "TLCore", "TLFormats", "TLModel", "TLForward"]),
        .testTarget(name: "TLVerifyTests", dependencies: ["TLTestSupport", "TLCore", "TLFormats", "TLModel", "TLForward", "TLVerify"]),
        .testTarget(name: "TLTokenizersTests", dependencies: ["TLTestSupport", "TLTokenizers", "TLCore", "TLFormats"]),
        .testTarget(name: "TLHubTests", dependencies: ["TLTestSupport", "TLHub", "ModelConfigs", "TLCore", "TLFormats"],
                    exclude: ["Reference"]),
        .testTarget(name: "ModelConfigsTests", dependencies: ["TLTestSupport", "ModelConfigs", "TLModel", "TLFormats", "TLCore"]),
        .testTarget(name: "TLConversionTests",
                    dependencies: ["TLTestSupport", "TLConversion", "ModelConfigs", "TLModel", "TLFormats", "TLCore", "tlconvert"]),
    ]
)
