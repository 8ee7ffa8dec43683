import ArgumentParser

/// How a MODEL name is looked up on the Hub; shared by every command that resolves one.
struct HubOptions: ParsableArguments {
    @Option(help: "Revision (branch, tag or commit) of a hub model.")
    var revision: String?

    @Flag(help: "Never touch the network (HF_HUB_OFFLINE=1 does the same); say what the cache lacks.")
    var offline = false
}
