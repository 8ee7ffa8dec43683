import Foundation

/// In-place softmax of one row; a row with nothing visible becomes zeros
/// (TransformerLens replaces the NaNs of an all-masked row with 0).
func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
    softmaxRow(row, count: count, visible: count)
}

/// Softmax of one row whose entries from `visible` on are -inf (a causal row): they
/// become zeros without an exponential each. A `sink` logit (GPT-OSS's attention sinks) joins
/// the denominator as one more entry and is then dropped, so the row sums to less than one.
func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, visible: Int, sink: Float? = nil) {
    for j in visible..<count { row[j] = 0 }
    let count = visible
    var peak = sink ?? -Float.infinity
    for j in 0..<count { peak = max(peak, row[j]) }
    if peak == -.infinity {
        row.update(repeating: 0, count: count)
        return
    }
    var total: Float = sink.map { expf($0 - peak) } ?? 0
    for j in 0..<count {
        let e = expf(row[j] - peak)
        row[j] = e
        total += e
    }
    let inverse = 1 / total
    for j in 0..<count { row[j] *= inverse }
}
