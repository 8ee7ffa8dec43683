import ArgumentParser
import TLCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs one command and reports its wall time and peak resident set, taken from the
/// `rusage` that `wait4` returns for exactly that child (so nothing else this process
/// ran is counted, unlike `RUSAGE_CHILDREN`).
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Run a command; print `seconds=… max_rss_kib=… status=…` on stdout (the command's own output goes to its stderr/stdout as usual).")

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).")
    var command: [String]

    func run() throws {
        var argv = command
        if argv.first == "--" { argv.removeFirst() }
        guard let program = argv.first else { throw ValidationError("no command given") }
        // The child's stdout must not mix with our one result line.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, 2, 1)

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let start = now()
        let status = posix_spawnp(&pid, program, &actions, nil, cArgs, environ)
        guard status == 0 else { throw ValidationError("cannot run \(program): \(String(cString: strerror(status)))") }
        var wstatus: Int32 = 0
        var usage = rusage()
        while wait4(pid, &wstatus, 0, &usage) < 0 {
            guard errno == EINTR else { throw ValidationError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = now() - start
        // Linux reports ru_maxrss in KiB.
        let exit = (wstatus & 0x7f) == 0 ? (wstatus >> 8) & 0xff : 128 + (wstatus & 0x7f)
        print("seconds=\(String(format3: seconds)) max_rss_kib=\(usage.ru_maxrss) status=\(exit)")
        if exit != 0 { throw ExitCode(exit) }
    }
}
