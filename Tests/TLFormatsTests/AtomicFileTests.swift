import Foundation
import Testing
import TLCore
@testable import TLFormats
#if canImport(Glibc)
import Glibc
#endif

/// The temporary beside an output is created fresh and renamed only onto what an output
/// may replace, even when the folder changes while the file is being written.
struct AtomicFileTests {
    @Test func aLinkPlantedAtTheTemporaryNameIsNotFollowed() throws {
        let dir = TestSupport.temporaryDirectory()
        let victim = dir + "/victim"
        try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
        let target = dir + "/out.safetensors"
        try #require(symlink(victim, TemporaryFiles.path(for: target)) == 0)
        let file = try AtomicFile(path: target)
        try file.write("new")
        try file.commit()
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
    }

    @Test func theRenameNeverReplacesASymlinkOrFIFOThatAppearedMeanwhile() throws {
        let dir = TestSupport.temporaryDirectory()
        let victim = dir + "/victim"
        try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
        for (name, make) in [("link", { (path: String) in symlink(victim, path) }), ("fifo", { mkfifo($0, 0o644) })] {
            let target = dir + "/" + name
            let file = try AtomicFile(path: target)
            try file.write("new")
            try #require(make(target) == 0)
            #expect(throws: TLError.self) { try file.commit() }
            file.discard()
            #expect(FileSystem.kind(of: TemporaryFiles.path(for: target)) == .missing)
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        var info = stat()
        #expect(lstat(dir + "/link", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(lstat(dir + "/fifo", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    }
}
