import Foundation
import TLCore
import TLFormats

/// Text given as an argument or read from a file (`--text-file FILE`, `-` for standard
/// input): a file can hold text that begins with `-` or is longer than the 128 KiB one
/// argument may be. The file's exact contents are the text, a final newline included.
enum TextInput {
    /// - Parameters:
    ///   - argument: the value of `flag` (`--text`, `--prompt`), if given.
    ///   - file: the value of `--text-file`, if given. Exactly one of the two must be.
    static func resolve(_ argument: String?, flag: String, file: String?) throws(TLError) -> String {
        switch (argument, file) {
        case (let text?, nil): return text
        case (nil, let file?): return try read(file)
        case (nil, nil): throw .usage("give \(flag) TEXT or --text-file FILE (- reads standard input)")
        case (.some, .some): throw .usage("\(flag) and --text-file are alternatives; give one of them")
        }
    }

    static func read(_ file: String) throws(TLError) -> String {
        let name = file == "-" ? "standard input" : file
        let handle: FileHandle
        if file == "-" {
            handle = FileHandle.standardInput
        } else {
            switch FileSystem.kind(of: file) {
            case .missing: throw .badFile(path: file, problem: "no such file (given as --text-file)")
            case .directory: throw .badFile(path: file, problem: "is a folder; --text-file reads a text file")
            case .file, .other: break
            }
            guard let opened = FileHandle(forReadingAtPath: file) else {
                throw .badFile(path: file, problem: "cannot read (\(String(cString: strerror(errno))))")
            }
            handle = opened
        }
        defer { if file != "-" { try? handle.close() } }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw .badFile(path: name, problem: "cannot read (\(error.localizedDescription))")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .badFile(path: name, problem: "is not valid UTF-8 text")
        }
        return text
    }
}
