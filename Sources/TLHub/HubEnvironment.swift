import Foundation

/// Where the Hub is and where its cache lives, read the way Python's
/// `huggingface_hub` reads them, so both tools share one cache.
public struct HubEnvironment: Sendable, Equatable {
    /// Base URL of the Hub, without a trailing slash (`HF_ENDPOINT`).
    public var endpoint: String
    /// The cache root holding `models--org--name/` folders.
    public var cacheDirectory: String
    /// Bearer token for gated or private repos (`HF_TOKEN`).
    public var token: String?
    /// `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) is set: never touch the network.
    public var offline: Bool

    public init(endpoint: String, cacheDirectory: String, token: String? = nil, offline: Bool = false) {
        self.endpoint = endpoint
        self.cacheDirectory = cacheDirectory
        self.token = token
        self.offline = offline
    }

    /// Reads an environment: cache = `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`,
    /// else `HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
    /// `~/.cache/huggingface/hub`; endpoint = `HF_ENDPOINT` or the public Hub.
    public init(variables: [String: String]) {
        func value(_ key: String) -> String? {
            guard let v = variables[key], !v.isEmpty else { return nil }
            return v
        }
        let home = value("HOME") ?? "/"
        func expand(_ path: String) -> String {
            if path == "~" { return home }
            if path.hasPrefix("~/") { return home + path.dropFirst(1) }
            return path
        }
        let hfHome = expand(value("HF_HOME") ?? ((value("XDG_CACHE_HOME") ?? home + "/.cache") + "/huggingface"))
        cacheDirectory = expand(value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") ?? hfHome + "/hub")
        var base = value("HF_ENDPOINT") ?? "https://huggingface.co"
        while base.hasSuffix("/") { base.removeLast() }
        endpoint = base
        token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN")
        offline = Self.isTrue(value("HF_HUB_OFFLINE") ?? value("TRANSFORMERS_OFFLINE"))
    }

    /// The environment of this process.
    public static var current: HubEnvironment { HubEnvironment(variables: ProcessInfo.processInfo.environment) }

    /// `huggingface_hub`'s reading of a boolean variable.
    static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(value.uppercased())
    }
}
