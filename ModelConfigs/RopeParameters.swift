import Foundation
import TLCore
import TLFormats
import TLModel

/// The rotary settings a config gives: the base of global layers, the base of local (sliding)
/// layers when it differs, and YaRN scaling.
public struct RotarySettings: Sendable, Equatable {
    public var base: Double
    public var localBase: Double?
    public var yarn: YarnRope?
}

/// Which layers a transformers 4 `rope_scaling` entry scales.
public enum RopeScalingScope: Sendable {
    /// Every layer (GPT-OSS: one rotary embedding for the model).
    case allLayers
    /// Full-attention layers only; sliding layers rotate plainly (OLMo 3, in transformers 4 and 5).
    case fullAttentionLayers
}

extension HFConfig {
    /// The rotary base as transformers 4 (`rope_theta`) or 5 (`rope_parameters`, flat or per layer
    /// type: `{"full_attention": {...}, "sliding_attention": {...}}`) writes it. Only plain rotary
    /// (`rope_type` default) with one base for every layer type is accepted: a scaled kind (YaRN)
    /// or per-type bases change the frequencies in a way one `rotary_base` cannot say.
    public func plainRopeTheta(default value: Double) throws(TLError) -> Double {
        let settings = try rotarySettings(defaultTheta: value, context: try int("max_position_embeddings", default: 2048),
                                          scope: .allLayers, defaultScaling: nil)
        if settings.yarn != nil {
            throw .unsupported("\(path): rope_type 'yarn' is not supported for this family (plain rotary only)")
        }
        if let local = settings.localBase {
            throw .unsupported("\(path): rope_parameters give layer types different rope_theta \([settings.base, local].sorted()); one base is supported")
        }
        return settings.base
    }

    /// Rotary base(s) and YaRN scaling from `rope_theta` + `rope_scaling` (transformers 4) or
    /// `rope_parameters` (transformers 5, flat or per layer type). Plain and YaRN rotary are
    /// accepted; YaRN on sliding layers only, or different YaRN settings per type, are refused.
    /// - Parameters:
    ///   - context: the model's `max_position_embeddings` (YaRN's fallback original context).
    ///   - scope: the layers a transformers 4 `rope_scaling` applies to.
    ///   - defaultScaling: what the config class assumes when `rope_scaling` is not written at
    ///     all (GPT-OSS's class defaults to YaRN); null means none.
    public func rotarySettings(defaultTheta: Double, context: Int, scope: RopeScalingScope,
                               defaultScaling: JSONValue?) throws(TLError) -> RotarySettings {
        var full: (theta: Double, yarn: YarnRope?)
        var sliding: (theta: Double, yarn: YarnRope?)
        // A top-level `rope_theta` is the base of entries that do not give their own.
        let fallback = try double("rope_theta", default: defaultTheta)
        if let parameters = object("rope_parameters") {
            let flat = parameters["rope_type"] != nil || parameters["rope_theta"] != nil
            if flat {
                full = try entry(context: context, parameters, "rope_parameters", theta: fallback)
                sliding = full
            } else {
                full = (fallback, nil)
                sliding = (fallback, nil)
                for member in parameters.objectMembers ?? [] {
                    let name = "rope_parameters.\(member.key)"
                    guard member.value.objectMembers != nil else { throw .badFile(path: path, problem: "'\(name)' should be an object") }
                    switch member.key {
                    case "full_attention": full = try entry(context: context, member.value, name, theta: fallback)
                    case "sliding_attention": sliding = try entry(context: context, member.value, name, theta: fallback)
                    default: throw .unsupported("\(path): \(name): layer type '\(member.key)' has no TransformerLens equivalent")
                    }
                }
            }
        } else {
            let theta = fallback
            let scaling = isWritten("rope_scaling") ? json["rope_scaling"] : defaultScaling
            var scaled: (theta: Double, yarn: YarnRope?) = (theta, nil)
            if let scaling, !scaling.isNull {
                guard scaling.objectMembers != nil else { throw .badFile(path: path, problem: "'rope_scaling' should be an object") }
                scaled = try entry(context: context, scaling, "rope_scaling", theta: theta)
            }
            full = scaled
            sliding = scope == .allLayers ? scaled : (theta, nil)
        }
        var settings = RotarySettings(base: full.theta, localBase: sliding.theta == full.theta ? nil : sliding.theta,
                                      yarn: full.yarn)
        switch (full.yarn, sliding.yarn) {
        case (nil, nil): break
        case (_?, nil):
            settings.yarn?.globalOnly = true
        case (let global?, let local?) where global == local: break
        default:
            throw .unsupported("\(path): YaRN on sliding layers other than on full layers is not supported")
        }
        return settings
    }

