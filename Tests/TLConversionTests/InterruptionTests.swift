import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// CONTRACT.md: an interrupted run (SIGINT, SIGTERM, SIGHUP) leaves nothing behind, and a
/// later run removes what a killed one (SIGKILL) left.
struct InterruptionTests {
    /// A GPT-2 checkpoint (zeros) large enough that its conversion is still running when a
    /// signal sent on seeing the temporary folder lands: about 90 MB of float32.
    static let checkpoint: String = {
        let dir = ConversionTests.scratch("interrupt") + "/big-gpt2"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let layers = 8, m = 384, vocab = 20000, positions = 256
        var infos = [TensorInfo(name: "wte.weight", dtype: .f32, shape: [vocab, m]),
                     TensorInfo(name: "wpe.weight", dtype: .f32, shape: [positions, m])]
        for l in 0..<layers {
            let shapes: [(String, [Int])] = [("ln_1.weight", [m]), ("ln_1.bias", [m]), ("attn.c_attn.weight", [m, 3 * m]),
                                             ("attn.c_attn.bias", [3 * m]), ("attn.c_proj.weight", [m, m]), ("attn.c_proj.bias", [m]),
                                             ("ln_2.weight", [m]), ("ln_2.bias", [m]), ("mlp.c_fc.weight", [m, 4 * m]),
                                             ("mlp.c_fc.bias", [4 * m]), ("mlp.c_proj.weight", [4 * m, m]), ("mlp.c_proj.bias", [m])]
            infos += shapes.map { TensorInfo(name: "h.\(l).\($0.0)", dtype: .f32, shape: $0.1) }
        }
        infos += [TensorInfo(name: "ln_f.weight", dtype: .f32, shape: [m]), TensorInfo(name: "ln_f.bias", dtype: .f32, shape: [m])]
        let config = """
            {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
             "layer_norm_epsilon": 1e-05, "n_ctx": \(positions), "n_positions": \(positions), "n_embd": \(m),
             "n_head": 6, "n_layer": \(layers), "vocab_size": \(vocab)}
            """
        try? config.write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
        do {
            let writer = try SafeTensorsWriter(path: dir + "/model.safetensors", tensors: infos, metadata: ["format": "pt"])
            for info in infos {
                let zeros = [UInt8](repeating: 0, count: info.byteCount)
                try zeros.withUnsafeBytes { buffer in try writer.write(name: info.name, bytes: buffer) }
            }
            try writer.finish()
        } catch {
            Issue.record("cannot write the synthetic checkpoint: \(error)")
        }
        return dir
    }()

    /// Waits (up to 60 s) until `folder` holds a name starting with `prefix`.
    static func waitFor(_ prefix: String, in folder: String) -> Bool {
        for _ in 0..<6000 {
            if ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains(where: { $0.hasPrefix(prefix) }) {
                return true
            }
            usleep(10_000)
        }
        return false
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aSignalMidConversionLeavesNothingBehind(_ signal: Int32) throws {
        let folder = ConversionTests.scratch("signal")
        let out = folder + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "previous".write(toFile: out + "/marker", atomically: false, encoding: .utf8)
        let running = try TLConvertProcess.start(["convert", Self.checkpoint, "-o", out, "--force"])
        let started = Self.waitFor(".out.tmp-", in: folder)
        kill(running.pid, signal)
        let result = running.wait()
        try #require(started, "no temporary folder appeared: \(result.stderr)")
        #expect(result.status == 128 + signal, "status \(result.status): \(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out"], "left behind")
        #expect(try String(contentsOfFile: out + "/marker", encoding: .utf8) == "previous", "the previous output is intact")
    }

    /// A pid that was alive a moment ago and is not any more.
    static func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func aLaterRunRemovesWhatAKilledRunLeft() throws {
        let folder = ConversionTests.scratch("stale")
        let dead = try Self.deadPID()
        let live = getpid()
        let staleFolder = folder + "/.out.tmp-\(dead)", liveFolder = folder + "/.out.tmp-\(live)"
        for path in [staleFolder, liveFolder] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try "partial".write(toFile: path + "/model.safetensors", atomically: false, encoding: .utf8)
        }
        let staleFile = folder + "/.logits.safetensors.tmp-\(dead)"
        try "partial".write(toFile: staleFile, atomically: false, encoding: .utf8)
        let unrelated = folder + "/.other.tmp-\(dead)"
        try "not ours".write(toFile: unrelated, atomically: false, encoding: .utf8)

        let convert = try TLConvertProcess.run(["convert", Fixtures.model("gpt2"), "-o", folder + "/out"])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(FileSystem.kind(of: staleFolder) == .missing, "a killed run's folder is removed")
        #expect(FileSystem.isDirectory(liveFolder), "a live process's folder is left alone")
        let verify = try TLConvertProcess.run(["verify", folder + "/out", "--reference", OutputPathTests.reference,
                                               "--save-logits", folder + "/logits.safetensors"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(FileSystem.kind(of: staleFile) == .missing, "a killed run's file is removed")
        #expect(FileSystem.isFile(unrelated), "another output's temporary is left alone")
    }

    @Test func aKilledReplaceIsRolledBack() throws {
        // Killed between moving the old output aside and the new one in: the old one comes back.
        let folder = ConversionTests.scratch("rollback")
        let old = folder + "/.out.old-\(try Self.deadPID())"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try "previous".write(toFile: old + "/marker", atomically: false, encoding: .utf8)
        let result = try TLConvertProcess.run(["convert", Fixtures.model("gpt2"), "-o", folder + "/out"])
        #expect(result.status == 2 && result.stderr.contains("--force"), "\(result.stderr)")
        #expect(try String(contentsOfFile: folder + "/out/marker", encoding: .utf8) == "previous")
        #expect(OutputPathTests.leftovers(folder).isEmpty)
    }
}
