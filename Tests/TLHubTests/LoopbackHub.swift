import Foundation
import TLFormats
#if canImport(Glibc)
import Glibc
#endif
@testable import TLHub

/// A repo the loopback Hub serves: files by name, one commit.
struct FakeRepo {
    var id: String
    var commit: String
    var files: [String: [UInt8]]
    /// Bearer token required for every Hub URL of this repo (a gated repo).
    var requiredToken: String?
    /// Branch or tag names besides `main` that resolve to `commit` (Pythia's `step{V}`).
    var branches: Set<String> = []

    /// Weight files are LFS files on the real Hub: served by a redirect to the "CDN"
    /// with X-Linked-Etag = sha256 of the content.
    func isLFS(_ file: String) -> Bool {
        file.hasSuffix(".safetensors") || file.hasSuffix(".bin") || file.hasSuffix(".h5")
            || file.hasSuffix(".msgpack") || file.hasSuffix(".onnx") || file.hasSuffix(".ot") || file.hasSuffix(".model")
    }
}

/// One request as the server saw it.
struct LoggedRequest: Sendable {
    /// Which listener took it: the Hub's or the CDN's.
    let cdn: Bool
    let method: String
    let path: String
    let headers: [String: String]
}

/// A minimal HTTP/1.1 server on 127.0.0.1 (random free port) speaking the Hub's URL
/// layout: `/api/models/{repo}/revision/{rev}`, `/{repo}/resolve/{rev}/{file}` (LFS
/// files redirect to `/cdn/{sha256}` on a second port, another origin as the real
/// CDN is), with ETag, X-Linked-Etag, X-Linked-Size, X-Repo-Commit, Content-Length
/// and Range. One connection per request.
final class LoopbackHub: @unchecked Sendable {
    let port: UInt16
    let cdnPort: UInt16
    var endpoint: String { "http://127.0.0.1:\(port)" }
    var cdnEndpoint: String { "http://127.0.0.1:\(cdnPort)" }

    private let listener: Int32
    private let cdnListener: Int32
    private let lock = NSLock()
    private var repos: [String: FakeRepo]
    private var log: [LoggedRequest] = []
    /// CDN transfers of a sha256 to cut after this many body bytes, once each.
    private var drops: [String: Int] = [:]
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(repos: [FakeRepo]) throws {
        self.repos = Dictionary(uniqueKeysWithValues: repos.map { ($0.id, $0) })
        (listener, port) = try Self.listen()
        do { (cdnListener, cdnPort) = try Self.listen() } catch { close(listener); throw error }
        for (socket, cdn) in [(listener, false), (cdnListener, true)] {
            Thread { [self] in acceptLoop(socket, cdn: cdn) }.start()
        }
    }

    /// A listening socket on 127.0.0.1 at a port the system picks.
    private static func listen() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    deinit { stop() }

