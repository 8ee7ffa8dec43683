import ArgumentParser
import TLCore
import TLFormats

/// Runs a subcommand body, turning a `TLError` into one line on stderr and the
/// contract's exit status (2 bad input, 1 failed verification).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as TLError {
        TemporaryFiles.waitWhileCleaningUp()  // an interruption's cleanup ends the run instead
        Console.error("tlconvert: \(error.description)")
        throw ExitCode(error.exitCode)
    }
}
