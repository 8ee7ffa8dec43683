import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// CONTRACT.md "Output paths", through the built binary: `-o`, `--save-logits` and `--cache`
/// replace an existing file or folder only with `--force`, never a device, FIFO, socket or
/// symlink, never the source or an input, and every path is checked before any work starts.
struct OutputPathTests {
    static let gpt2 = Fixtures.model("gpt2")
    static let reference = Fixtures.model("gpt2") + "/hf_logits.safetensors"

    /// Exit status 2 and exactly one line on stderr that names `typed`.
    static func expectRefused(_ result: TLConvertProcess.Output, naming typed: String, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "\(what): status \(result.status)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 && result.stderr.hasPrefix("tlconvert: ") && result.stderr.contains("'\(typed)'"),
                "\(what): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains(".tmp-"), "\(what): names a hidden temporary: \(result.stderr)",
                sourceLocation: sourceLocation)
    }

    /// Names in `folder` that are hidden temporaries (`.NAME.tmp-PID`, `.NAME.old-PID`).
    static func leftovers(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.contains(".tmp-") || $0.contains(".old-") }
    }

    /// `lstat` type bits of a path (0 when missing).
    static func type(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    /// A character device like /dev/full (major 1, minor 7), a FIFO and a symlink to a file,
    /// made in `folder`; the device only when this process may create one.
    static func specialFiles(in folder: String) throws -> [(path: String, type: mode_t)] {
        var made = [(String, mode_t)]()
        let device = folder + "/full"
        if mknod(device, S_IFCHR | 0o666, 0x107) == 0 { made.append((device, S_IFCHR)) }
        let fifo = folder + "/fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        made.append((fifo, S_IFIFO))
        let linked = folder + "/linked.safetensors"
        try "keep".write(toFile: linked, atomically: false, encoding: .utf8)
        let link = folder + "/link.safetensors"
        try #require(symlink(linked, link) == 0)
        made.append((link, S_IFLNK))
        return made
    }

    @Test func saveLogitsAndCacheNeverReplaceSpecialFilesOrSymlinks() throws {
        let folder = ConversionTests.scratch("special")
        for (path, kind) in try Self.specialFiles(in: folder) {
            for force in [[], ["--force"]] {
                let verify = try TLConvertProcess.run(["verify", Self.gpt2, "--reference", Self.reference,
                                                       "--save-logits", path] + force)
                Self.expectRefused(verify, naming: path, "verify --save-logits \(path) \(force)")
                let run = try TLConvertProcess.run(["run", Self.gpt2, "--prompt", "Hello", "--cache", path] + force)
                Self.expectRefused(run, naming: path, "run --cache \(path) \(force)")
                #expect(Self.type(path) == kind, "\(path) is no longer what it was")
            }
        }
        #expect(try String(contentsOfFile: folder + "/linked.safetensors", encoding: .utf8) == "keep")
        #expect(Self.leftovers(folder).isEmpty)
    }

    @Test func anExistingFileIsReplacedOnlyWithForce() throws {
        let folder = ConversionTests.scratch("existing")
        let logits = folder + "/logits.safetensors", cache = folder + "/cache.safetensors"
        for path in [logits, cache] { try "old".write(toFile: path, atomically: false, encoding: .utf8) }
        Self.expectRefused(try TLConvertProcess.run(["verify", Self.gpt2, "--reference", Self.reference,
                                                     "--save-logits", logits]), naming: logits, "no --force")
        Self.expectRefused(try TLConvertProcess.run(["run", Self.gpt2, "--prompt", "Hello", "--cache", cache]),
                           naming: cache, "no --force")
        #expect(try String(contentsOfFile: logits, encoding: .utf8) == "old")
        #expect(try String(contentsOfFile: cache, encoding: .utf8) == "old")
        let verify = try TLConvertProcess.run(["verify", Self.gpt2, "--reference", Self.reference,
                                               "--save-logits", logits, "--force"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(try SafeTensorsFile(path: logits).tensorNames == ["logits"])
        let run = try TLConvertProcess.run(["run", Self.gpt2, "--prompt", "Hello", "--cache", cache, "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try SafeTensorsFile(path: cache).tensorNames.contains("blocks.0.hook_resid_pre"))
        #expect(Self.leftovers(folder).isEmpty)
    }

    @Test func saveLogitsAndCacheMayNotReplaceAnInput() throws {
        let folder = ConversionTests.scratch("inputs")
        let model = folder + "/gpt2"
        try FileManager.default.copyItem(atPath: Self.gpt2, toPath: model)
        let reference = model + "/hf_logits.safetensors"
        let weights = model + "/model.safetensors"
        let before = try Data(contentsOf: URL(fileURLWithPath: weights))
        let referenceBefore = try Data(contentsOf: URL(fileURLWithPath: reference))
        for (path, typed) in [(reference, reference), (weights, weights), (model + "/../gpt2/model.safetensors", model + "/../gpt2/model.safetensors")] {
            Self.expectRefused(try TLConvertProcess.run(["verify", model, "--reference", reference,
                                                         "--save-logits", path, "--force"]),
                               naming: typed, "verify --save-logits \(path)")
        }
        Self.expectRefused(try TLConvertProcess.run(["run", model, "--prompt", "Hello", "--cache", weights, "--force"]),
                           naming: weights, "run --cache onto the weights")
        // convert --verify: not the reference, not inside the folder being written.
        let out = folder + "/out"
        Self.expectRefused(try TLConvertProcess.run([model, "-o", out, "--verify", reference, "--save-logits", reference, "--force"]),
                           naming: reference, "convert --save-logits onto the reference")
        Self.expectRefused(try TLConvertProcess.run([model, "-o", out, "--verify", reference,
                                                     "--save-logits", out + "/logits.safetensors"]),
                           naming: out + "/logits.safetensors", "convert --save-logits inside -o")
        #expect(FileSystem.kind(of: out) == .missing)
        #expect(try Data(contentsOf: URL(fileURLWithPath: weights)) == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: reference)) == referenceBefore)
    }

    @Test func outputMayNotBeHoldOrLieInsideTheSource() throws {
        let folder = ConversionTests.scratch("source")
        let model = folder + "/models/gpt2"
        try FileManager.default.createDirectory(atPath: folder + "/models", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.gpt2, toPath: model)
        let link = folder + "/link"
        try #require(symlink(model, link) == 0)
        let cases = [model, model + "/", folder + "/models", model + "/converted", link, folder + "/models/../models/gpt2"]
        for out in cases {
            let result = try TLConvertProcess.run(["convert", model, "-o", out, "--force"])
            Self.expectRefused(result, naming: out, "-o \(out)")
            #expect(!result.stderr.contains("block 1/2"), "-o \(out): checked before converting")
        }
        #expect(FileSystem.isFile(model + "/model.safetensors") && FileSystem.isFile(model + "/tokenizer.json"))
        #expect(FileSystem.kind(of: model + "/converted") == .missing)
        #expect(Self.type(link) == S_IFLNK)
        #expect(Self.leftovers(folder).isEmpty && Self.leftovers(folder + "/models").isEmpty)
        // A sibling is fine.
        let sibling = try TLConvertProcess.run(["convert", model, "-o", folder + "/models/gpt2-tl"])
        #expect(sibling.status == 0, "\(sibling.stderr)")
    }

    @Test func badOutputValuesAreRefusedBeforeConverting() throws {
        let folder = ConversionTests.scratch("values")
        let file = folder + "/plain"
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        // Never "." or ".." as typed: the test's own folder is the package. "/" goes without --force.
        let cases = ["", folder + "/.", folder + "/sub/..", folder + "/./", "/", file + "/sub", file + "/a/b",
                     "/proc/version", "/proc", "/sys/kernel/tlconvert-out", file]
        for out in cases {
            let result = try TLConvertProcess.run(["convert", Self.gpt2, "-o", out] + (out == "/" ? [] : ["--force"]))
            Self.expectRefused(result, naming: out, "-o '\(out)'")
            #expect(!result.stderr.contains("block 1/2"), "-o '\(out)': checked before converting: \(result.stderr)")
        }
        #expect(FileSystem.isDirectory(folder))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x")
        // File outputs: checked before the model is even looked at.
        for path in ["", folder, file + "/l.safetensors", folder + "/missing/l.safetensors", "/sys/kernel/l.safetensors",
                     folder + "/trailing/"] {
            let verify = try TLConvertProcess.run(["verify", folder + "/no-such-model", "--offline",
                                                   "--reference", Self.reference, "--save-logits", path, "--force"])
            Self.expectRefused(verify, naming: path, "--save-logits '\(path)'")
            let run = try TLConvertProcess.run(["run", folder + "/no-such-model", "--offline", "--prompt", "x",
                                                "--cache", path, "--force"])
            Self.expectRefused(run, naming: path, "--cache '\(path)'")
        }
        #expect(Self.leftovers(folder).isEmpty)
    }

    @Test func aReadOnlyFolderIsFoundFirst() throws {
        guard getuid() != 0 else { return }  // root writes anywhere; /sys/kernel above stands in for it
        let folder = ConversionTests.scratch("readonly")
        try #require(chmod(folder, 0o555) == 0)
        defer { chmod(folder, 0o755) }
        Self.expectRefused(try TLConvertProcess.run(["convert", Self.gpt2, "-o", folder + "/out"]),
                           naming: folder + "/out", "read-only parent")
    }

    @Test func aWriteErrorNamesTheOutputNotTheTemporary() throws {
        // A file-size limit makes the write fail the way a full disk does (EFBIG instead of ENOSPC).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else { return }
        let folder = ConversionTests.scratch("full")
        let out = folder + "/out"
        let result = try TLConvertProcess.run(["convert", Self.gpt2, "-o", out], launcher: ["/usr/bin/prlimit", "--fsize=20000", "--"])
        #expect(result.status == 2)
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last == "tlconvert: \(out)/model.safetensors: write failed (File too large)", "\(result.stderr)")
        #expect(!result.stderr.contains(".tmp-"))
        #expect(FileSystem.kind(of: out) == .missing)
        #expect(Self.leftovers(folder).isEmpty)
    }

    @Test func anExistingOutputDirectoryIsReplacedWhole() throws {
        let folder = ConversionTests.scratch("replace")
        let out = folder + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "keep".write(toFile: out + "/marker", atomically: false, encoding: .utf8)
        Self.expectRefused(try TLConvertProcess.run([Self.gpt2, "-o", out]), naming: out, "no --force")
        #expect(FileSystem.isFile(out + "/marker"))
        let forced = try TLConvertProcess.run([Self.gpt2, "-o", out + "/", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(!FileSystem.isFile(out + "/marker") && FileSystem.isFile(out + "/model.safetensors"))
        #expect(Self.leftovers(folder).isEmpty)
    }
}
