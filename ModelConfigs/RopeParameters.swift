import TLCore
import TLModel

extension HFConfig {
    /// The rotary base as transformers 4 (`rope_theta`) or 5 (`rope_parameters`, flat or per layer
    /// type: `{"full_attention": {...}, "sliding_attention": {...}}`) writes it. Only plain rotary
    /// (`rope_type` default) with one base for every layer type is accepted: a scaled kind (YaRN)
    /// or per-type bases change the frequencies in a way one `rotary_base` cannot say.
    public func plainRopeTheta(default value: Double) throws(TLError) -> Double {
        if let theta = try optionalDouble("rope_theta") { return theta }
        guard let parameters = object("rope_parameters") else { return value }
        let flat = parameters["rope_type"] != nil || parameters["rope_theta"] != nil
        let kinds = flat ? [("rope_parameters", parameters)]
            : (parameters.objectMembers ?? []).map { ("rope_parameters.\($0.key)", $0.value) }
        var bases = Set<Double>()
        for (name, entry) in kinds {
            let kind = entry["rope_type"]?.stringValue ?? entry["type"]?.stringValue ?? "default"
            guard kind == "default" else {
                throw .unsupported("\(path): \(name) rope_type '\(kind)' is not supported (plain rotary only)")
            }
            if let theta = entry["rope_theta"]?.doubleValue { bases.insert(theta) }
        }
        guard bases.count <= 1 else {
            throw .unsupported("\(path): rope_parameters give layer types different rope_theta \(bases.sorted()); one base is supported")
        }
        return bases.first ?? value
    }
}
