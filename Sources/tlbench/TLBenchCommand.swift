import ArgumentParser

/// Benchmarks behind tools/bench-* (release builds, never unit tests).
@main
struct TLBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlbench",
        abstract: "tlconvert's performance benchmarks.",
        subcommands: [ForwardBenchmark.self]
    )
}
