import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process on SIGINT, SIGTERM or SIGHUP only after removing the temporaries it is
/// writing (`TemporaryFiles`), so an interrupted run leaves nothing behind. The signals are
/// blocked everywhere and taken by one thread with `sigwait`: the cleanup runs as ordinary
/// code, not inside a signal handler, where almost nothing is safe to call.
public enum SignalCleanup {
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Call first thing in `main`, before any other thread starts: threads inherit the
    /// blocked signals of the thread that creates them.
    public static func install() {
        // A file-size limit (ulimit -f) then fails the write (EFBIG), reported and cleaned up
        // like a full disk, instead of killing the process mid-file.
        signal(SIGXFSZ, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waited = set
        let thread = Thread {
            var set = waited
            var number: Int32 = 0
            while sigwait(&set, &number) != 0 {}
            TemporaryFiles.removeAllForExit()
            // Die of the signal itself, so the parent sees what ended the run.
            signal(number, SIG_DFL)
            var only = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, number)
            pthread_sigmask(SIG_UNBLOCK, &only, nil)
            raise(number)
            _exit(128 + number)
        }
        thread.name = "signal-cleanup"
        thread.start()
    }
}
