import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TLCore

/// The head of an HTTP response: status, headers (keys lower-cased) and the URL
/// that answered (after any redirects that were followed).
struct HTTPHead: Sendable {
    let status: Int
    let headers: [String: String]
    let url: URL

    subscript(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Which redirects a request follows.
enum RedirectPolicy: Sendable {
    /// Every redirect (file bodies: the Hub sends LFS files to a CDN).
    case all
    /// Only redirects to a relative `Location` (a renamed repo on the same Hub), so
    /// that a metadata request sees the Hub's own headers (X-Linked-Etag, X-Repo-Commit)
    /// rather than the CDN's, as `huggingface_hub` does.
    case relativeOnly
}

/// Blocking HTTP over FoundationNetworking's URLSession, one session per request.
/// The bearer token goes only to the Hub's own origin (host and port), never to the
/// CDN it sends LFS files to (those URLs are signed), as `huggingface_hub` does.
struct HubHTTP: Sendable {
    let token: String?
    /// `host:port` of the Hub endpoint, the one origin that gets the token.
    let tokenOrigin: String?
    /// Seconds without any bytes arriving before a request fails.
    var idleTimeout: TimeInterval = 60

    /// GET a small body (API JSON) into memory, following redirects.
    func get(_ url: URL) throws(TLError) -> (HTTPHead, Data) {
        var body = Data()
        let head = try perform(request(url, method: "GET"), redirects: .all) { chunk throws(TLError) in
            guard body.count + chunk.count <= 64 << 20 else {
                throw .network("\(url.absoluteString): response larger than 64 MiB, not an API answer")
            }
            body.append(contentsOf: chunk)
        }
        return (head, body)
    }

    /// HEAD, following only relative redirects.
    func head(_ url: URL) throws(TLError) -> HTTPHead {
        try perform(request(url, method: "HEAD"), redirects: .relativeOnly, sink: nil)
    }

    /// GET streaming the body into `sink` chunk by chunk, from byte `offset` on
    /// (a `Range` request when `offset > 0`). `accept` sees the final head before any
    /// byte is delivered and may throw to abandon the transfer.
    func stream(_ url: URL, from offset: Int, accept: @escaping (HTTPHead) throws(TLError) -> Void,
                sink: @escaping (UnsafeRawBufferPointer) throws(TLError) -> Void) throws(TLError) -> HTTPHead {
        var req = request(url, method: "GET")
        if offset > 0 { req.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        return try perform(req, redirects: .all, accept: accept, sink: sink)
    }

    private func request(_ url: URL, method: String) -> URLRequest {
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.timeoutInterval = idleTimeout
        // The real size matters: no transparent compression.
        req.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        req.setValue("tlconvert/\(TLConvertVersion.string)", forHTTPHeaderField: "User-Agent")
        if let token, Self.origin(of: url) == tokenOrigin {
            req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        return req
    }

    private func perform(_ request: URLRequest, redirects: RedirectPolicy,
                         accept: ((HTTPHead) throws(TLError) -> Void)? = nil,
                         sink: ((UnsafeRawBufferPointer) throws(TLError) -> Void)?) throws(TLError) -> HTTPHead {
        let delegate = TransferDelegate(tokenOrigin: tokenOrigin, redirects: redirects, accept: accept, sink: sink)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        let task = session.dataTask(with: request)
        task.resume()
        delegate.done.wait()
        session.finishTasksAndInvalidate()
        let target = request.url?.absoluteString ?? "?"
        if let failure = delegate.failure { throw failure }
        if let error = delegate.transportError {
            throw .network("\(target): \(Self.describe(error))")
        }
        guard let head = delegate.head else { throw .network("\(target): no response") }
        return head
    }

    /// `host:port` of a URL (the port spelled out even when it is the scheme's default).
    static func origin(of url: URL) -> String? {
        guard let host = url.host?.lowercased() else { return nil }
        let port = url.port ?? (url.scheme?.lowercased() == "http" ? 80 : 443)
        return "\(host):\(port)"
    }

    /// A short, human phrase for a transport error.
    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSURLErrorDomain {
            switch ns.code {
            case NSURLErrorTimedOut: return "timed out"
            case NSURLErrorCannotConnectToHost: return "cannot connect to host"
            case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: return "host not found"
            case NSURLErrorNotConnectedToInternet: return "not connected to the internet"
            case NSURLErrorNetworkConnectionLost: return "connection lost"
            default: break
            }
        }
        return ns.localizedDescription
    }
}

/// Receives one task's callbacks. Its state is touched only on the session's serial
/// delegate queue until `done` is signalled, and read only after that.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    let tokenOrigin: String?
    let redirects: RedirectPolicy
    let accept: ((HTTPHead) throws(TLError) -> Void)?
    let sink: ((UnsafeRawBufferPointer) throws(TLError) -> Void)?
    var head: HTTPHead?
    var failure: TLError?
    var transportError: Error?

    init(tokenOrigin: String?, redirects: RedirectPolicy,
         accept: ((HTTPHead) throws(TLError) -> Void)?, sink: ((UnsafeRawBufferPointer) throws(TLError) -> Void)?) {
        self.tokenOrigin = tokenOrigin
        self.redirects = redirects
        self.accept = accept
        self.sink = sink
    }

    static func head(of response: URLResponse) -> HTTPHead? {
        guard let http = response as? HTTPURLResponse, let url = http.url else { return nil }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return HTTPHead(status: http.statusCode, headers: headers, url: url)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        let location = Self.head(of: response)?["location"] ?? ""
        let relative = location.hasPrefix("/") && !location.hasPrefix("//")
        if case .relativeOnly = redirects, !relative {
            completionHandler(nil)
            return
        }
        var next = request
        if next.url.flatMap(HubHTTP.origin(of:)) != tokenOrigin { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        head = Self.head(of: response)
        if let head, let accept {
            do throws(TLError) {
                try accept(head)
            } catch {
                failure = error
                completionHandler(.cancel)
                return
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let sink else { return }
        let result = data.withUnsafeBytes { bytes in Result { () throws(TLError) in try sink(bytes) } }
        if case .failure(let error) = result {
            failure = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error, failure == nil {
            let ns = error as NSError
            if !(ns.domain == NSURLErrorDomain && ns.code == NSURLErrorCancelled) { transportError = error }
        }
        if head == nil, let response = task.response { head = Self.head(of: response) }
        done.signal()
    }
}
