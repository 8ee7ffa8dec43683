import Foundation
import Testing
import TLCore
@testable import TLFormats
import TLTestSupport

/// Listings and values compared with what the reference libraries (safetensors, torch,
/// numpy) wrote into Fixtures/containers by tools/make_fixtures.py.
struct ContainerListingTests {
    struct Listing {
        let id: String
        let file: String
        let format: String
        let tensors: [JSONValue]
    }

    static let listings: [Listing] = {
        let folder = Fixtures.root + "/containers"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let json = try? JSONParser.parseFile(folder + "/" + name),
                  let file = json["file"]?.stringValue, let format = json["format"]?.stringValue,
                  let tensors = json["tensors"]?.arrayValue else { return nil }
            return Listing(id: String(name.dropLast(5)), file: file, format: format, tensors: tensors)
        }
    }()

    @Test func everyContainerKindHasAListing() {
        let formats = Set(Self.listings.map(\.format))
        #expect(formats.isSuperset(of: ["safetensors", "safetensors-index", "torch", "npy", "npz"]), "\(formats)")
        #expect(Self.listings.count >= 30)
    }

    @Test(arguments: listings.map(\.id))
    func listingMatchesTheReferenceLibrary(id: String) throws {
        let listing = try #require(Self.listings.first { $0.id == id })
        let source = try CheckpointOpener.open(Fixtures.root + "/" + listing.file)
        #expect(source.format == listing.format)
        let expected = listing.tensors.map { item in
            TensorInfo(name: item["name"]?.stringValue ?? "?", dtype: DType(rawValue: item["dtype"]?.stringValue ?? "") ?? .u8,
                       shape: item["shape"]?.arrayValue?.compactMap(\.intValue) ?? [-1])
        }
        #expect(source.tensorInfos == expected)
        for item in listing.tensors {
            guard let name = item["name"]?.stringValue else { continue }
            let tensor = try source.tensor(named: name)
            if let strides = item["strides"]?.arrayValue?.compactMap(\.intValue) {
                #expect(tensor.strides == strides || tensor.elementCount <= 1, "\(name)")
            }
            if let fortran = item["fortran_order"]?.boolValue, tensor.shape.filter({ $0 > 1 }).count > 1 {
                #expect(tensor.isContiguous == !fortran, "\(name)")
            }
        }
    }

    /// The sample files' values, as torch/numpy loaded them, saved with safetensors.
    @Test(arguments: ["sample.pt", "sample.npy", "sample_fortran.npy", "sample_stored.npz", "sample_deflated.npz"])
    func sampleValuesMatch(file: String) throws {
        let folder = Fixtures.root + "/containers/"
        let source = try CheckpointOpener.open(folder + file)
        let reference = try SafeTensorsFile(path: folder + file + ".values.safetensors")
        #expect(Set(source.tensorNames) == Set(reference.tensorNames))
        for name in reference.tensorNames {
            let ours = try source.tensor(named: name), theirs = try reference.tensor(named: name)
            // np.ascontiguousarray turns a 0-d array into shape [1] in the values file;
            // the listing (np.load) keeps [] and so do we.
            let theirShape = theirs.shape == [1] && ours.shape == [] ? [] : theirs.shape
            #expect(ours.dtype == theirs.dtype && ours.shape == theirShape, "\(name)")
            if ours.dtype.isFloatingPoint {
                #expect(ours.floats().map(\.bitPattern) == theirs.floats().map(\.bitPattern), "\(name)")
            } else {
                #expect(ours.integers() == theirs.integers(), "\(name)")
            }
        }
    }

    /// gpt2-bin, gpt2-sharded and gpt2-hub hold gpt2's weights; read through each
    /// container (opened as a model directory) they must equal the safetensors values.
    @Test(arguments: ["gpt2-bin", "gpt2-sharded", "gpt2-hub"])
    func sameWeightsThroughEveryContainer(variant: String) throws {
        let reference = try CheckpointOpener.open(Fixtures.model("gpt2"))
        let source = try CheckpointOpener.open(Fixtures.model(variant))
        var compared = 0
        for name in reference.tensorNames {
            let theirName = source.contains(name) ? name : String(name.dropFirst("transformer.".count))
            guard source.contains(theirName) else { continue }
            #expect(try source.tensor(named: theirName).floats() == reference.tensor(named: name).floats(), "\(name)")
            compared += 1
        }
        #expect(compared >= reference.tensorInfos.count - 1, "compared \(compared) of \(reference.tensorInfos.count)")
    }

    /// gpt2-f16 / gpt2-bf16 are gpt2's float32 weights cast by torch: our round-to-nearest-even
    /// narrowing of the float32 values must give the very same bits, and widening them back
    /// must give the same floats.
    @Test(arguments: [("gpt2-f16", DType.f16), ("gpt2-bf16", .bf16)])
    func halfPrecisionCheckpointsMatchTorchRounding(variant: String, dtype: DType) throws {
        let reference = try CheckpointOpener.open(Fixtures.model("gpt2"))
        let source = try CheckpointOpener.open(Fixtures.model(variant))
        #expect(source.tensorNames == reference.tensorNames)
        for name in reference.tensorNames {
            let stored = try source.tensor(named: name)
            #expect(stored.dtype == dtype)
            let narrowed = try reference.tensor(named: name).float32().encoded(as: dtype)
            #expect(narrowed.withContiguousBytes { Array($0) } == stored.withContiguousBytes { Array($0) }, "\(name)")
            #expect(narrowed.floats() == stored.floats(), "\(name)")
        }
    }

    @Test func inspectJSONMatchesTheListing() throws {
        for id in ["gpt2-sharded.model.safetensors.index.json", "sample-pt", "sample-deflated-npz", "gpt2-bin.pytorch_model.bin"] {
            let listing = try #require(Self.listings.first { $0.id == id })
            let result = try TLConvertProcess.run(["inspect", "--json", Fixtures.root + "/" + listing.file])
            #expect(result.status == 0)
            let json = try JSONParser.parse(result.stdout, path: "stdout")
            #expect(json["format"]?.stringValue == listing.format)
            let tensors = try #require(json["tensors"]?.arrayValue)
            #expect(tensors.count == listing.tensors.count)
            for (ours, theirs) in zip(tensors, listing.tensors) {
                #expect(ours["name"] == theirs["name"] && ours["dtype"] == theirs["dtype"] && ours["shape"] == theirs["shape"])
                let elements = theirs["shape"]?.arrayValue?.compactMap(\.intValue).reduce(1, *) ?? -1
                let size = DType(rawValue: theirs["dtype"]?.stringValue ?? "")?.byteSize ?? -1
                #expect(ours["bytes"]?.intValue == elements * size)
            }
            #expect(json["metadata"]?.objectMembers != nil)
        }
    }

    @Test func modelDirectoryPrefersSafeTensorsThenIndexThenBin() throws {
        #expect(try CheckpointOpener.weightsFile(inDirectory: Fixtures.model("gpt2")).hasSuffix("/model.safetensors"))
        #expect(try CheckpointOpener.weightsFile(inDirectory: Fixtures.model("gpt2-sharded")).hasSuffix("/model.safetensors.index.json"))
        #expect(try CheckpointOpener.weightsFile(inDirectory: Fixtures.model("gpt2-bin")).hasSuffix("/pytorch_model.bin"))
        let empty = TestSupport.temporaryDirectory()
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(empty) }
                == .notFound("\(empty): no weights found (expected model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json or one *.safetensors)"))
    }
}
