import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TLCore
import TLFormats

/// One blob's download: bytes go to `<blob>.incomplete` (resumed with `Range` when
/// a previous run left part of it), the size and, for sha256 ETags, the hash are
/// checked, and only then is the file renamed to `<blob>`. An interrupted transfer
/// leaves the `.incomplete` file for the next run and never a wrong blob. The hash
/// is computed as the bytes arrive, so checking it costs no second pass.
final class BlobTransfer {
    let http: HubHTTP
    let url: URL
    let blob: String
    let label: String
    let expectedSize: Int?
    /// The sha256 the content must have (LFS files), if known.
    let sha256: String?
    let progress: ProgressDisplay
    /// The hash of the bytes in the partial file so far (when `sha256` is known).
    private var hasher: SHA256?

    var partial: String { blob + ".incomplete" }

    init(http: HubHTTP, url: URL, blob: String, label: String, expectedSize: Int?, sha256: String?, progress: ProgressDisplay) {
        self.http = http
        self.url = url
        self.blob = blob
        self.label = label
        self.expectedSize = expectedSize
        self.sha256 = sha256
        self.progress = progress
    }

    func run() throws(TLError) {
        let descriptor = open(partial, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .output(path: partial, problem: "cannot create (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }

        var have = Int(lseek(descriptor, 0, SEEK_END))
        if let expectedSize, have > expectedSize {
            try restart(descriptor)
            have = 0
        } else if sha256 != nil {
            try hashExisting(descriptor, count: have)
        }
        // A server may refuse the range (416) or answer from another offset: start over once.
        for attempt in 0..<2 {
            let outcome = try transfer(descriptor, from: have)
            if outcome == .complete { break }
            guard attempt == 0 else {
                throw .network("\(label): the server cannot resume the transfer; run again")
            }
            try restart(descriptor)
            have = 0
        }
        try verify(descriptor)
        guard fsync(descriptor) == 0, rename(partial, blob) == 0 else {
            throw .output(path: blob, problem: "cannot move the download into place (\(String(cString: strerror(errno))))")
        }
    }

    private enum Outcome { case complete, restartNeeded }

    /// Streams the rest of the file after `have` bytes into `descriptor`.
    private func transfer(_ descriptor: Int32, from start: Int) throws(TLError) -> Outcome {
        if let expectedSize, start == expectedSize { return .complete }
        var offset = start
        var restartNeeded = false
        var meter: DownloadProgress?

        let accept = { (head: HTTPHead) throws(TLError) -> Void in
            switch head.status {
            case 206:
                let range = head["content-range"] ?? ""
                guard range.hasPrefix("bytes \(start)-") else {
                    restartNeeded = true
                    throw .network("\(self.label): the server answered the range request from another offset")
                }
            case 200:
                if start > 0 {
                    // The server ignored the range: the body is the whole file.
                    try self.restart(descriptor)
                    offset = 0
                }
            case 416:
                restartNeeded = true
                throw .network("\(self.label): the server refused the range request")
            case 401, 403:
                throw .network("\(self.label): the download was refused (HTTP \(head.status)); the repo is gated or private, set HF_TOKEN")
            default:
                throw .network("\(self.label): HTTP \(head.status) from \(head.url.absoluteString)")
            }
            meter = self.progress.meter(label: self.label, total: self.expectedSize, alreadyHave: offset)
        }
        let sink = { (bytes: UnsafeRawBufferPointer) throws(TLError) -> Void in
            if let expectedSize = self.expectedSize, offset + bytes.count > expectedSize {
                throw .network("\(self.label): the server sent more than the announced \(expectedSize) bytes")
            }
            try Self.write(bytes, to: descriptor, path: self.partial)
            self.hasher?.update(bytes)
            offset += bytes.count
            meter?.advance(by: bytes.count)
        }
        do throws(TLError) {
            _ = try http.stream(url, from: start, accept: accept, sink: sink)
        } catch {
            if restartNeeded { return .restartNeeded }
            let transportPrefix = url.absoluteString + ": "
            if case .network(let reason) = error, reason.hasPrefix(transportPrefix) {
                // The connection failed: the partial file stays for the next run.
                let have = expectedSize.map { "\(DownloadProgress.size(offset)) of \(DownloadProgress.size($0))" }
                    ?? DownloadProgress.size(offset)
                let why = reason.dropFirst(transportPrefix.count)
                throw .network("downloading \(label) stopped after \(have) (\(why)); run the command again to resume")
            }
            throw error
        }
        meter?.finish()
        if let expectedSize, offset < expectedSize {
            throw .network("downloading \(label) ended early after \(DownloadProgress.size(offset)) of \(DownloadProgress.size(expectedSize)); run the command again to resume")
        }
        return .complete
    }

    /// Size and hash of the whole partial file; a wrong file is deleted.
    private func verify(_ descriptor: Int32) throws(TLError) {
        let size = Int(lseek(descriptor, 0, SEEK_END))
        if let expectedSize, size != expectedSize {
            unlink(partial)
            throw .network("\(label): downloaded \(size) bytes, expected \(expectedSize); the partial file was discarded, run again")
        }
        guard let sha256, var hasher else { return }
        let digest = hasher.hexDigest()
        guard digest == sha256 else {
            unlink(partial)
            throw .network("\(label): sha256 \(digest) does not match the ETag \(sha256); the download was discarded, run again")
        }
    }

    /// Empties the partial file to download it whole.
    private func restart(_ descriptor: Int32) throws(TLError) {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw .output(path: partial, problem: "cannot truncate (\(String(cString: strerror(errno))))")
        }
        hasher = sha256 == nil ? nil : SHA256()
    }

    /// Hashes the `count` bytes a previous run left, then leaves the offset at the end.
    private func hashExisting(_ descriptor: Int32, count: Int) throws(TLError) {
        var fresh = SHA256()
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw .output(path: partial, problem: "cannot seek") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var remaining = count
        while remaining > 0 {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, min($0.count, remaining)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .output(path: partial, problem: "cannot read back (\(String(cString: strerror(errno))))")
            }
            if got == 0 { break }
            buffer.withUnsafeBytes { fresh.update(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            remaining -= got
        }
        guard remaining == 0, lseek(descriptor, 0, SEEK_END) == count else {
            throw .output(path: partial, problem: "changed while being read")
        }
        hasher = fresh
    }

    private static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws(TLError) {
        guard var cursor = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = systemWrite(descriptor, cursor, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw .output(path: path, problem: "write failed (\(String(cString: strerror(errno))))")
            }
            remaining -= written
            cursor += written
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
