import Foundation
import TLCore
import TLFormats

/// Fetches what conversion needs from one revision of a Hub repo into the cache:
/// the revision's commit and file list from the API, then each file into
/// `blobs/<etag>` (resuming partial transfers) and a snapshot link to it.
struct HubDownloader {
    let environment: HubEnvironment
    let cache: HubCache
    let http: HubHTTP
    let progress: ProgressDisplay

    init(environment: HubEnvironment, progress: ProgressDisplay) {
        self.environment = environment
        self.cache = HubCache(root: environment.cacheDirectory)
        self.http = HubHTTP(token: environment.token,
                            tokenOrigin: URL(string: environment.endpoint).flatMap(HubHTTP.origin(of:)))
        self.progress = progress
    }

    /// Downloads the missing files of `repo` at `revision`; returns its commit and snapshot folder.
    /// - Parameter checkpointValue: a TransformerLens-native training checkpoint (`checkpoints/*_<value>.pth`).
    func download(repo: String, revision: String, checkpointValue: Int? = nil) throws(TLError) -> (commit: String, directory: String) {
        let info = try revisionInfo(repo: repo, revision: revision)
        let plan = try CheckpointFiles.plan(repo: repo, siblings: info.siblings, checkpointValue: checkpointValue)
        try cache.writeRef(repo: repo, revision: revision, commit: info.commit)
        let directory = cache.snapshotDirectory(repo: repo, commit: info.commit)

        try fetch(repo: repo, commit: info.commit, file: CheckpointFiles.config)
        try fetch(repo: repo, commit: info.commit, file: plan.weights)
        if plan.sharded {
            let shards = try CheckpointFiles.shards(ofIndex: directory + "/" + plan.weights)
            let listed = Set(info.siblings)
            for shard in shards {
                guard listed.contains(shard) else {
                    throw .notFound("\(repo): \(plan.weights) lists shard '\(shard)', which the repo does not hold")
                }
                try fetch(repo: repo, commit: info.commit, file: shard)
            }
        }
        for file in plan.tokenizer { try fetch(repo: repo, commit: info.commit, file: file) }
        // Where transformers' generate stops (eos_token_id); convert copies it to the output.
        if info.siblings.contains(CheckpointFiles.generationConfig) {
            try fetch(repo: repo, commit: info.commit, file: CheckpointFiles.generationConfig)
        }
        return (info.commit, directory)
    }

    /// Fetches only the tokenizer files of `repo` (a TransformerLens-native toy model's
    /// `tokenizer_name`); returns the snapshot folder.
    func downloadTokenizer(repo: String, revision: String) throws(TLError) -> String {
        let info = try revisionInfo(repo: repo, revision: revision)
        let files = CheckpointFiles.tokenizerFiles.filter(info.siblings.contains)
        guard files.contains("tokenizer.json") else {
            throw .notFound("\(repo): the repo has no tokenizer.json")
        }
        try cache.writeRef(repo: repo, revision: revision, commit: info.commit)
        for file in files { try fetch(repo: repo, commit: info.commit, file: file) }
        return cache.snapshotDirectory(repo: repo, commit: info.commit)
    }

    // MARK: - The API call

    struct RevisionInfo {
        let commit: String
        let siblings: [String]
    }

    func revisionInfo(repo: String, revision: String) throws(TLError) -> RevisionInfo {
        let url = try makeURL("/api/models/\(repo)/revision/\(Self.escape(revision, keepSlash: false))")
        let (head, body) = try http.get(url)
        try check(head, repo: repo, what: "revision '\(revision)'")
        let json = try body.withUnsafeBytes { bytes in
            Result { () throws(TLError) in try JSONParser.parse(bytes, path: url.absoluteString) }
        }.get()
        guard let sha = json["sha"]?.stringValue, HubCache.isCommitHash(sha) else {
            throw .network("\(url.absoluteString): the answer has no commit sha")
        }
        guard let siblings = json["siblings"]?.arrayValue else {
            throw .network("\(url.absoluteString): the answer has no file list (siblings)")
        }
        let names = siblings.compactMap { $0["rfilename"]?.stringValue }
        return RevisionInfo(commit: sha, siblings: names)
    }

