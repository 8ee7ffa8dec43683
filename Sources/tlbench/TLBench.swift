import ArgumentParser
import TLCore
import TLFormats

#if canImport(Glibc)
import Glibc
#endif

/// Benchmark helpers shared by the scripts under tools/ (release build only).
@main
struct TLBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlbench",
        abstract: "Benchmark helpers for tools/bench-* scripts.",
        subcommands: [SynthSafeTensors.self, ReadTensors.self, DropCache.self, ForwardBenchmark.self, ProcessingBenchmark.self, SynthCheckpoint.self, Measure.self, BenchDump.self]
    )
}

/// Seconds on the monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

@discardableResult
func failing<Result>(_ body: () throws(TLError) -> Result) throws -> Result {
    do { return try body() } catch {
        Console.error("tlbench: \(error)")
        throw ExitCode(error.exitCode)
    }
}

struct SynthSafeTensors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-safetensors",
        abstract: "Write a safetensors file of float32 tensors (deterministic pseudo-random values).")

    @Argument(help: "Output path.") var path: String
    @Option(help: "Total size in MiB.") var mib = 1100
    @Option(help: "Size of each tensor in MiB.") var tensorMib = 64

    func run() throws {
        try failing { () throws(TLError) in
            let perTensor = tensorMib * (1 << 20) / 4
            let count = (mib + tensorMib - 1) / tensorMib
            let infos = (0..<count).map { TensorInfo(name: "layers.\($0).weight", dtype: .f32, shape: [perTensor / 1024, 1024]) }
            let writer = try SafeTensorsWriter(path: path, tensors: infos, metadata: ["format": "pt", "source": "tlbench"])
            var values = [Float](repeating: 0, count: perTensor)
            var state: UInt32 = 0x1234_5678
            for info in infos {
                for i in 0..<values.count {
                    state = state &* 1_664_525 &+ 1_013_904_223  // LCG: cheap, deterministic
                    values[i] = Float(Int32(bitPattern: state >> 8) - (1 << 23)) * 0x1p-23
                }
                try values.withUnsafeBytes { b in Result { () throws(TLError) in try writer.write(name: info.name, bytes: b) } }.get()
            }
            try writer.finish()
            print("wrote \(path): \(count) tensors, \(count * tensorMib) MiB")
        }
    }
}

struct ReadTensors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Open a checkpoint with tlconvert's reader and touch every byte of every tensor; print seconds and GB/s.")

    @Argument(help: "A checkpoint file or directory.") var path: String
    @Flag(help: "Widen through Tensor.floats() (a fresh float32 array per tensor) instead of summing the view in place.")
    var copy = false
    @Flag(help: "Widen through Tensor.writeFloats(into:) into one reused buffer.")
    var reuse = false

    func run() throws {
        try failing { () throws(TLError) in
            let start = now()
            let source = try CheckpointOpener.open(path)
            var bytes = 0
            var checksum: Double = 0
            var buffer = [Float]()
            for info in source.tensorInfos {
                let tensor = try source.tensor(named: info.name)
                if reuse {
                    if buffer.count < info.elementCount { buffer = [Float](repeating: 0, count: info.elementCount) }
                    buffer.withUnsafeMutableBufferPointer { tensor.writeFloats(into: $0) }
                    checksum += Double(buffer.withUnsafeBytes { sum(UnsafeRawBufferPointer(rebasing: $0[0..<(4 * info.elementCount)])) })
                } else if !copy, tensor.dtype == .f32, let total = tensor.withContiguousBytes({ sum($0) }) {
                    checksum += Double(total)
                } else {
                    checksum += Double(tensor.floats().withUnsafeBytes { sum($0) })
                }
                bytes += info.byteCount
                source.releasePages(of: info.name)
            }
            let seconds = now() - start
            print("read \(bytes) bytes in \(String(format3: seconds)) s = \(String(format3: Double(bytes) / seconds / 1e9)) GB/s (checksum \(checksum))")
        }
    }

    /// Sums float32 values with eight accumulators so the loop is memory-bound, not add-latency-bound.
    private func sum(_ raw: UnsafeRawBufferPointer) -> Float {
        let count = raw.count / 4
        guard let base = raw.baseAddress else { return 0 }
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc += (base + 4 * i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = acc.sum()
        while i < count { total += (base + 4 * i).loadUnaligned(as: Float.self); i += 1 }
        return total
    }
}

struct DropCache: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop-cache",
        abstract: "Ask the kernel to drop one file's pages from the page cache (posix_fadvise DONTNEED; no root needed, clean pages only).")

    @Argument(help: "The file.") var path: String

    func run() throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ValidationError("cannot open \(path)") }
        defer { close(fd) }
        fdatasync(fd)
        let status = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        guard status == 0 else { throw ValidationError("posix_fadvise failed (\(status))") }
    }
}

extension String {
    init(format3 value: Double) {
        let scaled = (value * 1000).rounded()
        let whole = Int(scaled) / 1000, fraction = Int(scaled) % 1000
        self = "\(whole)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }
}
