import Testing
@testable import TLHub

struct DownloadProgressTests {
    @Test func largeFilesGetAFirstAndALastLine() {
        let lines = TextCollector()
        let meter = DownloadProgress(label: "org/m/model.safetensors", total: 5_000_000, alreadyHave: 1_000_000,
                                     terminal: false, output: { lines.append($0) })
        meter.advance(by: 4_000_000)
        meter.finish()
        #expect(lines.text.hasPrefix("downloading org/m/model.safetensors (5.0 MB, resuming at 1.0 MB)\n"))
        #expect(lines.text.hasSuffix("  org/m/model.safetensors: done, 5.0 MB\n"))
        #expect(!lines.text.contains("\r"))
    }

    @Test func terminalBarShowsBytesRateAndETA() {
        let drawn = TextCollector()
        let meter = DownloadProgress(label: "f", total: 2_000_000, alreadyHave: 0, terminal: true, output: { drawn.append($0) })
        meter.advance(by: 500_000)
        #expect(drawn.text.hasPrefix("\r\u{1B}[Kf [######------------------] 500.0 kB / 2.0 MB (25%), "))
        #expect(drawn.text.contains("/s, ETA "))
        meter.advance(by: 1_500_000)
        meter.finish()
        #expect(drawn.text.hasSuffix("\n"))
        #expect(drawn.text.contains("[########################] 2.0 MB / 2.0 MB (100%)"))
    }

    @Test func sizesAndDurationsReadWell() {
        #expect(DownloadProgress.size(999) == "999 B")
        #expect(DownloadProgress.size(163_880) == "163.9 kB")
        #expect(DownloadProgress.size(548_105_171) == "548.1 MB")
        #expect(DownloadProgress.duration(75) == "1:15")
        #expect(DownloadProgress.duration(3_725) == "1:02:05")
    }
}