    func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        guard !wasStopped else { return }
        for socket in [listener, cdnListener] {
            shutdown(socket, Int32(SHUT_RDWR))
            close(socket)
        }
        finished.wait()
        finished.wait()
    }

    var requests: [LoggedRequest] {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    func clearLog() {
        lock.lock(); log.removeAll(); lock.unlock()
    }

    /// The next CDN transfer of `file` in `repo` sends `bytes` body bytes, then hangs up.
    func dropConnection(repo: String, file: String, after bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        if let content = repos[repo]?.files[file] { drops[Self.sha256(content)] = bytes }
    }

    // MARK: - Serving

    private func acceptLoop(_ listener: Int32, cdn: Bool) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                lock.lock(); let done = stopped; lock.unlock()
                if done || (errno != EINTR && errno != ECONNABORTED) { break }
                continue
            }
            let thread = Thread { [self] in
                serve(client, cdn: cdn)
                close(client)
            }
            thread.start()
        }
        finished.signal()
    }

    private func serve(_ client: Int32, cdn: Bool) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let count = recv(client, &chunk, chunk.count, 0)
            if count <= 0 { return }
            buffer += chunk[0..<count]
            if buffer.count > 65536 { return }
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        let method = String(requestLine[0])
        let path = String(requestLine[1])
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        lock.lock()
        log.append(LoggedRequest(cdn: cdn, method: method, path: path, headers: headers))
        lock.unlock()
        respond(client, cdn: cdn, method: method, path: path, headers: headers)
    }

    private func respond(_ client: Int32, cdn: Bool, method: String, path: String, headers: [String: String]) {
        let decoded = path.removingPercentEncoding ?? path
        if cdn != decoded.hasPrefix("/cdn/") { return send(client, 404, [:], body: []) }
        if decoded.hasPrefix("/api/models/"), let range = decoded.range(of: "/revision/") {
            let repoID = String(decoded[decoded.index(decoded.startIndex, offsetBy: 12)..<range.lowerBound])
            let revision = String(decoded[range.upperBound...])
            guard let repo = repo(repoID) else { return send(client, 404, ["X-Error-Code": "RepoNotFound"], body: []) }
            guard authorized(repo, headers) else { return send(client, 401, ["X-Error-Code": "GatedRepo"], body: []) }
            guard revision == "main" || revision == repo.commit || repo.branches.contains(revision) else {
                return send(client, 404, ["X-Error-Code": "RevisionNotFound"], body: [])
            }
            let siblings = repo.files.keys.sorted().map { "{\"rfilename\": \"\($0)\"}" }.joined(separator: ", ")
            let json = "{\"_id\": \"x\", \"id\": \"\(repo.id)\", \"sha\": \"\(repo.commit)\", \"siblings\": [\(siblings)]}"
            return send(client, 200, ["Content-Type": "application/json"], body: Array(json.utf8), method: method)
        }
        if decoded.hasPrefix("/cdn/") {
            let sha = String(decoded.dropFirst(5))
            lock.lock()
            let content = repos.values.lazy.flatMap { $0.files.values }.first { Self.sha256($0) == sha }
            let drop = drops.removeValue(forKey: sha)
            lock.unlock()
            guard let content else { return send(client, 404, [:], body: []) }
            return sendFile(client, content, etag: "\"cdn-\(sha.prefix(16))\"", extra: [:], method: method,
                            headers: headers, dropAfter: drop)
        }
        if let range = decoded.range(of: "/resolve/") {
            let repoID = String(decoded[decoded.index(after: decoded.startIndex)..<range.lowerBound])
            let rest = decoded[range.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return send(client, 404, [:], body: []) }
            let revision = String(rest[..<slash])
            let file = String(rest[rest.index(after: slash)...])
            guard let repo = repo(repoID) else { return send(client, 404, ["X-Error-Code": "RepoNotFound"], body: []) }
            guard authorized(repo, headers) else { return send(client, 401, ["X-Error-Code": "GatedRepo"], body: []) }
            guard revision == "main" || revision == repo.commit else {
                return send(client, 404, ["X-Error-Code": "RevisionNotFound"], body: [])
            }
            guard let content = repo.files[file] else { return send(client, 404, ["X-Error-Code": "EntryNotFound"], body: []) }
            if repo.isLFS(file) {
                let sha = Self.sha256(content)
                let body = Array("Found. Redirecting to \(cdnEndpoint)/cdn/\(sha)".utf8)
                return send(client, 302, [
                    "Location": "\(cdnEndpoint)/cdn/\(sha)",
                    "X-Linked-Etag": "\"\(sha)\"",
                    "X-Linked-Size": "\(content.count)",
                    "X-Repo-Commit": repo.commit,
                    "ETag": "W/\"redirect-\(sha.prefix(8))\"",
                ], body: body, method: method)
            }
            return sendFile(client, content, etag: "\"\(Self.gitBlobID(content))\"", extra: ["X-Repo-Commit": repo.commit],
                            method: method, headers: headers, dropAfter: nil)
        }
        send(client, 404, [:], body: [])
    }

    private func repo(_ id: String) -> FakeRepo? {
        lock.lock(); defer { lock.unlock() }
        return repos[id]
    }

    private func authorized(_ repo: FakeRepo, _ headers: [String: String]) -> Bool {
        guard let token = repo.requiredToken else { return true }
        return headers["authorization"] == "Bearer \(token)"
    }

    private func sendFile(_ client: Int32, _ content: [UInt8], etag: String, extra: [String: String], method: String,
                          headers: [String: String], dropAfter: Int?) {
        var fields = extra
        fields["ETag"] = etag
        fields["Accept-Ranges"] = "bytes"
        var status = 200
        var slice = content[...]
        if let range = headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let start = Int(range.dropFirst(6).dropLast()) {
            guard start < content.count else {
                fields["Content-Range"] = "bytes */\(content.count)"
                return send(client, 416, fields, body: [], method: method)
            }
            status = 206
            slice = content[start...]
            fields["Content-Range"] = "bytes \(start)-\(content.count - 1)/\(content.count)"
        }
        var body = Array(slice)
        var declared: Int? = nil
        if let dropAfter, method == "GET", dropAfter < body.count {
            declared = body.count
            body = Array(body.prefix(dropAfter))
        }
        send(client, status, fields, body: body, method: method, declaredLength: declared)
    }

    private func send(_ client: Int32, _ status: Int, _ fields: [String: String], body: [UInt8], method: String = "GET",
                      declaredLength: Int? = nil) {
        let reasons = [200: "OK", 206: "Partial Content", 302: "Found", 401: "Unauthorized", 404: "Not Found",
                       416: "Range Not Satisfiable"]
        var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\n"
        for (key, value) in fields { head += "\(key): \(value)\r\n" }
        head += "Content-Length: \(declaredLength ?? body.count)\r\nConnection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if method != "HEAD" { bytes += body }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
        if declaredLength != nil { shutdown(client, Int32(SHUT_RDWR)) }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.hexDigest()
    }

    /// A 40-hex id standing for the git blob id the Hub sends as a small file's ETag.
    static func gitBlobID(_ bytes: [UInt8]) -> String {
        String(sha256(Array("blob \(bytes.count)\u{0}".utf8) + bytes).prefix(40))
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return true
        }
        return false
    }
}
