import Testing
@testable import TLCore

/// The rearrange language against small cases worked out by hand.
struct RearrangeTests {
    /// 0, 1, 2, … in the given shape.
    private func iota(_ shape: [Int]) -> FloatTensor {
        FloatTensor(shape: shape, values: (0..<shape.reduce(1, *)).map(Float.init))
    }

    @Test func splitsRowsIntoHeads() throws {
        // in[r][c] = 3r + c with r = (n h), n = 2, h = 2; out[n][m][h] = in[2n + h][m].
        let out = try iota([4, 3]).rearranged("(n h) m -> n m h", sizes: ["n": 2])
        #expect(out.shape == [2, 3, 2])
        #expect(out.values == [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11])
    }

    @Test func splitsColumnsIntoHeads() throws {
        // in[m][c] = 4m + c with c = (n h); out[n][m][h] = in[m][2n + h].
        let out = try iota([2, 4]).rearranged("m (n h) -> n m h", sizes: ["h": 2])
        #expect(out.shape == [2, 2, 2])
        #expect(out.values == [0, 1, 4, 5, 2, 3, 6, 7])
    }

    @Test func repeatsAlongANewAxis() throws {
        // Multi-query attention: one [m, h] key head copied to each of n = 3 query heads.
        let out = try iota([2, 2]).rearranged("m h -> n m h", sizes: ["n": 3])
        #expect(out.shape == [3, 2, 2])
        #expect(out.values == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
        #expect(try Rearrange.inputShape("m h -> n m h", producing: [3, 2, 2]) == [2, 2])
        #expect(throws: TLError.self) { try iota([2, 2]).rearranged("m h -> n m h") }  // n's size unknown
    }

    @Test func mergesAxes() throws {
        // [n, h, m] → [m, (n h)]: out[m][2n + h] = in[n][h][m] = 6n + 3h + m... with m = 3.
        let out = try iota([2, 2, 3]).rearranged("n h m -> m (n h)")
        #expect(out.shape == [3, 4])
        #expect(out.values == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    }

    @Test func selectsOnePartOfAFusedAxis() throws {
        // GPT-2 c_attn: in [m=2, (qkv=3 n=1 h=2)], value 6m + c; K is qkv = 1: columns 2, 3.
        let k = try iota([2, 6]).rearranged("m (qkv n h) -> n m h", sizes: ["qkv": 3, "n": 1], selecting: ["qkv": 1])
        #expect(k.shape == [1, 2, 2])
        #expect(k.values == [2, 3, 8, 9])
        // NeoX interleaving: rows (n=2 qkv=3 h=1), value r; V of head 1 is row 1·3 + 2 = 5.
        let v = try iota([6, 1]).rearranged("(n qkv h) m -> n m h", sizes: ["qkv": 3, "h": 1], selecting: ["qkv": 2])
        #expect(v.shape == [2, 1, 1])
        #expect(v.values == [2, 5])
    }

    @Test func transposesAndKeepsOneDimensionalCases() throws {
        let t = try iota([2, 3]).rearranged("a b -> b a")
        #expect(t.shape == [3, 2])
        #expect(t.values == [0, 3, 1, 4, 2, 5])
        let b = try iota([6]).rearranged("(n h) -> n h", sizes: ["n": 3])
        #expect(b.shape == [3, 2])
        #expect(b.values == [0, 1, 2, 3, 4, 5])
    }

    @Test func infersInputShapes() throws {
        #expect(try Rearrange.inputShape("(n h) m -> n m h", producing: [4, 8, 2]) == [8, 8])
        #expect(try Rearrange.inputShape("m (qkv n h) -> n m h", producing: [4, 8, 2], sizes: ["qkv": 3]) == [8, 24])
        #expect(throws: TLError.self) { try Rearrange.inputShape("m (qkv n h) -> n m h", producing: [4, 8, 2]) }
    }

    @Test func rejectsBadPatternsAndShapes() {
        #expect(throws: TLError.self) { try self.iota([4, 3]).rearranged("(n h) m n -> n m h") }  // rank / repeat
        #expect(throws: TLError.self) { try self.iota([4, 3]).rearranged("(n h) m -> n m h") }  // two unknowns
        #expect(throws: TLError.self) { try self.iota([4, 3]).rearranged("(n h) m -> n m h", sizes: ["n": 3]) }  // 4 ∤ 3
        #expect(throws: TLError.self) { try self.iota([4, 3]).rearranged("(n h) m -> n m h x", sizes: ["n": 2]) }
        #expect(throws: TLError.self) { try self.iota([6]).rearranged("(q n) -> n", sizes: ["q": 3]) }  // q not selected
        #expect(throws: TLError.self) { try self.iota([6]).rearranged("(q n) -> n", sizes: ["q": 3], selecting: ["q": 3]) }
        #expect(throws: TLError.self) { try self.iota([4]).rearranged("((a) b) -> a b") }
    }

    @Test func slicesAndSplits() throws {
        let t = iota([4, 3])
        #expect(try t.sliced(axis: 0, 1..<3).values == [3, 4, 5, 6, 7, 8])
        #expect(try t.sliced(axis: 1, 2..<3).values == [2, 5, 8, 11])
        let parts = try t.split(axis: 0, sizes: [1, 2, 1])
        #expect(parts.map(\.shape) == [[1, 3], [2, 3], [1, 3]])
        #expect(parts[2].values == [9, 10, 11])
        #expect(throws: TLError.self) { try t.split(axis: 0, sizes: [2, 3]) }
        #expect(throws: TLError.self) { try t.sliced(axis: 2, 0..<1) }
    }
}