    /// One rope entry: its base and, for `rope_type` yarn, its scaling (transformers' defaults:
    /// beta_fast 32, beta_slow 1, truncate true, the attention factor from `factor` and `mscale`).
    private func entry(context: Int, _ value: JSONValue, _ name: String, theta fallback: Double) throws(TLError) -> (theta: Double, yarn: YarnRope?) {
        func number(_ key: String) throws(TLError) -> Double? {
            guard let raw = value[key], !raw.isNull else { return nil }
            guard let number = raw.doubleValue, number.isFinite else { throw .badFile(path: path, problem: "'\(name).\(key)' should be a number") }
            return number
        }
        let theta = try number("rope_theta") ?? fallback
        guard theta > 1 else { throw .badFile(path: path, problem: "'\(name).rope_theta' must be greater than 1, got \(theta)") }
        let kind = value["rope_type"]?.stringValue ?? value["type"]?.stringValue ?? "default"
        switch kind {
        case "default":
            return (theta, nil)
        case "yarn":
            var original = Double(context)
            if let given = try number("original_max_position_embeddings") { original = given }
            guard original >= 1, original.rounded() == original, original < 1e12 else {
                throw .badFile(path: path, problem: "'\(name).original_max_position_embeddings' must be a positive integer")
            }
            // transformers: a missing factor is the context extension itself.
            var factor = Double(context) / original
            if let given = try number("factor") { factor = given }
            guard factor > 0 else { throw .badFile(path: path, problem: "'\(name).factor' must be positive, got \(factor)") }
            var attention = try number("attention_factor")
            if attention == nil {
                let (mscale, all) = (try number("mscale") ?? 0, try number("mscale_all_dim") ?? 0)
                attention = mscale != 0 && all != 0
                    ? Self.mscale(factor, mscale) / Self.mscale(factor, all) : YarnRope.defaultAttentionFactor(factor)
            }
            var yarn = YarnRope(factor: factor, attentionFactor: attention ?? 1)
            // `beta or default`, as transformers reads them (0 means the default too).
            if let fast = try number("beta_fast"), fast != 0 { yarn.betaFast = fast }
            if let slow = try number("beta_slow"), slow != 0 { yarn.betaSlow = slow }
            guard yarn.betaFast > 0, yarn.betaSlow > 0 else {
                throw .badFile(path: path, problem: "'\(name)' beta_fast and beta_slow must be positive")
            }
            yarn.originalContext = Int(original)
            if let truncate = value["truncate"], !truncate.isNull {
                guard let flag = truncate.boolValue else { throw .badFile(path: path, problem: "'\(name).truncate' should be a boolean") }
                yarn.truncate = flag
            }
            return (theta, yarn)
        default:
            throw .unsupported("\(path): \(name) rope_type '\(kind)' is not supported (plain rotary and YaRN only)")
        }
    }

    /// transformers' `get_mscale(scale, mscale)`.
    private static func mscale(_ scale: Double, _ m: Double) -> Double { scale <= 1 ? 1 : 0.1 * m * log(scale) + 1 }
}
