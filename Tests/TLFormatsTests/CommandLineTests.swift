import Foundation
import Testing
import TLCore
@testable import TLFormats
import TLTestSupport

/// The built `tlconvert` binary on bad input: exit status 2 and exactly one line on stderr.
struct CommandLineTests {
    private func expectRefusal(_ bytes: [UInt8], named name: String, message: (String) -> String) throws {
        let path = TestSupport.file(bytes, named: name)
        let result = try TLConvertProcess.run(["inspect", path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "tlconvert: \(message(path))\n")
    }

    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: TLConvertProcess.binary), "tlconvert not built at \(TLConvertProcess.binary)")
    }

    @Test func emptyFile() throws {
        try expectRefusal([], named: "e.safetensors") { "\($0): empty file" }
    }

    @Test func headerBeyondFile() throws {
        try expectRefusal(TestSupport.le(UInt64(1 << 20)) + Array("{}".utf8), named: "h.safetensors") {
            "\($0): truncated: header length 1048576 runs past the end of the file (10 bytes)"
        }
    }

    @Test func maliciousPickle() throws {
        let marker = TestSupport.temporaryDirectory() + "/ran"
        var p = PickleBuilder()
        p.op(0x80); p.byte(2); p.global("posix", "system"); p.unicode("touch \(marker)"); p.op(0x85); p.op(0x52); p.op(0x2E)
        try expectRefusal(TestSupport.torchZip(pickle: p.bytes, records: []), named: "pytorch_model.bin") {
            "\($0) (archive/data.pkl): pickle: refuses global 'posix.system': only tensor-rebuilding globals are allowed (nothing was executed)"
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func corruptZipAndRandomBytes() throws {
        let zip = TestSupport.zip([.init(name: "a.npy", data: [1, 2, 3])])
        try expectRefusal(Array(zip.dropLast(5)), named: "c.npz") {
            "\($0): corrupt zip: no end-of-central-directory record (truncated or not a zip archive)"
        }
        var rng = SplitMix64(seed: 99)
        try expectRefusal((0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }, named: "r.dat") {
            "\($0): unrecognised file format (expected safetensors, torch.save zip, .npy or .npz)"
        }
    }

    @Test func inspectsAModelDirectoryAsATable() throws {
        let directory = Fixtures.model("gpt2-bin")
        let result = try TLConvertProcess.run(["inspect", directory])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("\(directory)/pytorch_model.bin (torch, 29 tensors, ") == true)
        #expect(lines.contains { $0.hasPrefix("transformer.wte.weight") && $0.contains("F32") && $0.contains("[400, 32]") && $0.hasSuffix("51200") })
    }

    /// `verify` against a 2 MB `.npz` whose deflated logits declare 2 GiB: refused from the
    /// shapes its headers give (against the model's vocabulary), before anything is inflated.
    @Test func verifyRefusesACompressedBombReferenceBeforeInflating() throws {
        let ids = TestSupport.npy(descr: "<i8", shape: [1, 4], data: [UInt8](repeating: 0, count: 32))
        let header = TestSupport.npy(descr: "<f4", shape: [1, 4, 1 << 27], data: [])
        let bytes = TestSupport.zip([.init(name: "input_ids.npy", data: ids),
                                     TestSupport.forgedBomb(name: "logits.npy", prefix: header, declaredSize: header.count + (1 << 31))])
        let path = TestSupport.file(bytes, named: "reference.npz")
        let result = try TLConvertProcess.run(["verify", Fixtures.model("gpt2"), "--reference", path])
        #expect(result.status == 2)
        // The model's vocabulary (400) is checked against the header before anything is inflated.
        #expect(result.stderr == "tlconvert: \(path): logits have 134217728 vocabulary entries, the model has d_vocab_out 400\n")
    }

    @Test func missingPath() throws {
        let result = try TLConvertProcess.run(["inspect", "/nonexistent/model.safetensors"])
        #expect(result.status == 2)
        #expect(result.stderr == "tlconvert: /nonexistent/model.safetensors: no such file or directory\n")
    }
}