    // MARK: - One file

    /// Makes `snapshots/<commit>/<file>` exist, downloading its blob unless cached.
    func fetch(repo: String, commit: String, file: String) throws(TLError) {
        let pointer = cache.snapshotDirectory(repo: repo, commit: commit) + "/" + file
        if FileManager.default.fileExists(atPath: pointer) { return }

        let url = try makeURL("/\(repo)/resolve/\(commit)/\(Self.escape(file, keepSlash: true))")
        let head = try http.head(url)
        try check(head, repo: repo, what: "file '\(file)'")
        guard let rawEtag = head["x-linked-etag"] ?? head["etag"] else {
            throw .network("\(url.absoluteString): the Hub sent no ETag, so the file cannot be cached")
        }
        let etag = Self.normalize(etag: rawEtag)
        guard CheckpointFiles.isPlainFileName(etag), !etag.hasSuffix(".incomplete") else {
            throw .network("\(url.absoluteString): unusable ETag '\(rawEtag)'")
        }
        let expected = (head["x-linked-size"] ?? head["content-length"]).flatMap { Int($0) }
        var location = url
        if (300..<400).contains(head.status), let target = head["location"] {
            guard let redirected = URL(string: target, relativeTo: head.url)?.absoluteURL else {
                throw .network("\(url.absoluteString): bad redirect '\(target)'")
            }
            location = redirected
        }

        let blob = cache.blobPath(repo: repo, etag: etag)
        try cache.makeDirectory(cache.parent(of: blob))
        let lock = try BlobLock(path: cache.lockPath(repo: repo, etag: etag))
        if !FileManager.default.fileExists(atPath: blob) {
            try BlobTransfer(http: http, url: location, blob: blob, label: "\(repo)/\(file)",
                             expectedSize: expected, sha256: SHA256.isHexDigest(etag) ? etag : nil,
                             progress: progress).run()
        }
        try cache.link(repo: repo, commit: commit, file: file, etag: etag)
        withExtendedLifetime(lock) {}  // held until the snapshot link exists, as huggingface_hub does
    }

    // MARK: - Helpers

    func makeURL(_ path: String) throws(TLError) -> URL {
        guard let url = URL(string: environment.endpoint + path) else {
            throw .usage("HF_ENDPOINT '\(environment.endpoint)' does not make a valid URL with '\(path)'")
        }
        return url
    }

    /// Turns an error status into the contract's one-line network error.
    func check(_ head: HTTPHead, repo: String, what: String) throws(TLError) {
        let status = head.status
        if status < 400 { return }
        let code = head["x-error-code"] ?? ""
        let tokenHint = environment.token == nil
            ? "set HF_TOKEN to a token of an account with access (https://huggingface.co/settings/tokens)"
            : "the token in HF_TOKEN was refused; check that its account has been granted access"
        switch (status, code) {
        case (401, _), (403, _), (_, "GatedRepo"):
            throw .network("\(repo): the repo is gated or private (HTTP \(status)); \(tokenHint)")
        case (_, "RevisionNotFound"):
            throw .notFound("\(repo): \(what) not found on \(environment.endpoint)")
        case (_, "EntryNotFound"):
            throw .notFound("\(repo): \(what) not found in the repo")
        case (404, _):
            throw .notFound("\(repo): not found on \(environment.endpoint) (\(what)); if it is private, \(tokenHint)")
        default:
            let message = head["x-error-message"].map { ": \($0)" } ?? ""
            throw .network("\(repo): HTTP \(status) for \(what) from \(head.url.absoluteString)\(message)")
        }
    }

    /// `W/"abc"` or `"abc"` → `abc`, as `huggingface_hub` names blobs.
    static func normalize(etag: String) -> String {
        var text = Substring(etag)
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        return String(text.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }

    /// Percent-encodes a revision (slashes too) or a file path (slashes kept).
    static func escape(_ text: String, keepSlash: Bool) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~" + (keepSlash ? "/" : ""))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
