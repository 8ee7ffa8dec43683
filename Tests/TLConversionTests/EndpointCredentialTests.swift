import Foundation
import Testing
import TLTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `HF_ENDPOINT` may hold `user:password@`: no line tlconvert prints shows them.
struct EndpointCredentialTests {
    /// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return UInt16(bigEndian: address.sin_port)
    }

    @Test func endpointCredentialsAreNeverShown() throws {
        let cache = ConversionTests.scratch("credentials")
        let endpoint = "http://hubuser:s3cret-pass@127.0.0.1:\(try Self.closedPort())"
        for arguments in [["download", "someorg/somerepo"], ["convert", "someorg/somerepo", "-o", cache + "/out"]] {
            let result = try TLConvertProcess.run(arguments, environment: ["HF_ENDPOINT": endpoint, "HF_HUB_CACHE": cache,
                                                                           "HF_HUB_OFFLINE": "0", "HF_TOKEN": ""])
            CommandLineMessageTests.expectOneLine(result, "http://***@127.0.0.1:")
            #expect(!result.stderr.contains("s3cret") && !result.stderr.contains("hubuser"), "\(result.stderr)")
        }
    }
}
