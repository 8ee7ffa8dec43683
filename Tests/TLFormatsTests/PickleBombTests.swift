#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TLCore
@testable import TLFormats

/// Hostile pickles that are small on disk but deep or hugely shared once built: each is
/// refused with one line, quickly, instead of crashing (deep trees free recursively) or
/// expanding without bound. Time is CPU time of the opening thread, so a loaded machine
/// does not make a bounded case look slow.
struct PickleBombTests {
    private func open(_ pickle: [UInt8]) -> (path: String, error: TLError?, seconds: Double) {
        let path = TestSupport.file(TestSupport.torchZip(pickle: pickle, records: []), named: "bomb.pt")
        let start = Self.threadCPUSeconds()
        let error = thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
        return (path, error, Self.threadCPUSeconds() - start)
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private func pickle(_ body: (inout PickleBuilder) -> Void) -> [UInt8] {
        var p = PickleBuilder()
        p.op(0x80); p.byte(2)
        body(&p)
        p.op(0x2E)
        return p.bytes
    }

    /// 200,000 nested tuples (~200 KB): used to overflow the stack when freed.
    @Test func nestedTuplesStopAtTheDepthLimit() {
        let bytes = pickle { p in
            p.op(0x29)  // EMPTY_TUPLE
            p.bytes += [UInt8](repeating: 0x85, count: 200_000)  // TUPLE1 × 200,000
        }
        let result = open(bytes)
        #expect(result.error == .badFile(path: "\(result.path) (archive/data.pkl)",
                                         problem: "pickle: nests containers deeper than 1000 levels (hostile input?)"))
        #expect(result.seconds < 5)
    }

    /// The same with lists appended into lists, and dicts set into dicts.
    @Test func nestedListsAndDictsStopAtTheDepthLimit() {
        let lists = pickle { p in
            p.bytes += [UInt8](repeating: 0x5D, count: 100_000)  // EMPTY_LIST × 100,000
            p.bytes += [UInt8](repeating: 0x61, count: 99_999)   // APPEND each into the one below
        }
        #expect(open(lists).error?.description.hasSuffix("pickle: nests containers deeper than 1000 levels (hostile input?)") == true)
        let dicts = pickle { p in
            for _ in 0..<50_000 { p.op(0x7D); p.op(0x4E) }       // EMPTY_DICT, None (the key)
            p.op(0x7D)
            p.bytes += [UInt8](repeating: 0x73, count: 50_000)  // SETITEM each into the one below
        }
        #expect(open(dicts).error?.description.hasSuffix("pickle: nests containers deeper than 1000 levels (hostile input?)") == true)
    }

    /// Nesting just under the limit is built and freed without trouble (and refused later,
    /// as no state dict nests that deep).
    @Test func nestingUnderTheLimitIsFreedSafely() {
        let result = open(TestSupport.nestedTuplesPickle(depth: 991))
        #expect(result.error == .badFile(path: result.path, problem: "pickle nests containers deeper than 16 levels"))
    }

    /// Lists kept in the memo and linked one into the next afterwards: a chain whose depth
    /// no container recorded. A container that is already inside another may not change.
    @Test func changingAPlacedContainerIsRefused() {
        let bytes = pickle { p in
            for i in 0..<3 { p.op(0x5D); p.put(UInt8(i)); p.op(0x30) }  // three empty lists in the memo
            p.get(1); p.get(2); p.op(0x61); p.op(0x30)                   // l1.append(l2)
            p.get(0); p.get(1); p.op(0x61); p.op(0x30)                   // l0.append(l1)
            p.get(2); p.op(0x4E); p.op(0x61)                             // l2.append(None): l2 is inside l1
        }
        #expect(open(bytes).error?.description.hasSuffix("pickle: APPEND changes a list already placed inside another container (hostile input?)") == true)
    }

    @Test func selfContainingDictIsRefusedWhileUnpickling() {
        // d = {}; d['a'] = d  →  EMPTY_DICT BINPUT 0 X'a' BINGET 0 SETITEM STOP
        let bytes = pickle { p in p.op(0x7D); p.put(0); p.unicode("a"); p.get(0); p.op(0x73) }
        let result = open(bytes)
        #expect(result.error == .badFile(path: "\(result.path) (archive/data.pkl)", problem: "pickle: SETITEM puts a dict inside itself"))
    }

    /// A sub-kilobyte "billion laughs": 15 layers of lists, each holding the layer below 24 times
    /// by memo reference — 24^15 paths to walk.
    @Test func sharedLayersDoNotExpandWhenWalked() {
        let bytes = TestSupport.sharedLayersPickle(layers: 15, fanout: 24, tensorLeaf: false)
        #expect(bytes.count < 1024)
        let result = open(bytes)
        #expect(result.error == .badFile(path: result.path, problem: "pickle expands to too many values when walked (a memoised structure reused over and over? hostile input?)"))
        #expect(result.seconds < 5)
    }

    /// One memoised list of pairs turned into an OrderedDict over and over: quadratic in
    /// the input unless every copied item counts.
    @Test func reusedOrderedDictArgumentsAreBounded() {
        let bytes = pickle { p in
            p.global("collections", "OrderedDict"); p.put(0); p.op(0x30)
            p.op(0x5D); p.op(0x28)
            for i in 0..<20_000 { p.int(i); p.op(0x4E); p.op(0x86) }  // (i, None)
            p.op(0x65); p.put(1); p.op(0x30)
            for _ in 0..<30_000 { p.get(0); p.get(1); p.op(0x85); p.op(0x52); p.op(0x30) }  // OrderedDict(l); POP
            p.op(0x7D)
        }
        let result = open(bytes)
        #expect(result.error?.description.contains("pickle: builds more than") == true, "\(String(describing: result.error))")
        #expect(result.seconds < 5)
    }

    /// A storage whose byte count overflows says so instead of "need 0".
    @Test func overflowingStorageSizeIsNamed() {
        let count = 1 << 62
        let bytes = TestSupport.torchZip(pickle: TestSupport.torchPickle(tensors: [("w", "0", [2], [1], 0, count)]),
                                         records: [("0", TestSupport.floats([1, 2]))])
        let path = TestSupport.file(bytes, named: "big.pt")
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
                == .badFile(path: path, problem: "tensor 'w': storage archive/data/0 declares 4611686018427387904 F32 elements, an implausibly large size (its byte count overflows)"))
    }
}
