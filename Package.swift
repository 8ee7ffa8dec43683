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
        .target(name: "TLVerify", dependencies: ["TLCore", "TLFormats", "TLForward"]),
        .target(name: "TLHub", dependencies: ["TLCore", "TLFormats"]),
        .target(name: "TLTokenizers", dependencies: ["TLCore", "TLFormats"]),
        // The streaming engine: read, map, process, write. Nothing of the network, the
        // tokenizer or the forward pass.
        .target(name: "TLConversion",
                dependencies: ["TLCore", "TLFormats", "TLModel", "ModelConfigs", "TLProcessing", "COpenBLAS"]),
        // The application layer the commands share: MODEL → directory, loading a model for
        // the forward pass, a prompt run with its tokenizer.
        .target(name: "TLApp",
                dependencies: ["TLCore", "TLFormats", "TLModel", "ModelConfigs", "TLProcessing", "TLForward",
                               "TLVerify", "TLHub", "TLTokenizers", "TLConversion"]),
        .executableTarget(name: "tlconvert", dependencies: [
            "TLApp", "TLConversion", "ModelConfigs", "TLCore", "TLFormats", "TLForward", "TLHub", "TLModel", "TLTokenizers",
            "TLVerify",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmark helpers for tools/bench-* (release build); shared by every benchmark.
        .executableTarget(name: "tlbench", dependencies: [
            "TLCore", "TLFormats", "TLModel", "TLForward", "TLProcessing", "COpenBLAS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fixtures, the manifest and the built binary, for the test targets only.
        .target(name: "TLTestSupport", dependencies: ["TLCore", "TLFormats", "TLModel", "ModelConfigs"],
                path: "Tests/TLTestSupport"),

        .testTarget(name: "TLCoreTests", dependencies: ["TLCore"]),
        .testTarget(name: "TLProcessingTests", dependencies: ["TLTestSupport", "TLProcessing", "TLModel", "TLFormats", "TLCore", "TLConversion", "TLForward", "ModelConfigs"]),
        .testTarget(name: "TLFormatsTests", dependencies: ["TLTestSupport", "TLFormats", "TLCore", "CZlib"]),
        .testTarget(name: "TLForwardTests", dependencies: ["TLTestSupport", "TLCore", "TLFormats", "TLModel", "TLForward"]),
        .testTarget(name: "TLVerifyTests", dependencies: ["TLTestSupport", "TLCore", "TLFormats", "TLForward", "TLVerify"]),
        .testTarget(name: "TLTokenizersTests", dependencies: ["TLTestSupport", "TLTokenizers", "TLCore", "TLFormats"]),
        // `tlconvert` so the binary the loopback-Hub tests run is built first.
        .testTarget(name: "TLHubTests", dependencies: ["TLTestSupport", "TLHub", "TLCore", "TLFormats", "tlconvert"],
                    exclude: ["Reference"]),
        .testTarget(name: "ModelConfigsTests", dependencies: ["TLTestSupport", "ModelConfigs", "TLModel", "TLFormats", "TLCore"]),
        .testTarget(name: "TLAppTests", dependencies: ["TLTestSupport", "TLApp", "TLTokenizers", "TLFormats", "TLCore", "TLForward"]),
        // `tlconvert` is a dependency so the binary the tests run as a subprocess is built first.
        .testTarget(name: "TLConversionTests",
                    dependencies: ["TLTestSupport", "TLConversion", "ModelConfigs", "TLModel", "TLProcessing", "TLFormats",
                                   "TLCore", "tlconvert"]),
    ]
)
